package avro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// Names and properties AvroData writes and reads, as Confluent spells them.
const (
	namespace          = "io.confluent.connect.avro"
	defaultSchemaName  = "ConnectDefault"
	defaultFullName    = namespace + "." + defaultSchemaName
	mapEntryName       = "MapEntry"
	unionName          = namespace + ".Union"
	propConnectName    = "connect.name"
	propConnectDoc     = "connect.doc"
	propConnectVersion = "connect.version"
	propConnectDefault = "connect.default"
	propConnectParams  = "connect.parameters"
	propConnectType    = "connect.type"
	propInternalType   = "connect.internal.type"
	propLogicalType    = "logicalType"
	propFixedSize      = "connect.fixed.size"
	propDecimalPrec    = "connect.decimal.precision"
	paramEnum          = namespace + ".Enum"
	paramRecordDoc     = namespace + ".record.doc"
	paramFieldDoc      = namespace + ".field.doc."
	paramEnumDoc       = namespace + ".enum.doc."
	paramEnumDefault   = namespace + ".enum.default."
	paramFieldDefault  = namespace + ".field.default"
	defaultPrecision   = 64
)

// schemaWriter writes the Avro schema AvroData.fromConnectSchema builds for
// a Connect schema, as Avro's Schema.toString prints it: properties in the
// order AvroData adds them, namespaces only where they change, and a named
// type written in full once and by name after that.
type schemaWriter struct {
	d       dataConfig
	buf     bytes.Buffer
	defined map[string]bool // full names already written
	space   string          // the enclosing namespace
	nameIdx int             // ConnectDefault, ConnectDefault2, ...
}

// dataConfig is AvroDataConfig: how Connect schemas map to Avro.
type dataConfig struct {
	connectMetaData bool
	enhanced        bool
	scrub           bool
}

// avroSchemaJSON returns the Avro schema text for s.
func (d dataConfig) avroSchemaJSON(s *connect.Schema) ([]byte, error) {
	w := &schemaWriter{d: d, defined: map[string]bool{}}
	if err := w.schema(s, false); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

func (w *schemaWriter) str(s string) {
	enc := json.NewEncoder(&w.buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	w.buf.Truncate(w.buf.Len() - 1)
}

func (w *schemaWriter) key(k string) {
	w.buf.WriteByte(',')
	w.str(k)
	w.buf.WriteByte(':')
}

// splitName splits a full name at its last dot, scrubbing each part when
// scrub.invalid.names is set.
func (w *schemaWriter) splitName(full string) (space, name string) {
	parts := strings.Split(full, ".")
	if w.d.scrub {
		for i := range parts {
			parts[i] = scrubName(parts[i])
		}
	}
	if len(parts) == 1 {
		return "", parts[0]
	}
	return strings.Join(parts[:len(parts)-1], "."), parts[len(parts)-1]
}

func (w *schemaWriter) nameOrDefault(name string) (space, short string) {
	if name != "" {
		return w.splitName(name)
	}
	w.nameIdx++
	if w.nameIdx > 1 {
		return namespace, defaultSchemaName + strconv.Itoa(w.nameIdx)
	}
	return namespace, defaultSchemaName
}

// named writes the start of a named type, or a reference to it when it has
// been written already; it reports whether the caller writes the body.
func (w *schemaWriter) named(typ, space, name string) bool {
	full := name
	if space != "" {
		full = space + "." + name
	}
	if w.defined[full] {
		if space == w.space {
			w.str(name)
		} else {
			w.str(full)
		}
		return false
	}
	w.defined[full] = true
	w.buf.WriteString(`{"type":`)
	w.str(typ)
	w.key("name")
	w.str(name)
	if space != w.space {
		w.key("namespace")
		w.str(space)
	}
	return true
}

func isEnum(d dataConfig, s *connect.Schema) bool {
	if !d.enhanced || s.Type != connect.StringType {
		return false
	}
	_, ok := s.Parameter(paramEnum)
	return ok
}

func isFixed(s *connect.Schema) bool {
	if s.Type != connect.BytesType || s.Name == "" {
		return false
	}
	_, ok := s.Parameter(propFixedSize)
	return ok
}

// unionDefaultFirst reports whether an optional schema is written as
// [T, "null"] rather than ["null", T]: AvroData puts the type first when it
// has a default, so that the default is valid for the union, except for
// structs, which are always ["null", record].
func unionDefaultFirst(s *connect.Schema) bool {
	return s.Optional && s.Default != nil && s.Type != connect.StructType
}

// schema writes s; ignoreOptional writes the base type of an optional one.
func (w *schemaWriter) schema(s *connect.Schema, ignoreOptional bool) error {
	if isUnion(s) {
		// A union takes no properties: its optionality is a null member.
		w.buf.WriteByte('[')
		if s.Optional {
			w.buf.WriteString(`"null"`)
		}
		for i, f := range s.Fields {
			if i > 0 || s.Optional {
				w.buf.WriteByte(',')
			}
			if err := w.schema(f.Schema, true); err != nil {
				return prefix(err, f.Name)
			}
		}
		w.buf.WriteByte(']')
		return nil
	}
	if s.Optional && !ignoreOptional {
		if unionDefaultFirst(s) {
			w.buf.WriteByte('[')
			if err := w.schema(s, true); err != nil {
				return err
			}
			w.buf.WriteString(`,"null"]`)
			return nil
		}
		w.buf.WriteString(`["null",`)
		if err := w.schema(s, true); err != nil {
			return err
		}
		w.buf.WriteByte(']')
		return nil
	}
	var connectType string
	open := true // the body is an object still open for properties
	start := w.buf.Len()
	switch s.Type {
	case connect.Int8Type:
		connectType = "int8"
		w.buf.WriteString(`{"type":"int"`)
	case connect.Int16Type:
		connectType = "int16"
		w.buf.WriteString(`{"type":"int"`)
	case connect.Int32Type:
		w.buf.WriteString(`{"type":"int"`)
	case connect.Int64Type:
		w.buf.WriteString(`{"type":"long"`)
	case connect.Float32Type:
		w.buf.WriteString(`{"type":"float"`)
	case connect.Float64Type:
		w.buf.WriteString(`{"type":"double"`)
	case connect.BooleanType:
		w.buf.WriteString(`{"type":"boolean"`)
	case connect.StringType:
		if isEnum(w.d, s) {
			full, _ := s.Parameter(paramEnum)
			space, name := w.splitName(full)
			if !w.named("enum", space, name) {
				open = false
				break
			}
			_, short := w.nameOrDefault(s.Name)
			if doc, ok := s.Parameter(paramEnumDoc + short); ok {
				w.key("doc")
				w.str(doc)
			}
			w.key("symbols")
			w.buf.WriteByte('[')
			n := 0
			for _, p := range s.Parameters {
				if sym, ok := strings.CutPrefix(p.Key, paramEnum+"."); ok {
					if n > 0 {
						w.buf.WriteByte(',')
					}
					w.str(sym)
					n++
				}
			}
			w.buf.WriteByte(']')
			if def, ok := s.Parameter(paramEnumDefault + short); ok {
				w.key("default")
				w.str(def)
			}
		} else {
			w.buf.WriteString(`{"type":"string"`)
		}
	case connect.BytesType:
		if isFixed(s) {
			space, name := w.nameOrDefault(s.Name)
			if !w.named("fixed", space, name) {
				open = false
				break
			}
			size, _ := s.Parameter(propFixedSize)
			n, err := strconv.Atoi(size)
			if err != nil || n < 0 {
				return fmt.Errorf("%s parameter %q is not a size", propFixedSize, size)
			}
			w.key("size")
			w.buf.WriteString(strconv.Itoa(n))
		} else {
			w.buf.WriteString(`{"type":"bytes"`)
		}
		if s.Logical() == connect.LogicalDecimal {
			scale, err := s.DecimalScale()
			if err != nil {
				return err
			}
			w.key("scale")
			w.buf.WriteString(strconv.Itoa(int(scale)))
			prec := defaultPrecision
			if p, ok := s.Parameter(propDecimalPrec); ok {
				if prec, err = strconv.Atoi(p); err != nil {
					return fmt.Errorf("%s parameter %q is not an integer", propDecimalPrec, p)
				}
			}
			w.key("precision")
			w.buf.WriteString(strconv.Itoa(prec))
		}
	case connect.ArrayType:
		w.buf.WriteString(`{"type":"array","items":`)
		if err := w.schema(s.Elem, false); err != nil {
			return prefix(err, "items")
		}
	case connect.MapType:
		if s.Key.Type == connect.StringType && !s.Key.Optional {
			w.buf.WriteString(`{"type":"map","values":`)
			if err := w.schema(s.Elem, false); err != nil {
				return prefix(err, "values")
			}
			break
		}
		w.buf.WriteString(`{"type":"array","items":`)
		space, name := namespace, mapEntryName
		if s.Name != "" {
			space, name = w.nameOrDefault(s.Name)
		}
		if w.named("record", space, name) {
			outer := w.space
			w.space = space
			w.key("fields")
			w.buf.WriteByte('[')
			if err := w.field("key", s.Key, ""); err != nil {
				return err
			}
			w.buf.WriteByte(',')
			if err := w.field("value", s.Elem, ""); err != nil {
				return err
			}
			w.buf.WriteByte(']')
			w.space = outer
			if s.Name != "" {
				w.key(propInternalType)
				w.str(mapEntryName)
			}
			w.buf.WriteByte('}')
		}
	case connect.StructType:
		space, name := w.nameOrDefault(s.Name)
		if !w.named("record", space, name) {
			open = false
			break
		}
		if doc, ok := s.Parameter(paramRecordDoc); ok {
			w.key("doc")
			w.str(doc)
		}
		outer := w.space
		w.space = space
		w.key("fields")
		w.buf.WriteByte('[')
		for i, f := range s.Fields {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			doc, _ := s.Parameter(paramFieldDoc + f.Name)
			name := f.Name
			if w.d.scrub {
				name = scrubName(name)
			}
			if err := w.field(name, f.Schema, doc); err != nil {
				return prefix(err, f.Name)
			}
		}
		w.buf.WriteByte(']')
		w.space = outer
	default:
		return fmt.Errorf("unknown schema type %v", s.Type)
	}
	if !open {
		return nil
	}
	if err := w.props(s, connectType); err != nil {
		return err
	}
	// A primitive without properties is written as its bare name, as
	// Avro's Schema.toString writes it.
	if b := w.buf.Bytes()[start:]; bytes.HasPrefix(b, []byte(`{"type":"`)) && bytes.Count(b, []byte(`"`)) == 4 {
		name := string(b[len(`{"type":`):])
		w.buf.Truncate(start)
		w.buf.WriteString(name)
		return nil
	}
	w.buf.WriteByte('}')
	return nil
}

// props writes the connect.* properties and logical type of a non-union
// schema, in AvroData's order.
func (w *schemaWriter) props(s *connect.Schema, connectType string) error {
	if w.d.connectMetaData {
		if s.Doc != "" {
			w.key(propConnectDoc)
			w.str(s.Doc)
		}
		if s.Version != 0 {
			w.key(propConnectVersion)
			w.buf.WriteString(strconv.Itoa(int(s.Version)))
		}
		n := 0
		for _, p := range s.Parameters {
			if p.Key == paramFieldDefault {
				continue
			}
			if n == 0 {
				w.key(propConnectParams)
				w.buf.WriteByte('{')
			} else {
				w.buf.WriteByte(',')
			}
			w.str(p.Key)
			w.buf.WriteByte(':')
			w.str(p.Value)
			n++
		}
		if n > 0 {
			w.buf.WriteByte('}')
		}
		if s.Default != nil {
			if _, flagged := s.Parameter(paramFieldDefault); !flagged {
				w.key(propConnectDefault)
				if err := w.defaultValue(s, s.Default); err != nil {
					return err
				}
			}
		}
		if s.Name != "" {
			w.key(propConnectName)
			w.str(s.Name)
		}
		if connectType != "" {
			w.key(propConnectType)
			w.str(connectType)
		}
	}
	switch s.Logical() {
	case connect.LogicalDecimal:
		w.key(propLogicalType)
		w.str("decimal")
	case connect.LogicalTime:
		w.key(propLogicalType)
		w.str("time-millis")
	case connect.LogicalTimestamp:
		w.key(propLogicalType)
		w.str("timestamp-millis")
	case connect.LogicalDate:
		w.key(propLogicalType)
		w.str("date")
	}
	for _, p := range s.Parameters {
		if strings.HasPrefix(p.Key, "avro") {
			w.key(p.Key)
			w.str(p.Value)
		}
	}
	return nil
}

// field writes a record field: an optional schema without a default has
// the default null, one with a default has it.
func (w *schemaWriter) field(name string, s *connect.Schema, doc string) error {
	w.buf.WriteString(`{"name":`)
	w.str(name)
	w.key("type")
	if err := w.schema(s, false); err != nil {
		return err
	}
	if doc != "" {
		w.key("doc")
		w.str(doc)
	}
	switch {
	case s.Default != nil && !(s.Optional && s.Type == connect.StructType) && !isUnion(s):
		// An optional struct's union starts with null, which its default
		// cannot be: Avro refuses the default and AvroData drops it.
		w.key("default")
		if err := w.defaultValue(s, s.Default); err != nil {
			return err
		}
	case s.Optional:
		w.key("default")
		w.buf.WriteString("null")
	}
	w.buf.WriteByte('}')
	return nil
}

// defaultValue writes v, a value of s, as AvroData's defaultValueFromConnect
// writes a default: logical types in their Avro form, bytes as an
// ISO-8859-1 string.
func (w *schemaWriter) defaultValue(s *connect.Schema, v any) error {
	if v == nil {
		w.buf.WriteString("null")
		return nil
	}
	switch s.Logical() {
	case connect.LogicalDecimal:
		d, ok := v.(connect.Decimal)
		if !ok {
			return fmt.Errorf("default %T is not a Decimal", v)
		}
		w.latin1(connect.DecimalBytes(nil, d))
		return nil
	case connect.LogicalDate, connect.LogicalTime, connect.LogicalTimestamp:
		t, ok := v.(time.Time)
		if !ok {
			return fmt.Errorf("default %T is not a time.Time", v)
		}
		n, err := logicalToInt(s, t)
		if err != nil {
			return err
		}
		w.buf.WriteString(strconv.FormatInt(n, 10))
		return nil
	}
	switch s.Type {
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		n, err := connect.ConvertToInt64(s, v)
		if err != nil {
			return err
		}
		w.buf.WriteString(strconv.FormatInt(n, 10))
	case connect.Float32Type:
		f, ok := v.(float32)
		if !ok {
			return fmt.Errorf("default %T is not a float32", v)
		}
		w.buf.Write(connect.AppendJavaFloat(nil, float64(f), 32))
	case connect.Float64Type:
		f, ok := v.(float64)
		if !ok {
			return fmt.Errorf("default %T is not a float64", v)
		}
		w.buf.Write(connect.AppendJavaFloat(nil, f, 64))
	case connect.BooleanType:
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("default %T is not a bool", v)
		}
		w.buf.WriteString(strconv.FormatBool(b))
	case connect.StringType:
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("default %T is not a string", v)
		}
		w.str(str)
	case connect.BytesType:
		b, ok := v.([]byte)
		if !ok {
			return fmt.Errorf("default %T is not []byte", v)
		}
		w.latin1(b)
	case connect.ArrayType:
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("default %T is not []any", v)
		}
		w.buf.WriteByte('[')
		for i, e := range a {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			if err := w.defaultValue(s.Elem, e); err != nil {
				return err
			}
		}
		w.buf.WriteByte(']')
	case connect.MapType:
		entries, err := mapEntries(v)
		if err != nil {
			return err
		}
		stringKeys := s.Key.Type == connect.StringType && !s.Key.Optional
		if stringKeys {
			w.buf.WriteByte('{')
		} else {
			w.buf.WriteByte('[')
		}
		for i, e := range entries {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			if stringKeys {
				k, _ := e.Key.(string)
				w.str(k)
				w.buf.WriteByte(':')
			} else {
				w.buf.WriteByte('[')
				if err := w.defaultValue(s.Key, e.Key); err != nil {
					return err
				}
				w.buf.WriteByte(',')
			}
			if err := w.defaultValue(s.Elem, e.Value); err != nil {
				return err
			}
			if !stringKeys {
				w.buf.WriteByte(']')
			}
		}
		if stringKeys {
			w.buf.WriteByte('}')
		} else {
			w.buf.WriteByte(']')
		}
	case connect.StructType:
		st, ok := v.(*connect.Struct)
		if !ok {
			return fmt.Errorf("default %T is not a *Struct", v)
		}
		w.buf.WriteByte('{')
		for i, f := range s.Fields {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			name := f.Name
			if w.d.scrub {
				name = scrubName(name)
			}
			w.str(name)
			w.buf.WriteByte(':')
			if err := w.defaultValue(f.Schema, st.Get(f.Name)); err != nil {
				return err
			}
		}
		w.buf.WriteByte('}')
	default:
		return fmt.Errorf("unknown schema type %v", s.Type)
	}
	return nil
}

// latin1 writes b as a JSON string of the characters U+0000 to U+00FF, the
// Avro specification's form of a bytes default.
func (w *schemaWriter) latin1(b []byte) {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	w.str(string(r))
}

// logicalToInt converts a Date, Time or Timestamp to its Avro int or long.
func logicalToInt(s *connect.Schema, t time.Time) (int64, error) {
	switch s.Logical() {
	case connect.LogicalDate:
		d, err := connect.DateToDays(t)
		return int64(d), err
	case connect.LogicalTime:
		ms, err := connect.TimeToMillis(t)
		return int64(ms), err
	}
	return t.UnixMilli(), nil
}

// scrubName replaces what an Avro name may not hold, as AvroData's
// doScrubName does: the name URL-encoded, every character other than a
// letter, digit or underscore then made an underscore, and an "x" put
// before a leading digit.
func scrubName(name string) string {
	if name == "" {
		return name
	}
	ok := name[0] < '0' || name[0] > '9'
	for i := 0; ok && i < len(name); i++ {
		ok = isNameChar(name[i])
	}
	if ok {
		return name
	}
	enc := javaURLEncode(name)
	if enc[0] >= '0' && enc[0] <= '9' {
		enc = "x" + enc
	}
	b := []byte(enc)
	for i := range b {
		if !isNameChar(b[i]) {
			b[i] = '_'
		}
	}
	return string(b)
}

func isNameChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

// javaURLEncode is java.net.URLEncoder.encode(s, "UTF-8"): letters, digits
// and ".-*_" stay, a space becomes "+", every other byte "%XX".
func javaURLEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isNameChar(c) || c == '.' || c == '-' || c == '*':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// prefix puts elem before the path of err's DataError, or makes err one at
// elem. Paths are built on the way out of an error, so a record that
// converts pays nothing for them.
func prefix(err error, elem string) error {
	var de *connect.DataError
	if errors.As(err, &de) {
		c := *de
		switch {
		case c.Path == "":
			c.Path = elem
		case c.Path[0] == '[':
			c.Path = elem + c.Path
		default:
			c.Path = elem + "." + c.Path
		}
		return &c
	}
	return &connect.DataError{Path: elem, Err: err}
}
