package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/source"
)

// Class is the Kafka Connect class name of the connector.
const Class = "org.apache.kafka.connect.file.FileStreamSourceConnector"

// The configuration keys, as Kafka's FileStreamSourceConnector names them.
const (
	FileConfig      = "file"
	TopicConfig     = "topic"
	BatchSizeConfig = "batch.size"
)

// The source partition and offset keys, as Kafka's FileStreamSourceTask
// names them: partition {"filename": file}, offset {"position": n}.
const (
	FilenameField = "filename"
	PositionField = "position"
)

// The offset keys kconnect adds to a file's offset, beside Kafka's
// position: a fingerprint of the file's first bytes, so that a task
// resuming from the offset can tell the file was replaced or truncated and
// written again (see the package documentation). head.bytes is how many of
// the first bytes (1 to 1024) head.hash covers; head.hash is their CRC-64
// (ECMA polynomial, as Go's hash/crc64 computes it) in 16 hexadecimal
// digits. tail.bytes and tail.hash fingerprint, likewise, the last bytes
// before the position (1 to 1024, within the lines read last), so
// that a replaced file whose first bytes are the same (a common header, a
// preamble longer than 1024 bytes) is told apart too. Kafka's task reads
// only the position and ignores them.
const (
	HeadBytesField = "head.bytes"
	HeadHashField  = "head.hash"
	TailBytesField = "tail.bytes"
	TailHashField  = "tail.hash"
)

// DefaultBatchSize is batch.size's default.
const DefaultBatchSize = 2000

// Defaults of the Options.
const (
	DefaultPollInterval = 100 * time.Millisecond
	DefaultMaxLineBytes = 16 << 20
)

// maxPollWait is about how long Poll waits for data before it returns no
// records, as the source.Task contract asks (Kafka waits one second).
const maxPollWait = time.Second

var configDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: FileConfig, Type: connect.ConfigString, Importance: connect.High,
		Doc: "Source filename. If not specified, the standard input will be used"}).
	Define(connect.ConfigKey{Name: TopicConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
		Validator: connect.AllOf(connect.NonEmpty(), connect.ValidatorFunc(singleTopic)),
		Doc:       "The topic to publish data to"}).
	Define(connect.ConfigKey{Name: BatchSizeConfig, Type: connect.ConfigInt, Default: DefaultBatchSize, Importance: connect.Low,
		Doc: "The maximum number of records the source task can read from the file each time it is polled"})

// singleTopic rejects a list of topics, as Kafka's connector used to (a comma
// is not legal in a topic name, so the message is the useful part).
func singleTopic(v any) error {
	if s, _ := v.(string); strings.Contains(s, ",") {
		return errors.New("FileStreamSourceConnector should only have a single topic when used as a source")
	}
	return nil
}

// ConfigDef returns the connector's configuration definition: Kafka's keys
// file, topic and batch.size, with Kafka's documentation. The result is
// shared; do not Define keys on it.
func ConfigDef() *connect.ConfigDef { return configDef }

// SourceConfig is the connector's configuration as Go values. Its zero
// fields mean the Kafka defaults: no File reads standard input, a zero
// BatchSize is 2000.
type SourceConfig struct {
	// File is the file to tail; "" reads standard input.
	File string
	// Topic is the topic records are written to (required).
	Topic string
	// BatchSize is the most records one Poll returns; 0 means 2000.
	BatchSize int
}

// Map returns c in Kafka's string form, leaving out zero fields so that
// they take Kafka's defaults.
func (c SourceConfig) Map() map[string]string {
	m := make(map[string]string, 3)
	if c.File != "" {
		m[FileConfig] = c.File
	}
	if c.Topic != "" {
		m[TopicConfig] = c.Topic
	}
	if c.BatchSize != 0 {
		m[BatchSizeConfig] = strconv.Itoa(c.BatchSize)
	}
	return m
}

// An Option tunes the connector's tasks beyond Kafka's configuration.
type Option func(*options)

type options struct {
	pollInterval time.Duration
	maxLine      int
	stdin        io.Reader
	now          func() time.Time
	maxWait      time.Duration
}

func buildOptions(opts []Option) options {
	o := options{pollInterval: DefaultPollInterval, maxLine: DefaultMaxLineBytes, stdin: os.Stdin, now: time.Now, maxWait: maxPollWait}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// PollInterval sets how often a task at the end of its file checks it for
// new data, truncation and rotation, and waits for a missing file (default
// DefaultPollInterval). Values below one millisecond are raised to it.
func PollInterval(d time.Duration) Option {
	return func(o *options) { o.pollInterval = max(d, time.Millisecond) }
}

// MaxLineBytes sets the longest line, in bytes without its terminator, a task
// accepts (default DefaultMaxLineBytes); a longer line fails the task with
// an error naming the file and the line's byte offset. Values below one are
// raised to one.
func MaxLineBytes(n int) Option {
	return func(o *options) { o.maxLine = max(n, 1) }
}

// Stdin sets the reader used when no file is configured (default, and for
// nil, os.Stdin).
// A task reads it from a background goroutine; it is never closed.
func Stdin(r io.Reader) Option {
	return func(o *options) {
		if r == nil {
			r = os.Stdin
		}
		o.stdin = r
	}
}

// withClock replaces time.Now for record timestamps, for tests.
func withClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// withMaxWait sets how long Poll waits for data before it returns none, for
// tests.
func withMaxWait(d time.Duration) Option { return func(o *options) { o.maxWait = d } }

// NewSource returns the connector configured by cfg. The map a runtime
// passes to Start is laid over cfg: keys it sets replace cfg's fields. Each
// task receives the merged configuration. cfg is checked when the connector
// starts.
//
// The connector also implements source.ExactlyOnceConnector (supported for a
// file, not for standard input) and source.OffsetAlterer (Kafka's checks of
// altered offsets: a "filename" partition and a non-negative integer
// "position").
func NewSource(cfg SourceConfig, opts ...Option) source.Connector {
	return &connector{base: cfg.Map(), opts: buildOptions(opts)}
}

// Plugin describes the connector to a runtime. Every connector it creates
// uses opts.
func Plugin(opts ...Option) source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{
			Class:   Class,
			Aliases: []string{"FileStreamSource"},
			Kind:    connect.SourcePlugin,
			Version: version.Kconnect(),
			Doc:     "Tails a file, or reads standard input, and writes each line to a topic as a STRING record.",
			Config:  configDef,
		},
		New: func() source.Connector { return NewSource(SourceConfig{}, opts...) },
	}
}

// connector is FileStreamSourceConnector: it checks the configuration and
// hands it to a single task. It also implements
// source.ExactlyOnceConnector and source.OffsetAlterer.
type connector struct {
	base   map[string]string // from the typed config
	opts   options
	config map[string]string // merged, set by Start
}

var (
	_ source.ExactlyOnceConnector = (*connector)(nil)
	_ source.OffsetAlterer        = (*connector)(nil)
)

func (c *connector) merge(config map[string]string) map[string]string {
	m := maps.Clone(c.base)
	if m == nil {
		m = make(map[string]string, len(config))
	}
	maps.Copy(m, config)
	return m
}

// Start checks the configuration.
func (c *connector) Start(_ context.Context, config map[string]string, cc source.ConnectorContext) error {
	m := c.merge(config)
	cfg, err := configDef.Parse(m)
	if err != nil {
		return fmt.Errorf("FileStreamSource: %w", err)
	}
	name := cfg.String(FileConfig)
	if name == "" {
		name = "standard input"
	}
	loggerOf(cc).Info("starting file source connector", "file", name, "topic", cfg.String(TopicConfig))
	c.config = m
	return nil
}

// TaskConfigs returns one task configuration whatever maxTasks is (but none
// for maxTasks < 1): a file has one reader.
func (c *connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if maxTasks < 1 {
		return nil, nil
	}
	if c.config == nil {
		return nil, errors.New("FileStreamSource: TaskConfigs called before Start")
	}
	return []map[string]string{maps.Clone(c.config)}, nil
}

// NewTask returns a task that reads the file.
func (c *connector) NewTask() source.Task { return &task{base: c.base, opts: c.opts} }

// Stop does nothing: the connector watches nothing.
func (c *connector) Stop(context.Context) error { return nil }

// ExactlyOnceSupport is supported for a file (as long as it is only appended
// to) and unsupported for standard input, whose offsets are not tracked, as
// in Kafka.
func (c *connector) ExactlyOnceSupport(config map[string]string) source.ExactlyOnceSupport {
	cfg, err := configDef.Parse(c.merge(config))
	if err != nil || cfg.String(FileConfig) == "" {
		return source.ExactlyOnceUnsupported
	}
	return source.ExactlyOnceSupported
}

// AlterOffsets checks offsets being altered as Kafka's connector does: not
// at all when reading standard input (an error), and otherwise each
// partition must have a "filename" key and each offset that is not a reset
// a non-negative integer "position". It handles no offsets itself, and
// returns true as Kafka does.
func (c *connector) AlterOffsets(_ context.Context, config map[string]string, changes []source.OffsetChange) (bool, error) {
	cfg, err := configDef.Parse(c.merge(config))
	if err != nil {
		return false, fmt.Errorf("FileStreamSource: %w", err)
	}
	if cfg.String(FileConfig) == "" {
		return false, fmt.Errorf("FileStreamSource: Offsets cannot be modified if the '%s' configuration is unspecified. "+
			"This is because stdin is used for input and offsets are not tracked.", FileConfig)
	}
	for _, ch := range changes {
		if ch.Offset.IsZero() {
			continue // a reset (tombstone) is always allowed
		}
		v, ok := ch.Offset.Get(PositionField)
		if !ok {
			return false, fmt.Errorf("FileStreamSource: Offset objects should either be null or contain the key '%s'", PositionField)
		}
		pos, isInt := ch.Offset.Int64(PositionField)
		if v == nil || !isInt {
			return false, fmt.Errorf("FileStreamSource: The value for the '%s' key in the offset is expected to be a Long value", PositionField)
		}
		if pos < 0 {
			return false, fmt.Errorf("FileStreamSource: The value for the '%s' key in the offset should be a non-negative value", PositionField)
		}
		if ch.Partition.IsZero() {
			return false, errors.New("FileStreamSource: Partition objects cannot be null")
		}
		if _, ok := ch.Partition.Get(FilenameField); !ok {
			return false, fmt.Errorf("FileStreamSource: Partition objects should contain the key '%s'", FilenameField)
		}
	}
	return true, nil
}

// loggerOf returns the logger a runtime hands the connector or task through
// its context. Started without one (by hand, as in a test), they log
// nothing rather than through a global logger.
func loggerOf(c interface{ Logger() *slog.Logger }) *slog.Logger {
	if c != nil {
		if l := c.Logger(); l != nil {
			return l
		}
	}
	return slog.New(slog.DiscardHandler)
}
