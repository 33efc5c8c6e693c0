package jdbc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
)

type field struct {
	name   string
	schema *connect.Schema // nil: a schemaless null, of no inferable type
	// idx is the field's place among a schemaless value's entries.
	idx int
	// create, when set, is the schema auto.create and auto.evolve make
	// the column for, rather than schema.
	create *connect.Schema
}

// shape is the columns a record writes: its primary key columns and the
// others.
type shape struct {
	mode         pkMode
	keys, value  []field
	fromKey      bool // the keys are the record key's
	primitiveKey bool // the record key itself is the one key column
}

func (sh *shape) columns() []jdbc.Column {
	out := make([]jdbc.Column, 0, len(sh.keys)+len(sh.value))
	for _, k := range sh.keys {
		out = append(out, jdbc.Column{Name: k.name, Schema: k.schema, Key: true})
	}
	for _, v := range sh.value {
		schema := v.schema
		if v.create != nil {
			schema = v.create
		}
		out = append(out, jdbc.Column{Name: v.name, Schema: schema})
	}
	return out
}

// plan is a statement and how to bind a record's values to it.
type plan struct {
	sql   string
	shape *shape
	// order says which fields are bound, in the statement's order.
	order []field
	// keyIdx[i] is order[i]'s place among the key columns, or -1.
	keyIdx []int
	// json[i] says order[i] is written as JSON text (jdbc.Dialect.JSON);
	// text[i] that it is a number or boolean going to a text column,
	// written as its text since pgx binds no number to a text parameter.
	json, text []bool
	// cols are the columns of an insert or upsert, in order; rows holds
	// its statements of several rows by their number. Both are nil for
	// other statements.
	cols []string
	rows map[int]string
	// keys is how many of cols are an upsert's key columns, the first
	// ones; 0 for an insert.
	keys int
}

// multiRows returns the plan's insert or upsert of n rows.
func (p *plan) multiRows(d *jdbc.Dialect, table jdbc.TableID, n int, q jdbc.Quoting) (string, error) {
	if s, ok := p.rows[n]; ok {
		return s, nil
	}
	var s string
	var err error
	if p.keys > 0 {
		s, err = d.UpsertRows(table, p.cols[:p.keys], p.cols[p.keys:], n, q)
	} else {
		s, err = d.InsertRows(table, p.cols, n, q)
	}
	if err != nil {
		return "", err
	}
	p.rows[n] = s
	return s, nil
}

// lastOfEachKey keeps, of n rows of width bound values whose first keys
// values are the key, the last row of each key, in their order, and
// returns how many rows are left: within one transaction the last upsert
// of a key decides the row, and PostgreSQL refuses a statement that
// changes one row twice.
func lastOfEachKey(args []any, width, keys, n int) int {
	sigs := make([]string, n)
	last := make(map[string]int, n)
	var b []byte
	for j := range n {
		b = b[:0]
		for _, v := range args[j*width : j*width+keys] {
			b = appendKeyValue(b, v)
		}
		sigs[j] = string(b)
		last[sigs[j]] = j
	}
	if len(last) == n {
		return n
	}
	out := 0
	for j := range n {
		if last[sigs[j]] != j {
			continue
		}
		copy(args[out*width:(out+1)*width], args[j*width:(j+1)*width])
		out++
	}
	return out
}

// appendKeyValue appends a bound key value, tagged with its type, so that
// two values give equal bytes only when they are equal.
func appendKeyValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, 'n')
	case int64:
		return binary.BigEndian.AppendUint64(append(b, 'i'), uint64(v))
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 'f'), math.Float64bits(v))
	case bool:
		if v {
			return append(b, 'T')
		}
		return append(b, 'F')
	case string:
		return append(binary.AppendUvarint(append(b, 's'), uint64(len(v))), v...)
	case []byte:
		return append(binary.AppendUvarint(append(b, 'b'), uint64(len(v))), v...)
	case time.Time:
		return binary.BigEndian.AppendUint64(append(b, 't'), uint64(v.UnixNano()))
	}
	s := fmt.Sprintf("%T %v", v, v)
	return append(binary.AppendUvarint(append(b, 'x'), uint64(len(s))), s...)
}

func (sh *shape) plan(d *jdbc.Dialect, table jdbc.TableID, st *tableState, s *settings, del bool) (*plan, error) {
	name := func(f field) string {
		c, _ := st.has(f.name)
		return c
	}
	names := func(fs []field) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = name(f)
		}
		return out
	}
	keys, vals := names(sh.keys), names(sh.value)
	p := &plan{shape: sh}
	bindKeys := func() {
		for i, k := range sh.keys {
			p.order, p.keyIdx = append(p.order, k), append(p.keyIdx, i)
		}
	}
	bindVals := func() {
		for _, v := range sh.value {
			p.order, p.keyIdx = append(p.order, v), append(p.keyIdx, -1)
		}
	}
	var err error
	switch {
	case del:
		p.sql, err = d.Delete(table, keys, s.quoting)
		bindKeys()
	case s.insert == modeUpsert:
		p.sql, err = d.Upsert(table, keys, vals, s.quoting)
		p.cols, p.keys = append(keys, vals...), len(keys)
		p.rows = make(map[int]string)
		bindKeys()
		bindVals()
	case s.insert == modeUpdate:
		if len(vals) == 0 {
			return nil, errors.New("insert.mode=update has no column to set besides the primary key")
		}
		p.sql, err = d.Update(table, keys, vals, s.quoting)
		bindVals()
		bindKeys()
	default:
		p.cols = append(keys, vals...)
		p.rows = make(map[int]string)
		p.sql, err = d.Insert(table, p.cols, s.quoting)
		bindKeys()
		bindVals()
	}
	if err != nil {
		return nil, err
	}
	p.json, p.text = make([]bool, len(p.order)), make([]bool, len(p.order))
	for i, f := range p.order {
		colType := st.types[name(f)]
		p.json[i] = d.JSON(f.schema, colType)
		switch f.schema.Type {
		case connect.Int8Type, connect.Int16Type, connect.Int32Type, connect.Int64Type,
			connect.Float32Type, connect.Float64Type, connect.BooleanType:
			p.text[i] = f.schema.Logical() == connect.NotLogical && d.TextColumn(colType)
		}
	}
	return p, nil
}

// args appends the driver values of r's fields in the statement's order.
func (p *plan) args(dst []any, r *connect.Record, d *jdbc.Dialect, s *settings) ([]any, error) {
	value, _ := r.Value.(*connect.Struct)
	key, _ := r.Key.(*connect.Struct)
	for i, f := range p.order {
		var v any
		k := p.keyIdx[i]
		switch {
		case k >= 0 && p.shape.mode == pkKafka:
			o, ok := r.Origin()
			if !ok {
				return nil, errors.New("pk.mode=kafka needs the record's Kafka position, which it has not")
			}
			v = [3]any{o.Topic, o.Partition, o.Offset}[k]
		case k >= 0 && p.shape.primitiveKey:
			if r.Key == nil {
				return nil, errors.New("the key is null: pk.mode=record_key needs one")
			}
			v = r.Key
		case k >= 0 && p.shape.fromKey:
			switch {
			case key != nil:
				v = key.Get(f.name)
			case isSchemaless(r.KeySchema, r.Key):
				v = member(r.Key, f)
			default:
				return nil, errors.New("the key is not a Struct: pk.mode=record_key needs one")
			}
		case value != nil:
			if s.defaults {
				v = value.Get(f.name)
			} else {
				v = value.GetWithoutDefault(f.name)
			}
		case isSchemaless(r.ValueSchema, r.Value):
			v = member(r.Value, f)
		default:
			return nil, errors.New("the value is not a Struct")
		}
		schema := f.schema
		if p.json[i] && v != nil {
			// connect.AppendJSON writes what JsonConverter writes without
			// a schema, decimals as numbers and times as epoch
			// milliseconds.
			text, err := connect.AppendJSON(nil, v)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
			v, schema = string(text), connect.StringSchema
		} else if p.text[i] && v != nil {
			// The JSON text of a number or boolean is what the
			// database's own cast to text gives.
			text, err := connect.AppendJSON(nil, v)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
			v, schema = string(text), connect.StringSchema
		}
		b, err := d.Bind(v, schema, s.loc)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.name, err)
		}
		dst = append(dst, b)
	}
	return dst, nil
}
