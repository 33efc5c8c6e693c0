// Package jsonconv is Kafka Connect's JsonConverter
// (org.apache.kafka.connect.json.JsonConverter), byte for byte: the
// {"schema": ..., "payload": ...} envelope when schemas are enabled, the
// bare payload when not, every schema type and logical type, decimals as
// base64 or numbers, and nulls replaced by defaults or not.
//
// Bytes it writes are the bytes a JVM worker writes for the same schema and
// value (including java.util.HashMap key order for maps, Java's formatting
// of floats and Jackson's string escaping), checked against golden files
// produced by Apache Kafka's own classes; bytes a JVM worker writes, it
// reads.
//
// Where Kafka Connect reads leniently and silently loses data, this package
// returns an error instead: a JSON string where an INT32 is expected, an
// integer too large for its schema, or a decimal that cannot take the
// schema's scale. The strings "NaN", "Infinity" and "-Infinity", which
// Kafka Connect writes for those floats but reads back as 0, read back as
// the floats they name.
package jsonconv

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
	"github.com/kconnect-go/kconnect/internal/version"
)

// DecimalFormat says how Decimal values are written.
type DecimalFormat uint8

const (
	// Base64 writes a Decimal's unscaled two's-complement bytes as a base64
	// string, Kafka Connect's default.
	Base64 DecimalFormat = iota
	// Numeric writes a Decimal as a JSON number with the schema's scale.
	Numeric
)

// String returns the config value for f: "BASE64" or "NUMERIC".
func (f DecimalFormat) String() string {
	if f == Numeric {
		return "NUMERIC"
	}
	return "BASE64"
}

// Converter is Kafka Connect's JsonConverter. It converts keys, values and
// header values, and is safe for concurrent use.
type Converter struct {
	schemasEnable          bool
	decimalFormat          DecimalFormat
	replaceNullWithDefault bool
	cacheSize              int

	sizeHint atomic.Int64 // bytes to allocate when encoding into an empty buffer

	toJSON   schemaCache[*connect.Schema, *schemaPlan]
	fromJSON schemaCache[string, *connect.Schema]
	keys     jsonparse.Keys // member names of schemaless payloads
}

// An Opt configures a Converter.
type Opt func(*Converter)

// SchemasEnable sets whether records carry their schema in an envelope
// (schemas.enable). Default true, as in Kafka Connect.
func SchemasEnable(enable bool) Opt { return func(c *Converter) { c.schemasEnable = enable } }

// WithDecimalFormat sets how Decimals are written (decimal.format). Default
// Base64. Either format is read.
func WithDecimalFormat(f DecimalFormat) Opt { return func(c *Converter) { c.decimalFormat = f } }

// ReplaceNullWithDefault sets whether a null value of a schema with a
// default is written and read as the default (replace.null.with.default).
// Default true.
func ReplaceNullWithDefault(replace bool) Opt {
	return func(c *Converter) { c.replaceNullWithDefault = replace }
}

// SchemasCacheSize bounds how many schemas are cached in each direction
// (schemas.cache.size). Default 1000.
func SchemasCacheSize(n int) Opt { return func(c *Converter) { c.cacheSize = n } }

// New returns a Converter with Kafka Connect's defaults changed by opts.
func New(opts ...Opt) *Converter {
	c := &Converter{schemasEnable: true, replaceNullWithDefault: true, cacheSize: 1000}
	for _, o := range opts {
		o(c)
	}
	c.toJSON.limit = c.cacheSize
	c.fromJSON.limit = c.cacheSize
	return c
}

// Config keys, as Kafka Connect names them.
const (
	SchemasEnableConfig          = "schemas.enable"
	SchemasCacheSizeConfig       = "schemas.cache.size"
	DecimalFormatConfig          = "decimal.format"
	ReplaceNullWithDefaultConfig = "replace.null.with.default"
)

// ConfigDef defines JsonConverter's configuration keys.
func ConfigDef() *connect.ConfigDef {
	return connect.NewConfigDef().
		Define(connect.ConfigKey{Name: SchemasEnableConfig, Type: connect.ConfigBoolean, Default: true,
			Importance: connect.High, Group: "Schemas", DisplayName: "Enable Schemas",
			Doc: "Include schemas within each of the serialized values and keys."}).
		Define(connect.ConfigKey{Name: SchemasCacheSizeConfig, Type: connect.ConfigInt, Default: 1000,
			Importance: connect.High, Group: "Schemas", DisplayName: "Schema Cache Size",
			Validator: connect.AtLeast(0),
			Doc:       "The maximum number of schemas that can be cached in this converter instance."}).
		Define(connect.ConfigKey{Name: DecimalFormatConfig, Type: connect.ConfigString, Default: "BASE64",
			Importance: connect.Low, Group: "Serialization", DisplayName: "Decimal Format",
			Validator: connect.OneOfIgnoreCase("BASE64", "NUMERIC"),
			Doc:       "Controls which format this converter will serialize decimals in: BASE64 or NUMERIC."}).
		Define(connect.ConfigKey{Name: ReplaceNullWithDefaultConfig, Type: connect.ConfigBoolean, Default: true,
			Importance: connect.Low, Group: "Serialization", DisplayName: "Replace null with default",
			Doc: "Whether to replace fields that have a default value and that are null to the default value."})
}

// Configure returns a Converter configured from Kafka Connect's string
// configuration (the converter's keys with their key.converter. or
// value.converter. prefix removed). Unknown keys are ignored, as in Kafka
// Connect. The error names every invalid key.
func Configure(config map[string]string) (*Converter, error) {
	cfg, err := ConfigDef().Parse(config)
	if err != nil {
		return nil, fmt.Errorf("jsonconv: %w", err)
	}
	f := Base64
	if strings.EqualFold(cfg.String(DecimalFormatConfig), "NUMERIC") {
		f = Numeric
	}
	return New(
		SchemasEnable(cfg.Bool(SchemasEnableConfig)),
		SchemasCacheSize(cfg.Int(SchemasCacheSizeConfig)),
		WithDecimalFormat(f),
		ReplaceNullWithDefault(cfg.Bool(ReplaceNullWithDefaultConfig)),
	), nil
}

// Class is JsonConverter's Kafka Connect class name.
const Class = "org.apache.kafka.connect.json.JsonConverter"

func info(kind connect.PluginKind) connect.PluginInfo {
	return connect.PluginInfo{Class: Class, Aliases: []string{"JsonConverter"}, Kind: kind, Version: version.Kconnect(),
		Doc: "Kafka Connect's JSON format, with or without a schema envelope.", Config: ConfigDef()}
}

// Plugin describes the Converter to a runtime.
func Plugin() converter.Plugin {
	return converter.Plugin{PluginInfo: info(connect.ConverterPlugin),
		New: func(config map[string]string, _ bool) (converter.Converter, error) { return Configure(config) }}
}

// HeaderPlugin describes the Converter as a header converter to a runtime.
func HeaderPlugin() converter.HeaderPlugin {
	return converter.HeaderPlugin{PluginInfo: info(connect.HeaderConverterPlugin),
		New: func(config map[string]string) (converter.HeaderConverter, error) { return Configure(config) }}
}

// FromConnectHeader converts a header value as FromConnect converts a value.
func (c *Converter) FromConnectHeader(dst []byte, topic, _ string, s *connect.Schema, v any) ([]byte, error) {
	return c.FromConnect(dst, topic, connect.Headers{}, s, v)
}

// ToConnectHeader converts a header value as ToConnect converts a value.
func (c *Converter) ToConnectHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnect(topic, connect.Headers{}, data)
}

// schemaCache is a bounded cache safe for concurrent use. The last entry used
// is kept apart, behind an atomic pointer, because a pipeline usually sees
// one schema record after record and should not contend on a lock for it.
type schemaCache[K comparable, V any] struct {
	last  atomic.Pointer[cacheEntry[K, V]]
	mu    sync.Mutex
	m     map[K]V
	limit int
}

type cacheEntry[K comparable, V any] struct {
	k K
	v V
}

func (c *schemaCache[K, V]) get(k K) (V, bool) {
	if e := c.last.Load(); e != nil && e.k == k {
		return e.v, true
	}
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		c.last.Store(&cacheEntry[K, V]{k, v})
	}
	return v, ok
}

// lastEntry returns the entry used last, if any.
func (c *schemaCache[K, V]) lastEntry() (K, V, bool) {
	if e := c.last.Load(); e != nil {
		return e.k, e.v, true
	}
	var k K
	var v V
	return k, v, false
}

func (c *schemaCache[K, V]) put(k K, v V) {
	if c.limit <= 0 {
		return
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[K]V)
	}
	if len(c.m) >= c.limit {
		for old := range c.m { // evict one arbitrary entry
			delete(c.m, old)
			break
		}
	}
	c.m[k] = v
	c.mu.Unlock()
	c.last.Store(&cacheEntry[K, V]{k, v})
}
