package jsonschema

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// Names and properties of Confluent's JsonSchemaData.
const (
	namespace      = "io.confluent.connect.json"
	oneOfName      = namespace + ".OneOf"
	enumParam      = namespace + ".Enum"
	enumPrefix     = enumParam + "."
	connectType    = "connect.type"
	connectIndex   = "connect.index"
	connectVersion = "connect.version"
	connectParams  = "connect.parameters"
	defaultName    = "JsonSchema" // a schema without a title, for RecordNameStrategy
)

// dataConfig holds the keys that shape the mapping, as JsonSchemaDataConfig.
type dataConfig struct {
	additionalProps bool // object.additional.properties
	optionalNonReq  bool // use.optional.for.nonrequired
	numericDecimals bool // decimal.format=NUMERIC
}

// schemaText writes s as the JSON Schema JsonSchemaData derives from it.
// Members come in a fixed order (type or oneOf, title, description,
// default, the type's own keywords, then the connect.* properties): the
// registry compares JSON schemas parsed, so the order does not change the
// id a schema gets.
func (d dataConfig) schemaText(s *connect.Schema) ([]byte, error) {
	if s == nil {
		return nil, errors.New("a value without a schema cannot be written with a JSON Schema")
	}
	return d.appendSchema(nil, s, -1, false, "")
}

func (d dataConfig) appendSchema(dst []byte, s *connect.Schema, index int, ignoreOptional bool, path string) ([]byte, error) {
	where := func() string {
		if path == "" {
			return "the schema"
		}
		return "field " + path
	}
	if s.Optional && !ignoreOptional && !(s.Type == connect.StructType && s.Name == oneOfName) {
		dst = append(dst, `{"oneOf":[{"type":"null"},`...)
		var err error
		if dst, err = d.appendSchema(dst, s, -1, true, path); err != nil {
			return dst, err
		}
		dst = append(dst, ']')
		if index >= 0 {
			dst = append(dst, `,"connect.index":`...)
			dst = strconv.AppendInt(dst, int64(index), 10)
		}
		return append(dst, '}'), nil
	}
	var ct string
	switch s.Type {
	case connect.StructType:
		if s.Name == oneOfName {
			dst = append(dst, `{"oneOf":[`...)
			if s.Optional {
				dst = append(dst, `{"type":"null"},`...)
			}
			for i, f := range s.Fields {
				if i > 0 {
					dst = append(dst, ',')
				}
				var err error
				if dst, err = d.appendSchema(dst, f.Schema, f.Index, true, joinPath(path, f.Name)); err != nil {
					return dst, err
				}
			}
			dst = append(dst, ']')
			if index >= 0 {
				dst = append(dst, `,"connect.index":`...)
				dst = strconv.AppendInt(dst, int64(index), 10)
			}
			return append(dst, '}'), nil
		}
		dst = append(dst, `{"type":"object"`...)
	case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type:
		dst = append(dst, `{"type":"integer"`...)
		ct = strings.ToLower(s.Type.String())
	case connect.Float32Type, connect.Float64Type:
		dst = append(dst, `{"type":"number"`...)
		ct = strings.ToLower(s.Type.String())
	case connect.BooleanType:
		dst = append(dst, `{"type":"boolean"`...)
	case connect.StringType:
		dst = append(dst, `{"type":"string"`...)
	case connect.BytesType:
		if s.Name == connect.DecimalName {
			dst = append(dst, `{"type":"number"`...)
		} else {
			dst = append(dst, `{"type":"string"`...)
		}
		ct = "bytes"
	case connect.ArrayType:
		dst = append(dst, `{"type":"array"`...)
	case connect.MapType:
		if s.Key.Type == connect.StringType && !s.Key.Optional {
			dst = append(dst, `{"type":"object"`...)
		} else {
			dst = append(dst, `{"type":"array"`...)
		}
		ct = "map"
	default:
		return dst, fmt.Errorf("%s: unsupported schema type %s", where(), s.Type)
	}
	if s.Name != "" {
		dst = append(dst, `,"title":`...)
		dst = connect.AppendJSONString(dst, s.Name)
	}
	if s.Doc != "" {
		dst = append(dst, `,"description":`...)
		dst = connect.AppendJSONString(dst, s.Doc)
	}
	if s.Default != nil {
		dst = append(dst, `,"default":`...)
		var err error
		if dst, err = d.appendValue(dst, s, connect.AnyValue(s.Default)); err != nil {
			return dst, fmt.Errorf("%s: default: %w", where(), err)
		}
	}
	var err error
	switch s.Type {
	case connect.StringType:
		var vals []string
		for _, p := range s.Parameters {
			if strings.HasPrefix(p.Key, enumPrefix) {
				vals = append(vals, p.Value)
			}
		}
		if _, isEnum := s.Parameter(enumParam); isEnum {
			dst = append(dst, `,"enum":[`...)
			for i, v := range vals {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = connect.AppendJSONString(dst, v)
			}
			dst = append(dst, ']')
		}
	case connect.StructType:
		dst = append(dst, `,"properties":{`...)
		for i, f := range s.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = connect.AppendJSONString(dst, f.Name)
			dst = append(dst, ':')
			if dst, err = d.appendSchema(dst, f.Schema, f.Index, false, joinPath(path, f.Name)); err != nil {
				return dst, err
			}
		}
		dst = append(dst, '}')
		if !d.additionalProps {
			dst = append(dst, `,"additionalProperties":false`...)
		}
	case connect.ArrayType:
		dst = append(dst, `,"items":`...)
		if dst, err = d.appendSchema(dst, s.Elem, -1, false, path+"[]"); err != nil {
			return dst, err
		}
	case connect.MapType:
		if ct == "map" && s.Key.Type == connect.StringType && !s.Key.Optional {
			dst = append(dst, `,"additionalProperties":`...)
			if dst, err = d.appendSchema(dst, s.Elem, -1, false, path+"{}"); err != nil {
				return dst, err
			}
		} else {
			dst = append(dst, `,"items":{"type":"object","properties":{"key":`...)
			if dst, err = d.appendSchema(dst, s.Key, 0, false, joinPath(path, "key")); err != nil {
				return dst, err
			}
			dst = append(dst, `,"value":`...)
			if dst, err = d.appendSchema(dst, s.Elem, 1, false, joinPath(path, "value")); err != nil {
				return dst, err
			}
			dst = append(dst, `}}`...)
		}
	}
	if index >= 0 {
		dst = append(dst, `,"connect.index":`...)
		dst = strconv.AppendInt(dst, int64(index), 10)
	}
	if ct != "" {
		dst = append(dst, `,"connect.type":`...)
		dst = connect.AppendJSONString(dst, ct)
	}
	if s.Version != 0 {
		dst = append(dst, `,"connect.version":`...)
		dst = strconv.AppendInt(dst, int64(s.Version), 10)
	}
	first := true
	for _, p := range s.Parameters {
		if strings.HasPrefix(p.Key, namespace) {
			continue
		}
		if first {
			dst = append(dst, `,"connect.parameters":{`...)
			first = false
		} else {
			dst = append(dst, ',')
		}
		dst = connect.AppendJSONString(dst, p.Key)
		dst = append(dst, ':')
		dst = connect.AppendJSONString(dst, p.Value)
	}
	if !first {
		dst = append(dst, '}')
	}
	return append(dst, '}'), nil
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// schemaReader turns a registered JSON Schema into a Connect schema, as
// JsonSchemaData.toConnectSchema does.
type schemaReader struct {
	d     dataConfig
	root  *jsonparse.Node // the document being read: the schema or a referenced one
	base  string          // root's URL, which its relative $refs resolve against
	docs  map[string]*jsonparse.Node
	depth int
}

// toConnectSchema parses a registered schema's text. version is the
// schema's version in its subject, used where it has no connect.version.
// refs are the schemas it references, by reference name.
func (d dataConfig) toConnectSchema(text string, version int, refs map[string]string) (*connect.Schema, *jsonparse.Node, error) {
	n, err := jsonparse.Parse([]byte(text))
	if err != nil {
		return nil, nil, fmt.Errorf("not JSON: %w", err)
	}
	r := schemaReader{d: d, root: &n, base: docID(&n)}
	if len(refs) > 0 {
		r.docs = make(map[string]*jsonparse.Node, len(refs))
		for name, text := range refs {
			rn, err := jsonparse.Parse([]byte(text))
			if err != nil {
				return nil, nil, fmt.Errorf("reference %q is not JSON: %w", name, err)
			}
			// As Confluent's JsonSchema registers a reference: under
			// its name resolved against the schema's $id.
			r.docs[resolveURL(r.base, name)] = &rn
		}
	}
	s, err := r.schema(&n, false, "")
	if err != nil {
		return nil, nil, err
	}
	if s.Version == 0 && version > 0 {
		c := *s
		c.Version = int32(version)
		s = &c
	}
	return s, &n, nil
}

// docID is a schema document's $id, or "".
func docID(n *jsonparse.Node) string {
	if id := n.Member("$id"); id != nil && id.Kind == jsonparse.String {
		return id.Str
	}
	return ""
}

// resolveURL resolves ref against base as a URL reference; without a
// base, or where either is no URL, ref stands as it is.
func resolveURL(base, ref string) string {
	if base == "" {
		return ref
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// title is a schema's name, as Confluent's JsonSchema.name() gives it.
func title(n *jsonparse.Node) string {
	if t := n.Member("title"); t != nil && t.Kind == jsonparse.String {
		return t.Str
	}
	return defaultName
}

// doc is a document a $ref leads into: its root and URL.
type doc struct {
	root *jsonparse.Node
	base string
}

// resolve follows n's $refs.
func (r *schemaReader) resolve(n *jsonparse.Node, path string) (*jsonparse.Node, error) {
	n, _, err := r.resolveIn(n, path)
	return n, err
}

// enter makes d the document that local $refs resolve in, until leave.
func (r *schemaReader) enter(d doc) (leave func()) {
	old := doc{r.root, r.base}
	r.root, r.base = d.root, d.base
	return func() { r.root, r.base = old.root, old.base }
}

// resolveIn follows n's $refs, within the schema or, by a reference's
// name, into a referenced schema, and returns the schema found and the
// document it is in.
func (r *schemaReader) resolveIn(n *jsonparse.Node, path string) (*jsonparse.Node, doc, error) {
	cur := doc{r.root, r.base}
	for hops := 0; ; hops++ {
		ref := n.Member("$ref")
		if ref == nil {
			return n, cur, nil
		}
		if hops > 32 {
			return nil, cur, fmt.Errorf("%s: $ref %q goes round in a loop", where(path), ref.Str)
		}
		if ref.Kind != jsonparse.String {
			return nil, cur, fmt.Errorf("%s: $ref must be a string", where(path))
		}
		target, frag, _ := strings.Cut(ref.Str, "#")
		if target != "" {
			u := resolveURL(cur.base, target)
			d, ok := r.docs[u]
			if !ok && u == cur.base {
				d, ok = cur.root, true
			}
			if !ok {
				return nil, cur, fmt.Errorf("%s: $ref %q names neither a place in the schema nor one of its references", where(path), ref.Str)
			}
			base := docID(d)
			if base == "" {
				base = u
			}
			cur = doc{d, resolveURL(u, base)}
		}
		at := cur.root
		for _, part := range strings.Split(frag, "/") {
			if part == "" {
				continue
			}
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			if at = at.Member(part); at == nil {
				return nil, cur, fmt.Errorf("%s: $ref %q names nothing in the schema", where(path), ref.Str)
			}
		}
		n = at
	}
}

func where(path string) string {
	if path == "" {
		return "the schema"
	}
	return "property " + path
}

func (r *schemaReader) schema(n *jsonparse.Node, forceOptional bool, path string) (*connect.Schema, error) {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > 64 {
		return nil, fmt.Errorf("%s: nested too deep (recursive schemas are not supported)", where(path))
	}
	n, d, err := r.resolveIn(n, path)
	if err != nil {
		return nil, err
	}
	defer r.enter(d)()
	if n.Kind != jsonparse.Object {
		return nil, fmt.Errorf("%s: a schema must be an object, not %s", where(path), n.Describe())
	}
	prop := func(name string) *jsonparse.Node { return n.Member(name) }
	ctype := ""
	if c := prop(connectType); c != nil && c.Kind == jsonparse.String {
		ctype = c.Str
	}
	var s *connect.Schema
	combined := prop("oneOf")
	if combined == nil {
		combined = prop("anyOf")
	}
	typ := prop("type")
	if combined == nil && typ != nil && typ.Kind == jsonparse.Array {
		// A list of types is a union of them, as everit reads it.
		kids := make([]jsonparse.Node, len(typ.Kids))
		for i, k := range typ.Kids {
			kids[i] = jsonparse.Node{Kind: jsonparse.Object, Keys: []string{"type"}, Kids: []jsonparse.Node{k}}
			if k.Kind == jsonparse.String && k.Str != "null" {
				// The other keywords belong to the typed member.
				o := *n
				o.Keys = slices.Clone(n.Keys)
				o.Kids = slices.Clone(n.Kids)
				for j, key := range o.Keys {
					if key == "type" {
						o.Kids[j] = k
					}
				}
				kids[i] = o
			}
		}
		combined = &jsonparse.Node{Kind: jsonparse.Array, Kids: kids}
	}
	switch {
	case combined != nil:
		if combined.Kind != jsonparse.Array || len(combined.Kids) == 0 {
			return nil, fmt.Errorf("%s: oneOf must be a list of schemas", where(path))
		}
		isNull := func(k *jsonparse.Node) bool {
			k, err := r.resolve(k, path)
			if err != nil {
				return false
			}
			t := k.Member("type")
			return t != nil && t.Kind == jsonparse.String && t.Str == "null"
		}
		if len(combined.Kids) == 2 && (isNull(&combined.Kids[0]) || isNull(&combined.Kids[1])) {
			other := &combined.Kids[1]
			if isNull(other) {
				other = &combined.Kids[0]
			}
			return r.schema(other, true, path)
		}
		var fields []connect.Field
		optional := forceOptional
		i := 0
		for k := range combined.Kids {
			if isNull(&combined.Kids[k]) {
				optional = true
				continue
			}
			fs, err := r.schema(&combined.Kids[k], true, path)
			if err != nil {
				return nil, err
			}
			fields = append(fields, connect.F(oneOfName+".field."+strconv.Itoa(i), fs))
			i++
		}
		s = connect.StructOf(fields...)
		s.Name, s.Optional = oneOfName, optional
		return s, nil
	case prop("allOf") != nil:
		all := prop("allOf")
		if all.Kind != jsonparse.Array || len(all.Kids) != 1 {
			return nil, fmt.Errorf("%s: allOf is supported only with a single schema", where(path))
		}
		return r.schema(&all.Kids[0], forceOptional, path)
	case prop("enum") != nil:
		e := prop("enum")
		if e.Kind != jsonparse.Array {
			return nil, fmt.Errorf("%s: enum must be a list", where(path))
		}
		s = &connect.Schema{Type: connect.StringType, Parameters: []connect.Parameter{{Key: enumParam, Value: ""}}}
		for _, v := range e.Kids {
			sym := v.Str
			if v.Kind != jsonparse.String && v.Kind != jsonparse.Number {
				return nil, fmt.Errorf("%s: enum values must be strings or numbers", where(path))
			}
			s.Parameters = append(s.Parameters, connect.Parameter{Key: enumPrefix + sym, Value: sym})
		}
	default:
		t := ""
		if typ != nil && typ.Kind == jsonparse.String {
			t = typ.Str
		} else if typ == nil {
			switch {
			case prop("properties") != nil || prop("additionalProperties") != nil:
				t = "object"
			case prop("items") != nil:
				t = "array"
			}
		}
		switch t {
		case "boolean":
			s = &connect.Schema{Type: connect.BooleanType}
		case "integer", "number":
			switch ctype {
			case "":
				if t == "integer" {
					s = &connect.Schema{Type: connect.Int64Type}
				} else {
					s = &connect.Schema{Type: connect.Float64Type}
				}
			case "int8":
				s = &connect.Schema{Type: connect.Int8Type}
			case "int16":
				s = &connect.Schema{Type: connect.Int16Type}
			case "int32":
				s = &connect.Schema{Type: connect.Int32Type}
			case "int64":
				s = &connect.Schema{Type: connect.Int64Type}
			case "float32":
				s = &connect.Schema{Type: connect.Float32Type}
			case "float64":
				s = &connect.Schema{Type: connect.Float64Type}
			case "bytes":
				s = &connect.Schema{Type: connect.BytesType}
			default:
				return nil, fmt.Errorf("%s: unsupported connect.type %q for a %s", where(path), ctype, t)
			}
		case "string":
			if ctype == "bytes" {
				s = &connect.Schema{Type: connect.BytesType}
			} else {
				s = &connect.Schema{Type: connect.StringType}
			}
		case "array":
			items := prop("items")
			if items == nil || items.Kind != jsonparse.Object {
				return nil, fmt.Errorf("%s: an array schema must give its items' schema", where(path))
			}
			ri, d, err := r.resolveIn(items, path)
			if err != nil {
				return nil, err
			}
			if ctype == "map" && ri.Member("properties") != nil {
				props := ri.Member("properties")
				k, v := props.Member("key"), props.Member("value")
				if k == nil || v == nil {
					return nil, fmt.Errorf("%s: a map's entries need key and value properties", where(path))
				}
				// The entry schema may be in a referenced document,
				// whose local $refs resolve there.
				leave := r.enter(d)
				ks, err := r.schema(k, false, joinPath(path, "key"))
				if err != nil {
					leave()
					return nil, err
				}
				vs, err := r.schema(v, false, joinPath(path, "value"))
				leave()
				if err != nil {
					return nil, err
				}
				s = &connect.Schema{Type: connect.MapType, Key: ks, Elem: vs}
			} else {
				es, err := r.schema(items, false, path+"[]")
				if err != nil {
					return nil, err
				}
				s = &connect.Schema{Type: connect.ArrayType, Elem: es}
			}
		case "object":
			if ctype == "map" {
				ap := prop("additionalProperties")
				if ap == nil || ap.Kind != jsonparse.Object {
					return nil, fmt.Errorf("%s: a map's schema needs additionalProperties", where(path))
				}
				vs, err := r.schema(ap, false, path+"{}")
				if err != nil {
					return nil, err
				}
				s = &connect.Schema{Type: connect.MapType, Key: connect.StringSchema, Elem: vs}
				break
			}
			s, err = r.object(n, path)
			if err != nil {
				return nil, err
			}
		case "":
			return nil, fmt.Errorf("%s: a schema without a type is not supported", where(path))
		default:
			return nil, fmt.Errorf("%s: unsupported type %q", where(path), t)
		}
	}
	if t := prop("title"); t != nil && t.Kind == jsonparse.String {
		s.Name = t.Str
	}
	if v := prop(connectVersion); v != nil && v.Kind == jsonparse.Number {
		if x, err := strconv.ParseInt(v.Str, 10, 32); err == nil {
			s.Version = int32(x)
		}
	}
	if d := prop("description"); d != nil && d.Kind == jsonparse.String {
		s.Doc = d.Str
	}
	if p := prop(connectParams); p != nil && p.Kind == jsonparse.Object {
		params := make([]connect.Parameter, 0, len(p.Keys))
		for i, k := range p.Keys {
			if p.Kids[i].Kind == jsonparse.String {
				params = append(params, connect.Parameter{Key: k, Value: p.Kids[i].Str})
			}
		}
		// Confluent keeps them in a HashMap: the document's order is lost.
		slices.SortFunc(params, func(a, b connect.Parameter) int { return strings.Compare(a.Key, b.Key) })
		s.Parameters = append(s.Parameters, params...)
	}
	if def := prop("default"); def != nil {
		v, err := r.d.value(s, def, path)
		if err != nil {
			return nil, fmt.Errorf("%s: default: %w", where(path), err)
		}
		s.Default = v
	}
	if forceOptional {
		s.Optional = true
	}
	if s.Type == connect.BytesType && s.Name == connect.DecimalName {
		if _, err := s.DecimalScale(); err != nil {
			return nil, fmt.Errorf("%s: %w", where(path), err)
		}
	}
	return s, nil
}

// object reads an object schema as a struct, its properties in the order of
// their connect.index (properties without one after, in document order).
func (r *schemaReader) object(n *jsonparse.Node, path string) (*connect.Schema, error) {
	props := n.Member("properties")
	if props == nil {
		return connect.StructOf(), nil
	}
	if props.Kind != jsonparse.Object {
		return nil, fmt.Errorf("%s: properties must be an object", where(path))
	}
	required := map[string]bool{}
	if req := n.Member("required"); req != nil && req.Kind == jsonparse.Array {
		for _, k := range req.Kids {
			required[k.Str] = true
		}
	}
	type prop struct {
		name  string
		index int64
		node  *jsonparse.Node
	}
	ps := make([]prop, 0, len(props.Keys))
	for i, k := range props.Keys {
		idx := int64(math.MaxInt32) + int64(i)
		if resolved, err := r.resolve(&props.Kids[i], joinPath(path, k)); err == nil {
			if x := resolved.Member(connectIndex); x != nil && x.Kind == jsonparse.Number {
				if v, err := strconv.ParseInt(x.Str, 10, 32); err == nil {
					idx = v
				}
			}
		}
		if x := props.Kids[i].Member(connectIndex); x != nil && x.Kind == jsonparse.Number {
			if v, err := strconv.ParseInt(x.Str, 10, 32); err == nil {
				idx = v
			}
		}
		ps = append(ps, prop{k, idx, &props.Kids[i]})
	}
	slices.SortStableFunc(ps, func(a, b prop) int { return int(a.index - b.index) })
	fields := make([]connect.Field, len(ps))
	for i, p := range ps {
		fs, err := r.schema(p.node, r.d.optionalNonReq && !required[p.name], joinPath(path, p.name))
		if err != nil {
			return nil, err
		}
		fields[i] = connect.F(p.name, fs)
	}
	return connect.StructOf(fields...), nil
}
