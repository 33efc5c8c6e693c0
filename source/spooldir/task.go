package spooldir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/source"
)

// position is where a file's reading stands after a record.
type position struct {
	records int64 // records read from the file, spooldir's offset
	bytes   int64 // byte position in the file's (decompressed) content
	line    int64 // lines read
}

func positionOf(o connect.Offset) position {
	var p position
	p.records, _ = o.Int64(OffsetField)
	p.bytes, _ = o.Int64(PositionField)
	p.line, _ = o.Int64(LineField)
	return p
}

// offsetKeys are the keys of a file's offsets, whose numbers are not boxed.
var offsetKeys = connect.NewOffsetKeys(OffsetField, PositionField, LineField)

func (p position) offset() connect.Offset {
	return offsetKeys.Int64s(p.records, p.bytes, p.line)
}

// item is one record read from a file.
type item struct {
	keySchema, valueSchema *connect.Schema
	key, value             any
	timestamp              time.Time // zero: none
	pos                    position  // after the record
}

// structChunk hands out new Structs of one schema, made structChunkSize
// at a time (connect.NewStructs): a reader builds one or two for every
// record it reads.
type structChunk struct{ free []*connect.Struct }

const structChunkSize = 64

// next returns a new empty Struct of s, the schema of every Struct c
// hands out.
func (c *structChunk) next(s *connect.Schema) *connect.Struct {
	if len(c.free) == 0 {
		c.free = connect.NewStructs(s, structChunkSize)
	}
	st := c.free[0]
	c.free[0], c.free = nil, c.free[1:]
	return st
}

// rowError is a record of a file that cannot be read (a malformed row):
// with halt.on.error=false it is logged and skipped.
type rowError struct {
	line int64
	text string
	err  error
	at   string // where the record is, for a format without lines (then line and text are not used)
}

func (e *rowError) Error() string {
	if e.at != "" {
		return fmt.Sprintf("%s: %v", e.at, e.err)
	}
	return fmt.Sprintf("line %d: %v: %q", e.line, e.err, e.text)
}

func (e *rowError) Unwrap() error { return e.err }

// asRowError returns the *rowError in err's chain, nil for none: the
// variable errors.As fills escapes, so it is made only for an error, not
// for every record read.
func asRowError(err error) *rowError {
	if err == nil {
		return nil
	}
	var re *rowError
	if !errors.As(err, &re) {
		return nil
	}
	return re
}

// reader reads a file's records. next returns io.EOF after the last one,
// a *rowError for a record it skips past, and any other error when the
// file cannot be read further.
type reader interface {
	next() (item, error)
	Close() error
}

// format opens files of one kind: it starts reading f after resume (the
// zero position for its beginning).
type format interface {
	open(f *fileInfo, resume position) (reader, error)
}

// newFormat makes a task's format from its configuration.
type newFormat func(cfg *connect.Config, c *common) (format, error)

// task reads the files of its share one after the other.
type task struct {
	def       *connect.ConfigDef
	newFormat newFormat
	schemas   bool // the connector takes the schema keys

	c      common
	format format
	log    *slog.Logger
	tc     source.TaskContext
	scan   scanner

	queue   []fileInfo
	skip    map[fileKey]bool // files done or failed in this run, not to be read again unless changed
	cur     *current
	empty   bool // the last Poll found nothing
	tracker tracker
	notices []connect.Record // files.notifications records not yet returned
	failed  error            // a halting error, returned after the records read before it
	// headerBuf is where records' header lists are carved from
	// (Headers.AddTo), headerChunk at a time.
	headerBuf []connect.Header
}

// headerChunk is the length of the arrays records' header lists are carved
// from: a list is the file's Shared headers and file.offset, two elements.
const headerChunk = 2 * structChunkSize

// current is the file being read.
type current struct {
	info    fileInfo
	part    connect.SourcePartition
	r       reader
	headers connect.Headers
}

// The task is a source.Committer and deliberately not a
// source.RecordCommitter: what it tracks needs nothing per record (see
// tracker), and a runtime calls a RecordCommitter once per record, after
// Kafka's answer, when the polled record is long out of the CPU's caches.
var _ source.Committer = (*task)(nil)

// The task mirrors its files' offsets under their JVM spooldir partitions
// (see UpdateOffsets).
var _ source.OffsetUpdater = (*task)(nil)

func (t *task) Start(ctx context.Context, config map[string]string, tc source.TaskContext) error {
	t.tc = tc
	t.log = loggerOf(tc)
	cfg, err := t.def.Parse(config)
	if err != nil {
		return err
	}
	if t.c, err = parseCommon(cfg, t.schemas); err != nil {
		return err
	}
	if t.format, err = t.newFormat(cfg, &t.c); err != nil {
		return err
	}
	t.scan = scanner{c: t.c}
	t.skip = make(map[fileKey]bool)
	t.tracker.files = make(map[connect.SourcePartition]*tracked)
	// A flag of this task's share was left by a task that stopped without
	// cleaning up: the file's committed offset says where to resume.
	flags, err := t.scan.staleFlags()
	if err != nil {
		return err
	}
	for _, fl := range flags {
		if err := os.Remove(fl); err != nil {
			return fmt.Errorf("recovering processing flag %s: %w", fl, err)
		}
		t.log.Warn("removed a processing flag left by a stopped task; the file is read on from its committed offset", "flag", fl)
	}
	return nil
}

func (t *task) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.failed != nil {
		return nil, t.failed
	}
	if err := t.cleanup(ctx); err != nil {
		return nil, err
	}
	if t.cur == nil {
		if err := t.openNext(ctx); err != nil {
			return nil, err
		}
		if t.cur == nil {
			return nil, t.wait(ctx)
		}
	}
	t.empty = false
	cur := t.cur
	// At capacity from the start: batch.size rows, a file_end notice.
	recs := append(make([]connect.Record, 0, max(t.c.batchSize, len(t.notices))+1), t.notices...)
	t.notices = nil
	for len(recs) < t.c.batchSize {
		it, err := cur.r.next()
		if err == io.EOF {
			err = t.checkIntact(cur)
		}
		if err == io.EOF {
			t.closeCurrent(true)
			recs = t.notify(recs, "file_end", &cur.info)
			break
		}
		if re := asRowError(err); re != nil && !t.c.haltOnError {
			if re.at != "" {
				t.log.Error("skipping a record that cannot be read", "file", cur.info.path, "at", re.at, "err", re.err)
				continue
			}
			t.log.Error("skipping a record that cannot be read", "file", cur.info.path, "line", re.line, "text", re.text, "err", re.err)
			continue
		}
		if err != nil {
			if ferr := t.failCurrent(err); ferr != nil {
				if len(recs) == 0 {
					return nil, ferr
				}
				// The records before the bad one are returned, and the
				// task fails at the next Poll: what reaches Kafka does not
				// depend on where batch.size cut the file.
				t.failed = ferr
			}
			return recs, nil
		}
		recs = append(recs, t.record(cur, &it))
	}
	n, lastAt := 0, -1 // the file's records, not notifications
	for i := range recs {
		if recs[i].SourcePartition == cur.part {
			n++
			lastAt = i
		}
	}
	last := int64(0)
	if lastAt >= 0 {
		last, _ = recs[lastAt].SourceOffset.Int64(PositionField)
	}
	t.tracker.add(cur.part, n, last)
	if t.cur == nil {
		t.tracker.done(cur.part)
	}
	return recs, nil
}

// checkIntact is called at the end of a file's content: it returns io.EOF
// when the file is as long as when it was opened, and an error when it was
// truncated while it was read, since the records past the cut may be lost.
// A file removed meanwhile was read whole through the open file.
func (t *task) checkIntact(cur *current) error {
	fi, err := os.Stat(cur.info.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		t.log.Warn("file was removed from input.path while it was read; every record was read from the open file", "file", cur.info.path)
	case err != nil:
	case fi.Size() < cur.info.size && !compressed(cur.info.name):
		return fmt.Errorf("the file shrank from %d to %d bytes while it was read: the records past the cut may be lost", cur.info.size, fi.Size())
	}
	return io.EOF
}

// wait waits empty.poll.wait.ms after a poll that found nothing, but
// returns at once the first time, as spooldir does.
func (t *task) wait(ctx context.Context) error {
	if !t.empty {
		t.empty = true
		return nil
	}
	timer := time.NewTimer(t.c.emptyPollWait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func (t *task) record(cur *current, it *item) connect.Record {
	if len(t.headerBuf) < 2 {
		t.headerBuf = make([]connect.Header, headerChunk)
	}
	r := connect.Record{
		Topic:     t.c.topic,
		KeySchema: it.keySchema, Key: it.key,
		ValueSchema: it.valueSchema, Value: it.value,
		SourcePartition: cur.part,
		SourceOffset:    it.pos.offset(),
	}
	r.Headers, t.headerBuf = cur.headers.AddTo(t.headerBuf, "file.offset", connect.Int64Schema, it.pos.records)
	switch t.c.timestampMode {
	case TimestampFileTime:
		r.Timestamp = cur.info.mod
	case TimestampField:
		r.Timestamp = it.timestamp
	}
	return r
}

// openNext opens the next file of the queue, scanning input.path when the
// queue is empty. A file whose committed offset is at its end is done
// without being read.
func (t *task) openNext(ctx context.Context) error {
	for t.cur == nil {
		if len(t.queue) == 0 {
			files, err := t.scan.scan(time.Now(), func(f *fileInfo) bool { return t.skip[f.key()] })
			if err != nil {
				return err
			}
			if len(files) == 0 {
				return nil
			}
			t.queue = files
		}
		f := t.queue[0]
		t.queue = t.queue[1:]
		if err := t.open(ctx, f); err != nil {
			return err
		}
	}
	return nil
}

func (t *task) open(ctx context.Context, f fileInfo) error {
	flag, err := os.OpenFile(t.c.flag(&f), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil // taken since the scan
		}
		return t.fileError(&f, fmt.Errorf("creating processing flag: %w", err))
	}
	flag.Close()
	part := f.partition()
	committed, err := t.tc.Offsets().Offset(ctx, part)
	if err != nil {
		t.c.unflag(&f)
		return fmt.Errorf("reading the committed offset of %s: %w", f.path, err)
	}
	resume := positionOf(committed)
	r, err := t.format.open(&f, resume)
	if err != nil {
		return t.fileError(&f, err)
	}
	if committed.IsZero() {
		readErr, err := t.resumeJVM(ctx, &f, r)
		if readErr != nil {
			r.Close()
			return t.fileError(&f, readErr)
		}
		if err != nil {
			r.Close()
			t.c.unflag(&f)
			return err
		}
	}
	t.log.Info("reading file", "file", f.path, "position", resume.bytes)
	t.notices = t.notify(t.notices, "file_start", &f)
	t.cur = &current{info: f, part: part, r: r, headers: fileHeaders(&t.c, &f)}
	t.tracker.begin(part, &f)
	return nil
}

// jvmFormat is a format whose records a JVM spooldir counts in its
// offsets in a way they can be found again.
type jvmFormat interface {
	// jvmDone returns whether a record read to p is the last one that a
	// JVM spooldir offset n covers.
	jvmDone(n int64) func(p position) bool
}

// resumeJVM moves r, a file opened at its start because it has no
// committed offset of its own, past the records that a JVM spooldir
// committed for a file of its name ({"fileName": name} partitions, as
// Kafka Connect's offset store keeps them for the connector's name), so
// that a file a JVM worker was partway through is read on rather than
// again. Such an offset is keyed by the name alone: a new file reusing the
// name of one the JVM read loses as many records, as with spooldir; but
// one this connector mirrored (UpdateOffsets) carries its file's identity
// and is ignored for another file. It returns readErr when the file cannot
// be read, err when the offset cannot.
func (t *task) resumeJVM(ctx context.Context, f *fileInfo, r reader) (readErr, err error) {
	jf, ok := t.format.(jvmFormat)
	if !ok {
		return nil, nil
	}
	o, err := t.tc.Offsets().Offset(ctx, connect.NewSourcePartition(FileNameField, f.name))
	if err != nil {
		return nil, fmt.Errorf("reading the JVM spooldir offset of %s: %w", f.path, err)
	}
	n, ok := o.Int64(OffsetField)
	if !ok || n < 0 {
		return nil, nil
	}
	done := jf.jvmDone(n)
	if mirrored, same := mirrorOf(o, f); mirrored {
		// The offset is one this connector mirrored (UpdateOffsets): a
		// JVM worker writing its own replaces the whole map, identity
		// keys and all.
		jr, ok := t.format.(jvmResumer)
		if !same || !ok {
			t.log.Info("ignoring the JVM spooldir offset of a file of the same name that is not this one",
				"file", f.path, OffsetField, n)
			return nil, nil
		}
		done = func(p position) bool { return jr.jvmOffset(p) >= n }
	}
	skipped := 0
	for {
		it, err := r.next()
		if err == io.EOF {
			break
		}
		var re *rowError
		if errors.As(err, &re) {
			continue // the JVM worker read past it already
		}
		if err != nil {
			return err, nil
		}
		skipped++
		if done(it.pos) {
			break
		}
	}
	t.log.Warn("resuming a file from the offset a JVM spooldir committed for its name", "file", f.path, OffsetField, n, "skipped", skipped)
	return nil, nil
}

// jvmResumer is a format whose JVM spooldir task resumes a file from its
// committed offset, so that an offset this connector writes under the
// JVM's partition lets a JVM worker taking over read on after the records
// committed here (line-delimited spooldir reads every file from its top,
// whatever its offset).
type jvmResumer interface {
	// jvmOffset returns the JVM spooldir offset from which spooldir
	// resumes a file right after the record read to p.
	jvmOffset(p position) int64
}

// UpdateOffsets adds, for each file whose offset is being committed, the
// offset a JVM spooldir resumes from right after the same record, under
// spooldir's partition {"fileName": name}, so that a JVM worker taking
// over the connector reads on where this one stopped instead of from the
// file's top. The mirrored offset also carries the file's identity
// (file.length, file.last.modified and, for a file in a sub-directory,
// file.relative.path), which spooldir ignores (it reads "offset" alone)
// and resumeJVM checks, so that a new file reusing the name is still read
// from its start here. A format spooldir does not resume adds nothing.
func (t *task) UpdateOffsets(_ context.Context, committing []source.OffsetChange) ([]source.OffsetChange, error) {
	jr, ok := t.format.(jvmResumer)
	if !ok {
		return nil, nil
	}
	var out []source.OffsetChange
	for _, c := range committing {
		name, _ := c.Partition.Get(FileNameField)
		size, okSize := c.Partition.Get(FileLengthField)
		mod, okMod := c.Partition.Get(FileModifiedField)
		if _, isName := name.(string); !isName || !okSize || !okMod || c.Offset.IsZero() {
			continue // not a file's partition of this connector
		}
		kv := []any{OffsetField, jr.jvmOffset(positionOf(c.Offset)), FileLengthField, size, FileModifiedField, mod}
		if rel, ok := c.Partition.Get(FileRelPathField); ok {
			kv = append(kv, FileRelPathField, rel)
		}
		out = append(out, source.OffsetChange{
			Partition: connect.NewSourcePartition(FileNameField, name),
			Offset:    connect.NewOffset(kv...),
		})
	}
	return out, nil
}

// mirrorOf reports whether o, an offset of a {"fileName"} partition,
// carries a file's identity (UpdateOffsets wrote it) and if so whether it
// is f's.
func mirrorOf(o connect.Offset, f *fileInfo) (mirrored, same bool) {
	size, okSize := o.Int64(FileLengthField)
	mod, okMod := o.Int64(FileModifiedField)
	rel, okRel := o.Get(FileRelPathField)
	if !okSize && !okMod && !okRel {
		return false, false
	}
	wantRel := filepath.ToSlash(f.rel)
	return true, okSize && okMod && size == f.size && mod == f.mod.UnixMilli() &&
		okRel == (f.rel != "") && (!okRel || rel == wantRel)
}

// notify appends a files.notifications record of event for f, when they
// are enabled: spooldir's DefaultFileNotifierRecordCreator's BYTES value,
// {"time": ms, "event": "file_start", "filepath": path}, without a source
// partition (its path JSON-escaped where spooldir writes it raw).
func (t *task) notify(recs []connect.Record, event string, f *fileInfo) []connect.Record {
	if t.c.notifyTopic == "" {
		return recs
	}
	sep := " "
	if event == "file_end" {
		sep = "" // as spooldir writes it
	}
	v := fmt.Appendf(nil, `{"time":%s%d, "event": "%s", "filepath": `, sep, time.Now().UnixMilli(), event)
	v = append(connect.AppendJSONString(v, f.path), '}')
	return append(recs, connect.Record{Topic: t.c.notifyTopic, ValueSchema: connect.BytesSchema, Value: v})
}

// fileHeaders are the file.* headers spooldir puts on every record, but
// file.offset: shared by the file's records, which add their file.offset
// without copying them.
func fileHeaders(c *common, f *fileInfo) connect.Headers {
	h := connect.NewHeaders().
		AddString("file.name", f.name).
		AddString("file.name.without.extension", withoutExtension(f.name)).
		AddString("file.path", f.path).
		AddString("file.parent.dir.name", filepath.Base(filepath.Dir(f.path))).
		Add("file.length", connect.Int64Schema, f.size).
		Add("file.last.modified", connect.TimestampSchema, f.mod.UTC().Truncate(time.Millisecond))
	if f.rel != "" {
		h = h.AddString("file.relative.path", filepath.ToSlash(f.rel))
	}
	return h.Shared()
}

// withoutExtension strips the last extension, as Guava's
// Files.getNameWithoutExtension that spooldir uses.
func withoutExtension(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i]
	}
	return name
}

// closeCurrent closes the file being read; a file read to its end waits
// for its records' offsets to be committed before it is cleaned up.
func (t *task) closeCurrent(atEnd bool) {
	cur := t.cur
	t.cur = nil
	if err := cur.r.Close(); err != nil {
		t.log.Warn("closing file", "file", cur.info.path, "err", err)
	}
	if atEnd {
		t.skip[cur.info.key()] = true
		if fi, err := os.Stat(cur.info.path); err == nil {
			// Written to while it was read, and read to this end.
			t.skip[fileKey{cur.info.path, fi.Size(), fi.ModTime().UnixNano()}] = true
		}
		t.log.Info("read file to its end; cleaning up once its offsets are committed", "file", cur.info.path)
	}
}

// failCurrent handles a file that cannot be read further: it is moved to
// error.path, and the task fails when halt.on.error is set.
func (t *task) failCurrent(err error) error {
	cur := t.cur
	t.cur = nil
	cur.r.Close()
	t.tracker.drop(cur.part)
	return t.fileError(&cur.info, err)
}

// fileError moves a file that cannot be read to error.path and returns the
// error when halt.on.error is set, nil after logging it otherwise.
func (t *task) fileError(f *fileInfo, err error) error {
	t.skip[f.key()] = true
	err = fmt.Errorf("file %s: %w", f.path, err)
	dst, merr := t.c.fail(f)
	if merr != nil {
		err = fmt.Errorf("%w; and it could not be moved to %s: %v", err, ErrorPathConfig, merr)
		// Left in input.path without its flag, the file is tried again
		// when the task next starts.
		if uerr := t.c.unflag(f); uerr != nil {
			err = fmt.Errorf("%w; %v", err, uerr)
		}
	} else {
		t.log.Warn("moved a file that could not be read", "file", f.path, "to", dst)
	}
	if t.c.haltOnError {
		return err
	}
	t.log.Error("file could not be read; going on with the next file", "err", err)
	return nil
}

// cleanup applies the cleanup policy to the files whose offsets are all
// committed. A file that cannot be cleaned up is an error when
// halt.on.error is set, and logged otherwise.
func (t *task) cleanup(ctx context.Context) error {
	check, ready := t.tracker.candidates()
	for _, c := range check {
		committed, err := t.tc.Offsets().Offset(ctx, c.part)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("reading committed offsets: %w", err)
		}
		p, _ := committed.Int64(PositionField)
		if f := t.tracker.checkedOffset(c, p); f != nil {
			ready = append(ready, f)
		}
	}
	for _, f := range ready {
		if _, err := os.Lstat(f.path); errors.Is(err, fs.ErrNotExist) {
			t.log.Warn("file was removed from input.path before it could be cleaned up; its records are all committed", "file", f.path)
			if err := t.c.unflag(f); err != nil && t.c.haltOnError {
				return err
			}
			continue
		}
		if err := t.c.finish(f); err != nil {
			err = fmt.Errorf("cleaning up (%s %s) after reading file %s: %w", CleanupPolicyConfig, t.c.cleanup, f.path, err)
			if t.c.haltOnError {
				return err
			}
			t.log.Error("file could not be cleaned up", "err", err)
			continue
		}
		t.log.Info("finished file", "file", f.path, CleanupPolicyConfig, t.c.cleanup)
	}
	return nil
}

// Commit notes that the runtime committed offsets: files waiting for
// theirs are checked again at the next Poll (see tracker).
func (t *task) Commit(context.Context) error {
	t.tracker.commit()
	return nil
}

func (t *task) Stop(ctx context.Context) error {
	if t.cur != nil {
		cur := t.cur
		t.closeCurrent(false)
		t.tracker.drop(cur.part)
		t.c.unflag(&cur.info)
	}
	err := t.cleanup(ctx)
	// Files read to their end whose offsets were not committed in time
	// are found again at the next start, and resumed from their committed
	// offsets.
	for _, f := range t.tracker.pending() {
		t.c.unflag(f)
	}
	return err
}

// tracker decides when a file read to its end may be cleaned up: once the
// offset of its last record is committed, never before.
//
// The proof is the committed offset itself: a file is eligible when the
// task's OffsetReader returns, for its partition, an offset at or past its
// last record's position, which the tracker keeps from Poll (the runtime
// commits a partition's offset only when it and every record before it
// are written, so nothing per record needs counting here). Reading it is
// not free, so the task asks only for files read to their end, once when
// they are and then once after each commit the runtime reports (Commit).
// A file with no records read in this run has nothing to wait for.
type tracker struct {
	mu      sync.Mutex
	commits int64
	files   map[connect.SourcePartition]*tracked
}

type tracked struct {
	info    fileInfo
	part    connect.SourcePartition
	emitted int   // records returned by Poll
	last    int64 // byte position after the last record returned
	done    bool  // read to the end
	checked int64 // commits when the committed offset was last read; -1 for never
}

func (tr *tracker) begin(p connect.SourcePartition, f *fileInfo) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.files[p] = &tracked{info: *f, part: p, checked: -1}
}

// add counts n records returned by Poll, the last at position last.
func (tr *tracker) add(p connect.SourcePartition, n int, last int64) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if f := tr.files[p]; f != nil && n > 0 {
		f.emitted += n
		f.last = last
	}
}

func (tr *tracker) done(p connect.SourcePartition) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if f := tr.files[p]; f != nil {
		f.done = true
	}
}

func (tr *tracker) drop(p connect.SourcePartition) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	delete(tr.files, p)
}

func (tr *tracker) commit() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.commits++
}

// candidate is a file whose committed offset is to be read: it may be
// cleaned up if that offset is at last or past it.
type candidate struct {
	part connect.SourcePartition
	last int64
	at   int64 // commits before the offset is read
}

// candidates returns the files read to their end whose committed offsets
// have not been read since the last commit, and removes and returns those
// that need none.
func (tr *tracker) candidates() (check []candidate, ready []*fileInfo) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for p, f := range tr.files {
		switch {
		case !f.done:
		case f.emitted == 0:
			ready = append(ready, &f.info)
			delete(tr.files, p)
		case f.checked < tr.commits || f.checked < 0:
			check = append(check, candidate{part: p, last: f.last, at: tr.commits})
		}
	}
	return check, ready
}

// checked records what reading a candidate's committed offset found, and
// returns the file when it may be cleaned up.
func (tr *tracker) checkedOffset(c candidate, committed int64) *fileInfo {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	f := tr.files[c.part]
	if f == nil {
		return nil
	}
	if committed >= c.last {
		delete(tr.files, c.part)
		return &f.info
	}
	f.checked = c.at
	return nil
}

// pending returns the files read to their end and not cleaned up.
func (tr *tracker) pending() []*fileInfo {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []*fileInfo
	for _, f := range tr.files {
		if f.done {
			out = append(out, &f.info)
		}
	}
	return out
}

// loggerOf returns the logger a runtime hands the connector or task
// through its context; started without one, they log nothing.
func loggerOf(c interface{ Logger() *slog.Logger }) *slog.Logger {
	if c != nil {
		if l := c.Logger(); l != nil {
			return l
		}
	}
	return slog.New(slog.DiscardHandler)
}
