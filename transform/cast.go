package transform

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javatime"
)

// CastConfig configures a Cast transform: either casts of named top-level
// fields, or one cast of the whole key or value.
type CastConfig struct {
	// Key makes the transform work on the record key (Cast$Key) instead of
	// the value (Cast$Value).
	Key bool
	// Fields maps field names to the type to cast them to.
	Fields map[string]connect.Type
	// Whole, when not zero, casts the whole key or value to this type; then
	// Fields must be empty.
	Whole connect.Type
	// KeepNulls copies null fields as null even when their schema has a
	// default (replace.null.with.default=false).
	KeepNulls bool
}

// Cast is Kafka Connect's Cast$Key / Cast$Value: it casts fields of a struct
// or map, or the whole key or value, to another primitive type, with Java's
// conversion rules.
//
// Inputs: INT8 to INT64, FLOAT32, FLOAT64, BOOLEAN, STRING and BYTES values,
// including the logical types on them. Outputs: INT8 to INT64, FLOAT32,
// FLOAT64, BOOLEAN and STRING. Conversions follow Kafka exactly:
//
//   - numbers narrow as Java's casts do (300 to INT8 is 44; floats saturate
//     to int first, NaN is 0); a Decimal truncates toward zero and wraps;
//   - BOOLEAN is 1 or 0; a number is true when its long value is not zero
//     (so 0.5 is false);
//   - strings parse strictly as Java's Byte.parseByte ... Long.parseLong and
//     Float.parseFloat / Double.parseDouble; to BOOLEAN, "true" in any case
//     is true and anything else false;
//   - to STRING, numbers print as Java prints them ("1.0E10"), BYTES as
//     standard base64, Decimal as BigDecimal.toString ("1.5E-7"), and Date,
//     Time and Timestamp values as Kafka's ISO 8601 forms (yyyy-MM-dd,
//     HH:mm:ss.SSS'Z' or yyyy-MM-dd'T'HH:mm:ss.SSS'Z', chosen by the value,
//     in UTC);
//   - Date, Time and Timestamp values cast to numbers as their Kafka wire
//     values: days, milliseconds of the day, epoch milliseconds.
//
// A null key or value passes through unchanged; null fields stay null.
// Without a schema a cast field that is absent is added with a null value,
// as in Kafka. Unsupported types, unparsable strings and out-of-range
// strings fail the record with a *connect.DataError naming the field.
//
// With a schema, cast fields get a plain schema of the target type that
// keeps their optionality, with the default cast too; the struct schema
// keeps its name, version, doc and parameters. Deviation from Kafka: when
// the whole value of a Decimal, Date, Time or Timestamp schema is cast, the
// logical name, version and parameters are dropped (Kafka keeps them,
// producing a schema its own converters reject). Output schemas are cached
// per input schema. Safe for concurrent use.
type Cast struct {
	name      string
	key       bool
	fields    map[string]connect.Type
	order     []castField // the fields, for schemaless maps
	whole     connect.Type
	keepNulls bool
	cache     schemaCache[*castSchema]
}

// castField is a field to cast and the type to cast it to.
type castField struct {
	name string
	to   connect.Type
}

// castSchema is a derived schema and, per field, the cast (0 for none).
type castSchema struct {
	schema *connect.Schema
	casts  []connect.Type
}

var castInputTypes = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
var castOutputTypes = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"

func validCastOutput(t connect.Type) bool { return t.Primitive() && t != connect.BytesType }

// NewCast returns a Cast for cfg. It fails when there is no cast, when both
// Fields and Whole are set, or when a target type is not a supported output
// type.
func NewCast(cfg CastConfig) (*Cast, error) {
	name := smtName("Cast", cfg.Key)
	t := &Cast{name: name, key: cfg.Key, whole: cfg.Whole, keepNulls: cfg.KeepNulls,
		fields: make(map[string]connect.Type, len(cfg.Fields))}
	if cfg.Whole != 0 {
		if len(cfg.Fields) > 0 {
			return nil, smtConfigError(name, "spec", "Invalid value for configuration spec: Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec")
		}
		if !validCastOutput(cfg.Whole) {
			return nil, smtConfigError(name, "spec", fmt.Sprintf("Invalid value %s for configuration spec: Cast transformation does not support casting to %s; supported types are %s", cfg.Whole, cfg.Whole, castOutputTypes))
		}
		return t, nil
	}
	if len(cfg.Fields) == 0 {
		return nil, smtConfigError(name, "spec", "Invalid value [] for configuration spec: Must specify at least one field to cast.")
	}
	for f, ty := range cfg.Fields {
		if !validCastOutput(ty) {
			return nil, smtConfigError(name, "spec", fmt.Sprintf("Invalid value %s:%s for configuration spec: Cast transformation does not support casting to %s; supported types are %s", f, ty, ty, castOutputTypes))
		}
		t.fields[f] = ty
		t.order = append(t.order, castField{name: f, to: ty})
	}
	return t, nil
}

// parseCastSpec parses Kafka's spec: "field:type" items, or one "type".
func parseCastSpec(list []string) (fields map[string]connect.Type, whole connect.Type, err error) {
	if len(list) == 0 {
		return nil, 0, errors.New("Must specify at least one field to cast.")
	}
	fields = make(map[string]connect.Type, len(list))
	isWhole := false
	for _, item := range list {
		parts := javaSplitColon(item)
		if len(parts) == 0 || len(parts) > 2 {
			return nil, 0, fmt.Errorf("Invalid cast mapping: %s", item)
		}
		typeName := strings.TrimSpace(parts[len(parts)-1])
		ty, perr := connect.ParseType(typeName)
		if perr != nil {
			return nil, 0, fmt.Errorf("Invalid type found in casting spec: %s", typeName)
		}
		if !validCastOutput(ty) {
			return nil, 0, fmt.Errorf("Cast transformation does not support casting to %s; supported types are %s", ty, castOutputTypes)
		}
		if len(parts) == 1 {
			whole, isWhole = ty, true
		} else {
			fields[strings.TrimSpace(parts[0])] = ty
		}
	}
	if isWhole && len(list) > 1 {
		return nil, 0, errors.New("Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec")
	}
	return fields, whole, nil
}

var castConfigDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: "spec", Type: connect.ConfigList, Required: true, Importance: connect.High,
		Validator: colonPairsValidator{parse: func(l []string) error { _, _, err := parseCastSpec(l); return err }},
		Doc: "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of " +
			"Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, " +
			"int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string."}).
	Define(connect.ConfigKey{Name: replaceNullKey, Type: connect.ConfigBoolean, Default: true, Importance: connect.Medium,
		Doc: replaceNullDoc})

func newCastFromConfig(key bool, raw map[string]string) (Transformation, error) {
	name := smtName("Cast", key)
	c, err := parseSMTConfig(name, castConfigDef, raw)
	if err != nil {
		return nil, err
	}
	fields, whole, err := parseCastSpec(c.List("spec"))
	if err != nil {
		return nil, smtConfigError(name, "spec", err.Error())
	}
	if whole != 0 {
		fields = nil
	}
	return NewCast(CastConfig{Key: key, Fields: fields, Whole: whole, KeepNulls: !c.Bool(replaceNullKey)})
}

func castPlugins() []Plugin {
	return sidePlugins("Cast", castConfigDef,
		"Cast fields or the entire key or value to a specific type, e.g. to force an integer field to a smaller "+
			"width. Cast from integers, floats, boolean and string to any other type, "+
			"and cast binary to string (base64 encoded).",
		newCastFromConfig)
}

// Apply casts the configured fields or the whole key or value.
func (t *Cast) Apply(r connect.Record) (connect.Record, bool, error) {
	ok, _, err := t.applyTo(&r, 0)
	return r, ok, err
}

// applyTo is Apply for a Chain (see freshApplier): a fresh map is cast in place.
func (t *Cast) applyTo(r *connect.Record, fr fresh) (bool, fresh, error) {
	schema, v := operating(r, t.key)
	if v == nil {
		return true, fr, nil
	}
	done := fr | freshBit(t.key)
	if schema == nil {
		if t.whole != 0 {
			out, err := castAny(nil, v, t.whole)
			if err != nil {
				return false, 0, smtDataError(t.name, "", err)
			}
			setOperating(r, t.key, nil, out)
			return true, fr &^ freshBit(t.key), nil
		}
		m, err := requireSchemalessMap(t.name, v)
		if err != nil {
			return false, 0, err
		}
		// Cast every field before changing anything: a fresh map is
		// changed in place, and must stay as it was on error.
		var buf [8]any
		cast := buf[:0]
		if len(t.order) > len(buf) {
			cast = make([]any, 0, len(t.order))
		}
		for _, c := range t.order {
			x, err := castAny(nil, m[c.name], c.to)
			if err != nil {
				return false, 0, smtDataError(t.name, c.name, err)
			}
			cast = append(cast, x)
		}
		out := m
		if !fr.side(t.key) {
			out = cloneMap(m, v)
		}
		for i, c := range t.order {
			out[c.name] = cast[i]
		}
		setOperating(r, t.key, nil, out)
		return true, done, nil
	}
	d, err := t.cache.getOrCompute(schema, t.deriveSchema)
	if err != nil {
		return false, 0, err
	}
	if t.whole != 0 {
		out, err := castValue(schema, connect.AnyValue(v), t.whole)
		if err != nil {
			return false, 0, smtDataError(t.name, "", err)
		}
		setOperating(r, t.key, d.schema, out.Any())
		return true, fr &^ freshBit(t.key), nil
	}
	st, err := requireStruct(t.name, v)
	if err != nil {
		return false, 0, err
	}
	if st.Schema() != schema {
		// The struct's own schema decides the fields.
		if d, err = t.cache.getOrCompute(st.Schema(), t.deriveSchema); err != nil {
			return false, 0, err
		}
	}
	out := connect.NewStruct(d.schema)
	replace := !t.keepNulls
	in := st.Schema().Fields
	for i, ty := range d.casts {
		fv := st.At(i)
		if replace && fv.IsNull() {
			fv = fieldDefault(st, i)
		} else if ty == 0 {
			// Not cast: out shares the field's schema, so CopyAt copies
			// without checking again.
			if err := out.CopyAt(i, st, i); err != nil {
				return false, 0, smtDataError(t.name, in[i].Name, err)
			}
			continue
		}
		if ty != 0 {
			if fv, err = castValue(in[i].Schema, fv, ty); err != nil {
				return false, 0, smtDataError(t.name, in[i].Name, err)
			}
		}
		if err := out.SetAt(i, fv); err != nil {
			return false, 0, smtDataError(t.name, in[i].Name, err)
		}
	}
	setOperating(r, t.key, d.schema, out)
	return true, done, nil
}

func (t *Cast) deriveSchema(in *connect.Schema) (*castSchema, error) {
	var out *connect.Schema
	var casts []connect.Type
	if t.whole != 0 {
		out = &connect.Schema{Type: t.whole}
		if in.Logical() == connect.NotLogical {
			copySchemaBasics(out, in)
		}
	} else {
		if in.Type != connect.StructType {
			return nil, smtDataErrorf(t.name, "", "only Struct objects supported for [cast types], found a %s schema", in)
		}
		if err := checkFieldSchemas(t.name, in); err != nil {
			return nil, err
		}
		fields := make([]connect.Field, len(in.Fields))
		casts = make([]connect.Type, len(in.Fields))
		for i, f := range in.Fields {
			ty, ok := t.fields[f.Name]
			if !ok {
				fields[i] = connect.F(f.Name, f.Schema)
				continue
			}
			casts[i] = ty
			fs := &connect.Schema{Type: ty, Optional: f.Schema.Optional}
			if f.Schema.Default != nil {
				dv, err := castValue(f.Schema, schemaValue(f.Schema, f.Schema.Default), ty)
				if err != nil {
					return nil, smtDataError(t.name, f.Name, fmt.Errorf("default: %w", err))
				}
				fs.Default = dv.Any()
			} else if !fs.Optional {
				fs = connect.PrimitiveSchema(ty, false)
			} else {
				fs = connect.PrimitiveSchema(ty, true)
			}
			fields[i] = connect.F(f.Name, fs)
		}
		s, err := buildStructSchema(t.name, in, fields)
		if err != nil {
			return nil, err
		}
		out = s
	}
	out.Optional = in.Optional
	if in.Default != nil {
		if t.whole != 0 {
			dv, err := castValue(in, schemaValue(in, in.Default), t.whole)
			if err != nil {
				return nil, smtDataError(t.name, "", fmt.Errorf("default: %w", err))
			}
			out.Default = dv.Any()
		} else if ds, ok := in.Default.(*connect.Struct); ok {
			// Kafka casts a struct default field by field; a struct
			// default is rare, so it is done here once per schema.
			nd := connect.NewStruct(out)
			for i, ty := range casts {
				fv := ds.At(i)
				if ty != 0 {
					c, err := castValue(in.Fields[i].Schema, fv, ty)
					if err != nil {
						return nil, smtDataError(t.name, in.Fields[i].Name, fmt.Errorf("default: %w", err))
					}
					fv = c
				}
				if err := nd.SetAt(i, fv); err != nil {
					return nil, smtDataError(t.name, in.Fields[i].Name, fmt.Errorf("default: %w", err))
				}
			}
			out.Default = nd
		}
	}
	return &castSchema{schema: out, casts: casts}, nil
}

// castAny casts a schemaless value (s nil) by its Go type.
func castAny(s *connect.Schema, v any, to connect.Type) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch v.(type) {
	case int8, int16, int32, int64, int, float32, float64, bool, string, []byte:
	case time.Time, connect.Decimal:
		if s == nil {
			return nil, fmt.Errorf("Cast transformation was passed a value of type %T which is not supported by Connect's data API", v)
		}
	case []any:
		return nil, fmt.Errorf("Cast transformation does not support casting from ARRAY; supported types are %s", castInputTypes)
	case map[string]any, map[any]any, []connect.MapEntry:
		return nil, fmt.Errorf("Cast transformation does not support casting from MAP; supported types are %s", castInputTypes)
	case *connect.Struct:
		return nil, fmt.Errorf("Cast transformation does not support casting from STRUCT; supported types are %s", castInputTypes)
	default:
		return nil, fmt.Errorf("Cast transformation was passed a value of type %T which is not supported by Connect's data API", v)
	}
	in := connect.AnyValue(v)
	out, err := castValue(s, in, to)
	if err != nil {
		return nil, err
	}
	if sameScalar(in, out) {
		if _, isInt := v.(int); !isInt { // a Go int casts to int64
			return v, nil // already boxed: no allocation
		}
	}
	return out.Any(), nil
}

// sameScalar reports whether a and b are the same number, boolean or
// string, of the same kind, so that the Go value of one stands for the
// other.
func sameScalar(a, b connect.Value) bool {
	switch a.Kind() {
	case connect.KindInt8, connect.KindInt16, connect.KindInt32, connect.KindInt64,
		connect.KindFloat32, connect.KindFloat64, connect.KindBool, connect.KindString:
		return a.Kind() == b.Kind() && a.Equal(b)
	}
	return false
}

// castValue casts v, of schema s (nil when schemaless), to type to.
func castValue(s *connect.Schema, v connect.Value, to connect.Type) (connect.Value, error) {
	if v.IsNull() {
		return v, nil
	}
	if s != nil && !s.Type.Primitive() {
		return v, fmt.Errorf("Cast transformation does not support casting from %s; supported types are %s", s.Type, castInputTypes)
	}
	if v.Kind() == connect.KindAny {
		return v, fmt.Errorf("Cast transformation was passed a value of type %s which is not supported by Connect's data API", goTypeName(v.Any()))
	}
	if to == connect.StringType {
		str, err := castToString(v)
		return connect.StringValue(str), err
	}
	// A logical time value becomes its Kafka wire value first.
	if v.Kind() == connect.KindTime {
		t := v.Time()
		switch s.Logical() {
		case connect.LogicalDate:
			d, err := connect.DateToDays(t)
			if err != nil {
				return v, err
			}
			v = connect.Int32Value(d)
		case connect.LogicalTime:
			ms, err := connect.TimeToMillis(t)
			if err != nil {
				return v, err
			}
			v = connect.Int32Value(ms)
		default:
			v = connect.Int64Value(t.UnixMilli())
		}
	}
	switch to {
	case connect.BooleanType:
		switch v.Kind() {
		case connect.KindBool:
			return v, nil
		case connect.KindString:
			return connect.BoolValue(strings.EqualFold(v.Str(), "true")), nil
		}
		n, err := castToLong(v)
		return connect.BoolValue(n != 0), err
	case connect.Float32Type, connect.Float64Type:
		var f float64
		switch v.Kind() {
		case connect.KindFloat32:
			if to == connect.Float32Type {
				return v, nil
			}
			f = v.Float64()
		case connect.KindFloat64:
			f = v.Float64()
		case connect.KindBool:
			if v.Bool() {
				f = 1
			}
		case connect.KindString:
			bits := 64
			if to == connect.Float32Type {
				bits = 32
			}
			p, err := javaParseFloat(v.Str(), bits)
			if err != nil {
				return v, err
			}
			f = p
		case connect.KindDecimal:
			bits := 64
			if to == connect.Float32Type {
				bits = 32
			}
			f = decimalToFloat(v.Decimal(), bits)
		case connect.KindInt8, connect.KindInt16, connect.KindInt32, connect.KindInt64:
			if to == connect.Float32Type {
				return connect.Float32Value(float32(v.Int64())), nil
			}
			return connect.Float64Value(float64(v.Int64())), nil
		default:
			return v, unexpectedCastType(v)
		}
		if to == connect.Float32Type {
			return connect.Float32Value(float32(f)), nil
		}
		return connect.Float64Value(f), nil
	}
	// Integer targets.
	var n int64
	switch v.Kind() {
	case connect.KindString:
		bits := 64
		switch to {
		case connect.Int8Type:
			bits = 8
		case connect.Int16Type:
			bits = 16
		case connect.Int32Type:
			bits = 32
		}
		p, err := strconv.ParseInt(v.Str(), 10, bits)
		if err != nil {
			return v, fmt.Errorf("Value (%s) was out of range for requested data type", v.Str())
		}
		n = p
	case connect.KindFloat32, connect.KindFloat64:
		// Java: (byte)(int) f, (short)(int) f, (int) f, (long) f.
		if to == connect.Int64Type {
			n = javaFloatToLong(v.Float64())
		} else {
			n = int64(javaFloatToInt(v.Float64()))
		}
	default:
		p, err := castToLong(v)
		if err != nil {
			return v, err
		}
		n = p
	}
	switch to {
	case connect.Int8Type:
		return connect.Int8Value(int8(n)), nil
	case connect.Int16Type:
		return connect.Int16Value(int16(n)), nil
	case connect.Int32Type:
		return connect.Int32Value(int32(n)), nil
	}
	return connect.Int64Value(n), nil
}

func unexpectedCastType(v connect.Value) error {
	return fmt.Errorf("Unexpected type in Cast transformation: %s", v.Kind())
}

// castToLong is Java's Number.longValue (and 1/0 for booleans) for the
// kinds Cast accepts other than strings.
func castToLong(v connect.Value) (int64, error) {
	switch v.Kind() {
	case connect.KindInt8, connect.KindInt16, connect.KindInt32, connect.KindInt64:
		return v.Int64(), nil
	case connect.KindFloat32, connect.KindFloat64:
		return javaFloatToLong(v.Float64()), nil
	case connect.KindBool:
		if v.Bool() {
			return 1, nil
		}
		return 0, nil
	case connect.KindDecimal:
		return decimalToLongWrap(v.Decimal()), nil
	case connect.KindString:
		// Only MaskField's path: Cast parses strings itself.
		return javaValuesLong(v.Str())
	}
	return 0, unexpectedCastType(v)
}

// javaFloatToLong is Java's (long) conversion: saturating, NaN to 0.
func javaFloatToLong(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// javaFloatToInt is Java's (int) conversion: saturating, NaN to 0.
func javaFloatToInt(f float64) int32 {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

var (
	bigTen     = big.NewInt(10)
	twoTo64    = new(big.Int).Lsh(big.NewInt(1), 64)
	bigZeroInt = new(big.Int)
)

// decimalToLongWrap is Java's BigDecimal.longValue: the integer part
// (truncated toward zero), wrapped to its low 64 bits.
func decimalToLongWrap(d connect.Decimal) int64 {
	u := d.Unscaled
	if u == nil || u.Sign() == 0 {
		return 0
	}
	var i *big.Int
	switch {
	case d.Scale > 0:
		// |u| < 2^BitLen <= 2^(3*scale) < 10^scale: the integer part is 0.
		if int64(u.BitLen()) <= 3*int64(d.Scale) {
			return 0
		}
		i = new(big.Int).Quo(u, new(big.Int).Exp(bigTen, big.NewInt(int64(d.Scale)), nil))
	case d.Scale < 0:
		// 10^k is a multiple of 2^64 from k = 64 on: the low bits are zero.
		if -int64(d.Scale) >= 64 {
			return 0
		}
		i = new(big.Int).Mul(u, new(big.Int).Exp(bigTen, big.NewInt(-int64(d.Scale)), nil))
	default:
		i = u
	}
	if i.IsInt64() {
		return i.Int64()
	}
	m := new(big.Int).Mod(i, twoTo64) // Euclidean: 0 <= m < 2^64
	return int64(m.Uint64())
}

// decimalToFloat is BigDecimal.doubleValue (bits 64) or floatValue (32):
// the correctly rounded value.
func decimalToFloat(d connect.Decimal, bits int) float64 {
	u := d.Unscaled
	if u == nil {
		u = bigZeroInt
	}
	s := u.Text(10) + "e" + strconv.FormatInt(-int64(d.Scale), 10)
	f, _ := strconv.ParseFloat(s, bits) // range errors give ±Inf or 0, as Java
	return f
}

// javaValuesLong converts a string as Kafka's Values.convertToLong(null, s)
// does: parsed as a BigDecimal, truncated and wrapped.
func javaValuesLong(s string) (int64, error) {
	d, err := parseJavaBigDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("Unable to convert %s (class java.lang.String) to a number", s)
	}
	return decimalToLongWrap(d), nil
}

// javaValuesDouble converts a string as Kafka's Values.convertToDouble(null,
// s) does: parsed as a BigDecimal and rounded.
func javaValuesDouble(s string) (float64, error) {
	d, err := parseJavaBigDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("Unable to convert %s (class java.lang.String) to a number", s)
	}
	return decimalToFloat(d, 64), nil
}

// parseJavaBigDecimal parses s as Java's new BigDecimal(String): an optional
// sign, digits with an optional point, an optional exponent; no spaces.
func parseJavaBigDecimal(s string) (connect.Decimal, error) {
	if s == "" || strings.ContainsAny(s, " \t\n_") {
		return connect.Decimal{}, fmt.Errorf("invalid number %q", s)
	}
	return connect.ParseDecimal(s)
}

// javaParseFloat parses s as Java's Double.parseDouble (bits 64) or
// Float.parseFloat (bits 32): surrounding whitespace is ignored; a sign,
// "NaN", "Infinity", decimal digits with an optional point and exponent, or
// a hexadecimal float with a binary exponent, then an optional f, F, d or D.
func javaParseFloat(s string, bits int) (float64, error) {
	orig := s
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	bad := func() (float64, error) {
		return 0, fmt.Errorf("Value (%s) was out of range for requested data type", orig)
	}
	body := s
	neg := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch body {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		if neg {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	if n := len(body); n > 0 && strings.ContainsRune("fFdD", rune(body[n-1])) {
		body = body[:n-1]
		s = s[:len(s)-1]
	}
	if !validJavaFloatSyntax(body) {
		return bad()
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return bad()
	}
	return f, nil
}

func validJavaFloatSyntax(b string) bool {
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	isHex := func(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
	i := 0
	digits := func(ok func(byte) bool) int {
		n := 0
		for i < len(b) && ok(b[i]) {
			i++
			n++
		}
		return n
	}
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		i = 2
		n := digits(isHex)
		if i < len(b) && b[i] == '.' {
			i++
			n += digits(isHex)
		}
		if n == 0 || i >= len(b) || (b[i] != 'p' && b[i] != 'P') {
			return false
		}
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		return digits(isDigit) > 0 && i == len(b)
	}
	n := digits(isDigit)
	if i < len(b) && b[i] == '.' {
		i++
		n += digits(isDigit)
	}
	if n == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits(isDigit) == 0 {
			return false
		}
	}
	return i == len(b)
}

var (
	isoTime      = mustLayout("HH:mm:ss.SSS'Z'")
	isoDate      = mustLayout("yyyy-MM-dd")
	isoTimestamp = mustLayout("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
)

func mustLayout(p string) *javatime.Layout {
	l, err := javatime.Compile(p)
	if err != nil {
		panic(err) // constant patterns: a failure is a programming error
	}
	return l
}

// castToString formats v as Java's toString of its Kafka value does.
func castToString(v connect.Value) (string, error) {
	switch v.Kind() {
	case connect.KindString:
		return v.Str(), nil
	case connect.KindInt8, connect.KindInt16, connect.KindInt32, connect.KindInt64:
		return strconv.FormatInt(v.Int64(), 10), nil
	case connect.KindFloat32:
		return javaFloatString(v.Float64(), 32), nil
	case connect.KindFloat64:
		return javaFloatString(v.Float64(), 64), nil
	case connect.KindBool:
		return strconv.FormatBool(v.Bool()), nil
	case connect.KindBytes:
		return base64.StdEncoding.EncodeToString(v.Bytes()), nil
	case connect.KindDecimal:
		return javaBigDecimalString(v.Decimal()), nil
	case connect.KindTime:
		// Kafka's Values.dateFormatFor picks the form by the value.
		t := v.Time()
		ms := t.UnixMilli()
		switch {
		case ms < 24*60*60*1000:
			return isoTime.Format(t), nil
		case ms%(24*60*60*1000) == 0:
			return isoDate.Format(t), nil
		}
		return isoTimestamp.Format(t), nil
	}
	return "", unexpectedCastType(v)
}

// javaFloatString is Java's Double.toString / Float.toString.
func javaFloatString(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	var buf [32]byte
	return string(connect.AppendJavaFloat(buf[:0], f, bits))
}

// javaBigDecimalString is Java's BigDecimal.toString: plain notation when
// the scale is not negative and the adjusted exponent is at least -6,
// otherwise scientific ("1.23E+5", "1E-7").
func javaBigDecimalString(d connect.Decimal) string {
	u := d.Unscaled
	if u == nil {
		u = bigZeroInt
	}
	coeff := new(big.Int).Abs(u).Text(10)
	adjusted := -int64(d.Scale) + int64(len(coeff)-1)
	if d.Scale >= 0 && adjusted >= -6 {
		return d.String()
	}
	var b strings.Builder
	if u.Sign() < 0 {
		b.WriteByte('-')
	}
	b.WriteString(coeff[:1])
	if len(coeff) > 1 {
		b.WriteByte('.')
		b.WriteString(coeff[1:])
	}
	b.WriteByte('E')
	if adjusted >= 0 {
		b.WriteByte('+')
	}
	b.WriteString(strconv.FormatInt(adjusted, 10))
	return b.String()
}
