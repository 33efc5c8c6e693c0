package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"time"
	"unicode/utf8"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/source"
)

// readSize is the size of the read buffer and of each read; the buffer grows
// only for a line longer than it.
const readSize = 128 << 10

// headSize is how many of a file's first bytes are compared before each
// read and fingerprinted in offsets (HeadBytesField).
const headSize = 1 << 10

// task is FileStreamSourceTask. See the package documentation for its
// behaviour; the comments here say how.
//
// The read buffer holds buf[r:w], data read but not yet emitted: at most one
// unterminated line between polls. pos is the position, in the input, of
// buf[r], so the offset after a line is pos plus the line's length with its
// terminator. buf[max(r,scanned):w] is what remains to be searched for a
// terminator (scanned saves rescanning a long partial line after each read).
//
// head is the open regular file's first bytes (up to headSize) as last
// read; before each read the file must still start with them (verify).
// Only the last record of a poll carries their fingerprint in its offset,
// as a two-key offset costs allocations that a one-key one does not.
type task struct {
	base map[string]string
	opts options
	log  *slog.Logger

	// configuration
	path      string // "" for standard input
	name      string // path, or "standard input", for messages
	topic     string
	batch     int
	partition connect.SourcePartition
	tracked   bool           // offsets are tracked (a file, not standard input)
	nullPos   connect.Offset // {"position": null}, for standard input
	startPos  int64          // where to start when the file is next opened
	startHead fingerprint    // the committed offset's, checked when the file is next opened
	startTail fingerprint    // likewise, of the bytes before startPos

	// input
	f        *os.File
	regular  bool  // f is a regular file: seekable, checked for truncation and rotation
	pump     *pump // reads standard input or a non-regular file
	chunk    []byte
	ended    bool // the pump's input has ended: buffered data is final
	missing  bool // warned that the file is missing
	draining bool // the path names a new file; reading the old one to its end
	zeroPos  bool // lines read now carry position 0 (see the package doc)
	stopped  bool
	timer    *time.Timer

	buf     []byte
	r, w    int
	scanned int
	pos     int64
	spans   []span
	lines   []string // lines read this poll
	ends    []int64  // the position after each of lines
	err     error    // a failure to report once the pending lines are returned
	tooLong bool     // the line at buf[r:] is longer than maxLine

	head    []byte
	headFP  fingerprint // head's
	probe   []byte      // the first bytes read again, to compare with head
	linesFP fingerprint // headFP when the last of lines was read; zero for position 0
	// linesTail fingerprints the bytes before the position after the last
	// of lines, up to headSize, within the lines read with it.
	linesTail fingerprint
}

type span struct{ start, end, next int }

// fingerprint identifies a file by its first n bytes; the zero value is
// none.
type fingerprint struct {
	n    int64
	hash string // HeadHashField's form
}

func fingerprintOf(b []byte) fingerprint {
	if len(b) == 0 {
		return fingerprint{}
	}
	return fingerprint{int64(len(b)), fmt.Sprintf("%016x", crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)))}
}

// matches reports whether head, a file's first bytes, begins with the
// bytes fp was taken from.
func (fp fingerprint) matches(head []byte) bool {
	return int64(len(head)) >= fp.n && fingerprintOf(head[:fp.n]) == fp
}

var _ source.Task = (*task)(nil)

// Start reads the configuration and, for a file, the committed offset.
func (t *task) Start(ctx context.Context, config map[string]string, tc source.TaskContext) error {
	m := maps.Clone(t.base)
	if m == nil {
		m = make(map[string]string, len(config))
	}
	maps.Copy(m, config)
	cfg, err := configDef.Parse(m)
	if err != nil {
		return fmt.Errorf("FileStreamSource: %w", err)
	}
	t.topic = cfg.String(TopicConfig)
	t.batch = max(cfg.Int(BatchSizeConfig), 1) // Kafka returns one record per poll for batch.size < 1
	t.path = cfg.String(FileConfig)
	t.lines, t.ends = t.lines[:0], t.ends[:0]
	if t.path == "" {
		// As Kafka: {"filename": null} when file is unset, {"filename": ""}
		// when it is set empty, and {"position": null}.
		t.name = "standard input"
		t.partition = connect.NewSourcePartition(FilenameField, cfg.Get(FileConfig))
		t.nullPos = connect.NewOffset(PositionField, nil)
	} else {
		t.name = t.path
		t.tracked = true
		t.partition = connect.NewSourcePartition(FilenameField, t.path)
	}
	t.log = loggerOf(tc).With("file", t.name) // the runtime's logger names the connector and task
	if t.tracked {
		return t.readOffset(ctx, tc)
	}
	return nil
}

// readOffset sets startPos from the committed offset, checked as Kafka's
// task checks it (FileStreamSourceTask.poll: the position must be a Long or
// null; null or absent means the start of the file).
func (t *task) readOffset(ctx context.Context, tc source.TaskContext) error {
	if tc == nil {
		return nil
	}
	reader := tc.Offsets()
	if reader == nil {
		return nil
	}
	off, err := reader.Offset(ctx, t.partition)
	if err != nil {
		return fmt.Errorf("FileStreamSource: reading the committed offset of %s: %w", t.partition, err)
	}
	v, ok := off.Get(PositionField)
	if !ok || v == nil {
		return nil
	}
	pos, isInt := off.Int64(PositionField)
	if !isInt {
		return fmt.Errorf("FileStreamSource: Offset position is the incorrect type: %s for partition %s", off, t.partition)
	}
	if pos < 0 {
		return fmt.Errorf("FileStreamSource: Offset position is negative: %s for partition %s", off, t.partition)
	}
	t.startPos = pos
	// kconnect's fingerprint of the file's head, if the offset has one:
	// an offset written by Kafka, or altered through the runtime, may not.
	n, hasN := off.Int64(HeadBytesField)
	h, hasH := off.Get(HeadHashField)
	hash, _ := h.(string)
	switch {
	case !hasN && !hasH:
	case hasN && n >= 1 && n <= headSize && len(hash) == 16:
		t.startHead = fingerprint{n, hash}
	default:
		t.log.Warn("the committed offset's fingerprint of the file's first bytes is malformed; resuming at its position without checking them",
			"offset", off.String())
	}
	n, hasN = off.Int64(TailBytesField)
	h, hasH = off.Get(TailHashField)
	hash, _ = h.(string)
	switch {
	case !hasN && !hasH:
	case hasN && n >= 1 && n <= headSize && n <= pos && len(hash) == 16:
		t.startTail = fingerprint{n, hash}
	default:
		t.log.Warn("the committed offset's fingerprint of the bytes before its position is malformed; resuming at its position without checking them",
			"offset", off.String())
	}
	t.log.Debug("resuming from the committed offset", "position", pos)
	return nil
}

// Poll returns the lines read since the last Poll, up to batch.size of
// them, waiting up to about a second for the first one. It returns
// ctx.Err() when ctx is cancelled while it waits.
func (t *task) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.log == nil || t.stopped {
		return nil, errors.New("FileStreamSource: Poll called on a task that is not started")
	}
	if t.err != nil {
		return nil, t.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(t.opts.maxWait)
	for {
		if t.f == nil && t.pump == nil {
			if err := t.open(); err != nil {
				return t.fail(err)
			}
			if t.f == nil && t.pump == nil { // the file does not exist yet
				if again, err := t.wait(ctx, deadline); !again {
					return nil, err
				}
				continue
			}
		}

		t.extract(t.ended)
		if len(t.lines) >= t.batch {
			return t.take(), nil
		}
		if t.tooLong || t.scanned-t.r > t.opts.maxLine {
			return t.fail(fmt.Errorf("FileStreamSource: %s: the line starting at byte %d is longer than %d bytes (the MaxLineBytes option)",
				t.name, t.pos, t.opts.maxLine))
		}

		n, err := t.fill()
		if err != nil {
			return t.fail(err)
		}
		if n > 0 {
			continue
		}
		// Nothing more to read for now.
		if len(t.lines) > 0 {
			return t.take(), nil
		}
		if t.regular {
			changed, err := t.check()
			if err != nil {
				return t.fail(err)
			}
			if changed {
				continue
			}
		}
		if again, err := t.wait(ctx, deadline); !again {
			return nil, err
		}
	}
}

// fail returns the lines read so far, if any, and keeps err for the next
// Poll; otherwise it returns err. Either way every later Poll returns err.
func (t *task) fail(err error) ([]connect.Record, error) {
	t.err = err
	if len(t.lines) > 0 {
		return t.take(), nil
	}
	return nil, err
}

// wait waits for the poll interval (or, reading through the pump, for data),
// within deadline. It reports whether to look for data again; when not, err
// is ctx.Err() if ctx was cancelled, or nil if the deadline passed.
func (t *task) wait(ctx context.Context, deadline time.Time) (again bool, err error) {
	d := time.Until(deadline)
	if d <= 0 {
		return false, nil
	}
	var data <-chan []byte
	if t.pump != nil && t.chunk == nil && !t.ended {
		data = t.pump.data // data wakes us; no need to poll
	} else {
		d = min(d, t.opts.pollInterval)
	}
	if t.timer == nil {
		t.timer = time.NewTimer(d)
	} else {
		t.timer.Reset(d)
	}
	select {
	case <-ctx.Done():
		t.timer.Stop()
		return false, ctx.Err()
	case <-t.timer.C:
		return true, nil
	case c, ok := <-data:
		t.timer.Stop()
		t.received(c, ok)
		return true, nil
	}
}

// open opens the file, positioned at startPos, or starts reading standard
// input. A missing file leaves t.f nil.
func (t *task) open() error {
	if !t.tracked {
		t.pump = startPump(t.opts.stdin, 0)
		return nil
	}
	f, err := os.Open(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		if !t.missing {
			t.log.Warn("file not found; waiting for it to be created")
			t.missing = true
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("FileStreamSource: opening %s: %w", t.path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("FileStreamSource: %s: %w", t.path, err)
	}
	start, want, wantTail := t.startPos, t.startHead, t.startTail
	t.startPos, t.startHead, t.startTail = 0, fingerprint{}, fingerprint{}
	t.regular = fi.Mode().IsRegular()
	t.head, t.headFP = t.head[:0], fingerprint{}
	if t.regular {
		if err := t.readHead(f); err != nil {
			f.Close()
			return err
		}
		switch {
		case start > fi.Size():
			t.log.Warn("the committed position is beyond the end of the file; the file was truncated or replaced, reading it from the start",
				"position", start, "size", fi.Size())
			start = 0
		case start > 0 && want.n > 0 && !want.matches(t.head):
			t.log.Warn("the file's first bytes are not those the committed offset was read from; the file was replaced or truncated and written again, reading it from the start",
				"position", start, "size", fi.Size(), "checked", want.n)
			start = 0
		case start > 0 && wantTail.n > 0:
			ok, err := t.tailMatches(f, start, wantTail)
			if err != nil {
				f.Close()
				return err
			}
			if !ok {
				t.log.Warn("the file's bytes before the committed position are not those the committed offset was read from; the file was replaced or truncated and written again, reading it from the start",
					"position", start, "size", fi.Size(), "checked", wantTail.n)
				start = 0
			}
		}
		if start > 0 {
			if _, err := f.Seek(start, io.SeekStart); err != nil {
				f.Close()
				return fmt.Errorf("FileStreamSource: seeking to position %d in %s: %w", start, t.path, err)
			}
		}
	} else {
		t.pump = startPump(f, start)
	}
	t.f = f
	t.pos = start
	t.r, t.w, t.scanned = 0, 0, 0
	t.ended, t.zeroPos, t.draining, t.missing = false, false, false, false
	t.log.Debug("opened the file", "position", start)
	return nil
}

// fill reads more input into the buffer, without blocking; 0 means none is
// available now.
func (t *task) fill() (int, error) {
	if t.buf == nil {
		t.buf = make([]byte, readSize)
	}
	if t.pump != nil {
		if t.chunk == nil && !t.ended {
			select {
			case c, ok := <-t.pump.data:
				t.received(c, ok)
			default:
			}
		}
		if t.chunk == nil {
			if t.ended && t.pump.err != nil {
				return 0, fmt.Errorf("FileStreamSource: reading %s: %w", t.name, t.pump.err)
			}
			return 0, nil
		}
		t.room(len(t.chunk), true)
		n := copy(t.buf[t.w:], t.chunk)
		t.w += n
		t.pump.free <- t.chunk[:cap(t.chunk)]
		t.chunk = nil
		return n, nil
	}
	if err := t.verify(); err != nil {
		return 0, err
	}
	t.room(readSize/4, false)
	n, err := t.f.Read(t.buf[t.w:])
	t.w += n
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("FileStreamSource: reading %s at byte %d: %w", t.path, t.pos+int64(t.w-t.r), err)
	}
	return n, nil
}

// received takes what the pump sent.
func (t *task) received(c []byte, ok bool) {
	if !ok {
		t.ended = true
		return
	}
	t.chunk = c
}

// room makes at least want bytes free at the end of the buffer, moving the
// unread data to the front or growing the buffer. Without exact, any free
// space will do once the data is at the front (a file read takes what fits).
func (t *task) room(want int, exact bool) {
	if t.r == t.w {
		t.r, t.w, t.scanned = 0, 0, 0
	}
	if len(t.buf)-t.w >= want {
		return
	}
	if t.r > 0 {
		n := copy(t.buf, t.buf[t.r:t.w])
		t.scanned = max(t.scanned-t.r, 0)
		t.r, t.w = 0, n
		if len(t.buf)-t.w >= want {
			return
		}
	}
	if !exact && t.w < len(t.buf) {
		return
	}
	// The buffer is full of one unterminated line (or a chunk from the pump
	// does not fit): grow it, as Kafka doubles its buffer. The line length
	// check in Poll bounds this.
	size := max(2*len(t.buf), t.w+want)
	nb := make([]byte, size)
	copy(nb, t.buf[:t.w])
	t.buf = nb
	t.log.Debug("grew the line buffer", "bytes", size)
}

// nextLine finds the end of the line at buf[r:]. end is where its content
// ends and next where the following line starts. With final, the input has
// ended: a "\r" at the end terminates its line, and data without a
// terminator is a last line.
//
// Terminators are "\n", "\r\n" and "\r", as FileStreamSourceTask.extractLine
// finds them: the first '\n' or '\r' ends the line; after '\r' a '\n' is part
// of the terminator, and a '\r' that is the last byte read waits for the next
// byte to tell which.
func (t *task) nextLine(final bool) (end, next int, ok bool) {
	from := max(t.r, t.scanned)
	data := t.buf[from:t.w]
	nl := bytes.IndexByte(data, '\n')
	head := data
	if nl >= 0 {
		head = data[:nl]
	}
	if cr := bytes.IndexByte(head, '\r'); cr >= 0 {
		end = from + cr
		switch {
		case end+1 < t.w:
			next = end + 1
			if t.buf[next] == '\n' {
				next++
			}
			return end, next, true
		case final:
			return end, end + 1, true
		}
		t.scanned = end // look at this '\r' again when more data comes
		return 0, 0, false
	}
	if nl >= 0 {
		end = from + nl
		return end, end + 1, true
	}
	t.scanned = t.w
	if final && t.w > t.r {
		return t.w, t.w, true
	}
	return 0, 0, false
}

// extract turns the complete lines in the buffer into strings, up to the
// batch size. The lines share one string per call (one allocation), and are
// decoded as Java decodes UTF-8 when they are not valid.
func (t *task) extract(final bool) {
	room := t.batch - len(t.lines)
	if room <= 0 || t.r == t.w {
		return
	}
	base := t.r
	t.spans = t.spans[:0]
	for len(t.spans) < room {
		end, next, ok := t.nextLine(final)
		if !ok {
			break
		}
		if end-t.r > t.opts.maxLine {
			t.tooLong = true
			break
		}
		t.spans = append(t.spans, span{t.r, end, next})
		t.r = next
	}
	if len(t.spans) == 0 {
		return
	}
	t.linesFP = t.headFP
	if t.zeroPos {
		t.linesFP = fingerprint{}
	}
	t.linesTail = fingerprintOf(t.buf[max(base, t.r-headSize):t.r])
	all := string(t.buf[base:t.r])
	valid := utf8.ValidString(all)
	for _, s := range t.spans {
		line := all[s.start-base : s.end-base]
		if !valid && !utf8.ValidString(line) {
			line = javaUTF8(line)
		}
		// As Kafka's FileStreamSourceTask: extractLine adds newStart, the
		// index just past the terminator, to streamOffset, and poll then
		// builds the record with offsetValue(streamOffset). So the offset is
		// the position after the line and its terminator.
		t.pos += int64(s.next - s.start)
		end := t.pos
		if t.zeroPos {
			end = 0
		}
		t.lines = append(t.lines, line)
		t.ends = append(t.ends, end)
	}
}

// take turns the lines read into records and forgets them.
func (t *task) take() []connect.Record {
	if len(t.lines) == 0 {
		return nil
	}
	recs := make([]connect.Record, len(t.lines))
	now := t.opts.now()
	last := len(t.lines) - 1
	for i, line := range t.lines {
		r := &recs[i]
		r.Topic = t.topic
		r.ValueSchema = connect.StringSchema
		r.Value = line
		r.Timestamp = now
		r.SourcePartition = t.partition
		switch {
		case !t.tracked:
			r.SourceOffset = t.nullPos
		case i == last && t.linesFP.n > 0:
			// The record whose offset a runtime commits at a clean stop,
			// or once everything polled is written.
			r.SourceOffset = connect.NewOffset(PositionField, t.ends[i], HeadBytesField, t.linesFP.n, HeadHashField, t.linesFP.hash,
				TailBytesField, t.linesTail.n, TailHashField, t.linesTail.hash)
		default:
			r.SourceOffset = connect.Int64Offset(PositionField, t.ends[i])
		}
	}
	clear(t.lines)
	t.lines, t.ends = t.lines[:0], t.ends[:0]
	return recs
}

// tailMatches reports whether the n bytes of f before pos are those fp was
// taken from.
func (t *task) tailMatches(f *os.File, pos int64, fp fingerprint) (bool, error) {
	if t.probe == nil {
		t.probe = make([]byte, headSize)
	}
	b := t.probe[:fp.n]
	if _, err := f.ReadAt(b, pos-fp.n); err == io.EOF {
		return false, nil // shorter since it was measured: not the same file
	} else if err != nil {
		return false, fmt.Errorf("FileStreamSource: reading %s before position %d: %w", t.path, pos, err)
	}
	return fingerprintOf(b) == fp, nil
}

// readHead reads the first bytes of f, the regular file just opened or
// found truncated, into head.
func (t *task) readHead(f *os.File) error {
	if t.probe == nil {
		t.probe = make([]byte, headSize)
	}
	n, err := f.ReadAt(t.probe, 0)
	if err != nil && err != io.EOF {
		return fmt.Errorf("FileStreamSource: reading the first bytes of %s: %w", t.path, err)
	}
	t.head = append(t.head[:0], t.probe[:n]...)
	t.headFP = fingerprintOf(t.head)
	return nil
}

// verify checks, before each read of a regular file, that the file still
// holds what was read from it: it is no shorter than the data read, and it
// still begins with head. Otherwise it was truncated, and perhaps written
// again past the position read, as when copytruncate rotates a log whose
// writer goes on: reading on at the position would skip the new data. Then
// what is left of the old data is emitted and the file is read again from
// the start. The size alone cannot tell: the file may have grown past the
// position again between two reads (a poll interval, or the time the
// runtime takes between two polls). While the file is shorter than
// headSize, head grows with it.
func (t *task) verify() error {
	fi, err := t.f.Stat()
	if err != nil {
		return fmt.Errorf("FileStreamSource: %s: %w", t.path, err)
	}
	read := t.pos + int64(t.w-t.r)
	if fi.Size() < read {
		t.log.Warn("the file was truncated; reading it again from the start", "position", read, "size", fi.Size())
	} else {
		n, err := t.f.ReadAt(t.probe, 0)
		if err != nil && err != io.EOF {
			return fmt.Errorf("FileStreamSource: reading the first bytes of %s: %w", t.path, err)
		}
		first := t.probe[:n]
		if bytes.HasPrefix(first, t.head) {
			if len(first) > len(t.head) {
				t.head = append(t.head, first[len(t.head):]...)
				t.headFP = fingerprintOf(t.head)
			}
			return nil
		}
		t.log.Warn("the file was truncated and written again: its first bytes changed; reading it again from the start",
			"position", read, "size", fi.Size())
	}
	t.finishOld()
	if _, err := t.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("FileStreamSource: seeking to the start of %s: %w", t.path, err)
	}
	t.pos, t.r, t.w, t.scanned, t.zeroPos = 0, 0, 0, 0, false
	return t.readHead(t.f)
}

// check looks, at the end of a regular file, for rotation (verify looks for
// truncation before each read). It reports whether the input changed, so
// that Poll reads again.
func (t *task) check() (changed bool, err error) {
	fi, err := t.f.Stat()
	if err != nil {
		return false, fmt.Errorf("FileStreamSource: %s: %w", t.path, err)
	}
	cur, err := os.Stat(t.path)
	if err != nil {
		// Removed (or unreadable) and not replaced yet: keep following
		// the open file.
		return false, nil
	}
	if os.SameFile(fi, cur) {
		t.draining, t.zeroPos = false, false // (moved back, if it was moved)
		return false, nil
	}
	if !t.draining {
		// Read what was written to the old file before the rotation was
		// noticed, then switch.
		t.log.Info("the file was rotated; reading the old file to its end before opening the new one")
		t.draining, t.zeroPos = true, true
		return true, nil
	}
	t.finishOld()
	t.f.Close()
	t.f = nil
	if err := t.open(); err != nil {
		return false, err
	}
	return true, nil
}

// finishOld emits what remains of a file that is finished for good (rotated
// away or truncated), including an unterminated last line, with position 0.
// Poll calls it only when fewer than batch.size lines are pending and the
// buffer holds no complete line, so it adds at most one line.
func (t *task) finishOld() {
	t.zeroPos = true
	t.extract(true)
	t.zeroPos = false
	t.r, t.w, t.scanned = 0, 0, 0
}

// Stop closes the file. A goroutine blocked reading standard input stays
// blocked until its read returns.
func (t *task) Stop(context.Context) error {
	if t.stopped {
		return nil
	}
	t.stopped = true
	if t.timer != nil {
		t.timer.Stop()
	}
	if t.pump != nil {
		close(t.pump.done)
	}
	if t.f != nil {
		if err := t.f.Close(); err != nil {
			return fmt.Errorf("FileStreamSource: closing %s: %w", t.path, err)
		}
		t.f = nil
	}
	return nil
}

// pump reads a reader that may block (standard input, a FIFO) in its own
// goroutine, so that Poll can wait for it and for its context at once. Two
// buffers circulate between the goroutine (free) and the task (data).
type pump struct {
	data chan []byte   // chunks read; closed when the input ends
	free chan []byte   // chunks the task has copied
	done chan struct{} // closed by Stop
	err  error         // why the input ended, if not EOF; set before data is closed
}

func startPump(r io.Reader, skip int64) *pump {
	p := &pump{data: make(chan []byte, 1), free: make(chan []byte, 2), done: make(chan struct{})}
	p.free <- make([]byte, readSize/2)
	p.free <- make([]byte, readSize/2)
	go p.run(r, skip)
	return p
}

func (p *pump) run(r io.Reader, skip int64) {
	defer close(p.data)
	if skip > 0 {
		// A stream cannot seek: skip as Kafka does, by reading.
		if _, err := io.CopyN(io.Discard, r, skip); err != nil {
			if err != io.EOF {
				p.err = err
			}
			return
		}
	}
	for {
		var b []byte
		select {
		case b = <-p.free:
		case <-p.done:
			return
		}
		n, err := r.Read(b)
		if n > 0 {
			select {
			case p.data <- b[:n]:
			case <-p.done:
				return
			}
		} else {
			p.free <- b
		}
		if err != nil {
			if err != io.EOF {
				p.err = err
			}
			return
		}
	}
}
