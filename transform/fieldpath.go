package transform

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
)

// FieldSyntax is the syntax of a field path, Kafka Connect's
// field.syntax.version (KIP-821).
type FieldSyntax uint8

// The field path syntaxes.
const (
	// FieldSyntaxV1 reads the whole path as the name of one top-level field,
	// dots included. It is the default.
	FieldSyntaxV1 FieldSyntax = iota
	// FieldSyntaxV2 reads a dotted path to a nested field: "a.b.c" is field
	// c of struct (or map) b of a. A step containing dots is written in
	// backticks, "`a.b`.c"; a backtick followed by a dot inside a quoted step
	// is written with a backslash before it.
	FieldSyntaxV2
)

// String returns "V1" or "V2".
func (s FieldSyntax) String() string {
	switch s {
	case FieldSyntaxV1:
		return "V1"
	case FieldSyntaxV2:
		return "V2"
	}
	return fmt.Sprintf("FieldSyntax(%d)", uint8(s))
}

// The field.syntax.version configuration, shared by the transforms that
// accept nested field paths.
const (
	fieldSyntaxConfig = "field.syntax.version"
	fieldSyntaxDoc    = "Defines the version of the syntax to access fields. " +
		"If set to `V1`, then the field paths are limited to access the elements at the root level of the struct or map. " +
		"If set to `V2`, the syntax will support accessing nested elements. " +
		"To access nested elements, dotted notation is used. " +
		"If dots are already included in the field name, " +
		"then backtick pairs can be used to wrap field names containing dots. " +
		"E.g. to access the subfield `baz` from a field named \"foo.bar\" in a struct/map " +
		"the following format can be used to access its elements: \"`foo.bar`.baz\"."
)

// fieldSyntaxKey is the ConfigKey of field.syntax.version, as Kafka's
// FieldSyntaxVersion.appendConfigTo defines it.
func fieldSyntaxKey() connect.ConfigKey {
	return connect.ConfigKey{Name: fieldSyntaxConfig, Type: connect.ConfigString, Default: "V1",
		Validator: connect.OneOfIgnoreCase("V1", "V2"), Importance: connect.High, Doc: fieldSyntaxDoc}
}

// fieldSyntaxFrom reads field.syntax.version from a parsed config.
func fieldSyntaxFrom(cfg *connect.Config) FieldSyntax {
	if strings.EqualFold(cfg.String(fieldSyntaxConfig), "V2") {
		return FieldSyntaxV2
	}
	return FieldSyntaxV1
}

// fieldPath is a parsed field path: one or more steps from the top of a
// struct or map down to a field. It is immutable.
type fieldPath struct {
	text  string   // as configured, for error messages
	steps []string // never empty
}

// parseFieldPath parses text in the given syntax, as Kafka's
// SingleFieldPath does. With V1 the path is the single step text. With V2
// it fails for a backtick that is never closed, and, where Kafka fails only
// when the path is first used, for an empty path.
func parseFieldPath(text string, syntax FieldSyntax) (fieldPath, error) {
	switch syntax {
	case FieldSyntaxV1:
		return fieldPath{text: text, steps: []string{text}}, nil
	case FieldSyntaxV2:
		steps, err := parseFieldPathV2(text)
		if err != nil {
			return fieldPath{}, err
		}
		return fieldPath{text: text, steps: steps}, nil
	}
	return fieldPath{}, fmt.Errorf("unknown field syntax %v", syntax)
}

// parseFieldPathV2 splits a V2 path into steps, following the algorithm of
// Kafka's SingleFieldPath.buildFieldPathV2 so that odd inputs split the same
// way: an unquoted step runs to the next dot; a step that starts with a
// backtick runs to the next backtick that is followed by a dot or ends the
// path, and a backslash before such a backtick makes it part of the name;
// a trailing dot adds an empty last step.
func parseFieldPathV2(path string) ([]string, error) {
	if path == "" {
		return nil, errors.New("empty field path")
	}
	var steps []string
	idx := 0
	for idx < len(path) {
		if path[idx] != '`' {
			start := idx
			dot := strings.IndexByte(path[idx:], '.')
			if dot < 0 {
				steps = append(steps, path[start:])
				idx = len(path)
				continue
			}
			idx += dot
			steps = append(steps, path[start:idx])
			idx++
			continue
		}
		backtickAt := idx
		idx++
		var field strings.Builder
		start := idx
		for {
			next := strings.IndexByte(path[idx:], '`')
			if next < 0 {
				return nil, incompleteBacktick(path, backtickAt)
			}
			idx += next
			escaped := path[idx-1] == '\\'
			if idx >= len(path)-1 { // the backtick ends the path
				if escaped {
					return nil, incompleteBacktick(path, backtickAt)
				}
				field.WriteString(path[start:idx])
				steps = append(steps, field.String())
				idx++
				break
			}
			if path[idx+1] != '.' { // part of the name; look further
				idx++
				continue
			}
			if escaped { // \` followed by a dot: a backtick in the name
				field.WriteString(path[start : idx-1])
				field.WriteByte('`')
				idx++
				start = idx
				continue
			}
			field.WriteString(path[start:idx])
			steps = append(steps, field.String())
			idx += 2 // the backtick and the dot after it
			break
		}
	}
	if path[len(path)-1] == '.' {
		steps = append(steps, "")
	}
	return steps, nil
}

func incompleteBacktick(path string, at int) error {
	// Kafka counts UTF-16 code units; for the ASCII paths people write the
	// byte offset is the same.
	return fmt.Errorf("Incomplete backtick pair in path: [%s], consider adding a backslash before backtick at position %d to escape it", path, at)
}

// String returns the path as configured.
func (p fieldPath) String() string { return p.text }

// nested reports whether the path has more than one step.
func (p fieldPath) nested() bool { return len(p.steps) > 1 }

// last returns the last step.
func (p fieldPath) last() string { return p.steps[len(p.steps)-1] }

// fieldFrom returns the field the path leads to in a STRUCT schema, and
// false when some step is missing or leads into a schema that is not a
// STRUCT (as Kafka's SingleFieldPath.fieldFrom).
func (p fieldPath) fieldFrom(s *connect.Schema) (connect.Field, bool) {
	if s == nil {
		return connect.Field{}, false
	}
	cur := s
	for _, step := range p.steps[:len(p.steps)-1] {
		f, ok := cur.Field(step)
		if !ok {
			return connect.Field{}, false
		}
		cur = f.Schema
	}
	return cur.Field(p.last())
}

// valueFromStruct returns the value the path leads to in st, or nil when st
// is nil, a step is missing, or an intermediate struct is null. withDefault
// substitutes a null field's schema default, as Struct.get does (for
// intermediate steps the default is always used, as in Kafka). An
// intermediate value that is not a struct is an error naming the step.
func (p fieldPath) valueFromStruct(st *connect.Struct, withDefault bool) (any, error) {
	if st == nil {
		return nil, nil
	}
	cur := st
	for i, step := range p.steps[:len(p.steps)-1] {
		if _, ok := cur.Schema().Field(step); !ok {
			return nil, nil
		}
		v := cur.Get(step)
		if v == nil {
			return nil, nil
		}
		next, ok := v.(*connect.Struct)
		if !ok {
			return nil, nestedAccessError(p.steps[:i+1], v, "Struct")
		}
		if next == nil {
			return nil, nil
		}
		cur = next
	}
	last := p.last()
	if _, ok := cur.Schema().Field(last); !ok {
		return nil, nil
	}
	if withDefault {
		return cur.Get(last), nil
	}
	return cur.GetWithoutDefault(last), nil
}

// valueFromMap returns the value the path leads to in a schemaless map
// (map[string]any, map[any]any or []connect.MapEntry), or nil when m is nil
// or a step is missing or null. An intermediate value that is not a map is
// an error naming the step.
func (p fieldPath) valueFromMap(m any) (any, error) {
	cur := m
	for i, step := range p.steps {
		if cur == nil {
			return nil, nil
		}
		v, ok := schemalessGet(cur, step)
		if !ok {
			if i == 0 {
				return nil, notAMapError(cur, "")
			}
			return nil, nestedAccessError(p.steps[:i], cur, "Map")
		}
		cur = v
	}
	return cur, nil
}

// nestedError is Kafka's requireStructOrNull / requireMapOrNull failure
// for nested field access.
func nestedAccessError(steps []string, v any, want string) error {
	path := strings.Join(steps, ".")
	if want == "Map" {
		return connect.Errorf(path, "Only Map objects supported in absence of schema for [nested field access], found: %s", describeType(v))
	}
	return connect.Errorf(path, "Only %s objects supported for [nested field access], found: %s", want, describeType(v))
}

// notAMap is Kafka's requireMap failure for a schemaless value.
func notAMapError(v any, purpose string) error {
	if purpose == "" {
		purpose = "nested field access"
	}
	return connect.Errorf("", "Only Map objects supported in absence of schema for [%s], found: %s", purpose, describeType(v))
}

// typeName names the Go type of v for error messages ("null" for nil).
func describeType(v any) string {
	if v == nil {
		return "null"
	}
	return reflect.TypeOf(v).String()
}

// isMap reports whether v is one of the Go representations of a schemaless
// map: map[string]any, map[any]any or []connect.MapEntry (a nil one
// included).
func isSchemalessMap(v any) bool {
	switch v.(type) {
	case map[string]any, map[any]any, []connect.MapEntry:
		return true
	}
	return false
}

// mapGet looks key up in a schemaless map. ok is false when m is not a map;
// a missing key reads as nil, as Java's Map.get.
func schemalessGet(m any, key string) (v any, ok bool) {
	switch x := m.(type) {
	case map[string]any:
		return x[key], true
	case map[any]any:
		return x[key], true
	case []connect.MapEntry:
		for _, e := range x {
			if k, isStr := e.Key.(string); isStr && k == key {
				return e.Value, true
			}
		}
		return nil, true
	}
	return nil, false
}

// resolvedPath is a fieldPath resolved against one STRUCT schema: the
// index of each step's field, so that reading a value costs no name
// lookups. Resolve once per schema and cache it.
type resolvedPath struct {
	idx   []int
	field connect.Field // the field the path leads to
	ok    bool          // false when the path does not exist in the schema
}

// resolve resolves p against s (see fieldFrom).
func (p fieldPath) resolve(s *connect.Schema) resolvedPath {
	if s == nil {
		return resolvedPath{}
	}
	idx := make([]int, len(p.steps))
	cur := s
	var f connect.Field
	for i, step := range p.steps {
		var ok bool
		if f, ok = cur.Field(step); !ok {
			return resolvedPath{}
		}
		idx[i] = f.Index
		cur = f.Schema
	}
	return resolvedPath{idx: idx, field: f, ok: true}
}

// valueIn returns the value the path leads to in st, a struct of the
// schema the path was resolved against; null when an intermediate struct
// is null (intermediate nulls take their field's default, as Kafka's
// Struct.get does). withDefault substitutes the last field's default for
// null. An intermediate value that is not a struct is an error naming the
// step.
func (rp *resolvedPath) valueIn(st *connect.Struct, steps []string, withDefault bool) (connect.Value, error) {
	cur := st
	last := len(rp.idx) - 1
	for i := 0; i < last; i++ {
		v := structField(cur, rp.idx[i], true)
		if v.IsNull() {
			return connect.Value{}, nil
		}
		next, ok := v.Ref().(*connect.Struct)
		if !ok || next == nil {
			return connect.Value{}, nestedAccessError(steps[:i+1], v.Any(), "Struct")
		}
		cur = next
	}
	return structField(cur, rp.idx[last], withDefault), nil
}

// structField returns field i of st, or the field's default when it is
// null and withDefault is set, as a Value of the field's type.
func structField(st *connect.Struct, i int, withDefault bool) connect.Value {
	fields := st.Schema().Fields
	if i < 0 || i >= len(fields) {
		return connect.Value{}
	}
	v := st.At(i)
	if v.IsNull() && withDefault {
		if fs := fields[i].Schema; fs != nil && fs.Default != nil {
			return schemaValue(fs, fs.Default)
		}
	}
	return v
}
