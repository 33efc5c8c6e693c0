package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/mongodb"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/source"
)

// Class is the official connector's class name, which kconnect's source
// answers to.
const Class = "com.mongodb.kafka.connect.MongoSourceConnector"

// The offset keys, the official connector's.
const (
	idField      = "_id"
	copyKey      = "copy"
	heartbeatKey = "HEARTBEAT"
	nsKey        = "ns"
)

// Plugin returns the MongoDB source connector plugin.
func Plugin() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{
			Class:   Class,
			Aliases: []string{"MongoSourceConnector"},
			Kind:    connect.SourcePlugin,
			Version: version.Kconnect(),
			Doc:     "Streams MongoDB change events to Kafka, as the official MongoDB Kafka source connector.",
			Config:  configDef,
		},
		New: func() source.Connector { return &connector{} },
	}
}

type connector struct{ config map[string]string }

// Start checks the configuration; the single task does the work, as a
// change stream is read by one cursor.
func (c *connector) Start(_ context.Context, config map[string]string, _ source.ConnectorContext) error {
	if _, err := parseSettings(config); err != nil {
		return fmt.Errorf("MongoSourceConnector: %w", err)
	}
	c.config = maps.Clone(config)
	return nil
}

// TaskConfigs returns one task whatever maxTasks, as the official
// connector does.
func (c *connector) TaskConfigs(int) ([]map[string]string, error) {
	if c.config == nil {
		return nil, errors.New("MongoSourceConnector: TaskConfigs called before Start")
	}
	return []map[string]string{maps.Clone(c.config)}, nil
}

func (c *connector) NewTask() source.Task { return &task{} }

func (c *connector) Stop(context.Context) error { return nil }

// task reads one change stream (of a collection, a database or the
// deployment), after copying the existing documents first with
// startup.mode=copy_existing.
type task struct {
	s         *settings
	log       *slog.Logger
	client    *mongo.Client
	partition connect.SourcePartition
	offsets   source.OffsetReader

	cursor *mongo.ChangeStream
	// watchFn opens a change stream: watch, or a fake in tests.
	watchFn func(ctx context.Context, token bson.Raw) (*mongo.ChangeStream, error)
	// invalidated says the next cursor starts without a resume token: the
	// stored one was rejected (and errors.tolerance=all) or the stream was
	// invalidated.
	invalidated bool

	copying     bool
	copy        *copier
	cachedEvent bson.D // the first change event seen before copying
	cachedToken bson.Raw
	// copyStartAt is where streaming starts after the copy when the
	// server gave no resume token before it (no event and no
	// postBatchResumeToken, as with servers older than MongoDB 4.0.7).
	copyStartAt *bson.Timestamp
	// lastToken is the resume token of the last event streamed, where a
	// cursor reopened by this task resumes (the committed offset may lag).
	lastToken    bson.Raw
	lastBeat     time.Time
	lastBeatTok  string
	copyFinished bool
}

func (t *task) Start(ctx context.Context, config map[string]string, tc source.TaskContext) error {
	s, err := parseSettings(config)
	if err != nil {
		return fmt.Errorf("MongoSourceConnector task: %w", err)
	}
	t.s, t.log, t.offsets = s, tc.Logger(), tc.Offsets()
	if t.watchFn == nil {
		t.watchFn = t.watch
	}
	t.partition = connect.NewSourcePartition(nsKey, s.partitionName)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if t.client, err = mongodb.Connect(cctx, s.uri, "kconnect|mongo-kafka|source", version.Kconnect()); err != nil {
		return fmt.Errorf("MongoSourceConnector task: %w", err)
	}
	off, err := t.offsets.Offset(ctx, t.partition)
	if err != nil {
		return fmt.Errorf("MongoSourceConnector task: reading the offset of partition %s: %w", t.partition, err)
	}
	_, inCopy := off.Get(copyKey)
	if s.startup == startCopyExisting && (off.IsZero() || inCopy) {
		if err := t.startCopy(ctx); err != nil {
			_ = t.client.Disconnect(context.WithoutCancel(ctx))
			return fmt.Errorf("MongoSourceConnector task: %w", err)
		}
	}
	t.log.Info("started MongoDB source task", "partition", t.partition.String(), "copying", t.copying)
	return nil
}

// startCopy notes where the change stream stands before copying, so that
// streaming resumes there once the copy is done: every change made during
// the copy is streamed afterwards (some documents twice, as the official
// connector does), none is missed.
func (t *task) startCopy(ctx context.Context) error {
	cs, err := t.watchFn(ctx, nil)
	if err != nil {
		if isNamespaceNotFound(err) {
			return nil
		}
		return t.redact(err)
	}
	defer func() { _ = cs.Close(context.WithoutCancel(ctx)) }()
	if cs.TryNext(ctx) {
		var ev bson.D
		if err := bson.Unmarshal(cs.Current, &ev); err != nil {
			return fmt.Errorf("decoding a change event: %w", err)
		}
		t.cachedEvent = ev
		id, _ := cs.Current.Lookup(idField).DocumentOK()
		t.cachedToken = id
	} else if err := cs.Err(); err != nil {
		return t.redact(err)
	} else {
		t.cachedToken = cs.ResumeToken()
	}
	if t.cachedToken == nil {
		t.copyStartAt = t.operationTime(ctx)
		t.log.Warn("the server gave no resume token before copying; streaming will start at the operation time noted before the copy",
			"operation_time", fmt.Sprintf("%d.%d", t.copyStartAt.T, t.copyStartAt.I))
	}
	t.copying = true
	t.copy = startCopier(context.WithoutCancel(ctx), t.client, t.s, t.log)
	return nil
}

// operationTime returns the server's operation time, from a command run in
// a causally consistent session, or a second before the local clock's time
// when the server reports none: changes from that second on are streamed
// after the copy, some twice, none missed (given clocks that agree).
func (t *task) operationTime(ctx context.Context) *bson.Timestamp {
	if sess, err := t.client.StartSession(); err == nil {
		defer sess.EndSession(context.WithoutCancel(ctx))
		sctx := mongo.NewSessionContext(ctx, sess)
		if t.client.Database("admin").RunCommand(sctx, bson.D{{Key: "ping", Value: 1}}).Err() == nil {
			if ot := sess.OperationTime(); ot != nil && ot.T != 0 {
				return ot
			}
		}
	}
	return &bson.Timestamp{T: uint32(time.Now().Add(-time.Second).Unix())}
}

func (t *task) redact(err error) error { return mongodb.RedactError(err, t.s.uri) }

// watch opens the change stream at the configured level, resuming after
// token when it is not nil.
func (t *task) watch(ctx context.Context, token bson.Raw) (*mongo.ChangeStream, error) {
	return t.watchAt(ctx, token, nil)
}

// watchAt is watch, starting at operation time at when there is no token
// (else at startup.mode.timestamp.start.at.operation.time, if set).
func (t *task) watchAt(ctx context.Context, token bson.Raw, at *bson.Timestamp) (*mongo.ChangeStream, error) {
	s := t.s
	opts := options.ChangeStream().SetMaxAwaitTime(s.awaitTime).SetShowExpandedEvents(s.showExpanded)
	if s.batchSize > 0 {
		opts.SetBatchSize(s.batchSize)
	}
	if s.fullDocumentOnly {
		opts.SetFullDocument(options.UpdateLookup)
	} else if s.fullDocument != "" {
		opts.SetFullDocument(options.FullDocument(canonicalFullDocument(s.fullDocument)))
	}
	if s.beforeChange != "" {
		opts.SetFullDocumentBeforeChange(options.FullDocument(canonicalFullDocument(s.beforeChange)))
	}
	if s.collation != nil {
		opts.SetCollation(*s.collation)
	}
	if token != nil {
		opts.SetStartAfter(token)
	} else if at != nil {
		opts.SetStartAtOperationTime(at)
	} else if s.startup == startTimestamp && s.startAtOperationTime != nil {
		opts.SetStartAtOperationTime(s.startAtOperationTime)
	}
	switch {
	case s.database == "":
		return t.client.Watch(ctx, s.pipeline, opts)
	case s.collection == "":
		return t.client.Database(s.database).Watch(ctx, s.pipeline, opts)
	}
	return t.client.Database(s.database).Collection(s.collection).Watch(ctx, s.pipeline, opts)
}

// canonicalFullDocument spells a fullDocument option as the server wants
// it; the configuration takes any case, as the official connector does.
func canonicalFullDocument(v string) string {
	for _, c := range []string{"default", "off", "updateLookup", "whenAvailable", "required"} {
		if strings.EqualFold(c, v) {
			return c
		}
	}
	return v
}

// Poll returns the next copied documents or change events, up to
// poll.max.batch.size, or a heartbeat when there are none.
func (t *task) Poll(ctx context.Context) ([]connect.Record, error) {
	batch, err := t.nextBatch(ctx)
	if err != nil {
		return nil, err
	}
	recs := make([]connect.Record, 0, len(batch))
	for i, b := range batch {
		last := i == len(batch)-1
		r, ok, err := t.record(b, last)
		if err != nil {
			return nil, err
		}
		if ok {
			recs = append(recs, r)
		}
	}
	if len(recs) == 0 {
		if hb, ok := t.heartbeat(); ok {
			return []connect.Record{hb}, nil
		}
	}
	return recs, nil
}

// item is one change event, and whether it came from the copy.
type item struct {
	event  bson.D
	copied bool
}

func (t *task) nextBatch(ctx context.Context) ([]item, error) {
	var batch []item
	if t.copying {
		docs, done, err := t.copy.poll(ctx, t.s.maxBatch, t.s.awaitTime)
		if err != nil {
			return nil, fmt.Errorf("MongoSourceConnector: copying existing data: %w", t.redact(err))
		}
		for _, d := range docs {
			batch = append(batch, item{event: d, copied: true})
		}
		if !done {
			return batch, nil
		}
		if len(batch) > 0 {
			t.copyFinished = true
			return batch, nil
		}
		t.copying = false
		t.log.Info("finished copying existing data from the collection(s)")
		if t.cachedEvent != nil {
			batch = append(batch, item{event: t.cachedEvent})
			t.cachedEvent = nil
		}
	}
	if t.cursor == nil {
		if err := t.openCursor(ctx); err != nil {
			return nil, err
		}
		if t.cursor == nil {
			// No namespace yet: look again after a while, not at once.
			t.pause(ctx)
			return batch, nil
		}
	} else if t.cursor.ID() == 0 {
		t.log.Info("the change stream cursor was closed by the server; reopening it")
		t.closeCursor(ctx)
		t.invalidated, t.lastToken = true, nil
		if err := t.openCursor(ctx); err != nil {
			return nil, err
		}
		if t.cursor == nil {
			return batch, nil
		}
	}
	for len(batch) < t.s.maxBatch {
		if !t.cursor.TryNext(ctx) {
			break
		}
		var ev bson.D
		if err := bson.Unmarshal(t.cursor.Current, &ev); err != nil {
			return nil, fmt.Errorf("MongoSourceConnector: decoding a change event: %w", err)
		}
		batch = append(batch, item{event: ev})
		if id, ok := t.cursor.Current.Lookup(idField).DocumentOK(); ok {
			t.lastToken = slices.Clone(id)
		}
		if t.cursor.RemainingBatchLength() == 0 {
			break
		}
	}
	if err := t.cursor.Err(); err != nil {
		t.closeCursor(ctx)
		if ctx.Err() != nil {
			return batch, nil
		}
		if mongodb.Transient(err) {
			// The next Poll reopens the cursor after the last token
			// returned; the events of this batch come first.
			t.log.Warn("the change stream failed; it is reopened at the next poll", "error", t.redact(err))
			if len(batch) > 0 {
				return batch, nil
			}
			return nil, fmt.Errorf("MongoSourceConnector: reading the change stream: %w: %w", t.redact(err), connect.ErrRetriable)
		}
		if !t.s.tolerateErrors {
			return nil, fmt.Errorf("MongoSourceConnector: an exception occurred when trying to get the next item from the change stream: %w", t.redact(err))
		}
		if changeStreamNotValid(err) {
			t.logLostToken(err)
			t.invalidated, t.lastToken = true, nil
			if err := t.openCursor(ctx); err != nil {
				return nil, err
			}
		} else {
			t.log.Error("an exception occurred when trying to get the next item from the change stream", "error", t.redact(err))
		}
	}
	return batch, nil
}

// pause waits poll.await.time.ms (at most a second), or until ctx ends.
func (t *task) pause(ctx context.Context) {
	d := min(t.s.awaitTime, time.Second)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// openCursor opens the change stream where the task should resume: after
// the token noted before copying, else after the committed offset's token
// (unless it is a copy offset or was rejected), else per startup.mode. A
// rejected token fails the task, unless errors.tolerance=all, in which
// case the stream restarts from now with a log line saying changes may
// have been lost, as the official connector does.
func (t *task) openCursor(ctx context.Context) error {
	var token bson.Raw
	heartbeat := false
	switch {
	case t.cachedToken != nil:
		token, t.cachedToken = t.cachedToken, nil
	case t.copyStartAt != nil:
		at := t.copyStartAt
		t.copyStartAt = nil
		t.log.Info("new change stream cursor created at the operation time noted before copying")
		cs, err := t.watchAt(ctx, nil, at)
		if err != nil {
			return fmt.Errorf("MongoSourceConnector: opening the change stream: %w", t.redact(err))
		}
		t.cursor = cs
		return nil
	case t.invalidated:
		t.invalidated = false
	case t.lastToken != nil:
		token = t.lastToken
	default:
		off, err := t.offsets.Offset(ctx, t.partition)
		if err != nil {
			return fmt.Errorf("MongoSourceConnector: reading the offset of partition %s: %w", t.partition, err)
		}
		id, hasID := off.Get(idField)
		_, inCopy := off.Get(copyKey)
		_, heartbeat = off.Get(heartbeatKey)
		if hasID && !inCopy {
			str, _ := id.(string)
			if err := bson.UnmarshalExtJSON([]byte(str), false, &token); err != nil {
				return fmt.Errorf("MongoSourceConnector: the offset of partition %s holds %s=%q, which is not a resume token document: %w",
					t.partition, idField, str, err)
			}
		}
	}
	if token != nil {
		t.log.Info("resuming the change stream after the previous offset", "resume_token", toJSON(rawDoc(token), modeRelaxed), "from_heartbeat", heartbeat)
	} else if t.s.startup == startTimestamp && t.s.startAtOperationTime != nil {
		t.log.Info("new change stream cursor created without offset but at the configured operation time")
	} else {
		t.log.Info("new change stream cursor created without offset")
	}
	cs, err := t.watchFn(ctx, token)
	if err == nil {
		t.cursor = cs
		return nil
	}
	if ctx.Err() != nil {
		return nil
	}
	if token != nil {
		if code(err) == invalidatedResumeTokenError {
			t.invalidated, t.lastToken = true, nil
			return t.openCursor(ctx)
		}
		if t.s.tolerateErrors && changeStreamNotValid(err) {
			t.logLostToken(err)
			t.invalidated, t.lastToken = true, nil
			return t.openCursor(ctx)
		}
	}
	switch code(err) {
	case namespaceNotFoundError:
		t.log.Info("namespace not found; no change stream cursor")
		return nil
	case illegalOperationError:
		return fmt.Errorf("MongoSourceConnector: illegal $changeStream operation (check %s; not every aggregation stage may modify change events): %w",
			PipelineConfig, t.redact(err))
	case unknownFieldError:
		return fmt.Errorf("MongoSourceConnector: invalid operation: %w; the server may not support what the configuration asks for", t.redact(err))
	}
	if token != nil && changeStreamNotValid(err) {
		t.log.Warn("failed to resume the change stream: the resume token is no longer available and changes may be lost; "+
			"to restart without it set errors.tolerance=all, use a new offset.partition.name, or remove the stored offset",
			"error", t.redact(err), "partition", t.partition.String())
		return fmt.Errorf("MongoSourceConnector: resume token not found, cannot create a change stream cursor (partition %s): %w",
			t.partition, t.redact(err))
	}
	if mongodb.Transient(err) {
		return fmt.Errorf("MongoSourceConnector: opening the change stream: %w: %w", t.redact(err), connect.ErrRetriable)
	}
	if token != nil {
		return fmt.Errorf("MongoSourceConnector: opening the change stream after the resume token %s of partition %s "+
			"(the server did not say the token is lost, so errors.tolerance does not apply): %w",
			toJSON(rawDoc(token), modeRelaxed), t.partition, t.redact(err))
	}
	return fmt.Errorf("MongoSourceConnector: opening the change stream: %w", t.redact(err))
}

func (t *task) logLostToken(err error) {
	t.log.Error("failed to resume change stream; when the resume token is no longer available there is the potential for data loss: "+
		"restarting the change stream with no resume token because errors.tolerance=all",
		"error", t.redact(err), "code", code(err), "partition", t.partition.String())
}

func (t *task) closeCursor(ctx context.Context) {
	if t.cursor != nil {
		_ = t.cursor.Close(context.WithoutCancel(ctx))
		t.cursor = nil
	}
}

// The server errors the official connector tells apart.
const (
	namespaceNotFoundError      = 26
	illegalOperationError       = 20
	unknownFieldError           = 40415
	invalidatedResumeTokenError = 260
	changeStreamFatalError      = 280
	changeStreamHistoryLost     = 286
	bsonObjectTooLarge          = 10334
)

func code(err error) int {
	var ce mongo.CommandError
	if errors.As(err, &ce) {
		return int(ce.Code)
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		for _, c := range []int{namespaceNotFoundError, illegalOperationError, unknownFieldError, invalidatedResumeTokenError,
			changeStreamFatalError, changeStreamHistoryLost, bsonObjectTooLarge} {
			if se.HasErrorCode(c) {
				return c
			}
		}
	}
	return 0
}

func isNamespaceNotFound(err error) bool { return code(err) == namespaceNotFoundError }

// changeStreamNotValid reports whether err says the resume token cannot be
// used, by code or by message, as the official connector decides.
func changeStreamNotValid(err error) bool {
	switch code(err) {
	case invalidatedResumeTokenError, changeStreamFatalError, changeStreamHistoryLost, bsonObjectTooLarge:
		return true
	}
	msg := strings.ToLower(err.Error())
	var ce mongo.CommandError
	if errors.As(err, &ce) {
		msg = strings.ToLower(ce.Message)
	}
	return (strings.Contains(msg, "resume token") || strings.Contains(msg, "resume point")) &&
		(strings.Contains(msg, "not found") || strings.Contains(msg, "does not exist") ||
			strings.Contains(msg, "invalid resume token") || strings.Contains(msg, "no longer be in the oplog"))
}

func rawDoc(r bson.Raw) bson.D {
	var d bson.D
	_ = bson.Unmarshal(r, &d)
	return d
}

// record turns a change event (or copied document) into a record, as the
// official StartedMongoSourceTask does; ok is false when the event has no
// topic or no value to publish, or when building it failed and errors are
// tolerated.
func (t *task) record(it item, lastOfBatch bool) (connect.Record, bool, error) {
	s := t.s
	ev := it.event
	id := get(ev, idField)
	tokenJSON := string(appendJSONValue(nil, id, modeRelaxed))
	var off connect.Offset
	if it.copied && lastOfBatch && t.copyFinished && t.cachedToken != nil {
		// The copy is over: its last record carries the token streaming
		// resumes from, so that a restart does not copy again.
		off = connect.NewOffset(idField, toJSON(rawDoc(t.cachedToken), modeRelaxed))
	} else if it.copied {
		off = connect.NewOffset(idField, tokenJSON, copyKey, "true")
	} else {
		off = connect.NewOffset(idField, tokenJSON)
	}
	topic := s.topics.topic(ev)
	if topic == "" {
		t.log.Warn("no topic set; could not publish the change event (it has no ns.db: add it with a pipeline stage when the server omits it)",
			"event", toJSON(ev, modeRelaxed))
		return connect.Record{}, false, nil
	}
	fullDoc, hasFull := lookupTop(ev, "fullDocument")
	tombstone := s.tombstoneOnDelete && !hasFull
	var valueDoc bson.D
	if s.fullDocumentOnly {
		if d, ok := asDoc(fullDoc); ok && hasFull {
			valueDoc = d
		} else if !tombstone {
			return connect.Record{}, false, nil
		}
	} else {
		valueDoc = ev
	}
	var keyDoc bson.D
	if s.keyFormat == "schema" {
		keyDoc = ev
	} else if dk, ok := asDoc(get(ev, "documentKey")); ok && s.documentKeyAsKey {
		keyDoc = dk
	} else {
		keyDoc = bson.D{{Key: idField, Value: id}}
	}
	r := connect.Record{Topic: topic, SourcePartition: t.partition, SourceOffset: off}
	var err error
	r.KeySchema, r.Key, err = t.produce(keyDoc, s.keyFormat, s.keySchema, false)
	if err == nil {
		if tombstone {
			r.ValueSchema, r.Value = nil, nil
		} else {
			r.ValueSchema, r.Value, err = t.produce(valueDoc, s.valueFormat, s.valueSchema, s.inferValue)
		}
	}
	if err != nil {
		msg := fmt.Sprintf("%v : Exception creating Source record for: Key=%s Value=%s", err, toJSON(keyDoc, modeRelaxed), toJSON(valueDoc, modeRelaxed))
		if !s.tolerateErrors {
			return connect.Record{}, false, fmt.Errorf("MongoSourceConnector: %s", msg)
		}
		if s.logErrors {
			t.log.Error("skipping a change event", "error", msg)
		}
		if s.dlqTopic == "" {
			return connect.Record{}, false, nil
		}
		return connect.Record{Topic: s.dlqTopic, SourcePartition: t.partition, SourceOffset: off,
			KeySchema: connect.StringSchema, Key: toJSON(keyDoc, modeRelaxed),
			ValueSchema: connect.StringSchema, Value: toJSON(valueDoc, modeRelaxed)}, true, nil
	}
	return r, true, nil
}

func asDoc(v any) (bson.D, bool) {
	switch x := v.(type) {
	case bson.D:
		return x, true
	case bson.Raw:
		return rawDoc(x), true
	}
	return nil, false
}

// produce turns a document into a key or value in the given output
// format: json a string, bson the document's bytes, schema a Struct of the
// configured (or, for a value with output.schema.infer.value, inferred)
// schema.
func (t *task) produce(d bson.D, format string, schema *connect.Schema, infer bool) (*connect.Schema, any, error) {
	switch format {
	case "bson":
		b, err := bson.Marshal(d)
		return connect.BytesSchema, b, err
	case "schema":
		if infer {
			schema = inferSchema(d)
		}
		v, err := toConnect(schema, d, t.s.json)
		return schema, v, err
	}
	return connect.StringSchema, toJSON(d, t.s.json), nil
}

// heartbeat returns a record for heartbeat.topic.name carrying the
// cursor's resume token when heartbeat.interval.ms has passed since the
// last one and the token moved, so that a quiet namespace's offset keeps
// up with the oplog.
func (t *task) heartbeat() (connect.Record, bool) {
	if t.cursor == nil || t.s.heartbeatInterval <= 0 {
		return connect.Record{}, false
	}
	now := time.Now()
	if now.Sub(t.lastBeat) <= t.s.heartbeatInterval {
		return connect.Record{}, false
	}
	t.lastBeat = now
	tok := t.cursor.ResumeToken()
	if tok == nil {
		return connect.Record{}, false
	}
	js := toJSON(rawDoc(tok), modeRelaxed)
	if js == t.lastBeatTok {
		return connect.Record{}, false
	}
	t.lastBeatTok = js
	return connect.Record{Topic: t.s.heartbeatTopic, SourcePartition: t.partition,
		SourceOffset: connect.NewOffset(idField, js, heartbeatKey, "true"),
		KeySchema:    connect.StringSchema, Key: js, ValueSchema: connect.OptionalBytesSchema}, true
}

func (t *task) Stop(ctx context.Context) error {
	if t.copy != nil {
		t.copy.stop()
	}
	t.closeCursor(ctx)
	if t.client != nil {
		return t.redact(t.client.Disconnect(ctx))
	}
	return nil
}
