package elasticsearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/sink"
)

// task buffers records into _bulk requests that goroutines send, at most
// max.in.flight.requests at once, and reads their per-item results back on
// its own goroutine, where it reports bad records and tracks, per
// partition, which offsets are done (written, skipped or reported):
// PreCommit returns offsets only up to the first record not yet done.
type task struct {
	s   *settings
	c   *client
	tc  sink.TaskContext
	log *slog.Logger

	sendCtx context.Context
	cancel  context.CancelFunc
	senders sync.WaitGroup
	slots   chan struct{} // one per request in flight
	results chan *batch   // sent batches, their results read
	mu      sync.Mutex    // guards cur, with the linger timer
	cur     *batch        // being filled
	free    chan *batch   // batches to reuse
	lingerT *time.Timer   // sends cur once linger.ms has passed
	putting bool          // a Put is adding records: the timer leaves cur to it
	pending atomic.Int64  // batches handed to senders, not yet handled
	records int           // records in cur and in pending batches

	tracks  map[sink.TopicPartition]*track
	indices map[string]bool // indices (or data streams) known to exist, mapped
	failure error
	doc     []byte // scratch for a data stream's document
	nest    nester // rewrites maps in documents made with the schema
	// keepRecords: reporting a refused record reads more than its
	// position (see pending.record).
	keepRecords bool
}

// batch is one _bulk request and what it came from.
type batch struct {
	b       bulkBuilder
	recs    []pending
	items   []bulkItem // per item, once sent
	err     error      // the request failed as a whole
	resend  []byte     // the items sent again after a busy answer
	todo    []int
	started time.Time
}

type pending struct {
	pos      connect.KafkaPosition
	full     *connect.Record // the record, only when the reporter reads it (keepRecords)
	tr       *track
	seq      int64
	external bool
	delete   bool
}

func (b *batch) reset() {
	b.b.reset()
	clear(b.recs)
	b.recs = b.recs[:0]
	b.items = b.items[:0]
	b.err = nil
}

var (
	_ sink.PreCommitter     = (*task)(nil)
	_ sink.PartitionHandler = (*task)(nil)
	_ sink.BatchBorrower    = (*task)(nil)
)

func (t *task) Start(_ context.Context, config map[string]string, tc sink.TaskContext) error {
	s, err := parseSettings(config)
	if err != nil {
		return fmt.Errorf("ElasticsearchSinkConnector: %w", err)
	}
	t.s, t.tc, t.c = s, tc, newClient(s)
	t.log = slog.New(slog.DiscardHandler)
	if tc != nil {
		t.log = tc.Logger()
	}
	t.sendCtx, t.cancel = context.WithCancel(context.Background())
	t.slots = make(chan struct{}, s.maxInFlight)
	// Never more batches than records buffered: senders never block on it.
	n := min(s.maxBuffered, 1024) + 1
	t.results = make(chan *batch, n)
	t.free = make(chan *batch, s.maxInFlight+1)
	t.tracks = map[sink.TopicPartition]*track{}
	t.indices = map[string]bool{}
	t.nest = nester{compact: s.compactMaps}
	t.keepRecords = reportsContent(config)
	return nil
}

// reportsContent says whether the errant record reporter, as Kafka
// Connect's errors.* settings configure it, reads a reported record's
// key, value or headers: only when it tolerates errors and writes the
// record to a dead letter queue or logs its content. Otherwise it reads
// the record's position alone.
func reportsContent(config map[string]string) bool {
	return strings.EqualFold(strings.TrimSpace(config["errors.tolerance"]), "all") &&
		(strings.TrimSpace(config["errors.deadletterqueue.topic.name"]) != "" ||
			strings.EqualFold(strings.TrimSpace(config["errors.log.include.messages"]), "true"))
}

// record is what the task reports of a record in flight: the record as
// Put gave it when the reporter reads its content (keepRecords), else one
// that holds its Kafka position alone. The converted values of
// max.buffered.records records would otherwise be most of the task's
// memory, and the encoded document in the request is all a retry needs.
func (p *pending) record() connect.Record {
	if p.full != nil {
		return *p.full
	}
	r := connect.Record{Topic: p.pos.Topic}
	r.SetPartition(p.pos.Partition)
	if p.pos.Offset >= 0 {
		r.SetOrigin(p.pos)
	}
	return r
}

// position is the record's position for logs and errors.
func (p *pending) position() string {
	r := p.record()
	return r.Position().String()
}

// BorrowsBatch is true: the task keeps copies of the records, not Put's
// slice.
func (t *task) BorrowsBatch() bool { return true }

func (t *task) Open(context.Context, []sink.TopicPartition) error { return nil }

// Close forgets revoked partitions: their records still in flight are
// written, but no longer counted towards a commit.
func (t *task) Close(_ context.Context, partitions []sink.TopicPartition) error {
	for _, tp := range partitions {
		delete(t.tracks, tp)
	}
	return nil
}

func (t *task) Put(ctx context.Context, records []connect.Record) error {
	if t.failure != nil {
		return t.failure
	}
	if err := t.drain(ctx, false); err != nil {
		return err
	}
	// The records of one Put go into as few requests as batch.size
	// allows: were linger.ms to cut a batch while Put is converting, a
	// slow conversion would send many small requests, which the server
	// indexes much more slowly than few large ones.
	t.mu.Lock()
	t.putting = true
	t.mu.Unlock()
	defer t.endPut()
	for i := range records {
		if err := t.add(ctx, &records[i]); err != nil {
			return err
		}
		// Back-pressure: Put waits for requests to finish rather than
		// buffering more than max.buffered.records. The batch being
		// filled is sent early only when nothing else is in flight to
		// wait for: cut whenever a finished request freed fewer records
		// than a Put brings, batches would shrink with every cut, each
		// finished small request freeing room for only as small a next
		// one, until the server took many small requests, which it
		// indexes far more slowly than few large ones.
		for t.records >= t.s.maxBuffered {
			if t.pending.Load() == 0 {
				t.sendCurrent()
			}
			if err := t.await(ctx); err != nil {
				return err
			}
		}
	}
	return t.failure
}

// add converts a record into a _bulk item of the current batch.
func (t *task) add(ctx context.Context, r *connect.Record) error {
	pos := kafkaPosition(r)
	tp := sink.TopicPartition{Topic: pos.Topic, Partition: pos.Partition}
	tr := t.tracks[tp]
	if tr == nil {
		tr = &track{}
		t.tracks[tp] = tr
	}
	seq := tr.add(pos.Offset)
	a, doc, skip, err := t.convert(ctx, r)
	if err != nil {
		// Only the record's own faults go to the errant record reporter:
		// a server that cannot be reached to check or create the index
		// fails the task, which is retried, rather than dropping records.
		var de *connect.DataError
		if !errors.As(err, &de) {
			t.failure = err
			return err
		}
		if err := t.dropOrFail(ctx, r, err); err != nil {
			return err
		}
		tr.mark(seq)
		return nil
	}
	if skip {
		tr.mark(seq)
		return nil
	}
	t.mu.Lock()
	b := t.cur
	if b == nil {
		b = t.newBatch()
		t.cur = b
		b.started = time.Now()
		if t.lingerT == nil {
			t.lingerT = time.AfterFunc(t.s.linger, t.lingerExpired)
		} else {
			t.lingerT.Reset(t.s.linger)
		}
	}
	b.b.add(a, doc)
	p := pending{pos: pos, tr: tr, seq: seq, external: a.external, delete: a.op == opDelete}
	if t.keepRecords {
		full := *r
		p.full = &full
	}
	b.recs = append(b.recs, p)
	t.records++
	full := b.b.len() >= t.s.batchSize || t.s.bulkBytes > 0 && int64(len(b.b.buf)) >= t.s.bulkBytes
	if full {
		t.cur = nil
		t.dispatchLocked(b)
	}
	t.mu.Unlock()
	return nil
}

func (t *task) newBatch() *batch {
	select {
	case b := <-t.free:
		b.reset()
		return b
	default:
		return &batch{}
	}
}

// convert makes a record's _bulk action and document; skip is true for a
// record nothing is written for (a null value that is ignored).
func (t *task) convert(ctx context.Context, r *connect.Record) (a action, doc []byte, skip bool, err error) {
	fail := func(err error) (action, []byte, bool, error) {
		return action{}, nil, false, &connect.DataError{Position: r.Position(), Err: err}
	}
	index := t.s.indexName(r.Topic)
	if r.Value == nil {
		switch t.s.onNull {
		case nullIgnore:
			return action{}, nil, true, nil
		case nullDelete:
			if r.Key == nil { // no document to delete
				return action{}, nil, true, nil
			}
		default:
			return fail(fmt.Errorf("the record has a null value (to ignore records like this set %s to IGNORE, or to DELETE to delete their documents)", BehaviorOnNullValuesConfig))
		}
	}
	if err := t.ensureIndex(ctx, index, r); err != nil {
		return action{}, nil, false, err
	}
	ignoreKey := t.s.ignoresKey(r.Topic)
	a = action{index: index, op: opIndex}
	if a.id, err = documentID(r, ignoreKey); err != nil {
		return fail(err)
	}
	// External versioning by offset: a retried or replayed older record
	// never overwrites the document of a newer one. Data streams take no
	// versions, and ids made of the offset need none.
	external := t.s.dataStreamType == "" && !ignoreKey
	if pos := kafkaPosition(r); external && t.s.versionHeader != "" {
		if a.version, err = headerVersion(r, t.s.versionHeader); err != nil {
			return fail(err)
		}
		a.external = true
	} else if external && pos.Offset >= 0 {
		a.external, a.version = true, pos.Offset
	}
	if r.Value == nil {
		a.op = opDelete
		return a, nil, false, nil
	}
	useSchema := !t.s.ignoresSchema(r.Topic)
	if doc, err = appendDocument(t.doc[:0], r, useSchema, &t.nest); err != nil {
		return fail(err)
	}
	t.doc = doc
	switch {
	case t.s.autoIDs:
		a.id, a.external, a.version = "", false, 0
		if t.s.dataStreamType != "" {
			a.op = opCreate
			if doc, err = withTimestamp(doc, t.s.timestampFields, r.Timestamp); err != nil {
				return fail(err)
			}
		}
	case t.s.upsert:
		a.op, a.external, a.version = opUpdate, false, 0
		a.retryOnConflict = min(t.s.maxInFlight, 5)
	case t.s.dataStreamType != "":
		a.op = opCreate
		if doc, err = withTimestamp(doc, t.s.timestampFields, r.Timestamp); err != nil {
			return fail(err)
		}
	}
	return a, doc, false, nil
}

// dropOrFail handles a record that cannot be converted as Confluent's
// connector does: it goes to the errant record reporter, if there is one,
// and then fails the task, unless drop.invalid.message is true (or the
// reporter refuses it).
func (t *task) dropOrFail(ctx context.Context, r *connect.Record, cause error) error {
	var rep sink.ErrantRecordReporter
	if t.tc != nil {
		rep = t.tc.Reporter()
	}
	reportErr := error(nil)
	if rep != nil {
		reportErr = rep.Report(ctx, *r, cause)
	}
	if !t.s.dropInvalid || reportErr != nil {
		hint := ""
		if !t.s.dropInvalid {
			hint = fmt.Sprintf(" (to skip records like this set %s=true)", DropInvalidMessageConfig)
		}
		t.failure = fmt.Errorf("ElasticsearchSinkConnector: %w%s", cause, hint)
		return t.failure
	}
	// Only the position: the cause may quote the record's content.
	t.log.Error("dropped a record that cannot be converted", "position", r.Position().String(), "key", DropInvalidMessageConfig)
	return nil
}

// ensureIndex creates a topic's index or data stream the first time it is
// written, and its mapping from the record's value schema unless schemas
// are ignored, as Confluent's connector does.
func (t *task) ensureIndex(ctx context.Context, index string, r *connect.Record) error {
	if t.indices[index] {
		return nil
	}
	path := "/" + url.PathEscape(index)
	status, _, err := t.c.do(ctx, http.MethodHead, path, nil, false)
	switch {
	case status == http.StatusNotFound:
		create := path
		if t.s.dataStreamType != "" {
			create = "/_data_stream/" + url.PathEscape(index)
		}
		status, body, err := t.c.do(ctx, http.MethodPut, create, nil, false)
		switch {
		case err == nil || alreadyExists(body):
		case t.s.dataStreamType != "" && status >= 400 && status < 500:
			// A server without the data stream API (Elasticsearch's
			// integ-test distribution lacks its module) still creates the
			// data stream on the first write, from a matching template.
			t.log.Warn("creating the data stream failed; leaving it to the first write", "data_stream", index, "err", err)
		default:
			return fmt.Errorf("ElasticsearchSinkConnector: creating %s for topic %s: %w", index, r.Topic, err)
		}
		t.log.Info("created the index", "index", index, "topic", r.Topic, "data_stream", t.s.dataStreamType != "")
	case err != nil:
		return fmt.Errorf("ElasticsearchSinkConnector: checking whether %s exists: %w", index, err)
	}
	if !t.s.ignoresSchema(r.Topic) {
		if err := t.ensureMapping(ctx, index, path, r); err != nil {
			return err
		}
	}
	t.indices[index] = true
	return nil
}

func (t *task) ensureMapping(ctx context.Context, index, path string, r *connect.Record) error {
	_, body, err := t.c.do(ctx, http.MethodGet, path+"/_mapping", nil, false)
	if err != nil {
		return fmt.Errorf("ElasticsearchSinkConnector: reading the mapping of %s: %w", index, err)
	}
	var got map[string]struct {
		Mappings map[string]json.RawMessage `json:"mappings"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		return fmt.Errorf("ElasticsearchSinkConnector: reading the mapping of %s: %w", index, err)
	}
	for _, m := range got {
		if _, ok := m.Mappings["properties"]; ok {
			return nil
		}
	}
	mapping, err := appendMapping(nil, r.ValueSchema)
	if err != nil {
		return &connect.DataError{Position: r.Position(), Err: fmt.Errorf("creating the mapping of %s (set %s=true to let the server map documents): %w", index, SchemaIgnoreConfig, err)}
	}
	if _, _, err := t.c.do(ctx, http.MethodPut, path+"/_mapping", mapping, false); err != nil {
		return fmt.Errorf("ElasticsearchSinkConnector: creating the mapping of %s for topic %s: %w", index, r.Topic, err)
	}
	return nil
}

func alreadyExists(body []byte) bool {
	var e struct {
		Error struct {
			Type string `json:"type"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Error.Type == "resource_already_exists_exception"
}

func (t *task) lingerExpired() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b := t.cur; b != nil && !t.putting && time.Since(b.started) >= t.s.linger {
		t.cur = nil
		t.dispatchLocked(b)
	}
}

// endPut sends the batch being filled if it has waited linger.ms already;
// else the timer sends it when it has.
func (t *task) endPut() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.putting = false
	b := t.cur
	if b == nil {
		return
	}
	if wait := t.s.linger - time.Since(b.started); wait > 0 {
		t.lingerT.Reset(wait)
		return
	}
	t.cur = nil
	t.dispatchLocked(b)
}

// sendCurrent sends the batch being filled, if any.
func (t *task) sendCurrent() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b := t.cur; b != nil {
		t.cur = nil
		t.dispatchLocked(b)
	}
}

// dispatchLocked hands a batch to a sender goroutine, which waits for a
// slot among max.in.flight.requests.
func (t *task) dispatchLocked(b *batch) {
	t.pending.Add(1)
	t.senders.Add(1)
	go func() {
		defer t.senders.Done()
		select {
		case t.slots <- struct{}{}:
			t.send(b)
			<-t.slots
		case <-t.sendCtx.Done():
			b.err = t.sendCtx.Err()
		}
		select {
		case t.results <- b:
		case <-t.sendCtx.Done(): // Stop reads no more results
		}
	}()
}

// send sends a batch, and sends again, with back-off, what failed in a
// way that may heal: the whole request (no server answered, 429 or 5xx)
// or the items the server answered busy (429) or failed (5xx) for. As in
// Confluent's connector, max.retries bounds the retries of the batch in
// all, whichever way each attempt failed.
func (t *task) send(b *batch) {
	n := b.b.len()
	b.items = append(b.items[:0], make([]bulkItem, n)...)
	b.todo = b.todo[:0]
	for i := range n {
		b.todo = append(b.todo, i)
	}
	body := b.b.buf
	for attempt := 0; ; attempt++ {
		_, data, err := t.c.try(t.sendCtx, http.MethodPost, "/_bulk", body, true)
		if err != nil {
			if !retriable(err) || attempt >= t.s.maxRetries || t.sendCtx.Err() != nil {
				b.err = t.c.exhausted(t.sendCtx, err, attempt)
				return
			}
		} else {
			items, err := parseBulkResponse(data, len(b.todo))
			if err != nil {
				b.err = err
				return
			}
			again := b.todo[:0]
			for j, it := range items {
				i := b.todo[j]
				b.items[i] = it
				if it.outcome() == itemRetry {
					again = append(again, i)
				}
			}
			b.todo = again
			if len(again) == 0 || attempt >= t.s.maxRetries {
				return
			}
			b.resend = b.resend[:0]
			for _, i := range again {
				b.resend = append(b.resend, b.b.item(i)...)
			}
			body = b.resend
		}
		if sleep(t.sendCtx, backoff(t.s.backoff, attempt)) != nil {
			b.err = t.sendCtx.Err()
			return
		}
	}
}

// drain handles the batches whose requests have finished; with wait, it
// waits until every batch sent has finished.
func (t *task) drain(ctx context.Context, wait bool) error {
	for t.pending.Load() > 0 {
		if wait {
			if err := t.await(ctx); err != nil {
				return err
			}
			continue
		}
		select {
		case b := <-t.results:
			t.handle(ctx, b)
		default:
			return t.failure
		}
	}
	return t.failure
}

// await waits for one batch to finish, for at most flush.timeout.ms.
func (t *task) await(ctx context.Context) error {
	timer := time.NewTimer(t.s.flushTimeout)
	defer timer.Stop()
	select {
	case b := <-t.results:
		t.handle(ctx, b)
		return t.failure
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		t.failure = fmt.Errorf("ElasticsearchSinkConnector: no bulk request finished within %s=%d", FlushTimeoutMsConfig, t.s.flushTimeout.Milliseconds())
		return t.failure
	}
}

// handle reads a finished batch's results: written items, and version
// conflicts of external versions (a newer record's document is already
// there), are done; malformed documents follow
// behavior.on.malformed.documents and go to the errant record reporter.
func (t *task) handle(ctx context.Context, b *batch) {
	t.pending.Add(-1)
	t.records -= len(b.recs)
	defer func() {
		select {
		case t.free <- b:
		default:
		}
	}()
	if b.err != nil {
		if t.failure == nil {
			t.failure = fmt.Errorf("ElasticsearchSinkConnector: writing %d records to %s: %w", len(b.recs), b.recs[0].pos.Topic, b.err)
		}
		return
	}
	for i := range b.recs {
		p := &b.recs[i]
		it := &b.items[i]
		done := true
		switch it.outcome() {
		case itemOK:
		case itemConflict:
			// A data stream's create of an id it holds is a replay;
			// Confluent's connector reports neither.
			if !p.external && t.s.dataStreamType == "" {
				t.log.Warn("version conflict", "position", p.position(), "error", it.Error.String())
				t.report(ctx, p, it, false)
			}
		case itemFailed:
			if p.delete && it.Status == http.StatusNotFound {
				break // nothing to delete
			}
			done = t.report(ctx, p, it, true)
		case itemMalformed:
			switch t.s.onMalformed {
			case malformedIgnore:
				t.report(ctx, p, it, false)
			case malformedWarn:
				t.log.Warn("the server refused a malformed document; not indexing it", "position", p.position(),
					"error", it.Error.String(), "key", BehaviorOnMalformedDocsConfig)
				t.report(ctx, p, it, false)
			default:
				done = t.report(ctx, p, it, true)
			}
		case itemRetry:
			done = t.report(ctx, p, it, true)
		}
		if done {
			p.tr.mark(p.seq)
		}
	}
}

// report sends a record the server refused to the errant record reporter;
// with fail, the refusal also fails the task.
func (t *task) report(ctx context.Context, p *pending, it *bulkItem, fail bool) bool {
	what := fmt.Sprintf("HTTP %d", it.Status)
	if it.Error != nil {
		what = it.Error.String()
	}
	rec := p.record()
	cause := fmt.Errorf("indexing record at %s failed: %s", rec.Position(), what)
	var rep sink.ErrantRecordReporter
	if t.tc != nil {
		rep = t.tc.Reporter()
	}
	if rep != nil {
		if err := rep.Report(ctx, rec, cause); err != nil && !fail {
			t.log.Debug("the errant record reporter refused a record", "position", p.position(), "err", err)
		}
	}
	if fail && t.failure == nil {
		hint := ""
		if it.outcome() == itemMalformed {
			hint = fmt.Sprintf(" (to skip documents like this set %s to IGNORE or WARN)", BehaviorOnMalformedDocsConfig)
		}
		t.failure = fmt.Errorf("ElasticsearchSinkConnector: %w%s", cause, hint)
	}
	return !fail
}

// PreCommit sends the batch being filled, handles finished requests (with
// flush.synchronously, waits for all of them) and returns, per partition,
// the offset of the first record not yet done.
func (t *task) PreCommit(ctx context.Context, offsets map[sink.TopicPartition]int64) (map[sink.TopicPartition]int64, error) {
	if t.failure != nil {
		return nil, t.failure
	}
	t.sendCurrent()
	if err := t.drain(ctx, t.s.flushSynchronously); err != nil {
		return nil, err
	}
	out := make(map[sink.TopicPartition]int64, len(offsets))
	for tp, off := range offsets {
		tr := t.tracks[tp]
		if tr == nil {
			out[tp] = off
			continue
		}
		if next, ok := tr.safe(); ok {
			out[tp] = min(next, off)
		} else {
			out[tp] = off
		}
	}
	return out, nil
}

func (t *task) Stop(ctx context.Context) error {
	if t.cancel == nil {
		return nil
	}
	t.mu.Lock()
	if t.lingerT != nil {
		t.lingerT.Stop()
	}
	t.cur = nil
	t.mu.Unlock()
	t.cancel()
	done := make(chan struct{})
	go func() { t.senders.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	t.c.close()
	return nil
}

// track follows one partition's records in Kafka order, until done.
type track struct {
	base int64 // the sequence number of offs[0]
	offs []int64
	done []bool
}

func (tr *track) add(offset int64) int64 {
	tr.offs = append(tr.offs, offset)
	tr.done = append(tr.done, false)
	return tr.base + int64(len(tr.offs)) - 1
}

func (tr *track) mark(seq int64) {
	if i := seq - tr.base; i >= 0 && i < int64(len(tr.done)) {
		tr.done[i] = true
	}
}

// safe drops the records done from the front and returns the offset of
// the first one not done, and false when every record is done.
func (tr *track) safe() (int64, bool) {
	n := 0
	for n < len(tr.done) && tr.done[n] {
		n++
	}
	if n > 0 {
		k := copy(tr.offs, tr.offs[n:])
		copy(tr.done, tr.done[n:])
		tr.offs, tr.done = tr.offs[:k], tr.done[:k]
		tr.base += int64(n)
	}
	if len(tr.offs) == 0 {
		return 0, false
	}
	return tr.offs[0], true
}

var errNotStarted = errors.New("ElasticsearchSinkConnector: TaskConfigs called before Start")
