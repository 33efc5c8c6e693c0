package offset

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/kconnect-go/kconnect/connect"
)

// fileVersion is the only format version File reads and writes.
const fileVersion = 1

// File is a Store for a single worker (Kafka Connect's standalone mode) that
// keeps every offset in one file, in kconnect's own human-readable format
// (see FORMAT.md): a JSON document with one line per offset,
//
//	{"version":1,"offsets":[
//	{"connector":"local-file-source","partition":{"filename":"test.txt"},"offset":{"position":30}}
//	]}
//
// where partition and offset are exactly the JSON of the offsets-topic key's
// partition and of its value, so they can be copied to or from a Kafka
// offsets topic byte for byte. Lines are sorted by connector, then partition.
// Kafka Connect's own standalone file (offset.storage.file.filename) is a
// Java-serialized HashMap that File cannot read; move offsets between the two
// through the REST API or an offsets topic.
//
// Every Put rewrites the whole file atomically and durably: it writes a
// temporary file next to it (named "."+base+".tmp-*"), syncs it, renames it
// over the file and syncs the directory, so a crash at any point leaves
// either the old or the new file. When Put returns an error the store
// keeps its previous offsets, though the new file may have reached the disk.
// Puts are serialised; Gets do not wait for a Put's disk writes.
//
// One process may use a file at a time; File does not lock it. OpenFile
// removes temporary files left behind by a crashed writer.
type File struct {
	path string
	mode fs.FileMode

	writeMu sync.Mutex // serialises Put; held while writing the file
	buf     []byte     // document buffer, reused under writeMu

	mu     sync.RWMutex // guards conns and closed; writers also hold writeMu
	conns  map[string]map[string]*fileEntry
	closed bool

	// beforeRename, when set (tests), runs after the temporary file is
	// synced and before it is renamed; an error aborts the Put.
	beforeRename func(tmp string) error
}

// fileEntry is one offset and its rendered line (without separator).
type fileEntry struct {
	connector string
	entry     Entry
	line      []byte
}

var _ Store = (*File)(nil)

// OpenFile opens the offsets file at path, reading it if it exists; the
// file is created by the first Put. It fails if path's directory does not
// exist, or if the file cannot be read or is not a valid offsets file: the
// error names the file and the line and column of the problem. A new file
// is created with mode 0600; an existing file keeps its mode.
func OpenFile(path string) (*File, error) {
	if path == "" {
		return nil, errors.New("offset: OpenFile: empty path")
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("offset: offsets file %q: directory: %w", path, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("offset: offsets file %q: %q is not a directory", path, dir)
	}
	f := &File{path: path, mode: 0o600, conns: make(map[string]map[string]*fileEntry)}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("offset: reading offsets file: %w", err)
	default:
		if st, err := os.Stat(path); err == nil {
			f.mode = st.Mode().Perm()
		}
		if err := f.decode(data); err != nil {
			return nil, err
		}
	}
	removeStrayTemps(dir, filepath.Base(path))
	return f, nil
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Get implements Store.
func (f *File) Get(ctx context.Context, connector string, partitions []connect.SourcePartition) (map[connect.SourcePartition]connect.Offset, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return nil, ErrClosed
	}
	out := make(map[connect.SourcePartition]connect.Offset, len(partitions))
	parts := f.conns[connector]
	for _, p := range partitions {
		if e, ok := parts[p.String()]; ok {
			out[p] = e.entry.Offset
		}
	}
	return out, nil
}

// List implements Store.
func (f *File) List(ctx context.Context, connector string) ([]Entry, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return nil, ErrClosed
	}
	parts := f.conns[connector]
	out := make([]Entry, 0, len(parts))
	for _, e := range parts {
		out = append(out, e.entry)
	}
	return out, nil
}

// Put implements Store: when it returns nil the offsets are on disk (the
// file and its directory entry synced). On error nothing changes in the
// store. It fails with ctx's error if ctx is done before the write starts.
func (f *File) Put(ctx context.Context, connector string, entries []Entry) error {
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	// Only Put changes conns and it holds writeMu, so reading conns here
	// needs no other lock; closed needs mu.
	f.mu.RLock()
	closed := f.closed
	f.mu.RUnlock()
	if closed {
		return ErrClosed
	}

	type change struct {
		key string
		fe  *fileEntry // nil deletes
	}
	changes := make([]change, 0, len(entries))
	for _, e := range entries {
		c := change{key: e.Partition.String()}
		if !e.Offset.IsZero() {
			line, err := renderLine(nil, connector, e)
			if err != nil {
				return fmt.Errorf("offset: file %q: connector %q partition %s: %w", f.path, connector, e.Partition, err)
			}
			c.fe = &fileEntry{connector: connector, entry: e, line: line}
		}
		changes = append(changes, c)
	}

	// The new contents: every current entry, overridden by the changes.
	next := make(map[string]*fileEntry, len(f.conns[connector])+len(changes))
	for k, fe := range f.conns[connector] {
		next[k] = fe
	}
	for _, c := range changes {
		if c.fe == nil {
			delete(next, c.key)
		} else {
			next[c.key] = c.fe
		}
	}
	all := make([]*fileEntry, 0, f.count()+len(changes))
	for conn, parts := range f.conns {
		if conn == connector {
			continue
		}
		for _, fe := range parts {
			all = append(all, fe)
		}
	}
	for _, fe := range next {
		all = append(all, fe)
	}
	f.buf = renderDocument(f.buf[:0], all)
	if err := writeFileAtomic(f.path, f.buf, f.mode, f.beforeRename); err != nil {
		return fmt.Errorf("offset: writing offsets file: %w", err)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if len(next) == 0 {
		delete(f.conns, connector)
	} else {
		f.conns[connector] = next
	}
	return nil
}

func (f *File) count() int {
	n := 0
	for _, parts := range f.conns {
		n += len(parts)
	}
	return n
}

// Close releases the store; the file stays as the last successful Put left
// it. It waits for a Put in progress. It is safe to call more than once.
func (f *File) Close() error {
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.conns = nil
	return nil
}

// renderLine appends {"connector":…,"partition":…,"offset":…}.
func renderLine(dst []byte, connector string, e Entry) ([]byte, error) {
	dst = append(dst, `{"connector":`...)
	dst = connect.AppendJSONString(dst, connector)
	dst = append(dst, `,"partition":`...)
	dst = e.Partition.AppendJSON(dst)
	dst = append(dst, `,"offset":`...)
	dst, err := e.Offset.AppendJSON(dst)
	if err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}

// renderDocument appends the whole file, entries sorted by connector then
// partition JSON.
func renderDocument(dst []byte, all []*fileEntry) []byte {
	slices.SortFunc(all, func(a, b *fileEntry) int {
		if c := cmp.Compare(a.connector, b.connector); c != 0 {
			return c
		}
		return cmp.Compare(a.entry.Partition.String(), b.entry.Partition.String())
	})
	dst = append(dst, `{"version":1,"offsets":[`...)
	for i, fe := range all {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '\n')
		dst = append(dst, fe.line...)
	}
	if len(all) > 0 {
		dst = append(dst, '\n')
	}
	return append(dst, "]}\n"...)
}

// fileLine is one element of "offsets" as read.
type fileLine struct {
	Connector *string         `json:"connector"`
	Partition json.RawMessage `json:"partition"`
	Offset    json.RawMessage `json:"offset"`
}

// decode reads the document into f.conns. Errors name the file and the
// line and column.
func (f *File) decode(data []byte) error {
	fail := func(at int64, format string, args ...any) error {
		line, col := lineCol(data, at)
		return fmt.Errorf("offset: offsets file %q: line %d, column %d: %s", f.path, line, col, fmt.Sprintf(format, args...))
	}
	// jsonFail reports a decoding error. base is where the value being
	// decoded starts, or -1 for errors while reading a token.
	jsonFail := func(dec *json.Decoder, err error, base int64) error {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return fail(int64(len(data)), "truncated: unexpected end of file")
		case errors.As(err, &se):
			return fail(max(se.Offset-1, 0), "%v", err) // se.Offset counts the bad byte
		case errors.As(err, &te) && base >= 0:
			return fail(base, "%v", err) // te.Offset is relative to the value
		case base >= 0:
			return fail(base, "%v", err)
		}
		return fail(dec.InputOffset(), "%v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fail(0, "the file is empty; delete it to start with no offsets")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	expect := func(want json.Delim) error {
		at := skipSpaceComma(data, dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return jsonFail(dec, err, -1)
		}
		if tok != want {
			return fail(at, "found %s, want %q", describeToken(tok), string(want))
		}
		return nil
	}
	if err := expect('{'); err != nil {
		return err
	}
	var sawVersion, sawOffsets bool
	for dec.More() {
		at := skipSpaceComma(data, dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return jsonFail(dec, err, -1)
		}
		name, _ := tok.(string)
		switch name {
		case "version":
			var v json.Number
			vat := skipSpaceColon(data, dec.InputOffset())
			if err := dec.Decode(&v); err != nil {
				return jsonFail(dec, err, vat)
			}
			if v.String() != "1" {
				return fail(at, "unsupported version %s, this kconnect reads version %d", v, fileVersion)
			}
			sawVersion = true
		case "offsets":
			if err := expect('['); err != nil {
				return err
			}
			for dec.More() {
				// InputOffset points before the comma and white space.
				at := skipSpaceComma(data, dec.InputOffset())
				var fl fileLine
				if err := dec.Decode(&fl); err != nil {
					return jsonFail(dec, err, at)
				}
				if err := f.addLine(fl); err != nil {
					return fail(at, "%v", err)
				}
			}
			if err := expect(']'); err != nil {
				return err
			}
			sawOffsets = true
		default:
			return fail(at, "unknown field %q", tok)
		}
	}
	if err := expect('}'); err != nil {
		return err
	}
	if at := skipOver(data, dec.InputOffset(), " \t\r\n"); at < int64(len(data)) {
		return fail(at, "unexpected data after the document")
	}
	if !sawVersion || !sawOffsets {
		return fail(0, `missing "version" or "offsets"`)
	}
	return nil
}

// addLine checks one entry and adds it to f.conns.
func (f *File) addLine(fl fileLine) error {
	if fl.Connector == nil {
		return errors.New(`entry has no "connector"`)
	}
	if fl.Partition == nil {
		return errors.New(`entry has no "partition"`)
	}
	if fl.Offset == nil {
		return errors.New(`entry has no "offset"`)
	}
	p, err := parsePartition(fl.Partition)
	if err != nil {
		return fmt.Errorf("partition: %w", err)
	}
	o, err := parseOffset(fl.Offset)
	if err != nil {
		return fmt.Errorf("offset: %w", err)
	}
	if o.IsZero() {
		return nil // "offset": null is no offset
	}
	conn := *fl.Connector
	key := p.String()
	if _, dup := f.conns[conn][key]; dup {
		return fmt.Errorf("connector %q partition %s appears twice", conn, key)
	}
	e := Entry{Partition: p, Offset: o}
	line, err := renderLine(nil, conn, e)
	if err != nil {
		return err
	}
	parts := f.conns[conn]
	if parts == nil {
		parts = make(map[string]*fileEntry)
		f.conns[conn] = parts
	}
	parts[key] = &fileEntry{connector: conn, entry: e, line: line}
	return nil
}

// skipSpaceComma skips white space and one separator, for positions in
// messages: Decoder.InputOffset points before them.
func skipSpaceComma(data []byte, at int64) int64 { return skipOver(data, at, " \t\r\n,") }

func skipSpaceColon(data []byte, at int64) int64 { return skipOver(data, at, " \t\r\n:") }

func skipOver(data []byte, at int64, set string) int64 {
	for at < int64(len(data)) && strings.IndexByte(set, data[at]) >= 0 {
		at++
	}
	return at
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, at int64) (line, col int) {
	at = min(max(at, 0), int64(len(data)))
	before := data[:at]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = int(at) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// writeFileAtomic replaces path with data: temporary file, fsync, rename,
// fsync of the directory.
func writeFileAtomic(path string, data []byte, mode fs.FileMode, beforeRename func(string) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(name)
		}
	}()
	if err := tmp.Chmod(mode); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if beforeRename != nil {
		if err := beforeRename(name); err != nil {
			return err
		}
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Windows cannot sync a directory
// and needs no such step.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeStrayTemps deletes temporary files a crashed Put left in dir.
// Failures are ignored: a stray file is harmless.
func removeStrayTemps(dir, base string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := "." + base + ".tmp-"
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// describeToken names an encoding/json token for messages.
func describeToken(tok json.Token) string {
	switch x := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		switch x {
		case '{', '}':
			return "an object"
		default:
			return "an array"
		}
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", tok)
}
