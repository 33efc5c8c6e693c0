package main

// The connector, complete in this file: com.example.EventsSource copies
// the events of an HTTP events API (api.go serves one) into Kafka. Each
// stream the API has is a source partition, read from the event after the
// last one committed, and the streams are shared between up to tasks.max
// tasks.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/source"
)

// The connector's keys.
const (
	URLConfig          = "events.url"
	StreamsConfig      = "streams"
	TopicConfig        = "topic"
	BatchSizeConfig    = "batch.size"
	PollIntervalConfig = "poll.interval.ms"
)

var streamName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// configDef declares every key with its type, default and validation, so
// that a bad configuration is refused when the connector is created (and
// by PUT /connector-plugins/…/config/validate), naming the key, rather
// than failing a task later.
var configDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: URLConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
		Validator: connect.ValidatorFunc(validURL), Doc: "The events API's base URL (http or https)"}).
	Define(connect.ConfigKey{Name: StreamsConfig, Type: connect.ConfigList, Required: true, Importance: connect.High,
		Validator: connect.ValidatorFunc(validStreams), Doc: "The streams to copy, comma-separated"}).
	Define(connect.ConfigKey{Name: TopicConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
		Validator: connect.NonEmpty(), Doc: "The topic to write the events to"}).
	Define(connect.ConfigKey{Name: BatchSizeConfig, Type: connect.ConfigInt, Default: 500, Importance: connect.Medium,
		Validator: connect.Range(1, 10000), Doc: "The most events asked for in one request"}).
	Define(connect.ConfigKey{Name: PollIntervalConfig, Type: connect.ConfigLong, Default: int64(1000), Importance: connect.Medium,
		Validator: connect.Range(int64(10), int64(time.Hour/time.Millisecond)),
		Doc:       "How long to wait before asking again when no stream had new events"})

func validURL(v any) error {
	u, err := url.Parse(v.(string))
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http or https URL", v)
	}
	return nil
}

func validStreams(v any) error {
	streams := v.([]string)
	if len(streams) == 0 {
		return errors.New("name at least one stream")
	}
	for _, s := range streams {
		if !streamName.MatchString(s) {
			return fmt.Errorf("%q is not a stream name (lower-case letters, digits, '.', '_' and '-')", s)
		}
	}
	return nil
}

// eventSchema is the value of each record.
var eventSchema = connect.StructOf(
	connect.F("id", connect.Int64Schema),
	connect.F("stream", connect.StringSchema),
	connect.F("type", connect.StringSchema),
	connect.F("data", connect.OptionalStringSchema),
	connect.F("time", connect.TimestampSchema),
).WithName("com.example.Event")

// EventsSource is the connector, to give a worker (worker.Plugins) or the
// worker program (cli.Plugins).
func EventsSource() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.EventsSource", Aliases: []string{"EventsSource"},
			Kind: connect.SourcePlugin, Version: "1.0", Config: configDef,
			Doc: "Copies the events of an HTTP events API's streams into a topic."},
		New: func() source.Connector { return &connector{} },
	}
}

// connector checks the configuration once and shares the streams between
// the tasks.
type connector struct {
	config  map[string]string
	streams []string
}

func (c *connector) Start(_ context.Context, config map[string]string, cc source.ConnectorContext) error {
	cfg, err := configDef.Parse(config)
	if err != nil {
		return err
	}
	c.config, c.streams = config, cfg.List(StreamsConfig)
	cc.Logger().Info("copying events", "url", cfg.String(URLConfig), "streams", len(c.streams))
	return nil
}

// TaskConfigs deals the streams round-robin to min(maxTasks, streams)
// tasks: each stream is read by exactly one task, so its events stay in
// order.
func (c *connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	n := min(maxTasks, len(c.streams))
	shares := make([][]string, n)
	for i, s := range c.streams {
		shares[i%n] = append(shares[i%n], s)
	}
	out := make([]map[string]string, n)
	for i, share := range shares {
		tc := make(map[string]string, len(c.config))
		for k, v := range c.config {
			tc[k] = v
		}
		tc[StreamsConfig] = strings.Join(share, ",")
		out[i] = tc
	}
	return out, nil
}

func (c *connector) NewTask() source.Task       { return &task{} }
func (c *connector) Stop(context.Context) error { return nil }

// stream is one stream a task reads: its partition and the id of the last
// event returned.
type stream struct {
	name      string
	partition connect.SourcePartition
	last      int64
}

// task reads its streams in turn, a batch of each per Poll.
type task struct {
	base     *url.URL
	topic    string
	batch    int
	interval time.Duration
	streams  []*stream
	client   *http.Client
	log      *slog.Logger
}

func (t *task) Start(ctx context.Context, config map[string]string, tc source.TaskContext) error {
	cfg, err := configDef.Parse(config)
	if err != nil {
		return err
	}
	t.base, _ = url.Parse(cfg.String(URLConfig)) // validated
	t.topic, t.batch = cfg.String(TopicConfig), cfg.Int(BatchSizeConfig)
	t.interval = time.Duration(cfg.Long(PollIntervalConfig)) * time.Millisecond
	// A transport of its own, so that Stop can close its connections and
	// leave no goroutine behind.
	t.client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: 30 * time.Second}
	t.log = tc.Logger() // names the connector and the task

	// Resume each stream after the last event whose record Kafka has,
	// as committed by the runtime.
	var parts []connect.SourcePartition
	for _, name := range cfg.List(StreamsConfig) {
		s := &stream{name: name, partition: connect.NewSourcePartition("stream", name)}
		t.streams = append(t.streams, s)
		parts = append(parts, s.partition)
	}
	committed, err := tc.Offsets().Offsets(ctx, parts)
	if err != nil {
		return fmt.Errorf("reading committed offsets: %w", err)
	}
	for _, s := range t.streams {
		s.last, _ = committed[s.partition].Int64("id")
		t.log.Info("reading stream", "stream", s.name, "after", s.last)
	}
	return nil
}

func (t *task) Poll(ctx context.Context) ([]connect.Record, error) {
	var recs []connect.Record
	for _, s := range t.streams {
		events, err := t.fetch(ctx, s)
		if err != nil {
			return recs, err
		}
		for _, e := range events {
			recs = append(recs, t.record(s, e))
			s.last = e.ID
		}
	}
	if len(recs) > 0 {
		return recs, nil
	}
	// Nothing new: wait, but return as soon as the runtime stops or
	// pauses the task.
	timer := time.NewTimer(t.interval)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		return nil, nil
	}
}

// event is one event as the API returns it.
type event struct {
	ID   int64     `json:"id"`
	Type string    `json:"type"`
	Data *string   `json:"data"`
	Time time.Time `json:"time"`
}

// fetch asks for the events of s after its last one. A failure the API may
// recover from (no answer, 429, 5xx) is retriable: the runtime calls Poll
// again after a backoff; any other answer fails the task, naming the
// stream and what the API said.
func (t *task) fetch(ctx context.Context, s *stream) ([]event, error) {
	u := t.base.JoinPath("streams", s.name, "events")
	u.RawQuery = url.Values{"after": {strconv.FormatInt(s.last, 10)}, "limit": {strconv.Itoa(t.batch)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := t.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		t.log.Warn("events API unreachable; retrying", "stream", s.name, "err", err)
		return nil, connect.Retriable(fmt.Errorf("stream %s: %w", s.name, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		err := fmt.Errorf("stream %s: GET %s: %s: %s", s.name, u.Redacted(), resp.Status, strings.TrimSpace(string(msg)))
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return nil, connect.Retriable(err)
		}
		return nil, err
	}
	var events []event
	if err := json.NewDecoder(resp.Body).Decode(&events); err != nil {
		return nil, fmt.Errorf("stream %s: reading the events after %d: %w", s.name, s.last, err)
	}
	if !slices.IsSortedFunc(events, func(a, b event) int { return int(a.ID - b.ID) }) ||
		(len(events) > 0 && events[0].ID <= s.last) {
		return nil, fmt.Errorf("stream %s: the events after %d are not in order of id", s.name, s.last)
	}
	return events, nil
}

func (t *task) record(s *stream, e event) connect.Record {
	v := connect.NewStruct(eventSchema)
	v.PutInt64("id", e.ID)
	v.PutString("stream", s.name)
	v.PutString("type", e.Type)
	if e.Data != nil {
		v.PutString("data", *e.Data)
	}
	v.PutTime("time", e.Time)
	return connect.Record{
		Topic:     t.topic,
		KeySchema: connect.StringSchema, Key: s.name, // one stream, one Kafka partition: in order
		ValueSchema: eventSchema, Value: v,
		Timestamp:       e.Time,
		SourcePartition: s.partition,
		SourceOffset:    connect.Int64Offset("id", e.ID), // committed once Kafka has the record
	}
}

// Stop releases what Start took; the runtime calls it once Poll has
// returned.
func (t *task) Stop(context.Context) error {
	if t.client != nil {
		t.client.CloseIdleConnections()
	}
	return nil
}
