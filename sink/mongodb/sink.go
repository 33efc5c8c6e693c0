package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/mongodb"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/sink"
)

// Class is the Kafka Connect class name of the connector, the official
// MongoDB connector's.
const Class = "com.mongodb.kafka.connect.MongoSinkConnector"

// Plugin describes the connector to a runtime.
func Plugin() sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{
			Class:   Class,
			Aliases: []string{"MongoSinkConnector"},
			Kind:    connect.SinkPlugin,
			Version: version.Kconnect(),
			Doc:     "Writes records to MongoDB collections, as the official MongoDB Kafka sink connector.",
			Config:  configDef,
		},
		New: func() sink.Connector {
			// Start checks the configuration without connecting: each
			// task connects on its own.
			check := func(config map[string]string) error { _, err := checkConfig(config); return err }
			return sink.CheckedConnector("MongoSinkConnector", check, func() sink.Task { return &task{} })
		},
	}
}

// checkConfig parses the connector-wide keys and the settings of every
// topic the configuration names (in topics or in an override), as the
// official MongoSinkConfig does when it starts.
func checkConfig(config map[string]string) (*connect.Config, error) {
	cfg, err := configDef.Parse(config)
	if err != nil {
		return nil, err
	}
	topics := overrideTopics(config)
	for _, t := range strings.Split(config["topics"], ",") {
		if t = strings.TrimSpace(t); t != "" {
			topics = append(topics, t)
		}
	}
	for _, t := range topics {
		if _, err := parseTopicSettings(config, t); err != nil {
			return nil, fmt.Errorf("topic %s: %w", t, err)
		}
	}
	return cfg, nil
}

// task writes each Put with one bulk write per run of records bound for
// the same collection.
type task struct {
	config     map[string]string
	uri        string
	client     *mongo.Client
	tc         sink.TaskContext
	log        *slog.Logger
	topics     map[string]*topicSettings
	maxRetries int
	deferBy    time.Duration
	retries    int // transient failures of the batch in a row
	// done holds the Kafka positions of the records of a batch that were
	// written or reported before a later write of the batch failed for a
	// transient reason: the runtime delivers the batch again, and writing
	// them again would duplicate documents with generated ids, or refuse
	// inserts of documents that are in fact written. Emptied once a Put
	// ends without a retriable error.
	done map[connect.KafkaPosition]struct{}
	// unsure holds the records of a batch from the bulk write on that
	// failed for a transient reason: the server may have applied that
	// write with no answer reaching the task. Each has the random id
	// (BsonOidStrategy, UuidStrategy) it was given, or nil: the batch
	// delivered again gives it that id again, so that the write replaces
	// rather than duplicates the document, and a refusal of its insert as
	// a duplicate _id means it was written. Emptied with done.
	unsure map[connect.KafkaPosition]any
	// models is scratch space for a bulk write's models.
	models []mongo.WriteModel
	// timeseriesChecked holds the namespaces found or made time series
	// collections.
	timeseriesChecked map[namespace]bool
	// newClient connects; nil: mongodb.Connect (tests watch commands).
	newClient func(ctx context.Context, uri string) (*mongo.Client, error)
}

var _ sink.BatchBorrower = (*task)(nil)

// BorrowsBatch is true: Put keeps no record once it returns.
func (t *task) BorrowsBatch() bool { return true }

func (t *task) Start(ctx context.Context, config map[string]string, tc sink.TaskContext) error {
	cfg, err := checkConfig(config)
	if err != nil {
		return fmt.Errorf("MongoSinkConnector: %w", err)
	}
	t.config, t.tc, t.log = maps.Clone(config), tc, slog.New(slog.DiscardHandler)
	if tc != nil {
		t.log = tc.Logger()
	}
	t.uri = cfg.Password(ConnectionURIConfig).Value()
	t.maxRetries = cfg.Int(MaxNumRetriesConfig)
	t.deferBy = time.Duration(cfg.Int(RetriesDeferTimeoutConfig)) * time.Millisecond
	t.topics = map[string]*topicSettings{}
	dial := func(ctx context.Context, uri string) (*mongo.Client, error) {
		return mongodb.Connect(ctx, uri, "mongo-kafka|sink", "kconnect "+version.Kconnect())
	}
	if t.newClient != nil {
		dial = t.newClient
	}
	client, err := dial(ctx, t.uri)
	if err != nil {
		return fmt.Errorf("MongoSinkConnector: %w", err)
	}
	t.client = client
	t.log.Info("MongoDB sink task started", "connection.uri", mongodb.Redact(t.uri))
	return nil
}

// settings returns the settings of topic's records, parsed on first use so
// that topics matched by topics.regex take their overrides too.
func (t *task) settings(topic string) (*topicSettings, error) {
	if s, ok := t.topics[topic]; ok {
		return s, nil
	}
	s, err := parseTopicSettings(t.config, topic)
	if err != nil {
		return nil, fmt.Errorf("MongoSinkConnector: topic %s: %w", topic, err)
	}
	if s.timeseries != nil {
		s.timeseries.log = t.log
	}
	t.topics[topic] = s
	return s, nil
}

// recordName names a record in errors: its topic, partition and offset.
func recordName(r *connect.Record) string {
	topic, part, offset := kafkaPosition(r)
	return fmt.Sprintf("record topic %s partition %d offset %d", topic, part, offset)
}

// pending is a record's write, ready for a bulk write.
type pending struct {
	rec   *connect.Record
	ns    namespace
	s     *topicSettings
	model mongo.WriteModel
	id    any // the record's random id, if it has one
}

// Put writes records with bulk writes, one per run of consecutive records
// of the same topic and collection (split at max.batch.size), each done
// before Put returns, so the offsets the runtime then commits are those of
// written or reported records. A record that cannot become a write (its
// value is not a document, its key does not give the id strategy an _id,
// ...) or that the server refuses goes to the errant record reporter with
// an error naming its topic, partition and offset; the others are written.
// When errors are not tolerated, Put returns that error instead. A write
// that fails for a transient reason is delivered again, max.num.retries
// times, retries.defer.timeout apart, before the task fails; the records
// of that batch already written or reported (those of earlier bulk
// writes) are then neither written nor reported again.
func (t *task) Put(ctx context.Context, records []connect.Record) error {
	if t.client == nil {
		return errors.New("MongoSinkConnector: Put called on a task that is not started")
	}
	err := t.put(ctx, records)
	if !errors.Is(err, connect.ErrRetriable) {
		clear(t.done)
		clear(t.unsure)
	}
	return err
}

// finished says whether r was written or reported by an earlier delivery
// of its batch.
func (t *task) finished(r *connect.Record) bool {
	if len(t.done) == 0 {
		return false
	}
	o, ok := r.Origin()
	if !ok {
		return false
	}
	_, ok = t.done[o]
	return ok
}

// finish remembers that r was written or reported, for a delivery again
// of its batch.
func (t *task) finish(r *connect.Record) {
	o, ok := r.Origin()
	if !ok {
		return
	}
	if t.done == nil {
		t.done = map[connect.KafkaPosition]struct{}{}
	}
	t.done[o] = struct{}{}
}

func (t *task) put(ctx context.Context, records []connect.Record) error {
	writes := make([]pending, 0, len(records))
	var reported []*connect.Record
	for i := range records {
		r := &records[i]
		if t.finished(r) {
			continue
		}
		s, err := t.settings(r.Topic)
		if err != nil {
			return err
		}
		ns, model, id, err := t.prepare(s, r)
		if err != nil {
			if err := t.report(ctx, s, r, fmt.Errorf("MongoSinkConnector: %s: %w", recordName(r), err)); err != nil {
				return err
			}
			reported = append(reported, r)
			continue
		}
		if model == nil {
			continue // a change event that needs no write
		}
		writes = append(writes, pending{rec: r, ns: ns, s: s, model: model, id: id})
	}
	for start := 0; start < len(writes); {
		end := start + 1
		for end < len(writes) && writes[end].s == writes[start].s && writes[end].ns == writes[start].ns &&
			(writes[start].s.maxBatch == 0 || end-start < writes[start].s.maxBatch) {
			end++
		}
		if err := t.bulkWrite(ctx, writes[start:end]); err != nil {
			if errors.Is(err, connect.ErrRetriable) {
				for _, r := range reported {
					t.finish(r)
				}
				for _, w := range writes[:start] {
					t.finish(w.rec)
				}
				for _, w := range writes[start:] {
					t.markUnsure(w)
				}
			}
			return err
		}
		start = end
	}
	t.retries = 0
	return nil
}

// markUnsure remembers that w's write may have reached the server, with
// its random id, for the next delivery of its batch.
func (t *task) markUnsure(w pending) {
	o, ok := w.rec.Origin()
	if !ok {
		return
	}
	if t.unsure == nil {
		t.unsure = map[connect.KafkaPosition]any{}
	}
	t.unsure[o] = w.id
}

// wasUnsure says whether r's write may have reached the server in an
// earlier delivery of its batch.
func (t *task) wasUnsure(r *connect.Record) bool {
	if len(t.unsure) == 0 {
		return false
	}
	o, ok := r.Origin()
	if !ok {
		return false
	}
	_, ok = t.unsure[o]
	return ok
}

// prepare turns a record into its collection and write, as the official
// MongoProcessedSinkRecordData does, with the random id it was given, if
// any; the write is nil for a change event that needs none.
func (t *task) prepare(s *topicSettings, r *connect.Record) (namespace, mongo.WriteModel, any, error) {
	var d sinkDoc
	if len(t.unsure) > 0 {
		if o, ok := r.Origin(); ok {
			d.prior = t.unsure[o]
		}
	}
	var err error
	if r.Key != nil {
		if d.key, err = mongodb.ToDocument(r.KeySchema, r.Key); err != nil {
			return namespace{}, nil, nil, fmt.Errorf("key: %w", err)
		}
		d.hasKey = true
	}
	if r.Value != nil {
		if d.value, err = mongodb.ToDocument(r.ValueSchema, r.Value); err != nil {
			return namespace{}, nil, nil, fmt.Errorf("value: %w", err)
		}
		d.hasValue = true
	}
	ns, err := s.namespace(&d)
	if err != nil {
		return namespace{}, nil, nil, fmt.Errorf("namespace: %w", err)
	}
	var model mongo.WriteModel
	switch {
	case s.cdc != nil:
		model, err = s.cdc(&d)
	case d.hasValue:
		for _, p := range s.processors {
			if err := p.process(&d, r); err != nil {
				return ns, nil, nil, err
			}
		}
		model, err = s.write(&d)
	case d.hasKey && s.delete != nil:
		model, err = s.delete(&d)
	case d.hasKey:
		err = errors.New("the value is null and delete.on.null.values is false: there is no write for it")
	default:
		err = errors.New("neither the key nor the value is a document: both are null")
	}
	return ns, model, d.made, err
}

// bulkWrite writes one run of records to one collection.
func (t *task) bulkWrite(ctx context.Context, batch []pending) error {
	s, ns := batch[0].s, batch[0].ns
	if s.timeseries != nil {
		if err := t.ensureTimeseries(ctx, ns, s.timeseries); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			err = mongodb.RedactError(err, t.uri)
			// As a bulk write's: the batch is delivered again
			// max.num.retries times.
			if mongodb.Transient(err) && t.retries < t.maxRetries {
				t.retries++
				if t.tc != nil {
					t.tc.SetRetryBackoff(t.deferBy)
				}
				t.log.Warn("checking for a time series collection failed; the batch is delivered again", "namespace", ns.String(),
					"attempt", t.retries, "max.num.retries", t.maxRetries, "error", err)
				return fmt.Errorf("MongoSinkConnector: %w (%w)", err, connect.ErrRetriable)
			}
			t.retries = 0
			return fmt.Errorf("MongoSinkConnector: topic %s: %w", s.topic, err)
		}
	}
	t.models = t.models[:0]
	for _, w := range batch {
		t.models = append(t.models, w.model)
	}
	coll := t.client.Database(ns.db).Collection(ns.coll)
	_, err := coll.BulkWrite(ctx, t.models, options.BulkWrite().SetOrdered(s.ordered))
	clear(t.models)
	if err == nil {
		return t.rateLimit(ctx, s)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	err = mongodb.RedactError(err, t.uri)
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && len(bwe.WriteErrors) > 0 && bwe.WriteConcernError == nil {
		return t.reportWriteErrors(ctx, batch, ns, s.ordered, bwe)
	}
	if mongodb.Transient(err) && t.retries < t.maxRetries {
		t.retries++
		if t.tc != nil {
			t.tc.SetRetryBackoff(t.deferBy)
		}
		t.log.Warn("a bulk write failed; the batch is delivered again", "namespace", ns.String(),
			"attempt", t.retries, "max.num.retries", t.maxRetries, "error", err)
		return fmt.Errorf("MongoSinkConnector: writing %d records to %s: %w (%w)", len(batch), ns, err, connect.ErrRetriable)
	}
	t.retries = 0
	return fmt.Errorf("MongoSinkConnector: writing %d records to %s (from %s to %s): %w",
		len(batch), ns, recordName(batch[0].rec), recordName(batch[len(batch)-1].rec), err)
}

// duplicateKeyCode is the server's code for a write refused as a
// duplicate key.
const duplicateKeyCode = 11000

// reportWriteErrors reports the records the server refused and, for an
// ordered bulk write, those after the first refused one, which were not
// attempted, as the official connector's AnalyzedBatchFailedWithBulkWriteException does.
// A record refused as a duplicate _id whose write reached the server in
// an earlier delivery of the batch (unsure) is written, not refused; an
// ordered write that stopped at one goes on after it.
func (t *task) reportWriteErrors(ctx context.Context, batch []pending, ns namespace, ordered bool, bwe mongo.BulkWriteException) error {
	failed := map[int]error{}
	first := len(batch)
	written := -1 // the first record refused as a duplicate _id it wrote itself
	for _, we := range bwe.WriteErrors {
		if we.Index < 0 || we.Index >= len(batch) {
			continue
		}
		if we.Code == duplicateKeyCode && t.wasUnsure(batch[we.Index].rec) {
			// Its insert reached the server in an earlier delivery whose
			// answer was lost: the document is written.
			if written < 0 || we.Index < written {
				written = we.Index
			}
			continue
		}
		failed[we.Index] = fmt.Errorf("write error %d: %s", we.Code, we.Message)
		first = min(first, we.Index)
	}
	if ordered && written >= 0 && written < first {
		// The ordered write stopped at a record written before: those
		// after it were not attempted, and are written now.
		if rest := batch[written+1:]; len(rest) > 0 {
			return t.bulkWrite(ctx, rest)
		}
		return nil
	}
	for i := range batch {
		cause, ok := failed[i]
		switch {
		case ok:
		case ordered && i > first:
			cause = fmt.Errorf("not written: the ordered bulk write stopped at the failed write of %s", recordName(batch[first].rec))
		default:
			continue
		}
		err := fmt.Errorf("MongoSinkConnector: %s: writing to %s: %w", recordName(batch[i].rec), ns, cause)
		if rerr := t.report(ctx, batch[i].s, batch[i].rec, err); rerr != nil {
			return rerr
		}
	}
	return nil
}

// report gives a record that cannot be written to the errant record
// reporter, returning err when there is none or it does not tolerate it.
// mongo.errors.tolerance=none returns err without reporting, and =all with
// no reporter drops the record, as the official connector's no-op
// reporter does; the framework's reporter may still refuse it.
func (t *task) report(ctx context.Context, s *topicSettings, r *connect.Record, err error) error {
	if s.logErrors {
		t.log.Error("a record cannot be written", "error", err)
	}
	if s.tolerance == "none" {
		return err
	}
	if t.tc == nil || t.tc.Reporter() == nil {
		if s.tolerance == "all" {
			return nil
		}
		return err
	}
	if rerr := t.tc.Reporter().Report(ctx, *r, err); rerr != nil {
		return err
	}
	t.log.Debug("a record was not written and is reported", "error", err)
	return nil
}

// rateLimit waits rate.limiting.timeout after every rate.limiting.every.n
// bulk writes of a topic.
func (t *task) rateLimit(ctx context.Context, s *topicSettings) error {
	s.batches++
	if s.rateEvery <= 0 || s.rateWait <= 0 || s.batches%s.rateEvery != 0 {
		return nil
	}
	timer := time.NewTimer(s.rateWait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *task) Stop(ctx context.Context) error {
	if t.client == nil {
		return nil
	}
	err := t.client.Disconnect(ctx)
	t.client = nil
	return mongodb.RedactError(err, t.uri)
}
