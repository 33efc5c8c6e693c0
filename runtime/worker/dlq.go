package worker

// Dead-letter queues (errors.deadletterqueue.*).
//
// Sink connectors work as in Kafka Connect: with
// errors.deadletterqueue.topic.name set and errors.tolerance=all, a record
// whose key, value or header conversion or transformation failed, and every
// record the task reports through its ErrantRecordReporter, is produced to
// the dead-letter topic with the key, value, headers and timestamp it had in
// Kafka, byte for byte. Writes are asynchronous; before the task commits
// consumer offsets (commitLocked), it waits for every pending write, so an
// offset never moves past a record that is not yet in the dead-letter topic.
// A failed write fails the task, which then commits nothing more: Kafka
// Connect fails the task when a reported record's write fails; kconnect does
// so for converter and transform failures too, where Kafka Connect only logs.
//
// Source connectors get the same keys as a kconnect extension (Kafka Connect
// has no source dead-letter queue): a record that failed in transforms,
// converters or production is written with its key, value and header values
// as schemaless JSON (connect.AppendJSON; nil stays a Kafka null), as the
// source task produced it, before any transform. The write is synchronous:
// the record is settled (and its source offset becomes committable) only
// once the dead-letter topic has acknowledged it; a failed write fails the
// task and leaves the offset uncommitted, so the record is polled again
// after a restart.
//
// With errors.deadletterqueue.context.headers.enable=true the record gets
// the __connect.errors.* headers (UTF-8 strings; see the DLQHeader
// constants). The topic is created when missing with one partition and
// errors.deadletterqueue.topic.replication.factor (default 3, as in Kafka;
// -1 means the broker's default.replication.factor; a single-broker cluster
// needs 1). The producer's client id is connector-dlq-producer-<connector>-<task>
// and it writes with acks=all and no delivery timeout.
//
// With errors.tolerance=none the dead-letter topic is neither created nor
// written: the first failure fails the task and the record will be
// processed again after a restart. (Kafka Connect writes that record to the
// dead-letter topic before failing the task.)

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Headers on dead-letter records when
// errors.deadletterqueue.context.headers.enable=true. Values are UTF-8
// strings. The first ten are Kafka Connect's (DeadLetterQueueReporter);
// DLQHeaderSourcePartition and DLQHeaderSourceOffset are kconnect's, on
// source connectors' dead-letter records only.
const (
	// DLQHeaderPrefix starts every error context header.
	DLQHeaderPrefix = "__connect.errors."
	// DLQHeaderTopic is the topic the record was consumed from (sink), or
	// the topic the source task gave it (source).
	DLQHeaderTopic = DLQHeaderPrefix + "topic"
	// DLQHeaderPartition is the partition the record was consumed from, in
	// decimal (sink only).
	DLQHeaderPartition = DLQHeaderPrefix + "partition"
	// DLQHeaderOffset is the offset the record was consumed from, in
	// decimal (sink only).
	DLQHeaderOffset = DLQHeaderPrefix + "offset"
	// DLQHeaderConnectorName is the connector's name.
	DLQHeaderConnectorName = DLQHeaderPrefix + "connector.name"
	// DLQHeaderTaskID is the task number, in decimal.
	DLQHeaderTaskID = DLQHeaderPrefix + "task.id"
	// DLQHeaderStage is where the record failed: KEY_CONVERTER,
	// VALUE_CONVERTER, HEADER_CONVERTER, TRANSFORMATION, TASK_PUT or
	// KAFKA_PRODUCE.
	DLQHeaderStage = DLQHeaderPrefix + "stage"
	// DLQHeaderClassName is the class that failed: the converter's or
	// transformation's Kafka class name (e.g.
	// org.apache.kafka.connect.json.JsonConverter), Kafka Connect's
	// org.apache.kafka.connect.sink.SinkTask for reported records and
	// org.apache.kafka.connect.runtime.WorkerSourceTask for production
	// failures, or a Go type name where no class name is known.
	DLQHeaderClassName = DLQHeaderPrefix + "class.name"
	// DLQHeaderExceptionClassName is the Go type of the error, such as
	// *connect.DataError.
	DLQHeaderExceptionClassName = DLQHeaderPrefix + "exception.class.name"
	// DLQHeaderExceptionMessage is the error's message.
	DLQHeaderExceptionMessage = DLQHeaderPrefix + "exception.message"
	// DLQHeaderExceptionStacktrace is the error chain, one error per line:
	// "<type>: <message>", then "Caused by: <type>: <message>" for each
	// wrapped error, as a Java stack trace lists causes. It has no Go stack.
	DLQHeaderExceptionStacktrace = DLQHeaderPrefix + "exception.stacktrace"
	// DLQHeaderSourcePartition is a source record's source partition as
	// JSON (kconnect extension).
	DLQHeaderSourcePartition = DLQHeaderPrefix + "source.partition"
	// DLQHeaderSourceOffset is a source record's source offset as JSON
	// (kconnect extension).
	DLQHeaderSourceOffset = DLQHeaderPrefix + "source.offset"
)

// Executing class names Kafka Connect reports for stages that are the
// runtime's or the task's rather than a plugin's.
const (
	sinkTaskClass         = "org.apache.kafka.connect.sink.SinkTask"
	workerSourceTaskClass = "org.apache.kafka.connect.runtime.WorkerSourceTask"
	chainGoType           = "*transform.Chain"
)

// dlq is a task's dead-letter queue writer. It is safe for concurrent use.
type dlq struct {
	topic          string
	id             TaskID
	contextHeaders bool
	source         bool // synchronous writes, JSON-encoded records
	producer       *kgo.Client
	classes        classNames
	log            *slog.Logger

	// ctx is the context of asynchronous writes; close cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	pending int
	idle    chan struct{} // closed (and replaced) when pending drops to 0
	failed  error         // first failed write; sticky
}

// openDeadLetters sets up the connector's dead-letter queue for task id, if
// errors.deadletterqueue.topic.name is set and errors.tolerance=all: it
// creates the topic when missing and starts the producer. The caller must
// call closeDeadLetters when the task ends.
func (p *errorPolicy) openDeadLetters(ctx context.Context, w *engine, id TaskID, c *connectorRun, source bool) error {
	topic := strings.TrimSpace(c.cfg.String(DLQTopicNameConfig))
	if topic == "" || !p.tolerateAll {
		return nil
	}
	rf := c.cfg.Int(DLQTopicReplicationFactorConfig)
	if rf == 0 || rf < -1 || rf > 32767 {
		return fmt.Errorf("%s: must be -1 (broker default) or between 1 and 32767, got %d", DLQTopicReplicationFactorConfig, rf)
	}
	admin, closeAdmin, err := w.connectorAdmin(c, "connector-dlq-adminclient-"+id.String())
	if err != nil {
		return fmt.Errorf("dead letter queue admin client: %w", err)
	}
	err = ensureDLQTopic(ctx, admin, topic, int16(rf))
	closeAdmin()
	if err != nil {
		return fmt.Errorf("dead letter queue topic %s (%s): %w", topic, DLQTopicNameConfig, err)
	}
	producer, err := kgo.NewClient(append(w.clientOptsWith(c.clients.producerSec,
		kgo.ClientID("connector-dlq-producer-"+id.String()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(0), // retry until the write succeeds or the task stops, as Kafka Connect's producer does
		kgo.UnknownTopicRetries(-1),  // the topic exists: a fresh one may take a moment to be served
		// A client's Close waits up to a second for its last
		// client-metrics push (KIP-714), which a silent broker never
		// answers; every task stop would pay it. The producer's metrics
		// are not worth that.
		kgo.DisableClientMetrics(),
	), c.clients.producer...)...)
	if err != nil {
		return fmt.Errorf("dead letter queue producer: %w", err)
	}
	d := &dlq{
		topic: topic, id: id, source: source, producer: producer,
		contextHeaders: c.cfg.Bool(DLQContextHeadersEnableConfig),
		classes:        newClassNames(w, c),
		log:            p.log,
		idle:           make(chan struct{}),
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	p.dlq = d
	return nil
}

// awaitDeadLetters waits until every dead-letter write sent so far is
// acknowledged. It returns a *deadLetterError if a write failed (the task
// must fail and commit nothing more), or ctx's error if the writes are
// still pending (commit later).
func (p *errorPolicy) awaitDeadLetters(ctx context.Context) error {
	if p.dlq == nil {
		return nil
	}
	return p.dlq.wait(ctx)
}

// deadLetterFailure returns the first failed dead-letter write, or nil.
func (p *errorPolicy) deadLetterFailure() error {
	if p.dlq == nil {
		return nil
	}
	return p.dlq.failure()
}

// closeDeadLetters stops the dead-letter producer, if any.
func (p *errorPolicy) closeDeadLetters() {
	if p.dlq != nil {
		p.dlq.close()
	}
}

// deadLetterError is a failed dead-letter write: the record is not in the
// dead-letter topic.
type deadLetterError struct {
	topic string
	pos   connect.Position
	err   error
}

func (e *deadLetterError) Error() string {
	return fmt.Sprintf("writing the record at %s to the dead letter queue topic %s: %v", e.pos, e.topic, e.err)
}

func (e *deadLetterError) Unwrap() error { return e.err }

// ensureDLQTopic creates topic with one partition and replication factor rf
// unless it exists, then waits (up to dlqTopicWait) until its partition is
// served, so that the first write does not stall on "unknown topic".
func ensureDLQTopic(ctx context.Context, cl *kgo.Client, topic string, rf int16) error {
	adm := kadm.NewClient(cl)
	tds, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return fmt.Errorf("listing topics: %w", err)
	}
	if td, ok := tds[topic]; ok && td.Err == nil {
		return nil
	}
	resp, err := adm.CreateTopic(ctx, 1, rf, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("creating the topic: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, dlqTopicWait)
	defer cancel()
	for backoff := 10 * time.Millisecond; topicServed(wctx, cl, topic) != nil; backoff = min(2*backoff, 500*time.Millisecond) {
		t := time.NewTimer(backoff)
		select {
		case <-wctx.Done():
			t.Stop()
			return nil // the producer retries until the topic is served
		case <-t.C:
		}
	}
	return nil
}

// dlqTopicWait bounds the wait for a new dead-letter topic to be served.
const dlqTopicWait = 30 * time.Second

// topicServed asks a broker, bypassing the client's metadata cache, whether
// every partition of topic has a leader.
func topicServed(ctx context.Context, cl *kgo.Client, topic string) error {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	for _, d := range resp.Topics {
		if d.Topic == nil || *d.Topic != topic {
			continue
		}
		if err := kerr.ErrorForCode(d.ErrorCode); err != nil {
			return err
		}
		if len(d.Partitions) == 0 {
			return errors.New("no partitions yet")
		}
		for _, p := range d.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return err
			}
			if p.Leader < 0 {
				return errors.New("no leader yet")
			}
		}
		return nil
	}
	return errors.New("topic not in metadata")
}

// send writes r, which failed at st with cause, to the dead-letter topic:
// synchronously for a source task, asynchronously (see wait) for a sink
// task.
func (d *dlq) send(ctx context.Context, st stage, r *connect.Record, raw *rawRecord, cause error) error {
	kr := d.record(st, r, raw, cause)
	if d.source {
		if err := d.producer.ProduceSync(ctx, kr).FirstErr(); err != nil {
			return &deadLetterError{topic: d.topic, pos: r.Position(), err: err}
		}
		return nil
	}
	d.mu.Lock()
	if d.failed != nil {
		err := d.failed
		d.mu.Unlock()
		return err
	}
	d.pending++
	d.mu.Unlock()
	pos := r.Position()
	d.producer.Produce(d.ctx, kr, func(_ *kgo.Record, err error) { d.done(pos, err) })
	return nil
}

// done settles one asynchronous write.
func (d *dlq) done(pos connect.Position, err error) {
	if err != nil {
		if d.ctx.Err() != nil {
			d.log.Warn("dead letter queue write abandoned at shutdown; offsets are not committed past the record",
				"topic", d.topic, "position", pos.String())
		} else {
			d.log.Error("could not write a failed record to the dead letter queue", "topic", d.topic,
				"position", pos.String(), "err", err)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil && d.failed == nil {
		d.failed = &deadLetterError{topic: d.topic, pos: pos, err: err}
	}
	d.pending--
	if d.pending == 0 {
		close(d.idle)
		d.idle = make(chan struct{})
	}
}

func (d *dlq) wait(ctx context.Context) error {
	for {
		d.mu.Lock()
		failed, pending, idle := d.failed, d.pending, d.idle
		d.mu.Unlock()
		if failed != nil {
			return failed
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d dead letter queue writes: %w", pending, ctx.Err())
		}
	}
}

func (d *dlq) failure() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.failed
}

func (d *dlq) close() {
	d.cancel()
	d.producer.Close()
}

// record builds the dead-letter record.
func (d *dlq) record(st stage, r *connect.Record, raw *rawRecord, cause error) *kgo.Record {
	kr := &kgo.Record{Topic: d.topic}
	n := 0
	if d.contextHeaders {
		n = 12
	}
	if raw != nil {
		kr.Key, kr.Value, kr.Timestamp = raw.key, raw.value, raw.timestamp
		kr.Headers = make([]kgo.RecordHeader, 0, len(raw.headers)+n)
		for _, h := range raw.headers {
			kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.key, Value: h.value})
		}
	} else {
		kr.Key, kr.Value, kr.Timestamp = jsonBytes(r.Key), jsonBytes(r.Value), r.Timestamp
		kr.Headers = make([]kgo.RecordHeader, 0, r.Headers.Len()+n)
		for h := range r.Headers.All() {
			kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: jsonBytes(h.Value)})
		}
	}
	if d.contextHeaders {
		kr.Headers = d.appendContext(kr.Headers, st, r, cause)
	}
	return kr
}

func (d *dlq) appendContext(hs []kgo.RecordHeader, st stage, r *connect.Record, cause error) []kgo.RecordHeader {
	add := func(k string, v []byte) { hs = append(hs, kgo.RecordHeader{Key: k, Value: v}) }
	if o, ok := r.Origin(); ok {
		add(DLQHeaderTopic, []byte(o.Topic))
		add(DLQHeaderPartition, strconv.AppendInt(nil, int64(o.Partition), 10))
		add(DLQHeaderOffset, strconv.AppendInt(nil, o.Offset, 10))
	} else if r.Topic != "" {
		add(DLQHeaderTopic, []byte(r.Topic))
	}
	add(DLQHeaderConnectorName, []byte(d.id.Connector))
	add(DLQHeaderTaskID, strconv.AppendInt(nil, int64(d.id.Task), 10))
	add(DLQHeaderStage, []byte(st))
	add(DLQHeaderClassName, []byte(d.classes.of(st, cause)))
	if cause != nil {
		add(DLQHeaderExceptionClassName, fmt.Appendf(nil, "%T", cause))
		add(DLQHeaderExceptionMessage, []byte(cause.Error()))
		add(DLQHeaderExceptionStacktrace, appendErrorChain(nil, cause))
	}
	if d.source {
		if !r.SourcePartition.IsZero() {
			add(DLQHeaderSourcePartition, r.SourcePartition.AppendJSON(nil))
		}
		if !r.SourceOffset.IsZero() {
			if b, err := r.SourceOffset.AppendJSON(nil); err == nil {
				add(DLQHeaderSourceOffset, b)
			} else {
				add(DLQHeaderSourceOffset, []byte(r.SourceOffset.String()))
			}
		}
	}
	return hs
}

// jsonBytes is v as schemaless JSON, nil for nil. A value AppendJSON cannot
// write (a type outside Kafka Connect's data model) becomes a JSON string of
// its Go form rather than being lost.
func jsonBytes(v any) []byte {
	if v == nil {
		return nil
	}
	b, err := connect.AppendJSON(nil, v)
	if err != nil {
		return connect.AppendJSONString(nil, fmt.Sprint(v))
	}
	return b
}

// appendErrorChain writes err and every error it wraps, depth first, one
// per line: "<type>: <message>", then "Caused by: <type>: <message>".
func appendErrorChain(dst []byte, err error) []byte {
	first := true
	var walk func(e error, depth int)
	walk = func(e error, depth int) {
		if e == nil || depth > 100 {
			return
		}
		if !first {
			dst = append(dst, "\nCaused by: "...)
		}
		first = false
		dst = fmt.Appendf(dst, "%T: %s", e, e.Error())
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c, depth+1)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), depth+1)
		}
	}
	walk(err, 0)
	return dst
}

// classNames resolves the executing class of a failure, as Kafka Connect
// names it in __connect.errors.class.name.
type classNames struct {
	key, value, header string
	transforms         []aliasClass // longest alias first
}

type aliasClass struct{ prefix, class string }

func newClassNames(w *engine, c *connectorRun) classNames {
	var cn classNames
	conv := func(kind connect.PluginKind, configKey, fallback string) string {
		name := c.cfg.Class(configKey)
		if name == "" {
			name = fallback
		}
		if p, err := w.findPlugin(kind, name); err == nil {
			return p.Info().Class
		}
		return name
	}
	cn.key = conv(connect.ConverterPlugin, KeyConverterConfig, w.opts.defaultKeyConverter)
	cn.value = conv(connect.ConverterPlugin, ValueConverterConfig, w.opts.defaultValConverter)
	cn.header = conv(connect.HeaderConverterPlugin, HeaderConverterConfig, w.opts.headerConverterClass())
	for _, alias := range c.cfg.List(transform.TransformsConfig) {
		typ := strings.TrimSpace(c.resolved[transform.TransformsConfig+"."+alias+".type"])
		class := typ
		if p, err := w.findPlugin(connect.TransformationPlugin, typ); err == nil {
			class = p.Info().Class
		}
		if class == "" {
			class = chainGoType
		}
		cn.transforms = append(cn.transforms, aliasClass{prefix: "transform " + alias + ": ", class: class})
	}
	// A longer alias may start with a shorter one ("a" and "a: b"): try
	// the longest first.
	for i := 1; i < len(cn.transforms); i++ {
		for j := i; j > 0 && len(cn.transforms[j].prefix) > len(cn.transforms[j-1].prefix); j-- {
			cn.transforms[j], cn.transforms[j-1] = cn.transforms[j-1], cn.transforms[j]
		}
	}
	return cn
}

// of returns the executing class for a failure at st.
func (cn *classNames) of(st stage, cause error) string {
	switch st {
	case stageKeyConverter:
		return cn.key
	case stageValueConverter:
		return cn.value
	case stageHeaderConverter:
		return cn.header
	case stageTransformation:
		return cn.transform(cause)
	case stagePut:
		return sinkTaskClass
	case stageProduce:
		return workerSourceTaskClass
	}
	return fmt.Sprintf("%T", cause)
}

// transform finds the failed step from the "transform <alias>: " prefix the
// chain puts on its errors (transform.Chain.Apply), at any depth of the
// chain.
func (cn *classNames) transform(cause error) string {
	for e := cause; e != nil; e = errors.Unwrap(e) {
		msg := e.Error()
		for _, ac := range cn.transforms {
			if strings.HasPrefix(msg, ac.prefix) {
				return ac.class
			}
		}
	}
	return chainGoType
}

// rawFromKgo is the Kafka form of a consumed record, for the dead-letter
// queue.
func rawFromKgo(kr *kgo.Record) *rawRecord {
	raw := &rawRecord{key: kr.Key, value: kr.Value, timestamp: kr.Timestamp}
	if len(kr.Headers) > 0 {
		raw.headers = make([]rawHeader, len(kr.Headers))
		for i, h := range kr.Headers {
			raw.headers[i] = rawHeader{h.Key, h.Value}
		}
	}
	return raw
}

// errantRaw returns the Kafka form of a record a sink task reported: the
// consumed record it came from, found by its origin in the last batch
// delivered, as Kafka Connect sends the original consumer record; failing
// that (a record the task built, or one from an older batch), the record
// converted again with the connector's converters, as Kafka Connect does for
// records it cannot trace. nil (the dead-letter queue then writes JSON) if
// conversion fails, or when there is no dead-letter queue.
func (st *sinkTask) errantRaw(rec *connect.Record) *rawRecord {
	if st.errs.dlq == nil {
		return nil
	}
	if o, ok := rec.Origin(); ok {
		if b := st.lastBatch.Load(); b != nil {
			for _, kr := range *b {
				if kr.Offset == o.Offset && kr.Partition == o.Partition && kr.Topic == o.Topic {
					return rawFromKgo(kr)
				}
			}
		}
	}
	// In the source path's order (sourceTask.convert): headers first, then
	// the key and value, whose converters may add headers.
	var headers []kgo.RecordHeader
	for h := range rec.Headers.All() {
		v, err := st.headers.FromConnectHeader(nil, rec.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			return nil
		}
		headers = append(headers, kgo.RecordHeader{Key: h.Key, Value: v})
	}
	raw := &rawRecord{timestamp: rec.Timestamp}
	var err error
	if raw.key, err = st.keys.fromConnect(nil, rec.Topic, rec.Headers, &headers, rec.KeySchema, rec.Key); err != nil {
		return nil
	}
	if raw.value, err = st.values.fromConnect(nil, rec.Topic, rec.Headers, &headers, rec.ValueSchema, rec.Value); err != nil {
		return nil
	}
	for _, h := range headers {
		raw.headers = append(raw.headers, rawHeader{h.Key, h.Value})
	}
	return raw
}
