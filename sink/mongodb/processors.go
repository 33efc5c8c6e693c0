package mongodb

import (
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/mongodb"
)

// postProcessor changes a record's documents before its write is built,
// the official PostProcessor.
type postProcessor interface {
	process(d *sinkDoc, r *connect.Record) error
}

type processorFunc func(d *sinkDoc, r *connect.Record) error

func (f processorFunc) process(d *sinkDoc, r *connect.Record) error { return f(d, r) }

// documentIDAdder sets the value's _id by the id strategy, unless it has
// one and overwrite.existing is false.
func documentIDAdder(ids *idStrategy, overwrite bool) postProcessor {
	return processorFunc(func(d *sinkDoc, r *connect.Record) error {
		if !d.hasValue {
			return nil
		}
		if _, has := mongodb.Get(d.value, idField); has && !overwrite {
			return nil
		}
		id, err := ids.gen(d, r)
		if err != nil {
			return err
		}
		d.value = mongodb.Set(d.value, idField, id)
		return nil
	})
}

// kafkaMetaAdder adds "topic-partition-offset" and the record's timestamp
// under its type's Java enum name (CREATE_TIME, LOG_APPEND_TIME).
var kafkaMetaAdder = processorFunc(func(d *sinkDoc, r *connect.Record) error {
	if !d.hasValue {
		return nil
	}
	topic, part, offset := kafkaPosition(r)
	d.value = mongodb.Set(d.value, "topic-partition-offset", topic+"-"+strconv.Itoa(int(part))+"-"+strconv.FormatInt(offset, 10))
	if !r.Timestamp.IsZero() {
		switch r.TimestampType {
		case connect.CreateTime:
			d.value = mongodb.Set(d.value, "CREATE_TIME", r.Timestamp.UnixMilli())
		case connect.LogAppendTime:
			d.value = mongodb.Set(d.value, "LOG_APPEND_TIME", r.Timestamp.UnixMilli())
		}
	}
	return nil
})

// nullFieldValueRemover removes the value's null fields, in nested
// documents and in documents in arrays too.
var nullFieldValueRemover = processorFunc(func(d *sinkDoc, _ *connect.Record) error {
	if d.hasValue {
		d.value = removeNulls(d.value)
	}
	return nil
})

func removeNulls(doc bson.D) bson.D {
	out := doc[:0]
	for _, e := range doc {
		switch v := e.Value.(type) {
		case nil:
			continue
		case bson.D:
			e.Value = removeNulls(v)
		case bson.A:
			for i, el := range v {
				if sub, ok := el.(bson.D); ok {
					v[i] = removeNulls(sub)
				}
			}
		}
		out = append(out, e)
	}
	return out
}

// ---- field projection ----

const (
	singleWildcard = "*"
	doubleWildcard = "**"
)

// projector keeps (allow list) or removes (block list) fields of the key
// or the value, by dotted paths with * and ** wildcards, as the official
// AllowListProjector and BlockListProjector do.
type projector struct {
	allow, key bool
	fields     map[string]bool
	order      []string // the block list in its configured order
}

func newProjector(allow, key bool, list string) *projector {
	p := &projector{allow: allow, key: key, fields: map[string]bool{}}
	for _, f := range strings.Split(strings.TrimSpace(list), ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !p.fields[f] {
			p.order = append(p.order, f)
		}
		p.fields[f] = true
		if allow {
			// An allowed nested field keeps the documents it is in.
			for e := f; strings.Contains(e, "."); {
				e = e[:strings.LastIndexByte(e, '.')]
				if e != "" {
					p.fields[e] = true
				}
			}
		}
	}
	return p
}

func (p *projector) process(d *sinkDoc, _ *connect.Record) error {
	doc, has := d.value, d.hasValue
	if p.key {
		doc, has = d.key, d.hasKey
	}
	if !has {
		return nil
	}
	if p.allow {
		doc = p.allowDoc("", doc)
	} else {
		for _, f := range p.order {
			doc = blockDoc(f, doc)
		}
	}
	if p.key {
		d.key = doc
	} else {
		d.value = doc
	}
	return nil
}

func (p *projector) allowDoc(prefix string, doc bson.D) bson.D {
	if p.fields[doubleWildcard] {
		return doc
	}
	out := doc[:0:0]
	for _, e := range doc {
		key := e.Key
		if prefix != "" {
			key = prefix + "." + e.Key
		}
		keep := p.fields[key] || p.wildcardMatch(key)
		switch v := e.Value.(type) {
		case bson.D:
			if !p.fields[key+"."+doubleWildcard] {
				e.Value = p.allowDoc(key, v)
			}
		case bson.A:
			for i, el := range v {
				if sub, ok := el.(bson.D); ok {
					v[i] = p.allowDoc(key, sub)
				}
			}
		}
		if keep {
			out = append(out, e)
		}
	}
	return out
}

func (p *projector) wildcardMatch(key string) bool {
	for f := range p.fields {
		if !strings.Contains(f, ".") && f != singleWildcard && strings.HasSuffix(f, singleWildcard) &&
			strings.HasPrefix(key, f[:len(f)-1]) {
			return true
		}
	}
	parts := strings.Split(key, ".")
	if len(parts) > 16 { // 2^n patterns; deeper paths match only exactly
		return false
	}
	pattern := make([]string, len(parts))
	for c := 0; c < 1<<len(parts); c++ {
		for d := range parts {
			pattern[d] = singleWildcard
			if c&(1<<d) != 0 {
				pattern[d] = parts[d]
			}
		}
		if p.fields[strings.Join(pattern, ".")] {
			return true
		}
	}
	return false
}

func blockDoc(field string, doc bson.D) bson.D {
	first, rest, nested := strings.Cut(field, ".")
	if !nested {
		switch {
		case field == singleWildcard || field == doubleWildcard:
			return blockWildcard(field, "", doc)
		case strings.HasSuffix(field, singleWildcard):
			prefix := field[:len(field)-1]
			out := doc[:0:0]
			for _, e := range doc {
				if !strings.HasPrefix(e.Key, prefix) {
					out = append(out, e)
				}
			}
			return out
		}
		return mongodb.Remove(doc, field)
	}
	if first == singleWildcard || first == doubleWildcard {
		return blockWildcard(first, rest, doc)
	}
	i := mongodb.Index(doc, first)
	if i < 0 {
		return doc
	}
	switch v := doc[i].Value.(type) {
	case bson.D:
		doc[i].Value = blockDoc(rest, v)
	case bson.A:
		for j, el := range v {
			if sub, ok := el.(bson.D); ok {
				v[j] = blockDoc(rest, sub)
			}
		}
	}
	return doc
}

func blockWildcard(first, rest string, doc bson.D) bson.D {
	if first == doubleWildcard {
		return doc[:0]
	}
	out := doc[:0:0]
	for _, e := range doc {
		sub, ok := e.Value.(bson.D)
		if !ok {
			continue
		}
		if rest != "" {
			e.Value = blockDoc(rest, sub)
		}
		out = append(out, e)
	}
	return out
}

// ---- field renaming ----

// renamer renames fields of the key and the value, the official Renamer:
// newName gives a field's new name from its path ("key.a.b", "value.x").
// A field renamed to a name the document already has is dropped, as the
// official renamer drops it.
type renamer struct {
	newName func(path, name string) string
}

func (rn renamer) process(d *sinkDoc, _ *connect.Record) error {
	if d.hasKey {
		d.key = rn.rename("key", d.key)
	}
	if d.hasValue {
		d.value = rn.rename("value", d.value)
	}
	return nil
}

func (rn renamer) rename(path string, doc bson.D) bson.D {
	// Never nil: the driver writes a nil document as null, and an empty
	// one stays {} in the official connector.
	kept := make(bson.D, 0, len(doc))
	var moved bson.D
	for i, e := range doc {
		name := rn.newName(path, e.Key)
		if sub, ok := e.Value.(bson.D); ok {
			e.Value = rn.rename(path+"."+name, sub)
		}
		if name == e.Key {
			kept = append(kept, e)
			continue
		}
		// Java's computeIfAbsent on the document as it stands: fields
		// not yet visited, kept ones, and none of the removed ones.
		taken := mongodb.Index(kept, name) >= 0 || mongodb.Index(doc[i+1:], name) >= 0
		if !taken && mongodb.Index(moved, name) < 0 {
			moved = append(moved, bson.E{Key: name, Value: e.Value})
		}
	}
	return append(kept, moved...)
}

func renameByMapping(m map[string]string) renamer {
	return renamer{newName: func(path, name string) string {
		if n, ok := m[path+"."+name]; ok {
			return n
		}
		return name
	}}
}

func renameByRegexp(rules []renameRegexp) renamer {
	return renamer{newName: func(path, name string) string {
		full := path + "." + name
		out := name
		for _, r := range rules {
			if r.path.MatchString(full) {
				out = r.replace.ReplaceAll(r.pattern, out)
			}
		}
		return out
	}}
}
