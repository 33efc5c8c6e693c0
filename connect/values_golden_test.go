package connect

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/require"
)

// The goldens in testdata/values are written by Apache Kafka's own Values
// class (converter/testdata/jvm); the describe functions below mirror the
// generator's so that schemas and values compare as text.

// goldenUnescape reverses the generator's escaping: \\ \t \n \r and \uXXXX
// (UTF-16 code units).
func goldenUnescape(s string) string {
	var units []uint16
	var b strings.Builder
	flush := func() {
		if len(units) > 0 {
			b.WriteString(string(utf16.Decode(units)))
			units = units[:0]
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			flush()
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			flush()
			b.WriteByte('\t')
		case 'n':
			flush()
			b.WriteByte('\n')
		case 'r':
			flush()
			b.WriteByte('\r')
		case 'u':
			n, _ := strconv.ParseUint(s[i+1:i+5], 16, 16)
			units = append(units, uint16(n))
			i += 4
		default:
			flush()
			b.WriteByte(s[i])
		}
	}
	flush()
	return b.String()
}

// goldenEscape is the generator's esc for a Go string.
func goldenEscape(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		switch u {
		case '\\':
			b.WriteString(`\\`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if u < 0x20 || u >= 0x7f {
				fmt.Fprintf(&b, `\u%04x`, u)
			} else {
				b.WriteByte(byte(u))
			}
		}
	}
	return b.String()
}

func describeSchema(s *Schema) string {
	if s == nil {
		return "null"
	}
	var b strings.Builder
	if s.Optional {
		b.WriteByte('?')
	}
	switch s.Name {
	case DecimalName:
		v, _ := s.Parameter(DecimalScaleParameter)
		b.WriteString("Decimal(" + v + ")")
	case DateName:
		b.WriteString("Date")
	case TimeName:
		b.WriteString("Time")
	case TimestampName:
		b.WriteString("Timestamp")
	default:
		b.WriteString(s.Type.String())
		if s.Name != "" {
			b.WriteString("(" + s.Name + ")")
		}
	}
	switch s.Type {
	case ArrayType:
		b.WriteString("<" + describeSchema(s.Elem) + ">")
	case MapType:
		b.WriteString("<" + describeSchema(s.Key) + "," + describeSchema(s.Elem) + ">")
	case StructType:
		b.WriteByte('{')
		for i, f := range s.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.Name + ":" + describeSchema(f.Schema))
		}
		b.WriteByte('}')
	}
	return b.String()
}

func describeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case int8:
		return fmt.Sprintf("i8:%d", x)
	case int16:
		return fmt.Sprintf("i16:%d", x)
	case int32:
		return fmt.Sprintf("i32:%d", x)
	case int64:
		return fmt.Sprintf("i64:%d", x)
	case float32:
		return fmt.Sprintf("f32:%08x", math.Float32bits(x))
	case float64:
		return fmt.Sprintf("f64:%016x", math.Float64bits(x))
	case bool:
		return fmt.Sprintf("bool:%t", x)
	case string:
		return `str:"` + strings.ReplaceAll(goldenEscape(x), `"`, `\"`) + `"`
	case Decimal:
		return fmt.Sprintf("dec:%s/%d", x.unscaled(), x.Scale)
	case time.Time:
		return fmt.Sprintf("ms:%d", x.UnixMilli())
	case []byte:
		return "bytes:" + hex.EncodeToString(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = describeValue(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case []MapEntry:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = describeValue(e.Key) + "=" + describeValue(e.Value)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case *Struct:
		parts := make([]string, len(x.schema.Fields))
		for i, f := range x.schema.Fields {
			parts[i] = f.Name + "=" + describeValue(x.GetWithoutDefault(f.Name))
		}
		return "struct{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprintf("?%T", v)
}

type goldenLine struct {
	key    string
	fields []string
}

func readGolden(t *testing.T, name string) []goldenLine {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "values", name))
	require.NoError(t, err)
	defer f.Close()
	var out []goldenLine
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		out = append(out, goldenLine{parts[0], parts[1:]})
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}

func TestParseStringGolden(t *testing.T) {
	for _, g := range readGolden(t, "parse.golden") {
		in := goldenUnescape(g.key)
		if d, ok := strings.CutPrefix(g.key, "depth:"); ok {
			n, _ := strconv.Atoi(d)
			in = strings.Repeat("[", n) + strings.Repeat("]", n)
		}
		t.Run(g.key, func(t *testing.T) {
			schema, v, err := ParseString(in)
			require.NoError(t, err)
			if g.fields[0] == "NULL" {
				require.Nil(t, schema)
				require.Nil(t, v)
				return
			}
			require.Equal(t, g.fields[0], describeSchema(schema), "schema")
			require.Equal(t, g.fields[1], describeValue(v), "value")
			s, err := ConvertToString(schema, v)
			require.NoError(t, err)
			require.Equal(t, g.fields[2], goldenEscape(s), "convertToString")
		})
	}
}

// namedValues are the values of the generator's namedValues, by name.
func namedValues() map[string]any {
	day := int64(millisPerDay)
	ms := func(n int64) time.Time { return time.UnixMilli(n).UTC() }
	dec := func(unscaled string, scale int32) Decimal {
		u, _ := new(big.Int).SetString(unscaled, 10)
		return Decimal{Unscaled: u, Scale: scale}
	}
	inner := StructOf(F("x", Float64Schema)).WithName("Inner")
	rich := StructOf(
		F("id", Int32Schema),
		F("name", StringSchema),
		F("opt", OptionalStringSchema),
		F("def", OptionalInt32Schema.WithDefault(int32(7))),
		F("tags", ArrayOf(StringSchema)),
		F("inner", inner),
		F("when", TimestampSchema),
		F("day", DateSchema),
		F("amount", DecimalSchema(2)),
		F("f", Float32Schema),
		F("m", MapOf(StringSchema, Int64Schema)),
	)
	in := NewStruct(inner)
	must(in.Put("x", 1.5))
	r := NewStruct(rich)
	must(r.Put("id", int32(1)))
	must(r.Put("name", `x"y`))
	must(r.Put("tags", []any{"a", "b"}))
	must(r.Put("inner", in))
	must(r.Put("when", ms(1710506096789)))
	must(r.Put("day", ms(19797*day)))
	must(r.Put("amount", NewDecimal(123, 2)))
	must(r.Put("f", float32(2.5)))
	must(r.Put("m", []MapEntry{{"k", int64(9)}}))
	withBytes := NewStruct(StructOf(F("b", BytesSchema)))
	must(withBytes.Put("b", []byte{1, 2}))
	return map[string]any{
		"i8": int8(-5), "i16": int16(300), "i32": int32(-70000), "i64": int64(1) << 40,
		"i64_min": int64(math.MinInt64),
		"f32":     float32(1.5), "f32_big": float32(1e10), "f32_small": float32(1e-5),
		"f32_point1": float32(0.1), "f32_nan": float32(math.NaN()), "f32_neginf": float32(math.Inf(-1)),
		"f64": 0.1, "f64_neg0": math.Copysign(0, -1), "f64_big": 1e21, "f64_1e7": 1e7,
		"f64_inf": math.Inf(1), "f64_nan": math.NaN(),
		"bool_t": true, "bool_f": false,
		"str": "hello", "str_empty": "", "str_esc": `a"b\c`, "str_unicode": "é日本\n😀",
		"bytes": []byte{0, 1, 2, 0xff}, "bytes_empty": []byte{},
		"dec_2": dec("12345", 2), "dec_neg_scale": dec("1", -3), "dec_neg_scale2": dec("-12", -1),
		"dec_small": dec("1", 7), "dec_e6": dec("1", 6), "dec_neg_small": dec("-5", 6),
		"dec_zero3": dec("0", 3), "dec_zero_neg": dec("0", -2),
		"dec_big": dec("123456789012345678901234567890", 10), "dec_int": dec("42", 0),
		"dec_sci": dec("12345", 12),
		"date":    ms(19797 * day), "time": ms(45296789), "ts": ms(1710506096789),
		"ts_neg": ms(-1), "ts_zero": ms(0), "ts_day": ms(day), "ts_1494": ms(-15000000000000),
		"ts_cutover": ms(-12219292800000), "ts_before_cutover": ms(-12219292800001),
		"ts_0001": ms(-62135596800000), "ts_0000": ms(-62198755200000), "ts_bc": ms(-100000000000000),
		"ts_10000":     ms(253402300800000),
		"list":         []any{int32(1), int32(2), int32(3)},
		"list_mixed":   []any{"a", nil, float32(1.5)},
		"list_nested":  []any{[]any{int32(1)}, []any{int32(2), int32(3)}},
		"list_empty":   []any{},
		"list_strs":    []any{`x"y`, "z"},
		"list_dates":   []any{ms(day), ms(1000)},
		"list_bytes":   []any{[]byte{1, 2}},
		"map_linked":   []MapEntry{{"b", int32(1)}, {"a", nil}},
		"map_hash":     map[string]any{"c": int32(1), "a": int32(2), "b": int32(3), "key10": int32(4), "Aa": int32(5)},
		"map_intkeys":  []MapEntry{{int32(1), "x"}, {int32(2), "y"}},
		"map_nested":   []MapEntry{{"a", []any{int32(1), int32(2)}}, {"m", []MapEntry{{"x", true}}}},
		"map_empty":    []MapEntry{},
		"struct":       r,
		"struct_bytes": withBytes,
		"struct_empty": NewStruct(StructOf()),
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func TestConvertToStringGolden(t *testing.T) {
	values := namedValues()
	for _, g := range readGolden(t, "tostring.golden") {
		t.Run(g.key, func(t *testing.T) {
			v, ok := values[g.key]
			require.True(t, ok, "no Go value named %s", g.key)
			s, err := ConvertToString(nil, v)
			require.NoError(t, err)
			require.Equal(t, g.fields[0], goldenEscape(s))
			b, err := AppendValueString([]byte("x"), nil, v)
			require.NoError(t, err)
			require.Equal(t, "x"+s, string(b))
			b, err = AppendValueString(nil, nil, AnyValue(v))
			require.NoError(t, err)
			require.Equal(t, s, string(b))
		})
	}
}

func TestConvertGolden(t *testing.T) {
	day := int64(millisPerDay)
	ms := func(n int64) time.Time { return time.UnixMilli(n).UTC() }
	dec := func(unscaled string, scale int32) Decimal {
		u, _ := new(big.Int).SetString(unscaled, 10)
		return Decimal{Unscaled: u, Scale: scale}
	}
	inner := StructOf(F("x", Float64Schema)).WithName("Inner")
	st := func(x float64) *Struct { s := NewStruct(inner); must(s.Put("x", x)); return s }
	wrap := func(v any, err error) (any, error) { return v, err }
	infer := func(v any) func() (any, error) {
		return func() (any, error) { return describeSchema(InferSchema(v)), nil }
	}
	cases := map[string]func() (any, error){
		"bool_str_true":        func() (any, error) { return wrap(ConvertToBoolean(nil, "true")) },
		"bool_str_TRUE":        func() (any, error) { return wrap(ConvertToBoolean(nil, "TRUE")) },
		"bool_str_1":           func() (any, error) { return wrap(ConvertToBoolean(nil, "1")) },
		"bool_str_0":           func() (any, error) { return wrap(ConvertToBoolean(nil, "0")) },
		"bool_str_1.5":         func() (any, error) { return wrap(ConvertToBoolean(nil, "1.5")) },
		"bool_str_0.5":         func() (any, error) { return wrap(ConvertToBoolean(nil, "0.5")) },
		"bool_i32":             func() (any, error) { return wrap(ConvertToBoolean(nil, int32(5))) },
		"bool_f64":             func() (any, error) { return wrap(ConvertToBoolean(nil, 0.3)) },
		"bool_list":            func() (any, error) { return wrap(ConvertToBoolean(nil, []any{int32(1)})) },
		"bool_bool":            func() (any, error) { return wrap(ConvertToBoolean(nil, false)) },
		"i8_i32":               func() (any, error) { return wrap(ConvertToInt8(nil, int32(300))) },
		"i8_str":               func() (any, error) { return wrap(ConvertToInt8(nil, "-5")) },
		"i8_str_frac":          func() (any, error) { return wrap(ConvertToInt8(nil, "12.7")) },
		"i8_str_exp":           func() (any, error) { return wrap(ConvertToInt8(nil, "1e3")) },
		"i8_str_space":         func() (any, error) { return wrap(ConvertToInt8(nil, " 5")) },
		"i8_bool":              func() (any, error) { return wrap(ConvertToInt8(nil, true)) },
		"i16_f32":              func() (any, error) { return wrap(ConvertToInt16(nil, float32(3.9))) },
		"i16_i64":              func() (any, error) { return wrap(ConvertToInt16(nil, int64(70000))) },
		"i32_f64_neg":          func() (any, error) { return wrap(ConvertToInt32(nil, -3.9)) },
		"i32_str_huge":         func() (any, error) { return wrap(ConvertToInt32(nil, "1e30")) },
		"i32_str_big":          func() (any, error) { return wrap(ConvertToInt32(nil, "4294967297")) },
		"i64_nan":              func() (any, error) { return wrap(ConvertToInt64(nil, math.NaN())) },
		"i64_f64_huge":         func() (any, error) { return wrap(ConvertToInt64(nil, 1e30)) },
		"i64_f64_neghuge":      func() (any, error) { return wrap(ConvertToInt64(nil, -1e30)) },
		"i64_f32_inf":          func() (any, error) { return wrap(ConvertToInt64(nil, float32(math.Inf(1)))) },
		"i64_bool":             func() (any, error) { return wrap(ConvertToInt64(nil, true)) },
		"i64_str_bad":          func() (any, error) { return wrap(ConvertToInt64(nil, "abc")) },
		"i64_str_empty":        func() (any, error) { return wrap(ConvertToInt64(nil, "")) },
		"i64_date_schema":      func() (any, error) { return wrap(ConvertToInt64(DateSchema, ms(5*day))) },
		"i64_date_schema_bad":  func() (any, error) { return wrap(ConvertToInt64(DateSchema, ms(5))) },
		"i64_time_schema":      func() (any, error) { return wrap(ConvertToInt64(TimeSchema, ms(5000))) },
		"i64_ts_schema":        func() (any, error) { return wrap(ConvertToInt64(TimestampSchema, ms(1234))) },
		"i64_ts_noschema":      func() (any, error) { return wrap(ConvertToInt64(nil, ms(1234))) },
		"i64_str_schema":       func() (any, error) { return wrap(ConvertToInt64(StringSchema, "x")) },
		"i64_dec":              func() (any, error) { return wrap(ConvertToInt64(nil, dec("12399", 2))) },
		"i64_dec_neg":          func() (any, error) { return wrap(ConvertToInt64(nil, dec("-12399", 2))) },
		"i64_str_huge":         func() (any, error) { return wrap(ConvertToInt64(nil, "123456789012345678901234567890")) },
		"i64_str_negexp":       func() (any, error) { return wrap(ConvertToInt64(nil, "-7e20")) },
		"i64_str_plus":         func() (any, error) { return wrap(ConvertToInt64(nil, "+42")) },
		"i64_list":             func() (any, error) { return wrap(ConvertToInt64(nil, []any{})) },
		"f32_str":              func() (any, error) { return wrap(ConvertToFloat32(nil, "1.5")) },
		"f32_str_exp":          func() (any, error) { return wrap(ConvertToFloat32(nil, "1e40")) },
		"f32_f64":              func() (any, error) { return wrap(ConvertToFloat32(nil, 0.1)) },
		"f32_i64":              func() (any, error) { return wrap(ConvertToFloat32(nil, int64(16777217))) },
		"f64_i64":              func() (any, error) { return wrap(ConvertToFloat64(nil, int64(math.MaxInt64))) },
		"f64_str_bad":          func() (any, error) { return wrap(ConvertToFloat64(nil, "x")) },
		"f64_bool":             func() (any, error) { return wrap(ConvertToFloat64(nil, true)) },
		"f64_dec":              func() (any, error) { return wrap(ConvertToFloat64(nil, dec("1", 400))) },
		"f64_str_long":         func() (any, error) { return wrap(ConvertToFloat64(nil, "0.1000000000000000055511151231257827")) },
		"f64_date_schema":      func() (any, error) { return wrap(ConvertToFloat64(DateSchema, ms(3*day))) },
		"f64_f32":              func() (any, error) { return wrap(ConvertToFloat64(nil, float32(0.1))) },
		"dec_f64":              func() (any, error) { return wrap(ConvertToDecimal(nil, 1.5, 2)) },
		"dec_f32":              func() (any, error) { return wrap(ConvertToDecimal(nil, float32(0.1), 2)) },
		"dec_f64_big":          func() (any, error) { return wrap(ConvertToDecimal(nil, 1e21, 0)) },
		"dec_str":              func() (any, error) { return wrap(ConvertToDecimal(nil, "1.50", 2)) },
		"dec_str_bad":          func() (any, error) { return wrap(ConvertToDecimal(nil, "x", 2)) },
		"dec_bytes":            func() (any, error) { return wrap(ConvertToDecimal(nil, []byte{1, 0}, 2)) },
		"dec_bytes_neg":        func() (any, error) { return wrap(ConvertToDecimal(nil, []byte{0xff}, 1)) },
		"dec_i32":              func() (any, error) { return wrap(ConvertToDecimal(nil, int32(7), 2)) },
		"dec_i64":              func() (any, error) { return wrap(ConvertToDecimal(nil, int64(123456789012345678), 2)) },
		"dec_dec":              func() (any, error) { return wrap(ConvertToDecimal(nil, dec("5", 3), 2)) },
		"dec_bool":             func() (any, error) { return wrap(ConvertToDecimal(nil, true, 2)) },
		"dec_null":             func() (any, error) { return wrap(ConvertToDecimal(nil, nil, 2)) },
		"date_str":             func() (any, error) { return wrap(ConvertToDate(nil, "2024-01-15")) },
		"date_str_ts":          func() (any, error) { return wrap(ConvertToDate(nil, "2024-01-15T12:34:56.789Z")) },
		"date_i32":             func() (any, error) { return wrap(ConvertToDate(nil, int32(19797))) },
		"date_i64_big":         func() (any, error) { return wrap(ConvertToDate(nil, int64(4294967297))) },
		"date_ts_schema":       func() (any, error) { return wrap(ConvertToDate(TimestampSchema, ms(1710506096789))) },
		"date_ts_schema_neg":   func() (any, error) { return wrap(ConvertToDate(TimestampSchema, ms(-86400001))) },
		"date_date_schema":     func() (any, error) { return wrap(ConvertToDate(DateSchema, ms(3*day))) },
		"date_time_schema":     func() (any, error) { return wrap(ConvertToDate(TimeSchema, ms(5000))) },
		"date_str_num":         func() (any, error) { return wrap(ConvertToDate(nil, "19797")) },
		"date_bad":             func() (any, error) { return wrap(ConvertToDate(nil, "abc")) },
		"date_null":            func() (any, error) { return wrap(ConvertToDate(nil, nil)) },
		"date_bool":            func() (any, error) { return wrap(ConvertToDate(nil, true)) },
		"time_ts_schema":       func() (any, error) { return wrap(ConvertToTime(TimestampSchema, ms(1710506096789))) },
		"time_ts_schema_neg":   func() (any, error) { return wrap(ConvertToTime(TimestampSchema, ms(-1))) },
		"time_i32":             func() (any, error) { return wrap(ConvertToTime(nil, int32(1000))) },
		"time_i32_big":         func() (any, error) { return wrap(ConvertToTime(nil, int32(90000000))) },
		"time_i32_max":         func() (any, error) { return wrap(ConvertToTime(nil, int32(86400000))) },
		"time_i32_neg":         func() (any, error) { return wrap(ConvertToTime(nil, int32(-1))) },
		"time_str":             func() (any, error) { return wrap(ConvertToTime(nil, "12:34:56.789Z")) },
		"time_date_schema":     func() (any, error) { return wrap(ConvertToTime(DateSchema, ms(3*day))) },
		"time_time_schema":     func() (any, error) { return wrap(ConvertToTime(TimeSchema, ms(5))) },
		"time_time_schema_bad": func() (any, error) { return wrap(ConvertToTime(TimeSchema, ms(day+5))) },
		"ts_date_schema":       func() (any, error) { return wrap(ConvertToTimestamp(DateSchema, ms(3*day))) },
		"ts_time_schema":       func() (any, error) { return wrap(ConvertToTimestamp(TimeSchema, ms(5000))) },
		"ts_ts_schema":         func() (any, error) { return wrap(ConvertToTimestamp(TimestampSchema, ms(-5))) },
		"ts_i64":               func() (any, error) { return wrap(ConvertToTimestamp(nil, int64(1710506096789))) },
		"ts_str":               func() (any, error) { return wrap(ConvertToTimestamp(nil, "2024-01-15T12:34:56.789Z")) },
		"ts_str_num":           func() (any, error) { return wrap(ConvertToTimestamp(nil, "1710506096789")) },
		"ts_str_date":          func() (any, error) { return wrap(ConvertToTimestamp(nil, "2024-01-15")) },
		"ts_f64":               func() (any, error) { return wrap(ConvertToTimestamp(nil, 1.9)) },
		"ts_null":              func() (any, error) { return wrap(ConvertToTimestamp(nil, nil)) },
		"list_str":             func() (any, error) { return wrap(ConvertToList(nil, "[1,2]")) },
		"list_str_bad":         func() (any, error) { return wrap(ConvertToList(nil, "abc")) },
		"list_list":            func() (any, error) { return wrap(ConvertToList(nil, []any{"a"})) },
		"list_null":            func() (any, error) { return wrap(ConvertToList(nil, nil)) },
		"list_i32":             func() (any, error) { return wrap(ConvertToList(nil, int32(1))) },
		"map_str":              func() (any, error) { return wrap(ConvertToMap(nil, `{"a":1,"b":2}`)) },
		"map_str_bad":          func() (any, error) { return wrap(ConvertToMap(nil, "[1]")) },
		"map_null":             func() (any, error) { return wrap(ConvertToMap(nil, nil)) },
		"struct_str":           func() (any, error) { return wrap(ConvertToStruct(nil, "{}")) },
		"struct_struct":        func() (any, error) { return wrap(ConvertToStruct(nil, st(2.0))) },
		"struct_null":          func() (any, error) { return wrap(ConvertToStruct(nil, nil)) },
		"bool_null":            func() (any, error) { return wrap(ConvertToBoolean(nil, nil)) },
		"str_null":             func() (any, error) { return wrap(ConvertToString(nil, nil)) },
		"infer_str":            infer("x"),
		"infer_i16":            infer(int16(1)),
		"infer_f32":            infer(float32(1)),
		"infer_bytes":          infer([]byte{1}),
		"infer_date":           infer(ms(day)),
		"infer_dec":            infer(dec("1", 1)),
		"infer_list":           infer([]any{int32(1), int32(2)}),
		"infer_list_null":      infer([]any{int32(1), nil}),
		"infer_list_mixed":     infer([]any{int32(1), int64(2)}),
		"infer_list_empty":     infer([]any{}),
		"infer_list_onlynull":  infer([]any{nil}),
		"infer_list_nested":    infer([]any{[]any{int32(1)}}),
		"infer_list_struct":    infer([]any{st(1)}),
		"infer_map":            infer([]MapEntry{{"a", int64(1)}, {"b", nil}}),
		"infer_map_empty":      infer(map[string]any{}),
		"infer_struct":         infer(st(1)),
		"infer_null":           infer(nil),
	}
	for _, g := range readGolden(t, "convert.golden") {
		t.Run(g.key, func(t *testing.T) {
			f, ok := cases[g.key]
			require.True(t, ok, "no Go case named %s", g.key)
			v, err := f()
			switch {
			case g.key == "infer_list_onlynull":
				// Kafka throws SchemaBuilderException; kconnect infers nothing.
				require.NoError(t, err)
				require.Equal(t, "null", v)
			case g.fields[0] == "ERROR":
				require.Error(t, err, "Kafka: %s", g.fields[1])
				var de *DataError
				require.ErrorAs(t, err, &de)
			case g.fields[0] == "null":
				// Kafka returns null; kconnect returns an error wrapping ErrNullValue.
				require.ErrorIs(t, err, ErrNullValue)
			case strings.HasPrefix(g.key, "infer_"):
				require.NoError(t, err)
				want := strings.TrimSuffix(strings.TrimPrefix(g.fields[0], `str:"`), `"`)
				require.Equal(t, want, v)
			default:
				require.NoError(t, err)
				require.Equal(t, g.fields[0], describeValue(v))
			}
		})
	}
}
