package protobuf

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/descriptorpb"
)

// The .proto text Confluent's Protobuf provider registers is not the text
// a schema was written in but its rendering of the parsed file
// (ProtobufSchema.canonicalString, ProtobufSchemaUtils.toString): a
// schema built from a descriptor, as ProtobufData's derived schemas and
// the well-known files are, is first turned into a file element
// (ProtobufSchema.toProtoFile), which keeps only what it knows of the
// descriptor, then written out by fixed rules: fields before oneofs,
// nested messages before nested enums, options in a fixed order, option
// values as multi-line literals. This file holds both steps, so that
// kconnect registers the same bytes and a JVM worker finds the same
// subject versions.

// element is the file element: what toProtoFile keeps of a descriptor.
type element struct {
	syntax   string // "" for none
	pkg      string
	imports  []string
	public   []string
	options  []option
	messages []*msgElement
	enums    []*enumElement
	extends  []extendElement
}

type msgElement struct {
	name       string
	options    []option
	reserved   []string // rendered values of each reserved statement
	fields     []fieldElement
	oneofs     []oneofElement
	extensions []string
	extends    []extendElement
	messages   []*msgElement
	enums      []*enumElement
}

type fieldElement struct {
	label   string // "" for none
	typ     string
	name    string
	number  int32
	options []option // default and json_name last, as the renderer adds them
}

type oneofElement struct {
	name   string
	fields []fieldElement
}

type enumElement struct {
	name     string
	options  []option
	reserved []string
	values   []enumValue
}

type enumValue struct {
	name    string
	number  int32
	options []option
}

type extendElement struct {
	name   string
	fields []fieldElement
}

// option is an option element. value is a string for kindString,
// kindBool, kindEnum and kindNumber (written as is but for strings, which
// are quoted), an optMap for kindMap.
type option struct {
	name  string
	paren bool
	kind  optKind
	value any
}

type optKind int

const (
	kindString optKind = iota
	kindBool
	kindEnum
	kindNumber
	kindMap
)

// optMap is an option's message literal, its entries in order; a value
// is a string (quoted), a rawValue (written as is), an optMap or a []any.
type optMap []optEntry

type optEntry struct {
	key   string
	value any
}

type rawValue string

// fileElement is ProtobufSchema.toProtoFile of a FileDescriptorProto: the
// subset of the descriptor the registered text keeps. It refuses what the
// files kconnect renders never hold (services, editions features, custom
// options other than Confluent's meta), rather than render them wrongly.
func fileElement(fd *descriptorpb.FileDescriptorProto) (*element, error) {
	if len(fd.GetService()) > 0 {
		return nil, fmt.Errorf("file %s: services are not rendered", fd.GetName())
	}
	e := &element{pkg: fd.GetPackage()}
	switch fd.GetSyntax() {
	case "proto2", "proto3":
		e.syntax = fd.GetSyntax()
	}
	proto3 := fd.GetSyntax() == "proto3"
	for _, m := range fd.GetMessageType() {
		me, err := messageElement(m, proto3)
		if err != nil {
			return nil, err
		}
		e.messages = append(e.messages, me)
	}
	for _, en := range fd.GetEnumType() {
		ee, err := enumElementOf(en)
		if err != nil {
			return nil, err
		}
		e.enums = append(e.enums, ee)
	}
	public := map[int32]bool{}
	for _, i := range fd.GetPublicDependency() {
		public[i] = true
	}
	weak := map[int32]bool{}
	for _, i := range fd.GetWeakDependency() {
		weak[i] = true
	}
	for i, dep := range fd.GetDependency() {
		switch {
		case public[int32(i)]:
			e.public = append(e.public, dep)
		case weak[int32(i)]:
			// Kept apart and never written.
		default:
			e.imports = append(e.imports, dep)
		}
	}
	if o := fd.GetOptions(); o != nil {
		if o.Features != nil {
			return nil, fmt.Errorf("file %s: editions features are not rendered", fd.GetName())
		}
		str := func(name string, has bool, v string) {
			if has {
				e.options = append(e.options, option{name: name, kind: kindString, value: v})
			}
		}
		boolean := func(name string, v *bool) {
			if v != nil {
				e.options = append(e.options, option{name: name, kind: kindBool, value: strconv.FormatBool(*v)})
			}
		}
		str("java_package", o.JavaPackage != nil, o.GetJavaPackage())
		str("java_outer_classname", o.JavaOuterClassname != nil, o.GetJavaOuterClassname())
		boolean("java_multiple_files", o.JavaMultipleFiles)
		boolean("java_generate_equals_and_hash", o.JavaGenerateEqualsAndHash) //nolint:staticcheck // rendered while set
		boolean("java_string_check_utf8", o.JavaStringCheckUtf8)
		if o.OptimizeFor != nil {
			e.options = append(e.options, option{name: "optimize_for", kind: kindEnum, value: o.GetOptimizeFor().String()})
		}
		str("go_package", o.GoPackage != nil, o.GetGoPackage())
		boolean("cc_generic_services", o.CcGenericServices)
		boolean("java_generic_services", o.JavaGenericServices)
		boolean("py_generic_services", o.PyGenericServices)
		boolean("deprecated", o.Deprecated)
		boolean("cc_enable_arenas", o.CcEnableArenas)
		str("objc_class_prefix", o.ObjcClassPrefix != nil, o.GetObjcClassPrefix())
		str("csharp_namespace", o.CsharpNamespace != nil, o.GetCsharpNamespace())
		str("swift_prefix", o.SwiftPrefix != nil, o.GetSwiftPrefix())
		str("php_class_prefix", o.PhpClassPrefix != nil, o.GetPhpClassPrefix())
		str("php_namespace", o.PhpNamespace != nil, o.GetPhpNamespace())
		str("php_metadata_namespace", o.PhpMetadataNamespace != nil, o.GetPhpMetadataNamespace())
		str("ruby_package", o.RubyPackage != nil, o.GetRubyPackage())
		if err := noCustomOptions(o.ProtoReflect().GetUnknown(), "file "+fd.GetName()); err != nil {
			return nil, err
		}
	}
	exts, err := extendElements(fd.GetExtension(), proto3)
	if err != nil {
		return nil, err
	}
	e.extends = exts
	return e, nil
}

// noCustomOptions refuses options kept as unknown fields, custom options
// whose rendering (toCustomOptions) needs their extension's type.
func noCustomOptions(unknown []byte, where string) error {
	if len(unknown) > 0 {
		return fmt.Errorf("%s: custom options are not rendered", where)
	}
	return nil
}

func extendElements(fields []*descriptorpb.FieldDescriptorProto, proto3 bool) ([]extendElement, error) {
	var out []extendElement
	at := map[string]int{}
	for _, f := range fields {
		fe, err := fieldElementOf(f, proto3, false)
		if err != nil {
			return nil, err
		}
		i, ok := at[f.GetExtendee()]
		if !ok {
			i = len(out)
			at[f.GetExtendee()] = i
			out = append(out, extendElement{name: f.GetExtendee()})
		}
		out[i].fields = append(out[i].fields, fe)
	}
	return out, nil
}

func messageElement(m *descriptorpb.DescriptorProto, proto3 bool) (*msgElement, error) {
	me := &msgElement{name: m.GetName()}
	oneofs := make([]oneofElement, len(m.GetOneofDecl()))
	for i, o := range m.GetOneofDecl() {
		if o.GetOptions() != nil && (o.GetOptions().Features != nil || len(o.GetOptions().ProtoReflect().GetUnknown()) > 0) {
			return nil, fmt.Errorf("oneof %s.%s: options are not rendered", m.GetName(), o.GetName())
		}
		oneofs[i].name = o.GetName()
	}
	for _, f := range m.GetField() {
		inOneof := f.OneofIndex != nil && !f.GetProto3Optional()
		fe, err := fieldElementOf(f, proto3, inOneof)
		if err != nil {
			return nil, fmt.Errorf("message %s: %w", m.GetName(), err)
		}
		if inOneof {
			i := f.GetOneofIndex()
			if int(i) >= len(oneofs) {
				return nil, fmt.Errorf("message %s: field %s names oneof %d of %d", m.GetName(), f.GetName(), i, len(oneofs))
			}
			oneofs[i].fields = append(oneofs[i].fields, fe)
		} else {
			me.fields = append(me.fields, fe)
		}
	}
	for _, o := range oneofs {
		// A proto3 optional field's synthetic oneof is left empty, so dropped.
		if len(o.fields) > 0 {
			me.oneofs = append(me.oneofs, o)
		}
	}
	for _, n := range m.GetNestedType() {
		ne, err := messageElement(n, proto3)
		if err != nil {
			return nil, err
		}
		me.messages = append(me.messages, ne)
	}
	for _, en := range m.GetEnumType() {
		ee, err := enumElementOf(en)
		if err != nil {
			return nil, err
		}
		me.enums = append(me.enums, ee)
	}
	for _, r := range m.GetReservedRange() {
		me.reserved = append(me.reserved, rangeText(r.GetStart(), r.GetEnd()-1))
	}
	for _, n := range m.GetReservedName() {
		me.reserved = append(me.reserved, `"`+n+`"`)
	}
	for _, r := range m.GetExtensionRange() {
		if r.GetOptions() != nil {
			return nil, fmt.Errorf("message %s: extension range options are not rendered", m.GetName())
		}
		me.extensions = append(me.extensions, rangeText(r.GetStart(), r.GetEnd()-1))
	}
	if o := m.GetOptions(); o != nil {
		if o.Features != nil {
			return nil, fmt.Errorf("message %s: editions features are not rendered", m.GetName())
		}
		for _, b := range []struct {
			name string
			v    *bool
		}{{"no_standard_descriptor_accessor", o.NoStandardDescriptorAccessor}, {"deprecated", o.Deprecated}, {"map_entry", o.MapEntry}} {
			if b.v != nil {
				me.options = append(me.options, option{name: b.name, kind: kindBool, value: strconv.FormatBool(*b.v)})
			}
		}
		rest, meta, err := metaOption(o.ProtoReflect().GetUnknown(), "confluent.message_meta")
		if err != nil {
			return nil, fmt.Errorf("message %s: %w", m.GetName(), err)
		}
		if meta != nil {
			me.options = append(me.options, *meta)
		}
		if err := noCustomOptions(rest, "message "+m.GetName()); err != nil {
			return nil, err
		}
	}
	exts, err := extendElements(m.GetExtension(), proto3)
	if err != nil {
		return nil, err
	}
	me.extends = exts
	return me, nil
}

// rangeText is a reserved or extensions range, both ends inclusive, as
// toReserved and toExtension write it.
func rangeText(start, last int32) string {
	if start == last {
		return strconv.Itoa(int(start))
	}
	const maxTag = 536_870_911
	if last < maxTag {
		return strconv.Itoa(int(start)) + " to " + strconv.Itoa(int(last))
	}
	return strconv.Itoa(int(start)) + " to max"
}

func fieldElementOf(f *descriptorpb.FieldDescriptorProto, proto3, inOneof bool) (fieldElement, error) {
	fe := fieldElement{name: f.GetName(), number: f.GetNumber()}
	if !inOneof {
		switch {
		case f.GetProto3Optional():
			fe.label = "optional"
		case f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REQUIRED && !proto3:
			fe.label = "required"
		case f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL && !proto3:
			fe.label = "optional"
		case f.GetLabel() == descriptorpb.FieldDescriptorProto_LABEL_REPEATED:
			fe.label = "repeated"
		}
	}
	if f.TypeName != nil {
		fe.typ = f.GetTypeName()
	} else {
		fe.typ = strings.ToLower(strings.TrimPrefix(f.GetType().String(), "TYPE_"))
	}
	if o := f.GetOptions(); o != nil {
		if o.Features != nil || o.FeatureSupport != nil || len(o.EditionDefaults) > 0 {
			return fe, fmt.Errorf("field %s: editions options are not rendered", f.GetName())
		}
		if o.Ctype != nil {
			fe.options = append(fe.options, option{name: "ctype", kind: kindEnum, value: o.GetCtype().String()})
		}
		if o.Packed != nil {
			fe.options = append(fe.options, option{name: "packed", kind: kindBool, value: strconv.FormatBool(o.GetPacked())})
		}
		if o.Jstype != nil {
			fe.options = append(fe.options, option{name: "jstype", kind: kindEnum, value: o.GetJstype().String()})
		}
		if o.Deprecated != nil {
			fe.options = append(fe.options, option{name: "deprecated", kind: kindBool, value: strconv.FormatBool(o.GetDeprecated())})
		}
		if o.DebugRedact != nil {
			fe.options = append(fe.options, option{name: "debug_redact", kind: kindBool, value: strconv.FormatBool(o.GetDebugRedact())})
		}
		if o.Retention != nil {
			fe.options = append(fe.options, option{name: "retention", kind: kindEnum, value: o.GetRetention().String()})
		}
		for _, t := range o.GetTargets() {
			fe.options = append(fe.options, option{name: "targets", kind: kindEnum, value: t.String()})
		}
		rest, meta, err := metaOption(o.ProtoReflect().GetUnknown(), "confluent.field_meta")
		if err != nil {
			return fe, fmt.Errorf("field %s: %w", f.GetName(), err)
		}
		if meta != nil {
			fe.options = append(fe.options, *meta)
		}
		if err := noCustomOptions(rest, "field "+f.GetName()); err != nil {
			return fe, err
		}
	}
	if f.DefaultValue != nil && !proto3 {
		fe.options = append(fe.options, option{name: "default", kind: defaultKind(f.GetType()), value: f.GetDefaultValue()})
	}
	if f.JsonName != nil {
		fe.options = append(fe.options, option{name: "json_name", kind: kindString, value: f.GetJsonName()})
	}
	return fe, nil
}

// defaultKind is how a default value is written (ProtobufSchemaUtils'
// toKind of the field's type): quoted for strings only.
func defaultKind(t descriptorpb.FieldDescriptorProto_Type) optKind {
	switch t {
	case descriptorpb.FieldDescriptorProto_TYPE_STRING:
		return kindString
	case descriptorpb.FieldDescriptorProto_TYPE_BOOL:
		return kindBool
	case descriptorpb.FieldDescriptorProto_TYPE_ENUM, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, descriptorpb.FieldDescriptorProto_TYPE_GROUP:
		return kindEnum
	}
	return kindNumber
}

func enumElementOf(en *descriptorpb.EnumDescriptorProto) (*enumElement, error) {
	ee := &enumElement{name: en.GetName()}
	for _, v := range en.GetValue() {
		ev := enumValue{name: v.GetName(), number: v.GetNumber()}
		if o := v.GetOptions(); o != nil {
			if o.Features != nil || o.FeatureSupport != nil {
				return nil, fmt.Errorf("enum value %s: editions options are not rendered", v.GetName())
			}
			if o.Deprecated != nil {
				ev.options = append(ev.options, option{name: "deprecated", kind: kindBool, value: strconv.FormatBool(o.GetDeprecated())})
			}
			if o.DebugRedact != nil {
				ev.options = append(ev.options, option{name: "debug_redact", kind: kindBool, value: strconv.FormatBool(o.GetDebugRedact())})
			}
			rest, meta, err := metaOption(o.ProtoReflect().GetUnknown(), "confluent.enum_value_meta")
			if err != nil {
				return nil, fmt.Errorf("enum value %s: %w", v.GetName(), err)
			}
			if meta != nil {
				ev.options = append(ev.options, *meta)
			}
			if err := noCustomOptions(rest, "enum value "+v.GetName()); err != nil {
				return nil, err
			}
		}
		ee.values = append(ee.values, ev)
	}
	for _, r := range en.GetReservedRange() {
		// Enum reserved ranges are inclusive at both ends.
		ee.reserved = append(ee.reserved, rangeText(r.GetStart(), r.GetEnd()))
	}
	for _, n := range en.GetReservedName() {
		ee.reserved = append(ee.reserved, `"`+n+`"`)
	}
	if o := en.GetOptions(); o != nil {
		if o.Features != nil {
			return nil, fmt.Errorf("enum %s: editions features are not rendered", en.GetName())
		}
		if o.AllowAlias != nil {
			ee.options = append(ee.options, option{name: "allow_alias", kind: kindBool, value: strconv.FormatBool(o.GetAllowAlias())})
		}
		if o.Deprecated != nil {
			ee.options = append(ee.options, option{name: "deprecated", kind: kindBool, value: strconv.FormatBool(o.GetDeprecated())})
		}
		rest, meta, err := metaOption(o.ProtoReflect().GetUnknown(), "confluent.enum_meta")
		if err != nil {
			return nil, fmt.Errorf("enum %s: %w", en.GetName(), err)
		}
		if meta != nil {
			ee.options = append(ee.options, *meta)
		}
		if err := noCustomOptions(rest, "enum "+en.GetName()); err != nil {
			return nil, err
		}
	}
	return ee, nil
}

// metaOption takes Confluent's meta option (field 1088 of the options,
// kept as unknown bytes) out of unknown, as toOption renders it: doc,
// params as a list of {key, value} (value first for precision and scale),
// tags. rest is what is left.
func metaOption(unknown []byte, name string) (rest []byte, opt *option, err error) {
	var doc string
	var params [][2]string
	var tags []string
	found := false
	for b := unknown; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, nil, fmt.Errorf("option %s: bad options bytes", name)
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return nil, nil, fmt.Errorf("option %s: bad options bytes", name)
		}
		if num != fieldMetaNumber || typ != protowire.BytesType {
			rest = append(rest, b[:n+m]...)
			b = b[n+m:]
			continue
		}
		found = true
		v, _ := protowire.ConsumeBytes(b[n:])
		b = b[n+m:]
		for mb := v; len(mb) > 0; {
			fnum, ftyp, k := protowire.ConsumeTag(mb)
			if k < 0 {
				return nil, nil, fmt.Errorf("option %s: bad Meta bytes", name)
			}
			mb = mb[k:]
			if ftyp != protowire.BytesType {
				j := protowire.ConsumeFieldValue(fnum, ftyp, mb)
				if j < 0 {
					return nil, nil, fmt.Errorf("option %s: bad Meta bytes", name)
				}
				return nil, nil, fmt.Errorf("option %s: Meta field %d is not rendered", name, fnum)
			}
			fv, j := protowire.ConsumeBytes(mb)
			if j < 0 {
				return nil, nil, fmt.Errorf("option %s: bad Meta bytes", name)
			}
			mb = mb[j:]
			switch fnum {
			case 1:
				doc = string(fv)
			case 2:
				k, val := string(unknownField(fv, 1)), string(unknownField(fv, 2))
				replaced := false
				for i := range params {
					// A map: a later entry of a key replaces the earlier one in place.
					if params[i][0] == k {
						params[i][1], replaced = val, true
					}
				}
				if !replaced {
					params = append(params, [2]string{k, val})
				}
			case 3:
				tags = append(tags, string(fv))
			default:
				return nil, nil, fmt.Errorf("option %s: Meta field %d is not rendered", name, fnum)
			}
		}
	}
	if !found {
		return rest, nil, nil
	}
	var m optMap
	if doc != "" {
		m = append(m, optEntry{"doc", doc})
	}
	if len(params) > 0 {
		list := make([]any, 0, len(params))
		for _, p := range params {
			if p[0] == "precision" || p[0] == "scale" {
				// Value first, as Confluent has always written these two.
				list = append(list, optMap{{"value", p[1]}, {"key", p[0]}})
			} else {
				list = append(list, optMap{{"key", p[0]}, {"value", p[1]}})
			}
		}
		m = append(m, optEntry{"params", list})
	}
	if len(tags) > 0 {
		list := make([]any, len(tags))
		for i, t := range tags {
			list[i] = t
		}
		m = append(m, optEntry{"tags", list})
	}
	if len(m) == 0 {
		return rest, nil, nil
	}
	return rest, &option{name: name, paren: true, kind: kindMap, value: m}, nil
}

// render writes the element as ProtobufSchemaUtils.toString does (not
// normalized, extensions kept).
func (e *element) render() string {
	var b strings.Builder
	if e.syntax != "" {
		b.WriteString("syntax = \"" + e.syntax + "\";\n")
	}
	if e.pkg != "" {
		b.WriteString("package " + e.pkg + ";\n")
	}
	if len(e.imports) > 0 || len(e.public) > 0 {
		b.WriteByte('\n')
		for _, i := range e.imports {
			b.WriteString("import \"" + i + "\";\n")
		}
		for _, i := range e.public {
			b.WriteString("import public \"" + i + "\";\n")
		}
	}
	if len(e.options) > 0 {
		b.WriteByte('\n')
		for _, o := range e.options {
			b.WriteString(optionStatement(o))
		}
	}
	if len(e.messages) > 0 || len(e.enums) > 0 {
		b.WriteByte('\n')
		for _, m := range e.messages {
			b.WriteString(m.render())
		}
		for _, en := range e.enums {
			b.WriteString(en.render())
		}
	}
	if len(e.extends) > 0 {
		b.WriteByte('\n')
		for _, x := range e.extends {
			b.WriteString(x.render())
		}
	}
	return b.String()
}

func (m *msgElement) render() string {
	var b strings.Builder
	b.WriteString("message " + m.name + " {")
	if len(m.reserved) > 0 {
		b.WriteByte('\n')
		for _, r := range m.reserved {
			indent(&b, "reserved "+r+";\n")
		}
	}
	if len(m.options) > 0 {
		b.WriteByte('\n')
		for _, o := range m.options {
			indent(&b, optionStatement(o))
		}
	}
	if len(m.fields) > 0 {
		b.WriteByte('\n')
		for _, f := range m.fields {
			indent(&b, f.render())
		}
	}
	if len(m.oneofs) > 0 {
		b.WriteByte('\n')
		for _, o := range m.oneofs {
			var ob strings.Builder
			ob.WriteString("oneof " + o.name + " {")
			ob.WriteByte('\n')
			for _, f := range o.fields {
				indent(&ob, f.render())
			}
			ob.WriteString("}\n")
			indent(&b, ob.String())
		}
	}
	if len(m.extensions) > 0 {
		b.WriteByte('\n')
		for _, x := range m.extensions {
			indent(&b, "extensions "+x+";\n")
		}
	}
	if len(m.extends) > 0 {
		b.WriteByte('\n')
		for _, x := range m.extends {
			indent(&b, x.render())
		}
	}
	if len(m.messages) > 0 || len(m.enums) > 0 {
		b.WriteByte('\n')
		for _, n := range m.messages {
			indent(&b, n.render())
		}
		for _, n := range m.enums {
			indent(&b, n.render())
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func (e *enumElement) render() string {
	var b strings.Builder
	b.WriteString("enum " + e.name + " {")
	if len(e.reserved) > 0 {
		b.WriteByte('\n')
		for _, r := range e.reserved {
			indent(&b, "reserved "+r+";\n")
		}
	} else if len(e.options) > 0 || len(e.values) > 0 {
		// Only without reserved statements does a line break follow the brace.
		b.WriteByte('\n')
	}
	for _, o := range e.options {
		indent(&b, optionStatement(o))
	}
	for _, v := range e.values {
		s := v.name + " = " + strconv.Itoa(int(v.number))
		if len(v.options) > 0 {
			s += " " + optionList(v.options)
		}
		indent(&b, s+";\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func (x extendElement) render() string {
	var b strings.Builder
	b.WriteString("extend " + x.name + " {")
	if len(x.fields) > 0 {
		b.WriteByte('\n')
		for _, f := range x.fields {
			indent(&b, f.render())
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func (f fieldElement) render() string {
	s := f.typ + " " + f.name + " = " + strconv.Itoa(int(f.number))
	if f.label != "" {
		s = f.label + " " + s
	}
	if len(f.options) > 0 {
		s += " " + optionList(f.options)
	}
	return s + ";\n"
}

func optionStatement(o option) string {
	return "option " + o.text() + ";\n"
}

// optionList is appendOptions: one option inline in brackets, several one
// a line.
func optionList(opts []option) string {
	if len(opts) == 1 {
		return "[" + opts[0].text() + "]"
	}
	var b strings.Builder
	b.WriteString("[\n")
	for i, o := range opts {
		s := o.text()
		if i < len(opts)-1 {
			s += ","
		}
		indent(&b, s)
	}
	b.WriteString("]")
	return b.String()
}

func (o option) text() string {
	name := o.name
	if o.paren {
		name = "(" + name + ")"
	}
	switch o.kind {
	case kindString:
		return name + " = \"" + escapeChars(o.value.(string)) + "\""
	case kindMap:
		var b strings.Builder
		b.WriteString(name + " = {\n")
		writeMap(&b, o.value.(optMap))
		b.WriteString("}")
		return b.String()
	default:
		return name + " = " + o.value.(string)
	}
}

func writeMap(b *strings.Builder, m optMap) {
	for i, e := range m {
		s := e.key + ": " + literal(e.value)
		if i < len(m)-1 {
			s += ","
		}
		indent(b, s)
	}
}

func literal(v any) string {
	switch v := v.(type) {
	case string:
		return "\"" + escapeChars(v) + "\""
	case rawValue:
		return string(v)
	case optMap:
		var b strings.Builder
		b.WriteString("{\n")
		writeMap(&b, v)
		b.WriteString("}")
		return b.String()
	case []any:
		var b strings.Builder
		b.WriteString("[\n")
		for i, x := range v {
			s := literal(x)
			if i < len(v)-1 {
				s += ","
			}
			indent(&b, s)
		}
		b.WriteString("]")
		return b.String()
	}
	return fmt.Sprint(v)
}

// indent is appendIndented: each line of s indented by two spaces, the
// trailing empty lines dropped as Java's String.split drops them (so an
// empty line within s becomes two spaces).
func indent(b *strings.Builder, s string) {
	lines := strings.Split(s, "\n")
	for len(lines) > 1 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
}

// escapeChars is ProtobufSchemaUtils.escapeChars.
func escapeChars(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\v':
			b.WriteString(`\v`)
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// renderDescriptor is the text Confluent registers for a schema built
// from the descriptor fd.
func renderDescriptor(fd *descriptorpb.FileDescriptorProto) (string, error) {
	e, err := fileElement(fd)
	if err != nil {
		return "", err
	}
	return e.render(), nil
}
