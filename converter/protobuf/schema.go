package protobuf

import (
	"fmt"
	"sort"
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

// protoText writes s, a struct schema, as a proto3 file whose first message
// is s, as ProtobufData.fromConnectSchema does, and returns the message's
// full name.
func (d dataConfig) protoText(s *connect.Schema) (string, string, error) {
	if s.Type != connect.StructType {
		return "", "", fmt.Errorf("a %s value cannot be written as Protobuf: only structs are messages", s.Type)
	}
	g := &gen{d: d, imports: map[string]bool{}}
	full := s.Name
	if full == "" {
		full = g.defaultName()
	}
	pkg, name := splitName(full)
	var body strings.Builder
	if err := g.message(&body, s, name, ""); err != nil {
		return "", "", err
	}
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\n")
	if pkg != "" {
		b.WriteString("package " + pkg + ";\n")
	}
	imps := make([]string, 0, len(g.imports))
	for i := range g.imports {
		imps = append(imps, i)
	}
	sort.Strings(imps)
	if len(imps) > 0 {
		b.WriteString("\n")
	}
	for _, i := range imps {
		b.WriteString("import \"" + i + "\";\n")
	}
	b.WriteString("\n")
	b.WriteString(body.String())
	return b.String(), full, nil
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
	imports map[string]bool
	scope   map[string]bool // the types declared in the message being written
}

func (g *gen) defaultName() string {
	g.n++
	return defaultName + strconv.Itoa(g.n)
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

func (g *gen) message(b *strings.Builder, s *connect.Schema, name, indent string) error {
	b.WriteString(indent + "message " + g.d.scrub(name) + " {\n")
	var nested strings.Builder
	outer := g.scope
	g.scope = map[string]bool{}
	defer func() { g.scope = outer }()
	tag := 0
	for _, f := range s.Fields {
		fs := f.Schema
		if fs.Type == connect.StructType && strings.HasPrefix(fs.Name, unionName) {
			oneof := strings.TrimPrefix(strings.TrimPrefix(fs.Name, unionName), ".")
			if oneof == "" {
				oneof = f.Name
			}
			b.WriteString(indent + "  oneof " + g.d.scrub(oneof) + " {\n")
			for _, m := range fs.Fields {
				tag = nextTag(m.Schema, tag)
				typ, err := g.fieldType(&nested, m.Schema, m.Name, indent+"  ", false)
				if err != nil {
					return fmt.Errorf("field %s.%s: %w", f.Name, m.Name, err)
				}
				fmt.Fprintf(b, "%s    %s %s = %d%s;\n", indent, typ, g.d.scrub(m.Name), tag, g.meta(m.Schema))
			}
			b.WriteString(indent + "  }\n")
			continue
		}
		tag = nextTag(fs, tag)
		label := ""
		switch fs.Type {
		case connect.ArrayType:
			label = "repeated "
			if fs.Elem.Type == connect.ArrayType || fs.Elem.Type == connect.MapType {
				return fmt.Errorf("field %s: an array of arrays or maps has no Protobuf form", f.Name)
			}
		case connect.MapType:
		default:
			if fs.Optional && g.d.optionalForNullables && fs.Type != connect.StructType && fs.Logical() == connect.NotLogical {
				label = "optional "
			}
		}
		typ, err := g.fieldType(&nested, fs, f.Name, indent, true)
		if err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
		fmt.Fprintf(b, "%s  %s%s %s = %d%s;\n", indent, label, typ, g.d.scrub(f.Name), tag, g.meta(fs))
	}
	b.WriteString(nested.String())
	b.WriteString(indent + "}\n")
	return nil
}

// meta is a field's confluent.field_meta option: the params that keep
// INT8, INT16 and a decimal's precision and scale.
func (g *gen) meta(s *connect.Schema) string {
	if s.Type == connect.ArrayType {
		s = s.Elem
	}
	var params [][2]string
	switch {
	case s.Logical() == connect.LogicalDecimal:
		if p, ok := s.Parameter(precisionKey); ok {
			params = append(params, [2]string{"precision", p})
		}
		if sc, ok := s.Parameter(connect.DecimalScaleParameter); ok {
			params = append(params, [2]string{"scale", sc})
		}
	case s.Type == connect.Int8Type:
		params = append(params, [2]string{"connect.type", "int8"})
	case s.Type == connect.Int16Type:
		params = append(params, [2]string{"connect.type", "int16"})
	}
	if len(params) == 0 {
		return ""
	}
	g.imports["confluent/meta.proto"] = true
	var b strings.Builder
	b.WriteString(" [(confluent.field_meta) = { params: [")
	for i, p := range params {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "{ key: %q, value: %q }", p[0], p[1])
	}
	b.WriteString("] }]")
	return b.String()
}

// nextTag is the field's number: its Tag parameter, else one past the last.
func nextTag(s *connect.Schema, last int) int {
	if v, ok := s.Parameter(tagParam); ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	return last + 1
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

// fieldType returns the Protobuf type of a field of schema s, declaring
// nested messages and enums in nested. wrap says whether an optional
// primitive may become a wrapper (not in a oneof, not in a repeated or map).
func (g *gen) fieldType(nested *strings.Builder, s *connect.Schema, field, indent string, wrap bool) (string, error) {
	switch s.Logical() {
	case connect.LogicalTimestamp:
		g.imports["google/protobuf/timestamp.proto"] = true
		return timestampPB, nil
	case connect.LogicalDate:
		g.imports["google/type/date.proto"] = true
		return datePB, nil
	case connect.LogicalTime:
		g.imports["google/type/timeofday.proto"] = true
		return timeOfDayPB, nil
	case connect.LogicalDecimal:
		g.imports["confluent/type/decimal.proto"] = true
		return decimalPB, nil
	}
	switch s.Type {
	case connect.StructType:
		name := s.Name
		if name == "" {
			name = g.defaultName()
		}
		_, short := splitName(name)
		if short == field {
			// A message and a field may not share a name.
			short += "Message"
		}
		// Fields of one struct type share its one declaration.
		if !g.scope[short] {
			g.scope[short] = true
			if err := g.message(nested, s, short, indent+"  "); err != nil {
				return "", err
			}
		}
		return g.d.scrub(short), nil
	case connect.ArrayType:
		return g.fieldType(nested, s.Elem, field, indent, false)
	case connect.MapType:
		k, ok := scalarNames[s.Key.Type]
		if !ok || k == "float" || k == "double" || k == "bytes" || s.Key.Logical() != connect.NotLogical {
			return "", fmt.Errorf("a map with %s keys has no Protobuf form", s.Key.Type)
		}
		if s.Elem.Type == connect.ArrayType || s.Elem.Type == connect.MapType {
			return "", fmt.Errorf("a map of arrays or maps has no Protobuf form")
		}
		v, err := g.fieldType(nested, s.Elem, field, indent, false)
		if err != nil {
			return "", err
		}
		return "map<" + k + ", " + v + ">", nil
	case connect.StringType:
		if enum, ok := s.Parameter(enumParam); ok {
			if s.Name != "" {
				enum = s.Name
			}
			return g.enum(nested, s, enum, indent)
		}
	}
	if s.Optional && wrap && g.d.wrapperForNullables && !g.d.optionalForNullables {
		g.imports["google/protobuf/wrappers.proto"] = true
		return "google.protobuf." + wrapperNames[s.Type], nil
	}
	if t, ok := s.Parameter(typeParam); ok {
		switch t {
		case "sint32", "uint32", "fixed32", "sfixed32", "sint64", "uint64", "fixed64", "sfixed64":
			return t, nil
		}
	}
	if n, ok := scalarNames[s.Type]; ok {
		return n, nil
	}
	return "", fmt.Errorf("unsupported schema type %s", s.Type)
}

func (g *gen) enum(nested *strings.Builder, s *connect.Schema, enum, indent string) (string, error) {
	_, short := splitName(enum)
	type sym struct {
		name string
		n    int
	}
	var syms []sym
	prefix := enumParam + "."
	for _, p := range s.Parameters {
		if strings.HasPrefix(p.Key, prefix) {
			n, err := strconv.Atoi(p.Value)
			if err != nil {
				return "", fmt.Errorf("enum %s: parameter %s is not a number", enum, p.Key)
			}
			syms = append(syms, sym{strings.TrimPrefix(p.Key, prefix), n})
		}
	}
	if len(syms) == 0 {
		return "", fmt.Errorf("enum %s has no symbols", enum)
	}
	if g.scope["enum "+short] {
		return g.d.scrub(short), nil
	}
	g.scope["enum "+short] = true
	// The symbols in the parameters' order, as ProtobufData writes them.
	nested.WriteString(indent + "  enum " + g.d.scrub(short) + " {\n")
	for _, y := range syms {
		fmt.Fprintf(nested, "%s    %s = %d;\n", indent, g.d.scrub(y.name), y.n)
	}
	nested.WriteString(indent + "  }\n")
	return g.d.scrub(short), nil
}
