package spooldir

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/source"
)

// The connectors' Kafka Connect class names, as kafka-connect-spooldir
// names them; each also answers to its simple name and that name without
// "Connector" (SpoolDirCsvSource).
const (
	classPrefix          = "com.github.jcustenborder.kafka.connect.spooldir."
	CsvClass             = classPrefix + "SpoolDirCsvSourceConnector"
	JsonClass            = classPrefix + "SpoolDirJsonSourceConnector"
	SchemaLessJsonClass  = classPrefix + "SpoolDirSchemaLessJsonSourceConnector"
	LineDelimitedClass   = classPrefix + "SpoolDirLineDelimitedSourceConnector"
	BinaryFileClass      = classPrefix + "SpoolDirBinaryFileSourceConnector"
	ELFClass             = classPrefix + "elf.SpoolDirELFSourceConnector"
	AvroClass            = classPrefix + "SpoolDirAvroSourceConnector"
	lineDelimitedDocText = "Reads each line of the files of a directory as a STRING record."
)

var (
	lineDef = charsetKey(commonKeys(connect.NewConfigDef()), FileCharsetConfig)
	csvDef  = csvKeys(schemaKeys(commonKeys(connect.NewConfigDef())))
	jsonDef = schemaKeys(commonKeys(connect.NewConfigDef()))
	// SchemaLessJson takes file.charset as LineDelimited does.
	schemaLessDef = charsetKey(commonKeys(connect.NewConfigDef()), FileCharsetConfig)
	binaryDef     = commonKeys(connect.NewConfigDef())
	elfDef        = commonKeys(connect.NewConfigDef())
	avroDef       = commonKeys(connect.NewConfigDef())
)

// AvroPlugin is SpoolDirAvroSourceConnector: each record of Avro object
// container files as a value of the Connect schema Confluent's AvroData
// gives the file's schema, without a key.
func AvroPlugin() source.Plugin {
	return plugin(AvroClass, "Reads the records of the Avro object container files of a directory, with the Connect schema of each file's Avro schema.",
		avroDef, false, newAvroFormat, nil)
}

// BinaryFilePlugin is SpoolDirBinaryFileSourceConnector: each file as one
// BYTES value without a key (files up to 1 GiB).
func BinaryFilePlugin() source.Plugin {
	return plugin(BinaryFileClass, "Reads each file of a directory as one BYTES record.", binaryDef, false, newBinaryFormat, nil)
}

// ELFPlugin is elf.SpoolDirELFSourceConnector: each entry of W3C Extended
// Log Format files as a Struct of the fields its #Fields: directive names.
func ELFPlugin() source.Plugin {
	return plugin(ELFClass, "Reads the entries of W3C Extended Log Format files as Struct records.", elfDef, false, newELFFormat, nil)
}

// JsonPlugin is SpoolDirJsonSourceConnector: each object of a stream of
// JSON objects as a Struct of value.schema, keyed by a Struct of
// key.schema.
func JsonPlugin() source.Plugin {
	return plugin(JsonClass, "Reads the objects of the JSON files of a directory as Struct records of the configured or generated schemas.",
		jsonDef, true, newJSONFormat, generateJSON)
}

// SchemaLessJsonPlugin is SpoolDirSchemaLessJsonSourceConnector: each value
// of a stream of JSON values as a STRING value, written compactly.
func SchemaLessJsonPlugin() source.Plugin {
	return plugin(SchemaLessJsonClass, "Reads each value of the JSON files of a directory as a STRING record of its JSON text.",
		schemaLessDef, false, newSchemaLessFormat, nil)
}

// CsvPlugin is SpoolDirCsvSourceConnector: each row of CSV files (TSV and
// others with csv.separator.char) as a Struct of value.schema, keyed by a
// Struct of key.schema whose fields are copied from the row.
func CsvPlugin() source.Plugin {
	return plugin(CsvClass, "Reads the rows of the CSV files of a directory as Struct records of the configured or generated schemas.",
		csvDef, true, newCSVFormat, generateCSV)
}

// LineDelimitedPlugin is SpoolDirLineDelimitedSourceConnector: every line of
// every file as a STRING value without a key.
func LineDelimitedPlugin() source.Plugin {
	return plugin(LineDelimitedClass, lineDelimitedDocText, lineDef, false, newLineFormat, nil)
}

// Plugins returns every connector of the package.
func Plugins() []source.Plugin {
	return []source.Plugin{CsvPlugin(), JsonPlugin(), SchemaLessJsonPlugin(), LineDelimitedPlugin(), BinaryFilePlugin(), ELFPlugin(), AvroPlugin()}
}

func plugin(class, doc string, def *connect.ConfigDef, schemas bool, nf newFormat, gen generator) source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{
			Class:   class,
			Kind:    connect.SourcePlugin,
			Version: version.Kconnect(),
			Doc:     doc,
			Config:  def,
		},
		New: func() source.Connector {
			return &connector{class: class, def: def, schemas: schemas, newFormat: nf, generate: gen}
		},
	}
}

// connector checks the configuration and hands each task its share of
// the files (task.index of task.count).
type connector struct {
	class     string
	def       *connect.ConfigDef
	schemas   bool
	newFormat newFormat
	generate  generator
	config    map[string]string
}

func (c *connector) Start(_ context.Context, config map[string]string, cc source.ConnectorContext) error {
	config = maps.Clone(config)
	if err := c.start(config); err != nil {
		return fmt.Errorf("%s: %w", c.class, err)
	}
	c.config = config
	loggerOf(cc).Info("starting spooldir connector", "class", c.class, InputPathConfig, config[InputPathConfig])
	return nil
}

// start checks config, first filling in the schemas it generates.
func (c *connector) start(config map[string]string) error {
	cfg, err := c.def.Parse(config)
	if err != nil {
		return err
	}
	com, err := parseCommon(cfg, c.schemas)
	if err != nil {
		return err
	}
	if c.generate != nil && cfg.Bool(SchemaGenerationEnabledConfig) &&
		(cfg.String(KeySchemaConfig) == "" || cfg.String(ValueSchemaConfig) == "") {
		key, value, err := c.generate(cfg, &com)
		if err != nil {
			return err
		}
		for name, s := range map[string]*connect.Schema{KeySchemaConfig: key, ValueSchemaConfig: value} {
			if cfg.String(name) == "" {
				config[name] = string(appendSchema(nil, s))
			}
		}
		if cfg, err = c.def.Parse(config); err != nil {
			return err
		}
	}
	_, err = c.newFormat(cfg, &com)
	return err
}

// TaskConfigs gives maxTasks tasks the configuration, each with its
// task.index and task.count: files are spread by a hash of their names,
// so that no file is read by two tasks.
func (c *connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if c.config == nil {
		return nil, errors.New(c.class + ": TaskConfigs called before Start")
	}
	out := make([]map[string]string, 0, maxTasks)
	for i := range maxTasks {
		m := maps.Clone(c.config)
		m[TaskIndexConfig] = strconv.Itoa(i)
		m[TaskCountConfig] = strconv.Itoa(maxTasks)
		out = append(out, m)
	}
	return out, nil
}

func (c *connector) NewTask() source.Task {
	return &task{def: c.def, schemas: c.schemas, newFormat: c.newFormat}
}

func (c *connector) Stop(context.Context) error { return nil }

var (
	_ source.ExactlyOnceConnector = (*connector)(nil)
	_ source.OffsetAlterer        = (*connector)(nil)
)

// ExactlyOnceSupport is supported: a record's offset is the position
// after it in its file (the file's identity being its partition), and a
// task reads on from the committed offset, so with offsets committed in
// the records' transaction a restart neither repeats nor skips a record.
// With files.notifications.enabled it is unsupported: a file resumed
// after a restart is announced again with another file_start record. A
// configuration that cannot be parsed is unsupported.
func (c *connector) ExactlyOnceSupport(config map[string]string) source.ExactlyOnceSupport {
	cfg, err := c.def.Parse(config)
	if err != nil || cfg.Bool(FilesNotificationsConfig) {
		return source.ExactlyOnceUnsupported
	}
	return source.ExactlyOnceSupported
}

// AlterOffsets checks offsets being altered or reset: each partition
// names its file ("fileName"), and an offset that is not a reset holds a
// non-negative "offset" (records read) and, for the partitions this
// connector writes (with "file.length" and "file.last.modified"), a
// non-negative "position" and "line", which is where the task resumes:
// an offset with the records but not the position would read the file
// again from its top under later record numbers. A partition of a JVM
// spooldir ({"fileName"} alone) takes "offset" alone, as spooldir writes
// it. The connector keeps no offsets outside Kafka, so it returns false.
func (c *connector) AlterOffsets(_ context.Context, _ map[string]string, changes []source.OffsetChange) (bool, error) {
	for _, ch := range changes {
		name, ok := ch.Partition.Get(FileNameField)
		if _, isString := name.(string); !ok || !isString {
			return false, fmt.Errorf("%s: a source partition must hold the file's name as %q: %v", c.class, FileNameField, ch.Partition)
		}
		if ch.Offset.IsZero() {
			continue // a reset: the file is read from its top
		}
		keys := []string{OffsetField}
		if _, ok := ch.Partition.Get(FileLengthField); ok {
			keys = append(keys, PositionField, LineField)
		}
		for _, k := range keys {
			if n, ok := ch.Offset.Int64(k); !ok || n < 0 {
				return false, fmt.Errorf("%s: the offset of %v must hold %q as a non-negative integer: %v", c.class, ch.Partition, k, ch.Offset)
			}
		}
	}
	return false, nil
}
