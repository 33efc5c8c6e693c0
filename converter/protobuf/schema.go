package protobuf

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
)

// Schema parameters of ProtobufData.
const (
	namespace    = "io.confluent.connect.protobuf"
	enumParam    = namespace + ".Enum"  // the enum's name; Enum.<SYMBOL> holds each number
	unionName    = namespace + ".Union" // a oneof's struct; Union.<oneof> is its full name
	tagParam     = namespace + ".Tag"   // a field's number
	typeParam    = namespace + ".Type"  // sint32, fixed64, ... for an integer field
	defaultName  = "ConnectDefault"
	timestampPB  = "google.protobuf.Timestamp"
	datePB       = "google.type.Date"
	timeOfDayPB  = "google.type.TimeOfDay"
	decimalPB    = "confluent.type.Decimal"
	precisionKey = "connect.decimal.precision"
)

// protoText returns the .proto text Confluent's ProtobufConverter
// registers for s, a struct schema, and the full name of its message:
// the file ProtobufData.fromConnectSchema builds (its DynamicSchema: one
// top-level message, imports in the order of first use, field_meta
// options without an import of confluent/meta.proto, maps as repeated
// ...Entry messages) rendered as Confluent's provider renders it.
func (d dataConfig) protoText(s *connect.Schema) (text, full string, imports []string, err error) {
	if s.Type != connect.StructType {
		return "", "", nil, fmt.Errorf("a %s value cannot be written as Protobuf: only structs are messages", s.Type)
	}
	g := &gen{d: d}
	full = s.Name
	if full == "" {
		full = g.defaultName()
	}
	pkg, name := splitName(full)
	if pkg != "" {
		parts := strings.Split(pkg, ".")
		for i, p := range parts {
			parts[i] = d.scrub(p)
		}
		pkg = strings.Join(parts, ".")
	}
	name = d.scrub(name)
	root, err := g.message(s, name)
	if err != nil {
		return "", "", nil, err
	}
	e := &element{syntax: "proto3", pkg: pkg, imports: g.imports, messages: []*msgElement{root}}
	if pkg != "" {
		full = pkg + "." + name
	} else {
		full = name
	}
	return e.render(), full, g.imports, nil
}

func splitName(full string) (pkg, name string) {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "", full
}

type gen struct {
	d       dataConfig
	n       int
	imports []string // in the order of first use, as DynamicSchema adds dependencies
}

func (g *gen) defaultName() string {
	g.n++
	return defaultName + strconv.Itoa(g.n)
}

func (g *gen) use(path string) {
	if !slices.Contains(g.imports, path) {
		g.imports = append(g.imports, path)
	}
}

// unqualified is ProtobufData's getUnqualifiedName: the last part of the
// name, or the next ConnectDefault name, scrubbed.
func (g *gen) unqualified(name string) string {
	if name == "" {
		name = g.defaultName()
	}
	_, short := splitName(name)
	return g.d.scrub(short)
}

func (d dataConfig) scrub(name string) string {
	if !d.scrubNames {
		return name
	}
	b := []byte(name)
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	if len(b) > 0 && !(b[0] >= 'a' && b[0] <= 'z' || b[0] >= 'A' && b[0] <= 'Z') {
		return "x" + string(b)
	}
	return string(b)
}

// message is ProtobufData's messageDefinitionFromConnectSchema: fields
// numbered by their Tag parameter or in order (a union field takes a
// number too), a union's members in a oneof, nested messages and enums
// declared in the message whose field uses them.
func (g *gen) message(s *connect.Schema, name string) (*msgElement, error) {
	m := &msgElement{name: name}
	declared := map[string]bool{}
	index := 1
	for _, f := range s.Fields {
		fs := f.Schema
		tag := index
		if v, ok := fs.Parameter(tagParam); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("field %s: parameter %s is not a number", f.Name, tagParam)
			}
			tag = n
		} else {
			index++
		}
		if fs.Type == connect.StructType && strings.HasPrefix(fs.Name, unionName) {
			oneof := strings.TrimPrefix(strings.TrimPrefix(fs.Name, unionName), ".")
			if oneof == "" {
				oneof = f.Name
			}
			o := oneofElement{name: g.unqualified(oneof)}
			for _, u := range fs.Fields {
				// A member without a Tag parameter takes the next number,
				// where ProtobufData gives it 0, which no descriptor takes.
				utag := index
				if v, ok := u.Schema.Parameter(tagParam); ok {
					n, err := strconv.Atoi(v)
					if err != nil {
						return nil, fmt.Errorf("field %s.%s: parameter %s is not a number", f.Name, u.Name, tagParam)
					}
					utag = n
				} else {
					index++
				}
				fe, err := g.field(m, declared, u.Schema, g.d.scrub(u.Name), utag, true)
				if err != nil {
					return nil, fmt.Errorf("field %s.%s: %w", f.Name, u.Name, err)
				}
				fe.label = ""
				o.fields = append(o.fields, fe)
			}
			m.oneofs = append(m.oneofs, o)
			continue
		}
		fe, err := g.field(m, declared, fs, g.d.scrub(f.Name), tag, false)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		m.fields = append(m.fields, fe)
	}
	return m, nil
}

// field is ProtobufData's fieldDefinitionFromConnectSchema.
func (g *gen) field(m *msgElement, declared map[string]bool, s *connect.Schema, name string, tag int, oneofMember bool) (fieldElement, error) {
	fe := fieldElement{name: name, number: int32(tag)}
	switch {
	case s.Type == connect.ArrayType:
		fe.label = "repeated"
		s = s.Elem
		if s.Type == connect.ArrayType || s.Type == connect.MapType {
			return fe, fmt.Errorf("an array of arrays or maps has no Protobuf form")
		}
	case s.Type == connect.MapType:
		fe.label = "repeated"
	case s.Optional && g.d.optionalForNullables:
		fe.label = "optional"
	}
	var params [][2]string
	typ, err := g.dataType(s, name, &params, oneofMember)
	if err != nil {
		return fe, err
	}
	fe.typ = typ
	switch {
	case s.Type == connect.StructType && s.Logical() == connect.NotLogical:
		if !declared[typ] {
			declared[typ] = true
			nested, err := g.message(s, typ)
			if err != nil {
				return fe, err
			}
			m.messages = append(m.messages, nested)
		}
	case s.Type == connect.MapType:
		entry, err := g.mapEntry(s, typ)
		if err != nil {
			return fe, err
		}
		m.messages = append(m.messages, entry)
	case isEnum(s):
		enum, err := g.enum(s)
		if err != nil {
			return fe, err
		}
		if !slices.ContainsFunc(m.enums, func(e *enumElement) bool { return e.name == enum.name }) {
			m.enums = append(m.enums, enum)
		}
	}
	if len(params) > 0 {
		var list []any
		for _, p := range params {
			if p[0] == "precision" || p[0] == "scale" {
				list = append(list, optMap{{"value", p[1]}, {"key", p[0]}})
			} else {
				list = append(list, optMap{{"key", p[0]}, {"value", p[1]}})
			}
		}
		fe.options = []option{{name: "confluent.field_meta", paren: true, kind: kindMap, value: optMap{{"params", list}}}}
	}
	return fe, nil
}

// isEnum reports whether s is an enum: a string, or with int.for.enums
// an INT32, with the Enum parameters ProtobufData gives it.
func isEnum(s *connect.Schema) bool {
	_, ok := s.Parameter(enumParam)
	return ok && (s.Type == connect.StringType || s.Type == connect.Int32Type)
}

// mapEntry is ProtobufData's mapDefinitionFromConnectSchema: a message of
// a key (1) and a value (2), which the field repeats.
func (g *gen) mapEntry(s *connect.Schema, name string) (*msgElement, error) {
	if k, ok := scalarNames[s.Key.Type]; !ok || k == "float" || k == "double" || k == "bytes" || s.Key.Logical() != connect.NotLogical {
		return nil, fmt.Errorf("a map with %s keys has no Protobuf form", s.Key.Type)
	}
	if s.Elem.Type == connect.ArrayType || s.Elem.Type == connect.MapType {
		return nil, fmt.Errorf("a map of arrays or maps has no Protobuf form")
	}
	m := &msgElement{name: name}
	declared := map[string]bool{}
	for _, kv := range []struct {
		s    *connect.Schema
		name string
		tag  int
	}{{s.Key, "key", 1}, {s.Elem, "value", 2}} {
		fe, err := g.field(m, declared, kv.s, kv.name, kv.tag, false)
		if err != nil {
			return nil, fmt.Errorf("map %s: %w", kv.name, err)
		}
		if fe.label == "optional" {
			// Added as a plain proto3 field, not a proto3 optional one.
			fe.label = ""
		}
		m.fields = append(m.fields, fe)
	}
	return m, nil
}

var scalarNames = map[connect.Type]string{
	connect.Int8Type: "int32", connect.Int16Type: "int32", connect.Int32Type: "int32", connect.Int64Type: "int64",
	connect.Float32Type: "float", connect.Float64Type: "double", connect.BooleanType: "bool",
	connect.StringType: "string", connect.BytesType: "bytes",
}

var wrapperNames = map[connect.Type]string{
	connect.Int8Type: "Int32Value", connect.Int16Type: "Int32Value", connect.Int32Type: "Int32Value", connect.Int64Type: "Int64Value",
	connect.Float32Type: "FloatValue", connect.Float64Type: "DoubleValue", connect.BooleanType: "BoolValue",
	connect.StringType: "StringValue", connect.BytesType: "BytesValue",
}

// dataType is ProtobufData's dataTypeFromConnectSchema: the field's type
// name, importing the file that declares a logical or wrapper type, and
// the field_meta params that keep INT8, INT16 and a decimal's precision
// and scale.
func (g *gen) dataType(s *connect.Schema, field string, params *[][2]string, oneofMember bool) (string, error) {
	switch s.Logical() {
	case connect.LogicalDecimal:
		if p, ok := s.Parameter(precisionKey); ok {
			*params = append(*params, [2]string{"precision", p})
		}
		if sc, ok := s.Parameter(connect.DecimalScaleParameter); ok {
			*params = append(*params, [2]string{"scale", sc})
		}
		g.use("confluent/type/decimal.proto")
		return decimalPB, nil
	case connect.LogicalDate:
		g.use("google/type/date.proto")
		return datePB, nil
	case connect.LogicalTime:
		g.use("google/type/timeofday.proto")
		return timeOfDayPB, nil
	case connect.LogicalTimestamp:
		g.use("google/protobuf/timestamp.proto")
		return timestampPB, nil
	}
	if isEnum(s) {
		enum, _ := s.Parameter(enumParam)
		if s.Name != "" {
			enum = s.Name
		}
		return g.unqualified(enum), nil
	}
	switch s.Type {
	case connect.Int8Type:
		*params = append(*params, [2]string{"connect.type", "int8"})
	case connect.Int16Type:
		*params = append(*params, [2]string{"connect.type", "int16"})
	case connect.StructType:
		name := g.unqualified(s.Name)
		if name == field {
			// A message and a field may not share a name.
			name += "Message"
		}
		return name, nil
	case connect.MapType:
		return mapEntryName(g.unqualified(s.Name)), nil
	case connect.ArrayType:
		return "", fmt.Errorf("an array of arrays has no Protobuf form")
	}
	typ, ok := scalarNames[s.Type]
	if !ok {
		return "", fmt.Errorf("unsupported schema type %s", s.Type)
	}
	wrapper := "google.protobuf." + wrapperNames[s.Type]
	if t, ok := s.Parameter(typeParam); ok && (s.Type == connect.Int32Type || s.Type == connect.Int64Type) {
		switch t {
		case "sint32", "uint32", "fixed32", "sfixed32", "sint64", "uint64", "fixed64", "sfixed64", "int32", "int64":
			typ = t
		}
		if s.Type == connect.Int64Type {
			switch t {
			case "uint32", "fixed32":
				wrapper = "google.protobuf.UInt32Value"
			case "uint64", "fixed64":
				wrapper = "google.protobuf.UInt64Value"
			}
		}
	}
	if g.d.wrapperForNullables && s.Optional && !oneofMember {
		g.use("google/protobuf/wrappers.proto")
		return wrapper, nil
	}
	return typ, nil
}

// mapEntryName is ProtobufSchema.toMapEntry: a snake_case name made
// UpperCamel, and Entry added.
func mapEntryName(s string) string {
	if strings.Contains(s, "_") {
		var b strings.Builder
		for _, part := range strings.Split(strings.ToLower(s), "_") {
			if part == "" {
				continue
			}
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
		s = b.String()
	}
	return s + "Entry"
}

// enum is ProtobufData's enumDefinitionFromConnectSchema: the symbols in
// the order of the schema's parameters.
func (g *gen) enum(s *connect.Schema) (*enumElement, error) {
	enumName, _ := s.Parameter(enumParam)
	if s.Name != "" {
		enumName = s.Name
	}
	e := &enumElement{name: g.unqualified(enumName)}
	prefix := enumParam + "."
	for _, p := range s.Parameters {
		if strings.HasPrefix(p.Key, prefix) {
			n, err := strconv.Atoi(p.Value)
			if err != nil {
				return nil, fmt.Errorf("enum %s: parameter %s is not a number", enumName, p.Key)
			}
			e.values = append(e.values, enumValue{name: strings.TrimPrefix(p.Key, prefix), number: int32(n)})
		}
	}
	if len(e.values) == 0 {
		return nil, fmt.Errorf("enum %s has no symbols", enumName)
	}
	return e, nil
}
