package file

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/sink"
)

// Class is the Kafka Connect class name of the connector.
const Class = "org.apache.kafka.connect.file.FileStreamSinkConnector"

// The configuration keys: Kafka's file, and kconnect's file.fsync.
const (
	FileConfig  = "file"
	FsyncConfig = "file.fsync"
)

// DefaultBufferSize is the size of a task's write buffer unless BufferSize
// says otherwise.
const DefaultBufferSize = 64 << 10

// maxScratch is the largest formatting buffer a task keeps between records.
const maxScratch = 1 << 20

var configDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: FileConfig, Type: connect.ConfigString, Importance: connect.High,
		Doc: "Destination filename. If not specified, the standard output will be used"}).
	Define(connect.ConfigKey{Name: FsyncConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low,
		DisplayName: "Sync on flush",
		Doc: "kconnect only. If true, every flush, which precedes each commit of consumer offsets, also syncs the " +
			"file to disk, so that records whose offsets are committed survive a crash of the machine, not only of " +
			"the process; this costs one fsync per commit. Ignored when writing to the standard output."})

// ConfigDef returns the connector's configuration definition: Kafka's file
// key and kconnect's file.fsync. topics and topics.regex are the runtime's,
// as in Kafka. The result is shared; do not Define keys on it.
func ConfigDef() *connect.ConfigDef { return configDef }

// SinkConfig is the connector's configuration as Go values. The zero value
// writes to standard output without syncing.
type SinkConfig struct {
	// File is the file to append to; "" writes to standard output.
	File string
	// Fsync makes every Flush sync the file to disk (file.fsync).
	Fsync bool
}

// Map returns c in string form, leaving out zero fields.
func (c SinkConfig) Map() map[string]string {
	m := make(map[string]string, 2)
	if c.File != "" {
		m[FileConfig] = c.File
	}
	if c.Fsync {
		m[FsyncConfig] = "true"
	}
	return m
}

// An Option tunes the connector's tasks beyond their configuration.
type Option func(*options)

type options struct {
	stdout  io.Writer
	bufSize int
}

func buildOptions(opts []Option) options {
	o := options{stdout: os.Stdout, bufSize: DefaultBufferSize}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// Stdout sets the writer used when no file is configured (default, and for
// nil, os.Stdout). It is never closed.
func Stdout(w io.Writer) Option {
	return func(o *options) {
		if w == nil {
			w = os.Stdout
		}
		o.stdout = w
	}
}

// BufferSize sets the size of each task's write buffer (default
// DefaultBufferSize; at least 16 bytes).
func BufferSize(n int) Option { return func(o *options) { o.bufSize = max(n, 16) } }

// NewSink returns the connector configured by cfg. The map a runtime passes
// to Start is laid over cfg: keys it sets replace cfg's fields. Each task
// receives the merged configuration. Its tasks implement sink.Flusher.
func NewSink(cfg SinkConfig, opts ...Option) sink.Connector {
	return &connector{base: cfg.Map(), opts: buildOptions(opts)}
}

// Plugin describes the connector to a runtime. Every connector it creates
// uses opts.
func Plugin(opts ...Option) sink.Plugin {
	return sink.Plugin{
		PluginInfo: connect.PluginInfo{
			Class:   Class,
			Aliases: []string{"FileStreamSink"},
			Kind:    connect.SinkPlugin,
			Version: version.Kconnect(),
			Doc:     "Appends each record's value, as Java prints it, to a file or the standard output, one line per record.",
			Config:  configDef,
		},
		New: func() sink.Connector { return NewSink(SinkConfig{}, opts...) },
	}
}

// connector is FileStreamSinkConnector.
type connector struct {
	base   map[string]string
	opts   options
	config map[string]string
}

func merge(base, config map[string]string) map[string]string {
	m := maps.Clone(base)
	if m == nil {
		m = make(map[string]string, len(config))
	}
	maps.Copy(m, config)
	return m
}

// Start checks the configuration.
func (c *connector) Start(_ context.Context, config map[string]string, cc connect.ConnectorContext) error {
	m := merge(c.base, config)
	cfg, err := configDef.Parse(m)
	if err != nil {
		return fmt.Errorf("FileStreamSink: %w", err)
	}
	name := cfg.String(FileConfig)
	if name == "" {
		name = "standard output"
	}
	loggerOf(cc).Info("starting file sink connector", "file", name)
	c.config = m
	return nil
}

// TaskConfigs returns maxTasks copies of the configuration, as Kafka does:
// every task appends to the same file.
func (c *connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if c.config == nil {
		return nil, errors.New("FileStreamSink: TaskConfigs called before Start")
	}
	out := make([]map[string]string, 0, max(maxTasks, 0))
	for range maxTasks {
		out = append(out, maps.Clone(c.config))
	}
	return out, nil
}

// NewTask returns a task that appends to the file.
func (c *connector) NewTask() sink.Task { return &task{base: c.base, opts: c.opts} }

// Stop does nothing.
func (c *connector) Stop(context.Context) error { return nil }

var _ sink.OffsetAlterer = (*connector)(nil)

// AlterOffsets accepts every change: the connector keeps no offsets of its
// own, so, as Kafka's FileStreamSinkConnector, it has handled them.
func (c *connector) AlterOffsets(context.Context, map[string]string, []sink.OffsetChange) (bool, error) {
	return true, nil
}

// task is FileStreamSinkTask. It implements sink.Flusher.
type task struct {
	base    map[string]string
	opts    options
	name    string   // the file, or "standard output"
	file    *os.File // nil for standard output
	fsync   bool
	w       *bufio.Writer
	scratch []byte
	stopped bool
}

var _ sink.Flusher = (*task)(nil)

// Start opens the file for appending, creating it if needed.
func (t *task) Start(_ context.Context, config map[string]string, _ sink.TaskContext) error {
	cfg, err := configDef.Parse(merge(t.base, config))
	if err != nil {
		return fmt.Errorf("FileStreamSink: %w", err)
	}
	path := cfg.String(FileConfig)
	var out io.Writer
	if path == "" {
		t.name = "standard output"
		out = t.opts.stdout
	} else {
		t.name = path
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
		if err != nil {
			return fmt.Errorf("FileStreamSink: Couldn't find or create file '%s' for FileStreamSinkTask: %w", path, err)
		}
		t.file, out = f, f
		t.fsync = cfg.Bool(FsyncConfig)
	}
	t.w = bufio.NewWriterSize(out, t.opts.bufSize)
	return nil
}

// Put appends one line per record: its value (see AppendValue) and "\n".
// The lines are written out before Put returns, as Kafka's PrintStream
// writes each line as it prints it, so a reader of the file sees them
// without waiting for the next Flush; but they are gathered in the task's
// buffer first and written in one write when they fit it, not one per
// line. Put never syncs. An error means the file could not be written; the
// lines of this batch may be partly written, which a redelivery repeats.
func (t *task) Put(_ context.Context, records []connect.Record) error {
	if t.w == nil || t.stopped {
		return errors.New("FileStreamSink: Put called on a task that is not started")
	}
	for i := range records {
		var err error
		if s, ok := records[i].Value.(string); ok {
			err = t.writeString(s)
		} else {
			t.scratch = append(AppendValue(t.scratch[:0], records[i].Value), '\n')
			err = t.writeLine(t.scratch)
		}
		if err != nil {
			return err
		}
	}
	if cap(t.scratch) > maxScratch {
		t.scratch = nil
	}
	if err := t.w.Flush(); err != nil {
		return t.writeErr(err)
	}
	return nil
}

// writeLine writes line (with its newline), first writing out the buffer if
// the line does not fit, so that the file receives whole lines.
func (t *task) writeLine(line []byte) error {
	if len(line) > t.w.Available() && t.w.Buffered() > 0 {
		if err := t.w.Flush(); err != nil {
			return t.writeErr(err)
		}
	}
	if _, err := t.w.Write(line); err != nil {
		return t.writeErr(err)
	}
	return nil
}

// writeString is writeLine for a string value, without copying it first.
func (t *task) writeString(s string) error {
	if len(s)+1 > t.w.Available() {
		if t.w.Buffered() > 0 {
			if err := t.w.Flush(); err != nil {
				return t.writeErr(err)
			}
		}
		if len(s)+1 > t.w.Available() { // longer than the buffer
			t.scratch = append(append(t.scratch[:0], s...), '\n')
			return t.writeLine(t.scratch)
		}
	}
	if _, err := t.w.WriteString(s); err != nil { // a previous write failed
		return t.writeErr(err)
	}
	if err := t.w.WriteByte('\n'); err != nil {
		return t.writeErr(err)
	}
	return nil
}

func (t *task) writeErr(err error) error {
	return fmt.Errorf("FileStreamSink: writing to %s: %w", t.name, err)
}

// flush writes the buffer out and, with file.fsync, syncs the file.
func (t *task) flush() error {
	if err := t.w.Flush(); err != nil {
		return t.writeErr(err)
	}
	if t.fsync && t.file != nil {
		if err := t.file.Sync(); err != nil {
			return fmt.Errorf("FileStreamSink: syncing %s: %w", t.name, err)
		}
	}
	return nil
}

// Flush, with file.fsync=true, syncs the file, so that the records whose
// offsets the runtime then commits survive a crash of the machine. Put has
// already written every line out, so without file.fsync Flush only reports
// a write error an earlier Put met.
func (t *task) Flush(context.Context, map[sink.TopicPartition]int64) error {
	if t.w == nil || t.stopped {
		return errors.New("FileStreamSink: Flush called on a task that is not started")
	}
	return t.flush()
}

// Stop flushes (and syncs) and closes the file. The standard output is
// flushed but not closed.
func (t *task) Stop(context.Context) error {
	if t.w == nil || t.stopped {
		return nil
	}
	t.stopped = true
	err := t.flush()
	if t.file != nil {
		if cerr := t.file.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("FileStreamSink: closing %s: %w", t.name, cerr)
		}
	}
	return err
}

// BorrowsBatch reports that Put writes its records before it returns and
// keeps nothing of the batch, so the runtime may reuse it
// (sink.BatchBorrower).
func (t *task) BorrowsBatch() bool { return true }

// loggerOf returns the logger a runtime hands the connector through its
// context. Started without one (by hand, as in a test), it logs nothing
// rather than through a global logger.
func loggerOf(cc connect.ConnectorContext) *slog.Logger {
	if cc != nil {
		if l := cc.Logger(); l != nil {
			return l
		}
	}
	return slog.New(slog.DiscardHandler)
}
