package postgrescdc

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
)

// The OIDs of the geometric, bit string and range types (pg_type.dat).
const (
	oidPoint     = 600
	oidLseg      = 601
	oidPath      = 602
	oidBox       = 603
	oidPolygon   = 604
	oidLine      = 628
	oidCircle    = 718
	oidVarbit    = 1562
	oidInt4Range = 3904
	oidNumRange  = 3906
	oidTsRange   = 3908
	oidTstzRange = 3910
	oidDateRange = 3912
	oidInt8Range = 3926
)

const (
	bitsName  = "io.debezium.data.Bits"
	pointName = "io.debezium.data.geometry.Point"
)

// unmappedError says why a column's type has no mapping.
type unmappedError struct {
	typ    string
	always bool // no include.unknown.datatypes either
}

func (e *unmappedError) Error() string {
	if e.always {
		return fmt.Sprintf("type %s is not supported (Debezium maps it to a type kconnect does not write)", e.typ)
	}
	return fmt.Sprintf("type %s has no mapping: set %s=true to write it as the bytes of its text, as Debezium does, "+
		"or leave the column out with %s", e.typ, IncludeUnknownTypesConfig, ColumnExcludeListConfig)
}

// bits is Debezium's mapping of bit(n) and bit varying(n) for n > 1: the
// bits as a little-endian bit set (the last bit written is bit 0), as
// java.util.BitSet.toByteArray gives it, so no longer than the highest bit
// set needs.
func bits(n int32) mapper {
	sc := &connect.Schema{Type: connect.BytesType, Name: bitsName, Version: 1,
		Parameters: []connect.Parameter{{Key: "length", Value: strconv.Itoa(int(n))}}}
	return mapper{schema: sc, zero: []byte{}, parse: func(v string) (any, error) {
		out := make([]byte, (len(v)+7)/8)
		top := -1
		for i := range len(v) {
			bit := len(v) - 1 - i
			switch v[i] {
			case '1':
				out[bit/8] |= 1 << (bit % 8)
				top = max(top, bit)
			case '0':
			default:
				return nil, fmt.Errorf("bit string %q has a %q", v, v[i])
			}
		}
		return out[:(top+8)/8], nil
	}}
}

// pointSchema is Debezium's io.debezium.data.geometry.Point.
var pointSchema = func() *connect.Schema {
	s := connect.StructOf(
		connect.F("x", connect.Float64Schema),
		connect.F("y", connect.Float64Schema),
		connect.F("wkb", connect.OptionalBytesSchema),
		connect.F("srid", connect.OptionalInt32Schema),
	)
	s.Name, s.Version, s.Doc = pointName, 1, "Geometry (POINT)"
	return s
}()

// pointValue is Debezium's Point.createValue: x, y and the point's
// well-known binary (little-endian), no SRID.
func pointValue(x, y float64) *connect.Struct {
	wkb := make([]byte, 21)
	wkb[0] = 1
	binary.LittleEndian.PutUint32(wkb[1:], 1)
	binary.LittleEndian.PutUint64(wkb[5:], math.Float64bits(x))
	binary.LittleEndian.PutUint64(wkb[13:], math.Float64bits(y))
	st := connect.NewStruct(pointSchema)
	_ = st.SetAt(0, connect.Float64Value(x))
	_ = st.SetAt(1, connect.Float64Value(y))
	_ = st.SetAt(2, connect.BytesValue(wkb))
	return st
}

func point() mapper {
	return mapper{schema: pointSchema, zero: pointValue(0, 0), parse: func(v string) (any, error) {
		nums, err := geometryNumbers(v)
		if err != nil || len(nums) != 2 {
			return nil, fmt.Errorf("point %q is not (x,y)", v)
		}
		return pointValue(nums[0], nums[1]), nil
	}}
}

// geometryNumbers reads the numbers of a geometric value's text, in order.
func geometryNumbers(v string) ([]float64, error) {
	var out []float64
	for f := range strings.FieldsFuncSeq(v, func(r rune) bool { return strings.ContainsRune("()[]{}<>, ", r) }) {
		n, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// javaDoubleString writes f as Java's Double.toString does.
func javaDoubleString(f float64) string {
	return strings.Trim(string(connect.AppendJavaFloat(nil, f, 64)), `"`)
}

// geometryText rewrites a geometric value's text as the PostgreSQL JDBC
// driver's PGbox, PGcircle, PGline, PGlseg, PGpath and PGpolygon write it
// (getValue), which is what Debezium writes for these types with
// include.unknown.datatypes: the same brackets, numbers as Java doubles
// ("(3.0,4.0),(1.0,2.0)").
func geometryText(oid uint32, v string) (string, error) {
	nums, err := geometryNumbers(v)
	if err != nil {
		return "", fmt.Errorf("%q: %w", v, err)
	}
	pt := func(b *strings.Builder, i int) {
		b.WriteString("(" + javaDoubleString(nums[i]) + "," + javaDoubleString(nums[i+1]) + ")")
	}
	points := func(b *strings.Builder) {
		for i := 0; i+1 < len(nums); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			pt(b, i)
		}
	}
	var b strings.Builder
	switch oid {
	case oidBox:
		if len(nums) != 4 {
			return "", fmt.Errorf("box %q is not two points", v)
		}
		points(&b)
	case oidLseg:
		if len(nums) != 4 {
			return "", fmt.Errorf("lseg %q is not two points", v)
		}
		b.WriteByte('[')
		points(&b)
		b.WriteByte(']')
	case oidCircle:
		if len(nums) != 3 {
			return "", fmt.Errorf("circle %q is not <(x,y),r>", v)
		}
		b.WriteByte('<')
		pt(&b, 0)
		b.WriteString("," + javaDoubleString(nums[2]) + ">")
	case oidLine:
		if len(nums) != 3 {
			return "", fmt.Errorf("line %q is not {a,b,c}", v)
		}
		b.WriteString("{" + javaDoubleString(nums[0]) + "," + javaDoubleString(nums[1]) + "," + javaDoubleString(nums[2]) + "}")
	case oidPath:
		open := strings.HasPrefix(v, "[")
		b.WriteString(map[bool]string{true: "[", false: "("}[open])
		points(&b)
		b.WriteString(map[bool]string{true: "]", false: ")"}[open])
	case oidPolygon:
		b.WriteByte('(')
		points(&b)
		b.WriteByte(')')
	default:
		return v, nil
	}
	return b.String(), nil
}

// unknown is Debezium's mapping of a type it has no mapping for, with
// include.unknown.datatypes=true: the bytes of its text, as
// binary.handling.mode writes bytes.
func (s *settings) unknown(oid uint32) mapper {
	m := s.bytea()
	parse := m.parse
	m.parse = func(v string) (any, error) {
		v, err := geometryText(oid, v)
		if err != nil {
			return nil, err
		}
		return parse(`\x` + hex.EncodeToString([]byte(v)))
	}
	return m
}

// hstoreMapper is Debezium's mapping of hstore: a JSON object string
// (hstore.handling.mode=json) or a map of strings (map), its keys in the
// order of the java.util.HashMap the JDBC driver reads the value into.
func (s *settings) hstoreMapper() mapper {
	if s.hstore == "map" {
		return mapper{schema: connect.MapOf(connect.StringSchema, connect.OptionalStringSchema), zero: []connect.MapEntry{},
			parse: func(v string) (any, error) { return parseHstore(v) }}
	}
	m := mapper{schema: &connect.Schema{Type: connect.StringType, Name: jsonName, Version: 1}, zero: "{}"}
	m.parse = func(v string) (any, error) {
		entries, err := parseHstore(v)
		if err != nil {
			return nil, err
		}
		return hstoreJSON(entries), nil
	}
	return m
}

// hstoreJSON writes entries as Jackson's JsonGenerator does.
func hstoreJSON(entries []connect.MapEntry) string {
	b := []byte{'{'}
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJacksonString(b, e.Key.(string))
		b = append(b, ':')
		if e.Value == nil {
			b = append(b, "null"...)
		} else {
			b = appendJacksonString(b, e.Value.(string))
		}
	}
	return string(append(b, '}'))
}

// appendJacksonString quotes s as Jackson does by default: the quote, the
// backslash and control characters escaped, everything else as it is.
func appendJacksonString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c == '\b':
			b = append(b, `\b`...)
		case c == '\f':
			b = append(b, `\f`...)
		case c < 0x20:
			b = append(b, fmt.Sprintf(`\u%04X`, c)...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// parseHstore reads hstore's text ("a"=>"1", "b"=>NULL) into its entries
// in java.util.HashMap order.
func parseHstore(v string) ([]connect.MapEntry, error) {
	var out []connect.MapEntry
	i := 0
	skip := func() {
		for i < len(v) && (v[i] == ' ' || v[i] == ',') {
			i++
		}
	}
	word := func() (string, bool, error) {
		if i >= len(v) || v[i] != '"' {
			if strings.HasPrefix(v[i:], "NULL") {
				i += 4
				return "", true, nil
			}
			return "", false, fmt.Errorf("hstore %q: expected a quoted string at %d", v, i)
		}
		i++
		var b strings.Builder
		for i < len(v) && v[i] != '"' {
			if v[i] == '\\' && i+1 < len(v) {
				i++
			}
			b.WriteByte(v[i])
			i++
		}
		if i >= len(v) {
			return "", false, fmt.Errorf("hstore %q: unterminated string", v)
		}
		i++
		return b.String(), false, nil
	}
	for skip(); i < len(v); skip() {
		k, _, err := word()
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(v[i:], "=>") {
			return nil, fmt.Errorf("hstore %q: expected => at %d", v, i)
		}
		i += 2
		val, null, err := word()
		if err != nil {
			return nil, err
		}
		e := connect.MapEntry{Key: k}
		if !null {
			e.Value = val
		}
		out = append(out, e)
	}
	if out == nil {
		return []connect.MapEntry{}, nil
	}
	return connect.JavaHashMapEntries(out), nil
}

// unchangedToast is what Debezium writes for a value TOAST kept out of
// line that an update left alone, when the old row does not hold it
// (REPLICA IDENTITY DEFAULT): unavailable.value.placeholder in the
// column's form (UnchangedToastedPlaceholder), or nil for types it has no
// form for.
func (c *column) unchangedToast() any {
	sc := c.m.schema
	switch sc.Type {
	case connect.StringType:
		if sc.Name == jsonName && c.typ.name == "hstore" {
			return hstoreJSON([]connect.MapEntry{{Key: unavailableValue, Value: unavailableValue}})
		}
		return unavailableValue
	case connect.BytesType:
		return []byte(unavailableValue)
	case connect.MapType:
		return []connect.MapEntry{{Key: unavailableValue, Value: unavailableValue}}
	case connect.ArrayType:
		switch c.typ.name {
		case "_text", "_varchar", "_bpchar", "_json", "_jsonb":
			return []any{unavailableValue}
		case "_bytea":
			if sc.Elem.Type == connect.BytesType {
				return []any{[]byte(unavailableValue)}
			}
		case "_int4", "_date":
			if sc.Elem.Name == connect.DateSchema.Name {
				return nil
			}
			out := make([]any, len(unavailableValue))
			for i := range len(unavailableValue) {
				out[i] = int32(unavailableValue[i])
			}
			return out
		case "_int8":
			out := make([]any, len(unavailableValue))
			for i := range len(unavailableValue) {
				out[i] = int64(unavailableValue[i])
			}
			return out
		case "_uuid":
			return []any{nameUUID(unavailableValue)}
		}
	}
	return nil
}

// nameUUID is Java's UUID.nameUUIDFromBytes: a version 3 UUID.
func nameUUID(name string) string {
	h := md5.Sum([]byte(name))
	h[6] = h[6]&0x0f | 0x30
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
