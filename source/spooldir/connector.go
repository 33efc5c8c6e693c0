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
	lineDelimitedDocText = "Reads each line of the files of a directory as a STRING record."
)

var lineDef = charsetKey(commonKeys(connect.NewConfigDef()), FileCharsetConfig)

// LineDelimitedPlugin is SpoolDirLineDelimitedSourceConnector: every line of
// every file as a STRING value without a key.
func LineDelimitedPlugin() source.Plugin {
	return plugin(LineDelimitedClass, lineDelimitedDocText, lineDef, false, newLineFormat)
}

// Plugins returns every connector of the package.
func Plugins() []source.Plugin {
	return []source.Plugin{LineDelimitedPlugin()}
}

func plugin(class, doc string, def *connect.ConfigDef, schemas bool, nf newFormat) source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{
			Class:   class,
			Kind:    connect.SourcePlugin,
			Version: version.Kconnect(),
			Doc:     doc,
			Config:  def,
		},
		New: func() source.Connector {
			return &connector{class: class, def: def, schemas: schemas, newFormat: nf}
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
	config    map[string]string
}

func (c *connector) Start(_ context.Context, config map[string]string, cc source.ConnectorContext) error {
	cfg, err := c.def.Parse(config)
	if err != nil {
		return fmt.Errorf("%s: %w", c.class, err)
	}
	com, err := parseCommon(cfg, c.schemas)
	if err == nil {
		_, err = c.newFormat(cfg, &com)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", c.class, err)
	}
	c.config = maps.Clone(config)
	loggerOf(cc).Info("starting spooldir connector", "class", c.class, InputPathConfig, com.inputPath)
	return nil
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
