package protobuf

import (
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// incompatibilities returns the differences between the file a value is
// written with (original) and a subject's latest (update) that make the
// latest not backward compatible with it, as Confluent's ProtobufSchema
// isBackwardCompatible finds them (its protobuf diff SchemaDiff, whose
// incompatible kinds of difference these are, named as there, with the
// path where each is): a changed package; a message removed; a field of
// another kind (scalar, message, map), scalar group (Protobuf's
// wire-compatible groups, enums with the varints), message or label of a
// numeric field; a required field added or removed; a oneof member
// removed, or fields that were independent brought into one oneof.
// Fields removed or added, renamed fields, enums, messages added or moved
// and oneofs added or removed are compatible. refs are the latest's
// references: a message type both files take from the same subject and
// version, or both declare themselves, is not compared as a field's type
// (the files' own messages are compared by name).
func incompatibilities(original, update protoreflect.FileDescriptor, refs []sr.SchemaReference) []string {
	d := &protoDiff{origMain: original.Path(), updMain: update.Path(), refs: refs, inScope: map[protoreflect.FullName]bool{}}
	if original.Package() != update.Package() {
		d.add("PACKAGE_CHANGED")
	}
	d.types(original.Messages(), update.Messages())
	return d.diffs
}

type protoDiff struct {
	path              []string
	diffs             []string
	inScope           map[protoreflect.FullName]bool // original messages being compared, against recursion
	origMain, updMain string
	refs              []sr.SchemaReference
}

func (d *protoDiff) add(kind string) {
	d.diffs = append(d.diffs, kind+" at #/"+strings.Join(d.path, "/"))
}

func (d *protoDiff) enter(p ...string) func() {
	n := len(d.path)
	d.path = append(d.path, p...)
	return func() { d.path = d.path[:n] }
}

// types compares messages by their names at one level of nesting.
// Enums, however changed, are compatible. A map field's entry message,
// which .proto text does not declare (map<K, V>), is compared as the
// field's key and value.
func (d *protoDiff) types(original, update protoreflect.MessageDescriptors) {
	for i := range original.Len() {
		o := original.Get(i)
		if o.IsMapEntry() {
			continue
		}
		leave := d.enter(string(o.Name()))
		if u := update.ByName(o.Name()); u != nil && !u.IsMapEntry() {
			d.message(o, u)
		} else {
			d.add("MESSAGE_REMOVED")
		}
		leave()
	}
}

// message compares two messages' fields by number, oneof membership
// aside, then their nested messages.
func (d *protoDiff) message(o, u protoreflect.MessageDescriptor) {
	if !d.inScope[o.FullName()] {
		d.inScope[o.FullName()] = true
		d.fields(o, u)
		delete(d.inScope, o.FullName())
	}
	d.types(o.Messages(), u.Messages())
}

// memberOf names the oneof fd is a member of as written: a proto3
// optional field's synthetic oneof is none.
func memberOf(fd protoreflect.FieldDescriptor) string {
	if oo := fd.ContainingOneof(); oo != nil && !oo.IsSynthetic() {
		return string(oo.Name())
	}
	return ""
}

func (d *protoDiff) fields(o, u protoreflect.MessageDescriptor) {
	of, uf := o.Fields(), u.Fields()
	// A oneof gone, none of whose members are left, is deleted whole,
	// which is compatible.
	deleted := map[string]bool{}
	for i := range o.Oneofs().Len() {
		oo := o.Oneofs().Get(i)
		if oo.IsSynthetic() || u.Oneofs().ByName(oo.Name()) != nil {
			continue
		}
		survives := false
		for j := range oo.Fields().Len() {
			survives = survives || uf.ByNumber(oo.Fields().Get(j).Number()) != nil
		}
		deleted[string(oo.Name())] = !survives
	}
	// Fields that were independent and are now in one oneof: old data
	// may set more than one of them.
	for i := range u.Oneofs().Len() {
		uo := u.Oneofs().Get(i)
		if uo.IsSynthetic() {
			continue
		}
		groups := map[string]bool{}
		movedIn := 0
		for j := range uo.Fields().Len() {
			f := of.ByNumber(uo.Fields().Get(j).Number())
			switch {
			case f == nil:
			case memberOf(f) != "":
				groups["oneof:"+memberOf(f)] = true
			default:
				groups["field:"+strconv.Itoa(int(f.Number()))] = true
				movedIn++
			}
		}
		if len(groups) > 1 {
			leave := d.enter(string(uo.Name()))
			if movedIn > 1 {
				d.add("MULTIPLE_FIELDS_MOVED_TO_ONEOF")
			} else {
				d.add("FIELD_MOVED_TO_EXISTING_ONEOF")
			}
			leave()
		}
	}
	for i := range of.Len() {
		f := of.Get(i)
		tag := strconv.Itoa(int(f.Number()))
		g := uf.ByNumber(f.Number())
		if g == nil {
			if oo := memberOf(f); oo != "" {
				if !deleted[oo] {
					leave := d.enter(oo, tag)
					d.add("ONEOF_FIELD_REMOVED")
					leave()
				}
			} else if f.Cardinality() == protoreflect.Required {
				leave := d.enter(tag)
				d.add("REQUIRED_FIELD_REMOVED")
				leave()
			}
			continue
		}
		var leave func()
		if oo := memberOf(g); oo != "" {
			leave = d.enter(oo, tag)
		} else {
			leave = d.enter(tag)
		}
		d.labelsAndTypes(label(f), label(g), f, g)
		leave()
	}
	for i := range uf.Len() {
		g := uf.Get(i)
		if of.ByNumber(g.Number()) == nil && memberOf(g) == "" && g.Cardinality() == protoreflect.Required {
			leave := d.enter(strconv.Itoa(int(g.Number())))
			d.add("REQUIRED_FIELD_ADDED")
			leave()
		}
	}
}

// label is a field's label as its .proto text writes it, which is what
// Confluent's diff compares: none for a proto3 field without one or a
// oneof member.
func label(fd protoreflect.FieldDescriptor) string {
	switch {
	case memberOf(fd) != "":
		return ""
	case fd.Cardinality() == protoreflect.Repeated:
		return "repeated"
	case fd.Cardinality() == protoreflect.Required:
		return "required"
	case fd.HasOptionalKeyword():
		return "optional"
	}
	return ""
}

const (
	scalarField = iota
	mapField
	messageField
)

func fieldKind(fd protoreflect.FieldDescriptor) int {
	switch {
	case fd.IsMap():
		return mapField
	case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
		return messageField
	}
	return scalarField
}

func (d *protoDiff) labelsAndTypes(ol, ul string, o, u protoreflect.FieldDescriptor) {
	ok, uk := fieldKind(o), fieldKind(u)
	if ok != uk {
		d.add("FIELD_KIND_CHANGED")
		return
	}
	switch ok {
	case scalarField:
		og, ug := kindGroup(o.Kind()), kindGroup(u.Kind())
		switch {
		case og != ug:
			d.add("FIELD_SCALAR_KIND_CHANGED")
		case ol != "" && ul != "" && ol != ul && og != kindGroup(protoreflect.StringKind):
			d.add("FIELD_NUMERIC_LABEL_CHANGED")
		}
	case messageField:
		d.messageTypes(o.Message(), u.Message())
	case mapField:
		d.labelsAndTypes("", "", o.MapKey(), u.MapKey())
		d.labelsAndTypes("", "", o.MapValue(), u.MapValue())
	}
}

// localName is a message's name within its package.
func localName(md protoreflect.MessageDescriptor) string {
	n := string(md.FullName())
	if p := string(md.ParentFile().Package()); p != "" {
		n = strings.TrimPrefix(n, p+".")
	}
	return n
}

// ref names where a message's file comes from: its side's own file
// ("", -1), a reference's subject and version, or nothing known (an
// import the latest does not name as a reference, or any import of the
// derived file, which has none).
func (d *protoDiff) ref(md protoreflect.MessageDescriptor, main string, isUpdate bool) (string, int, bool) {
	path := md.ParentFile().Path()
	if path == main {
		return "", -1, true
	}
	if isUpdate {
		for _, r := range d.refs {
			if r.Name == path {
				return r.Subject, r.Version, true
			}
		}
	}
	return "", 0, false
}

func (d *protoDiff) messageTypes(o, u protoreflect.MessageDescriptor) {
	ol, ul := localName(o), localName(u)
	if ol != ul {
		d.add("FIELD_NAMED_TYPE_CHANGED")
		return
	}
	os, ov, ook := d.ref(o, d.origMain, false)
	us, uv, uok := d.ref(u, d.updMain, true)
	if ook && uok && os == us && ov == uv {
		// Both files' own, compared by name, or the same registered file.
		return
	}
	sub := &protoDiff{path: strings.Split(ol, "."), inScope: d.inScope, origMain: d.origMain, updMain: d.updMain, refs: d.refs}
	sub.message(o, u)
	d.diffs = append(d.diffs, sub.diffs...)
	if len(sub.diffs) > 0 {
		d.add("FIELD_NAMED_TYPE_CHANGED")
	}
}

// kindGroup puts the kinds Confluent's diff (after Protobuf's rules for
// updating a message) takes as compatible together: enums are read as
// the varints they are.
func kindGroup(k protoreflect.Kind) int {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Uint32Kind, protoreflect.Int64Kind, protoreflect.Uint64Kind, protoreflect.BoolKind, protoreflect.EnumKind:
		return 1
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return 2
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return 3
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return 4
	case protoreflect.StringKind, protoreflect.BytesKind:
		return 5
	}
	return 100 + int(k)
}
