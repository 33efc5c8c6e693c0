package transform

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javatime"
)

// TimestampConverterConfig configures a TimestampConverter transform.
type TimestampConverterConfig struct {
	// Key makes the transform work on the record key
	// (TimestampConverter$Key) instead of the value
	// (TimestampConverter$Value).
	Key bool
	// Field names the top-level field holding the timestamp; empty means
	// the whole key or value is the timestamp.
	Field string
	// TargetType is the representation to convert to: "string", "unix",
	// "Date", "Time" or "Timestamp" (Kafka's target.type, case-sensitive).
	TargetType string
	// Format is a java.text.SimpleDateFormat pattern (see package
	// internal/javatime for the letters supported), used in UTC to format
	// string output and to parse string input. Required when TargetType is
	// "string".
	Format string
	// UnixPrecision is the unit of unix timestamps, read and written:
	// "seconds", "milliseconds" (the default when empty), "microseconds" or
	// "nanoseconds".
	UnixPrecision string
	// KeepNulls copies null fields as null even when their schema has a
	// default (replace.null.with.default=false).
	KeepNulls bool
}

// The timestamp representations of TimestampConverter's target.type.
const (
	tsString    = "string"
	tsUnix      = "unix"
	tsDate      = "Date"
	tsTime      = "Time"
	tsTimestamp = "Timestamp"
)

// TimestampConverter is Kafka Connect's TimestampConverter$Key /
// TimestampConverter$Value: it converts a timestamp, the whole key or value
// or one top-level field, between a formatted string, a unix number (int64)
// and Kafka's Date, Time and Timestamp logical types.
//
// The input representation comes from the schema (a Date, Time or Timestamp
// logical schema, else STRING is a string and INT64 a unix time) or, without
// a schema, from the Go type (time.Time is a Timestamp, int64 a unix time,
// string a string). Timestamps are handled with millisecond precision, in
// UTC: converting to Date keeps the day, to Time the time of day. Seconds
// truncate toward zero and multiplications saturate, as Java's TimeUnit
// does.
//
// Null timestamps stay null; a null whole value with a schema gets the new
// schema. A string that does not match the format, an input of an
// unsupported type, or a string input when no format is configured fails
// the record with a *connect.DataError naming the field. With a field and a
// schema, the output schema keeps the struct's name, version, doc,
// parameters and optionality (its default is converted) and is cached per
// input schema; the converted field keeps its optionality. Safe for
// concurrent use.
type TimestampConverter struct {
	name      string
	key       bool
	field     string
	target    string
	layout    *javatime.Layout // nil when no format is configured
	precision string
	keepNulls bool
	cache     schemaCache[*tsSchema]
}

// tsSchema is a derived struct schema, the index of the converted field (-1
// if the struct has none) and its input representation.
type tsSchema struct {
	schema *connect.Schema
	index  int
	from   string
	err    error // the field's schema is no timestamp representation
}

// NewTimestampConverter returns a TimestampConverter for cfg. It fails for
// an unknown TargetType or UnixPrecision, a missing Format with
// TargetType "string", and a Format javatime cannot compile.
func NewTimestampConverter(cfg TimestampConverterConfig) (*TimestampConverter, error) {
	name := smtName("TimestampConverter", cfg.Key)
	switch cfg.TargetType {
	case tsString, tsUnix, tsDate, tsTime, tsTimestamp:
	default:
		return nil, smtConfigError(name, "target.type", fmt.Sprintf(
			"Invalid value %s for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp", cfg.TargetType))
	}
	precision := cfg.UnixPrecision
	switch precision {
	case "":
		precision = "milliseconds"
	case "seconds", "milliseconds", "microseconds", "nanoseconds":
	default:
		return nil, smtConfigError(name, "unix.precision", fmt.Sprintf(
			"Invalid value %s for configuration unix.precision: String must be one of: nanoseconds, microseconds, milliseconds, seconds", precision))
	}
	t := &TimestampConverter{name: name, key: cfg.Key, field: cfg.Field, target: cfg.TargetType,
		precision: precision, keepNulls: cfg.KeepNulls}
	blank := strings.TrimFunc(cfg.Format, func(r rune) bool { return r <= ' ' }) == ""
	if cfg.TargetType == tsString && blank {
		return nil, smtConfigError(name, "format", "TimestampConverter requires format option to be specified when using string timestamps")
	}
	if !blank {
		l, err := javatime.Compile(cfg.Format)
		if err != nil {
			return nil, smtConfigError(name, "format", fmt.Sprintf(
				"TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: %s (%v)", cfg.Format, err))
		}
		t.layout = l
	}
	return t, nil
}

var timestampConverterConfigDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: "field", Type: connect.ConfigString, Default: "", Importance: connect.High,
		Doc: "The field containing the timestamp, or empty if the entire value is a timestamp"}).
	Define(connect.ConfigKey{Name: "target.type", Type: connect.ConfigString, Required: true,
		Validator:  connect.OneOf(tsString, tsUnix, tsDate, tsTime, tsTimestamp),
		Importance: connect.High, Doc: "The desired timestamp representation: string, unix, Date, Time, or Timestamp"}).
	Define(connect.ConfigKey{Name: "format", Type: connect.ConfigString, Default: "", Importance: connect.Medium,
		Doc: "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string " +
			"or used to parse the input if the input is a string."}).
	Define(connect.ConfigKey{Name: "unix.precision", Type: connect.ConfigString, Default: "milliseconds",
		Validator:  connect.OneOf("nanoseconds", "microseconds", "milliseconds", "seconds"),
		Importance: connect.Low,
		Doc: "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. " +
			"Used to generate the output when type=unix or used to parse the input if the input is a Long." +
			"Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components."}).
	Define(connect.ConfigKey{Name: replaceNullKey, Type: connect.ConfigBoolean, Default: true, Importance: connect.Medium,
		Doc: replaceNullDoc})

func newTimestampConverterFromConfig(key bool, raw map[string]string) (Transformation, error) {
	c, err := parseSMTConfig(smtName("TimestampConverter", key), timestampConverterConfigDef, raw)
	if err != nil {
		return nil, err
	}
	return NewTimestampConverter(TimestampConverterConfig{
		Key:           key,
		Field:         c.String("field"),
		TargetType:    c.String("target.type"),
		Format:        c.String("format"),
		UnixPrecision: c.String("unix.precision"),
		KeepNulls:     !c.Bool(replaceNullKey),
	})
}

func timestampConverterPlugins() []Plugin {
	return sidePlugins("TimestampConverter", timestampConverterConfigDef,
		"Convert timestamps between different formats such as Unix epoch, strings, and Connect Date/Timestamp types."+
			"Applies to individual fields or to the entire value.",
		newTimestampConverterFromConfig)
}

// targetSchema is the schema of the target representation.
func (t *TimestampConverter) targetSchema(optional bool) *connect.Schema {
	switch t.target {
	case tsString:
		return connect.PrimitiveSchema(connect.StringType, optional)
	case tsUnix:
		return connect.PrimitiveSchema(connect.Int64Type, optional)
	case tsDate:
		if optional {
			return connect.OptionalDateSchema
		}
		return connect.DateSchema
	case tsTime:
		if optional {
			return connect.OptionalTimeSchema
		}
		return connect.TimeSchema
	}
	if optional {
		return connect.OptionalTimestampSchema
	}
	return connect.TimestampSchema
}

// representation returns the timestamp representation a schema carries.
func representation(s *connect.Schema) (string, error) {
	switch s.Name {
	case connect.TimestampName:
		return tsTimestamp, nil
	case connect.DateName:
		return tsDate, nil
	case connect.TimeName:
		return tsTime, nil
	}
	switch s.Type {
	case connect.StringType:
		return tsString, nil
	case connect.Int64Type:
		return tsUnix, nil
	}
	return "", fmt.Errorf("Schema %s does not correspond to a known timestamp type format", s)
}

// Apply converts the timestamp.
func (t *TimestampConverter) Apply(r connect.Record) (connect.Record, bool, error) {
	schema, v := operating(&r, t.key)
	if schema == nil {
		if v == nil || t.field == "" {
			out, err := t.convert(connect.AnyValue(v), "")
			if err != nil {
				return r, false, smtDataError(t.name, t.field, err)
			}
			setOperating(&r, t.key, nil, out.Any())
			return r, true, nil
		}
		m, err := requireSchemalessMap(t.name, v)
		if err != nil {
			return r, false, err
		}
		out := cloneMap(m, v)
		c, err := t.convert(connect.AnyValue(m[t.field]), "")
		if err != nil {
			return r, false, smtDataError(t.name, t.field, err)
		}
		out[t.field] = c.Any()
		setOperating(&r, t.key, nil, out)
		return r, true, nil
	}
	if t.field == "" {
		from, err := representation(schema)
		if err != nil {
			return r, false, smtDataError(t.name, "", err)
		}
		out, err := t.convert(schemaValue(schema, v), from)
		if err != nil {
			return r, false, smtDataError(t.name, "", err)
		}
		setOperating(&r, t.key, t.targetSchema(schema.Optional), out.Any())
		return r, true, nil
	}
	if v != nil {
		if _, ok := v.(*connect.Struct); !ok {
			return r, false, smtDataErrorf(t.name, "", "only Struct objects supported for [converting timestamp formats], found %s", goTypeName(v))
		}
	}
	d, err := t.cache.getOrCompute(schema, t.deriveSchema)
	if err != nil {
		return r, false, err
	}
	if v == nil {
		setOperating(&r, t.key, d.schema, nil)
		return r, true, nil
	}
	st := v.(*connect.Struct)
	if st.Schema() != schema {
		if d, err = t.cache.getOrCompute(st.Schema(), t.deriveSchema); err != nil {
			return r, false, err
		}
	}
	out, err := t.convertStruct(st, d)
	if err != nil {
		return r, false, err
	}
	setOperating(&r, t.key, d.schema, out)
	return r, true, nil
}

func (t *TimestampConverter) convertStruct(st *connect.Struct, d *tsSchema) (*connect.Struct, error) {
	if d.index >= 0 && d.err != nil {
		return nil, smtDataError(t.name, t.field, d.err)
	}
	out := connect.NewStruct(d.schema)
	replace := !t.keepNulls
	for i := 0; i < st.Len(); i++ {
		fv := st.At(i)
		if replace && fv.IsNull() {
			fv = fieldDefault(st, i)
		}
		if i == d.index {
			c, err := t.convert(fv, d.from)
			if err != nil {
				return nil, smtDataError(t.name, t.field, err)
			}
			fv = c
		}
		if err := out.SetAt(i, fv); err != nil {
			return nil, smtDataError(t.name, d.schema.Fields[i].Name, err)
		}
	}
	return out, nil
}

func (t *TimestampConverter) deriveSchema(in *connect.Schema) (*tsSchema, error) {
	if in.Type != connect.StructType {
		return nil, smtDataErrorf(t.name, "", "only Struct objects supported for [converting timestamp formats], found a %s schema", in)
	}
	if err := checkFieldSchemas(t.name, in); err != nil {
		return nil, err
	}
	d := &tsSchema{index: -1}
	fields := make([]connect.Field, len(in.Fields))
	for i, f := range in.Fields {
		if f.Name == t.field {
			d.index = i
			d.from, d.err = representation(f.Schema)
			fields[i] = connect.F(f.Name, t.targetSchema(f.Schema.Optional))
		} else {
			fields[i] = connect.F(f.Name, f.Schema)
		}
	}
	s, err := buildStructSchema(t.name, in, fields)
	if err != nil {
		return nil, err
	}
	s.Optional = in.Optional
	d.schema = s
	if def, ok := in.Default.(*connect.Struct); ok {
		nd, err := t.convertStruct(def, d)
		if err != nil {
			return nil, fmt.Errorf("%s: default: %w", t.name, err)
		}
		s.Default = nd
	}
	return d, nil
}

const tsMillisPerDay = 24 * 60 * 60 * 1000

// convert converts a timestamp from representation from ("" to infer it
// from the Go type) to the target representation.
func (t *TimestampConverter) convert(v connect.Value, from string) (connect.Value, error) {
	if v.IsNull() {
		return v, nil
	}
	if from == "" {
		switch v.Kind() {
		case connect.KindTime:
			from = tsTimestamp
		case connect.KindInt64:
			from = tsUnix
		case connect.KindString:
			from = tsString
		default:
			return v, fmt.Errorf("TimestampConverter does not support %s objects as timestamps", goTypeName(v.Any()))
		}
	}
	// The raw form: epoch milliseconds, as a java.util.Date.
	var ms int64
	switch from {
	case tsString:
		if v.Kind() != connect.KindString {
			return v, fmt.Errorf("Expected string timestamp to be a String, but found %s", v.Kind())
		}
		if t.layout == nil {
			return v, errors.New("cannot parse a string timestamp: no format is configured")
		}
		p, err := t.layout.Parse(v.Str())
		if err != nil {
			return v, fmt.Errorf("Could not parse timestamp: value (%s) does not match pattern (%s): %w", v.Str(), t.layout.Pattern(), err)
		}
		ms = p.UnixMilli()
	case tsUnix:
		if v.Kind() != connect.KindInt64 {
			return v, fmt.Errorf("Expected Unix timestamp to be a Long, but found %s", v.Kind())
		}
		n := v.Int64()
		switch t.precision {
		case "seconds":
			ms = saturatingMul(n, 1000)
		case "microseconds":
			ms = n / 1000
		case "nanoseconds":
			ms = n / 1_000_000
		default:
			ms = n
		}
	default:
		if v.Kind() != connect.KindTime {
			return v, fmt.Errorf("Expected %s to be a java.util.Date, but found %s", from, v.Kind())
		}
		ms = v.Time().UnixMilli()
	}
	switch t.target {
	case tsString:
		return connect.StringValue(t.layout.Format(time.UnixMilli(ms))), nil
	case tsUnix:
		switch t.precision {
		case "seconds":
			return connect.Int64Value(ms / 1000), nil
		case "microseconds":
			return connect.Int64Value(saturatingMul(ms, 1000)), nil
		case "nanoseconds":
			return connect.Int64Value(saturatingMul(ms, 1_000_000)), nil
		}
		return connect.Int64Value(ms), nil
	case tsDate:
		return connect.TimeValue(time.UnixMilli(floorDiv(ms, tsMillisPerDay) * tsMillisPerDay)), nil
	case tsTime:
		return connect.TimeValue(time.UnixMilli(ms - floorDiv(ms, tsMillisPerDay)*tsMillisPerDay)), nil
	}
	return connect.TimeValue(time.UnixMilli(ms)), nil
}

// saturatingMul is Java's TimeUnit conversion: n*m clamped to the int64
// range (m > 0).
func saturatingMul(n, m int64) int64 {
	if n > math.MaxInt64/m {
		return math.MaxInt64
	}
	if n < math.MinInt64/m {
		return math.MinInt64
	}
	return n * m
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
