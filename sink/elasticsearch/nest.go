package elasticsearch

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/kconnect-go/kconnect/connect"
)

// Confluent's connector writes a map as an array of {"key": …, "value": …}
// objects, when the schema is used, unless compact.map.entries is true and
// its keys are strings: JsonConverter would write other maps as arrays of
// [key, value] pairs, which Elasticsearch cannot map. nester rewrites a
// value schema and its values so; its cache is the task's, keyed by the
// record's schema, which the runtime shares between records.
type nester struct {
	compact bool
	cache   map[*connect.Schema]*connect.Schema
}

// schema returns s with its maps rewritten, or s itself when none is.
func (n *nester) schema(s *connect.Schema) *connect.Schema {
	if s == nil {
		return nil
	}
	if ns, ok := n.cache[s]; ok {
		return ns
	}
	ns := n.rewrite(s)
	if n.cache == nil {
		n.cache = map[*connect.Schema]*connect.Schema{}
	}
	if len(n.cache) > 1000 { // schemas made per record: do not grow without bound
		clear(n.cache)
	}
	n.cache[s] = ns
	return ns
}

func (n *nester) rewrite(s *connect.Schema) *connect.Schema {
	if s.Logical() != connect.NotLogical {
		return s
	}
	switch s.Type {
	case connect.ArrayType:
		elem := n.rewrite(s.Elem)
		if elem == s.Elem {
			return s
		}
		return n.basics(s, connect.ArrayOf(elem))
	case connect.MapType:
		key, value := n.rewrite(s.Key), n.rewrite(s.Elem)
		if n.compact && s.Key.Type == connect.StringType {
			if key == s.Key && value == s.Elem {
				return s
			}
			return n.basics(s, connect.MapOf(key, value))
		}
		return n.basics(s, connect.ArrayOf(connect.StructOf(connect.F("key", key), connect.F("value", value))))
	case connect.StructType:
		var fields []connect.Field
		for i, f := range s.Fields {
			fs := n.rewrite(f.Schema)
			if fs != f.Schema && fields == nil {
				fields = make([]connect.Field, len(s.Fields))
				for j := range i {
					fields[j] = connect.F(s.Fields[j].Name, s.Fields[j].Schema)
				}
			}
			if fields != nil {
				fields[i] = connect.F(f.Name, fs)
			}
		}
		if fields == nil {
			return s
		}
		ns := connect.StructOf(fields...)
		ns.Name, ns.Optional = s.Name, s.Optional
		return ns
	}
	return s
}

// basics copies what JsonConverter reads of a schema besides its type:
// whether it is optional, and its default, rewritten too.
func (n *nester) basics(s, ns *connect.Schema) *connect.Schema {
	ns.Optional = s.Optional
	if s.Default != nil {
		ns.Default, _ = n.value(s, ns, s.Default)
	}
	return ns
}

// value rewrites v, of schema s, to ns = n.schema(s).
func (n *nester) value(s, ns *connect.Schema, v any) (any, error) {
	if v == nil || s == ns {
		return v, nil
	}
	switch s.Type {
	case connect.ArrayType:
		in, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("an ARRAY value is a %T", v)
		}
		out := make([]any, len(in))
		for i, e := range in {
			var err error
			if out[i], err = n.value(s.Elem, ns.Elem, e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case connect.MapType:
		entries, err := mapEntries(v)
		if err != nil {
			return nil, err
		}
		if ns.Type == connect.MapType { // compact, with values rewritten
			out := make(map[string]any, len(entries))
			for _, e := range entries {
				if out[e.Key.(string)], err = n.value(s.Elem, ns.Elem, e.Value); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
		es := ns.Elem
		out := make([]any, len(entries))
		structs := connect.NewStructs(es, len(entries))
		for i, e := range entries {
			k, err := n.value(s.Key, es.Fields[0].Schema, e.Key)
			if err != nil {
				return nil, err
			}
			val, err := n.value(s.Elem, es.Fields[1].Schema, e.Value)
			if err != nil {
				return nil, err
			}
			if err := structs[i].Put("key", k); err != nil {
				return nil, err
			}
			if err := structs[i].Put("value", val); err != nil {
				return nil, err
			}
			out[i] = structs[i]
		}
		return out, nil
	case connect.StructType:
		in, ok := v.(*connect.Struct)
		if !ok {
			return nil, fmt.Errorf("a STRUCT value is a %T", v)
		}
		out := connect.NewStruct(ns)
		for i, f := range s.Fields {
			fv, err := n.value(f.Schema, ns.Fields[i].Schema, in.Get(f.Name))
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
			if fv == nil {
				continue
			}
			if err := out.Put(f.Name, fv); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		return out, nil
	}
	return v, nil
}

// mapEntries lists a MAP value's entries, those of Go maps sorted by key
// so that documents are the same from run to run.
func mapEntries(v any) ([]connect.MapEntry, error) {
	var out []connect.MapEntry
	switch m := v.(type) {
	case []connect.MapEntry:
		return m, nil
	case map[string]any:
		out = make([]connect.MapEntry, 0, len(m))
		for k, val := range m {
			out = append(out, connect.MapEntry{Key: k, Value: val})
		}
	case map[any]any:
		out = make([]connect.MapEntry, 0, len(m))
		for k, val := range m {
			out = append(out, connect.MapEntry{Key: k, Value: val})
		}
	default:
		return nil, fmt.Errorf("a MAP value is a %T", v)
	}
	slices.SortFunc(out, func(a, b connect.MapEntry) int { return cmp.Compare(fmt.Sprint(a.Key), fmt.Sprint(b.Key)) })
	return out, nil
}
