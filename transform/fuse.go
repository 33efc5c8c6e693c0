package transform

import (
	"slices"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// This file fuses runs of struct-rebuilding steps. ReplaceField,
// InsertField and Cast (of fields) each build a new Struct from the one
// before; a Chain whose consecutive steps are such transforms, on the same
// side of the record and without predicates, builds only the last of those
// structs. Per input schema, a structRun compiles a fusedPlan: for each
// output field, where its value comes from (an input field or a record
// attribute InsertField inserts) and the operations the steps would apply
// to it on its way, each with the check Struct.SetAt or Struct.CopyAt
// would make. Running the plan computes every output value without the
// intermediate structs.
//
// The fused path only ever succeeds with exactly the record the steps
// would produce one after another. Whenever a step could fail or the plan
// does not apply (no plan for the schema, a cast error, a value a check
// rejects, a record without the Kafka offset InsertField needs), it gives
// up without touching the record and the Chain runs the steps one by one,
// which produces the step's own error and returned record.

// structRun is a run of fusable steps: steps[start:end] of a Chain.
type structRun struct {
	end   int // index after the run's last step
	key   bool
	steps []Transformation // *ReplaceField, *InsertField or field *Cast
	plans schemaCache[*fusedPlan]
}

// fusedPlan is a compiled run for one input schema; ok is false when the
// run cannot be fused for it (a step fails to derive its schema).
type fusedPlan struct {
	ok     bool
	out    *connect.Schema
	fields []fusedField
	// dropped are the fields a ReplaceField drops after earlier steps
	// inserted or copied (and checked, and perhaps cast) them: their
	// operations run for the failures they may cause, and their values are
	// discarded.
	dropped []fusedField
}

// fusedField says how one output field is computed.
type fusedField struct {
	src    int        // input field index; -1 for an inserted field
	ins    insertKind // what is inserted, when src < 0
	by     *InsertField
	at     *connect.Schema // the schema of the field the value starts in
	atKind connect.Kind    // expectedKind(at)
	ops    []fusedOp
	// plain is set for an input field that every step copies into a field
	// of its own schema, uncast: a value that is neither null (which a
	// step may replace by its default) nor a container (which CopyAt
	// checks) is then copied with Struct.CopyAt, nothing to run.
	plain bool
}

// insertKind is a record attribute InsertField inserts.
type insertKind uint8

const (
	insertTopic insertKind = iota + 1
	insertPartition
	insertOffset
	insertTimestamp
	insertStatic
)

// fusedOp is what one step does to a field's value: replace a null by the
// default of in (replace), cast it from schema in (cast, 0 for none), and
// store it in a field of schema out, checked unless it is copied as
// Struct.CopyAt copies without checking.
type fusedOp struct {
	replace bool
	cast    connect.Type
	in      *connect.Schema
	out     *connect.Schema
	outKind connect.Kind // the Value kind out stores (expectedKind)
}

// fusable reports whether t can be part of a structRun, and its side.
func fusable(t Transformation) (key bool, ok bool) {
	switch x := t.(type) {
	case *ReplaceField:
		return x.key, true
	case *InsertField:
		return x.cfg.Key, true
	case *Cast:
		return x.key, x.whole == 0
	}
	return false, false
}

// findRuns returns, per step, the run of at least two fusable steps that
// starts there, or nil. Chains with predicates are not fused.
func findRuns(steps []Step) []*structRun {
	var runs []*structRun
	for i := 0; i < len(steps); {
		key, ok := fusable(steps[i].Transform)
		j := i + 1
		for ok && j < len(steps) {
			k, ok2 := fusable(steps[j].Transform)
			if !ok2 || k != key {
				break
			}
			j++
		}
		if ok && j-i >= 2 {
			if runs == nil {
				runs = make([]*structRun, len(steps))
			}
			run := &structRun{end: j, key: key}
			for _, s := range steps[i:j] {
				run.steps = append(run.steps, s.Transform)
			}
			runs[i] = run
		}
		i = j
	}
	return runs
}

// plan returns the plan for input schema s0.
func (u *structRun) plan(s0 *connect.Schema) *fusedPlan {
	p, _ := u.plans.getOrCompute(s0, u.compile)
	return p
}

// compile builds the plan for s0, deriving each step's schema through the
// step's own cache, so the schemas are those the steps use one by one.
func (u *structRun) compile(s0 *connect.Schema) (*fusedPlan, error) {
	no := &fusedPlan{}
	if s0 == nil || s0.Type != connect.StructType {
		return no, nil
	}
	cur := s0
	var dropped []fusedField
	fields := make([]fusedField, len(s0.Fields))
	for i, f := range s0.Fields {
		fields[i] = fusedField{src: i, at: f.Schema, atKind: expectedKind(f.Schema)}
	}
	for _, step := range u.steps {
		switch t := step.(type) {
		case *ReplaceField:
			d, err := t.cache.getOrCompute(cur, t.deriveSchema)
			if err != nil {
				return no, nil
			}
			next := make([]fusedField, len(d.src))
			kept := make([]bool, len(fields))
			for i, src := range d.src {
				next[i] = fields[src].with(newFusedOp(!t.keepNulls, 0, cur.Fields[src].Schema, d.schema.Fields[i].Schema))
				kept[src] = true
			}
			for i, f := range fields {
				if !kept[i] && (len(f.ops) > 0 || f.src < 0) {
					dropped = append(dropped, f)
				}
			}
			fields, cur = next, d.schema
		case *InsertField:
			out, err := t.cache.getOrCompute(cur, t.deriveSchema)
			if err != nil {
				return no, nil
			}
			next := make([]fusedField, 0, len(out.Fields))
			for i, f := range cur.Fields {
				next = append(next, fields[i].with(newFusedOp(!t.cfg.KeepNulls, 0, f.Schema, out.Fields[i].Schema)))
			}
			// In the order deriveSchema adds them.
			for _, ins := range []struct {
				f    InsertedField
				kind insertKind
			}{{t.cfg.Topic, insertTopic}, {t.cfg.Partition, insertPartition}, {t.cfg.Offset, insertOffset},
				{t.cfg.Timestamp, insertTimestamp}, {t.cfg.Static, insertStatic}} {
				if ins.f.Name != "" {
					s := out.Fields[len(next)].Schema
					next = append(next, fusedField{src: -1, ins: ins.kind, by: t, at: s, atKind: expectedKind(s)})
				}
			}
			if len(next) != len(out.Fields) { // cannot happen: deriveSchema adds these
				return no, nil
			}
			fields, cur = next, out
		case *Cast:
			d, err := t.cache.getOrCompute(cur, t.deriveSchema)
			if err != nil || len(d.casts) != len(cur.Fields) {
				return no, nil
			}
			next := make([]fusedField, len(d.casts))
			for i, ty := range d.casts {
				next[i] = fields[i].with(newFusedOp(!t.keepNulls, ty, cur.Fields[i].Schema, d.schema.Fields[i].Schema))
			}
			fields, cur = next, d.schema
		default:
			return no, nil
		}
	}
	for _, fs := range [][]fusedField{fields, dropped} {
		for i := range fs {
			f := &fs[i]
			f.plain = f.src >= 0
			for _, op := range f.ops {
				f.plain = f.plain && op.cast == 0 && op.in == f.at && op.out == f.at
			}
		}
	}
	return &fusedPlan{ok: true, out: cur, fields: fields, dropped: dropped}, nil
}

func newFusedOp(replace bool, cast connect.Type, in, out *connect.Schema) fusedOp {
	return fusedOp{replace: replace, cast: cast, in: in, out: out, outKind: expectedKind(out)}
}

// with returns f with op appended, sharing nothing with f.
func (f fusedField) with(op fusedOp) fusedField {
	f.ops = append(slices.Clip(f.ops), op)
	return f
}

// apply runs the fused run on *r. It returns false, with *r untouched,
// when the steps must run one by one instead.
func (u *structRun) apply(r *connect.Record) bool {
	schema, v := operating(r, u.key)
	st, ok := v.(*connect.Struct)
	if !ok || st == nil || schema == nil || st.Schema() != schema {
		return false
	}
	p := u.plan(schema)
	if !p.ok {
		return false
	}
	for j := range p.dropped {
		ff := &p.dropped[j]
		if ff.plain {
			if k := st.At(ff.src).Kind(); k != connect.KindNull && k != connect.KindAny {
				continue // copied unchecked, nothing can fail
			}
		}
		fv := connect.Value{}
		if ff.src >= 0 {
			fv = st.At(ff.src)
		} else if fv, ok = ff.inserted(r); !ok {
			return false
		}
		if _, _, ok := ff.run(fv); !ok {
			return false
		}
	}
	out := connect.NewStruct(p.out)
	for j := range p.fields {
		ff := &p.fields[j]
		if ff.plain {
			if k := st.At(ff.src).Kind(); k != connect.KindNull && k != connect.KindAny {
				if out.CopyAt(j, st, ff.src) != nil {
					return false
				}
				continue
			}
		}
		var fv connect.Value
		if ff.src >= 0 {
			fv = st.At(ff.src)
		} else if fv, ok = ff.inserted(r); !ok {
			return false
		}
		fv, changed, ok := ff.run(fv)
		if !ok {
			return false
		}
		var err error
		if !changed && ff.src >= 0 {
			err = out.CopyAt(j, st, ff.src)
		} else {
			err = out.SetAt(j, fv)
		}
		if err != nil {
			return false
		}
	}
	setOperating(r, u.key, p.out, out)
	return true
}

// inserted returns the value InsertField inserts, null when it inserts
// none; false when it would fail.
func (ff *fusedField) inserted(r *connect.Record) (connect.Value, bool) {
	switch ff.ins {
	case insertTopic:
		return connect.StringValue(r.Topic), true
	case insertPartition:
		if p, ok := r.Partition(); ok {
			return connect.Int32Value(p), true
		}
		return connect.Value{}, true
	case insertOffset:
		o, ok := r.Origin()
		return connect.Int64Value(o.Offset), ok
	case insertTimestamp:
		if r.Timestamp.IsZero() {
			return connect.Value{}, true
		}
		// Kafka's timestamps are milliseconds.
		return connect.TimeValue(time.UnixMilli(r.Timestamp.UnixMilli())), true
	case insertStatic:
		return connect.StringValue(ff.by.cfg.StaticValue), true
	}
	return connect.Value{}, false
}

// run applies the field's operations to v, the value it starts with. It
// returns the value, whether it differs from v, and false when a step
// would fail.
func (ff *fusedField) run(v connect.Value) (connect.Value, bool, bool) {
	at := ff.at // the schema of the field v is in
	changed := false
	if ff.src < 0 && !v.IsNull() && !fits(at, ff.atKind, v) {
		return v, false, false // InsertField's SetAt would fail
	}
	for i := range ff.ops {
		op := &ff.ops[i]
		switch {
		case op.replace && v.IsNull():
			// Struct.SetAt of the default (then cast, for Cast).
			v = fieldDefaultOf(op.in)
			changed = true
			if op.cast != 0 {
				var err error
				if v, err = castValue(op.in, v, op.cast); err != nil {
					return v, false, false
				}
			}
			if !fits(op.out, op.outKind, v) {
				return v, false, false
			}
		case op.cast != 0:
			var err error
			if v, err = castValue(op.in, v, op.cast); err != nil {
				return v, false, false
			}
			changed = true
			if !fits(op.out, op.outKind, v) {
				return v, false, false
			}
		default:
			// Struct.CopyAt: no check for a value copied between fields
			// of the same schema, unless null or a container.
			k := v.Kind()
			if (k == connect.KindNull || k == connect.KindAny || at != op.out) && !fits(op.out, op.outKind, v) {
				return v, false, false
			}
		}
		at = op.out
	}
	return v, changed, true
}

// fieldDefaultOf is fieldDefault for a field of schema s.
func fieldDefaultOf(s *connect.Schema) connect.Value {
	if s != nil && s.Default != nil {
		return schemaValue(s, s.Default)
	}
	return connect.Value{}
}

// fits reports whether Struct.SetAt accepts v for a field of schema s,
// whose Value kind is want (expectedKind(s)): exactly the check SetAt
// makes.
func fits(s *connect.Schema, want connect.Kind, v connect.Value) bool {
	if s == nil {
		return false
	}
	switch k := v.Kind(); {
	case k == connect.KindNull:
		return s.Optional
	case k != want:
		return false
	case k == connect.KindAny:
		return connect.ValidateValue(s, v.Any()) == nil
	case k == connect.KindDecimal:
		return v.Decimal().Unscaled != nil
	}
	return true
}

// expectedKind is the Value kind a field of schema s stores, as
// connect.Struct decides it: by logical type, then by type; KindAny for
// containers.
func expectedKind(s *connect.Schema) connect.Kind {
	if s == nil {
		return connect.KindAny
	}
	switch s.Logical() {
	case connect.LogicalDecimal:
		return connect.KindDecimal
	case connect.LogicalDate, connect.LogicalTime, connect.LogicalTimestamp:
		return connect.KindTime
	}
	switch s.Type {
	case connect.Int8Type:
		return connect.KindInt8
	case connect.Int16Type:
		return connect.KindInt16
	case connect.Int32Type:
		return connect.KindInt32
	case connect.Int64Type:
		return connect.KindInt64
	case connect.Float32Type:
		return connect.KindFloat32
	case connect.Float64Type:
		return connect.KindFloat64
	case connect.BooleanType:
		return connect.KindBool
	case connect.StringType:
		return connect.KindString
	case connect.BytesType:
		return connect.KindBytes
	}
	return connect.KindAny
}
