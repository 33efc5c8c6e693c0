package postgrescdc

import (
	"fmt"
	"strconv"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// sourceSchemaName is the name of the source block's schema, Debezium's.
const sourceSchemaName = "io.debezium.connector.postgresql.Source"

// snapshotMarkers are the values of the source block's snapshot field, in
// the order of Debezium's SnapshotRecord enum (the Enum's allowed list).
const snapshotMarkers = "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"

// sourceSchema is Debezium 3.x's PostgreSQL source block: the common
// fields, then the PostgreSQL ones.
var sourceSchema = func() *connect.Schema {
	snapshot := &connect.Schema{Type: connect.StringType, Optional: true, Default: "false", Name: enumName, Version: 1,
		Parameters: []connect.Parameter{{Key: "allowed", Value: snapshotMarkers}}}
	s := connect.StructOf(
		connect.F("version", connect.StringSchema),
		connect.F("connector", connect.StringSchema),
		connect.F("name", connect.StringSchema),
		connect.F("ts_ms", connect.Int64Schema),
		connect.F("snapshot", snapshot),
		connect.F("db", connect.StringSchema),
		connect.F("sequence", connect.OptionalStringSchema),
		connect.F("ts_us", connect.OptionalInt64Schema),
		connect.F("ts_ns", connect.OptionalInt64Schema),
		connect.F("schema", connect.StringSchema),
		connect.F("table", connect.StringSchema),
		connect.F("txId", connect.OptionalInt64Schema),
		connect.F("lsn", connect.OptionalInt64Schema),
		connect.F("xmin", connect.OptionalInt64Schema),
		connect.F("origin", connect.OptionalStringSchema),
		connect.F("origin_lsn", connect.OptionalInt64Schema),
	)
	s.Name, s.Version = sourceSchemaName, 1
	return s
}()

// transactionSchema is Debezium's transaction block (event.block).
var transactionSchema = func() *connect.Schema {
	s := connect.StructOf(
		connect.F("id", connect.StringSchema),
		connect.F("total_order", connect.Int64Schema),
		connect.F("data_collection_order", connect.Int64Schema),
	)
	s.Name, s.Version, s.Optional = "event.block", 1, true
	return s
}()

// The heartbeat record's schemas, Debezium's.
var (
	heartbeatKeySchema = func() *connect.Schema {
		s := connect.StructOf(connect.F("serverName", connect.StringSchema))
		s.Name, s.Version = "io.debezium.connector.common.ServerNameKey", 1
		return s
	}()
	heartbeatValueSchema = func() *connect.Schema {
		s := connect.StructOf(connect.F("ts_ms", connect.Int64Schema))
		s.Name, s.Version = "io.debezium.connector.common.Heartbeat", 1
		return s
	}()
)

// column is one column of a captured table.
type column struct {
	name     string
	typ      typeInfo
	optional bool
	m        mapper
	schema   *connect.Schema // m.schema, optional when the column is
	mapped   bool            // false: a type the connector does not map
}

// table is a captured table as the connector knows it now: its columns in
// the order the database sends them, and the schemas of its records.
type table struct {
	oid          uint32
	schema, name string
	topic        string
	columns      []column
	// keyIdx and valIdx are the positions in columns of the key's and the
	// value's fields.
	keyIdx, valIdx []int
	key            *connect.Schema // nil without a primary key
	value          *connect.Schema
	envelope       *connect.Schema
}

// build makes a table's schemas from its columns and key columns.
func (s *settings) build(t *table, keyNames []string) {
	t.topic = s.prefix + "." + t.schema + "." + t.name
	base := t.topic
	var vf []connect.Field
	t.valIdx = t.valIdx[:0]
	for i, c := range t.columns {
		if !c.mapped || !s.columnWanted(t.schema, t.name, c.name) {
			continue
		}
		t.valIdx = append(t.valIdx, i)
		vf = append(vf, connect.F(c.name, c.schema))
	}
	t.value = connect.StructOf(vf...)
	t.value.Name, t.value.Optional = base+".Value", true
	t.key, t.keyIdx = nil, nil
	if custom := s.keyColumnsOf(t.schema, t.name); custom != nil {
		keyNames = nil
		for _, c := range t.columns {
			for _, k := range custom {
				if c.name == k {
					keyNames = append(keyNames, k)
				}
			}
		}
	}
	var kf []connect.Field
	for _, k := range keyNames {
		for i, c := range t.columns {
			if c.name == k && c.mapped {
				t.keyIdx = append(t.keyIdx, i)
				kf = append(kf, connect.F(c.name, c.schema))
			}
		}
	}
	if len(kf) > 0 {
		t.key = connect.StructOf(kf...)
		t.key.Name = base + ".Key"
	}
	t.envelope = connect.StructOf(
		connect.F("before", t.value),
		connect.F("after", t.value),
		connect.F("source", sourceSchema),
		connect.F("transaction", transactionSchema),
		connect.F("op", connect.StringSchema),
		connect.F("ts_ms", connect.OptionalInt64Schema),
		connect.F("ts_us", connect.OptionalInt64Schema),
		connect.F("ts_ns", connect.OptionalInt64Schema),
	)
	t.envelope.Name, t.envelope.Version = base+".Envelope", 2
}

// cell is one column's value as the database sent it.
type cell struct {
	text string
	kind byte // 't' text, 'n' null, 'u' unchanged TOAST value
}

// row turns cells (one per column, in column order) into the struct of
// the positions idx, with schema sc.
func (t *table) row(sc *connect.Schema, idx []int, cells []cell) (*connect.Struct, error) {
	st := connect.NewStruct(sc)
	for f, i := range idx {
		c := &t.columns[i]
		var v any
		if i < len(cells) {
			switch cells[i].kind {
			case 't':
				var err error
				if v, err = c.m.parse(cells[i].text); err != nil {
					return nil, fmt.Errorf("table %s.%s column %s (%s): %w", t.schema, t.name, c.name, c.typ.name, err)
				}
			case 'u':
				v = c.unchangedToast()
			}
		}
		if v == nil && !c.optional {
			v = c.m.zero
		}
		if v == nil {
			continue
		}
		if inner, ok := v.(*connect.Struct); ok && inner.Schema() != sc.Fields[f].Schema {
			// A struct-valued type (VariableScaleDecimal) is built on
			// the required schema; the field may be its optional copy.
			v = restruct(inner, sc.Fields[f].Schema)
		}
		if err := st.SetAt(f, connect.AnyValue(v)); err != nil {
			return nil, fmt.Errorf("table %s.%s column %s (%s): %w", t.schema, t.name, c.name, c.typ.name, err)
		}
	}
	return st, nil
}

// position is where in the WAL an event is, as Debezium's offsets and
// source block say it.
type position struct {
	lsn, lsnProc, lsnCommit uint64 // 0: absent
	txID                    int64  // 0: absent
	commitTime              time.Time
	msgType                 string
	// snapshot is the source block's marker of a snapshot record, ""
	// for a streamed one; last says it is the snapshot's last record.
	snapshot string
	last     bool
	// incremental are the incremental_snapshot_* entries of an
	// incremental snapshot in progress.
	incremental []connect.MapEntry
}

// offset is the position as Debezium's PostgresOffsetContext writes it.
func (p *position) offset() connect.Offset {
	e := make([]connect.MapEntry, 0, 7)
	e = append(e, connect.MapEntry{Key: "ts_usec", Value: p.commitTime.UnixMicro()})
	if p.txID != 0 {
		e = append(e, connect.MapEntry{Key: "txId", Value: p.txID})
	}
	if p.lsn != 0 {
		e = append(e, connect.MapEntry{Key: "lsn", Value: int64(p.lsn)})
	}
	if p.snapshot != "" && p.snapshot != "incremental" {
		e = append(e, connect.MapEntry{Key: "snapshot", Value: "INITIAL"},
			connect.MapEntry{Key: "last_snapshot_record", Value: p.last},
			connect.MapEntry{Key: "snapshot_completed", Value: p.last})
	} else {
		if p.lsnProc != 0 {
			e = append(e, connect.MapEntry{Key: "lsn_proc", Value: int64(p.lsnProc)})
		}
		if p.lsnCommit != 0 {
			e = append(e, connect.MapEntry{Key: "lsn_commit", Value: int64(p.lsnCommit)})
		}
		if p.msgType != "" {
			e = append(e, connect.MapEntry{Key: "messageType", Value: p.msgType})
		}
	}
	if p.snapshot == "incremental" {
		// As Debezium's offset context during an incremental snapshot's
		// events: its snapshot flags stay as the task started with them.
		e = append(e, connect.MapEntry{Key: "snapshot", Value: incrementalSnapshotKind},
			connect.MapEntry{Key: "last_snapshot_record", Value: p.last},
			connect.MapEntry{Key: "snapshot_completed", Value: p.last})
	}
	e = append(e, p.incremental...)
	o, err := connect.OffsetFromEntries(e)
	if err != nil {
		panic(err) // the values above are all primitives
	}
	return o
}

// source fills the source block of an event of table t.
func (s *settings) source(t *table, p *position, version string) *connect.Struct {
	st := connect.NewStruct(sourceSchema)
	ts := p.commitTime
	set := func(i int, v connect.Value) { _ = st.SetAt(i, v) }
	set(0, connect.StringValue(version))
	set(1, connect.StringValue("postgresql"))
	set(2, connect.StringValue(s.prefix))
	set(3, connect.Int64Value(ts.UnixMilli()))
	if p.snapshot != "" {
		set(4, connect.StringValue(p.snapshot))
	} else {
		set(4, connect.StringValue("false"))
	}
	set(5, connect.StringValue(s.dbname))
	seq := make([]byte, 0, 48)
	seq = append(seq, '[')
	for i, l := range []uint64{p.lsnCommit, p.lsn} {
		if i > 0 {
			seq = append(seq, ',')
		}
		if l == 0 {
			seq = append(seq, "null"...)
		} else {
			seq = append(strconv.AppendUint(append(seq, '"'), l, 10), '"')
		}
	}
	set(6, connect.StringValue(string(append(seq, ']'))))
	set(7, connect.Int64Value(ts.UnixMicro()))
	set(8, connect.Int64Value(ts.UnixNano()))
	set(9, connect.StringValue(t.schema))
	set(10, connect.StringValue(t.name))
	if p.txID != 0 {
		set(11, connect.Int64Value(p.txID))
	}
	if p.lsn != 0 {
		set(12, connect.Int64Value(int64(p.lsn)))
	}
	return st
}

// restruct copies st's values into a struct of schema sc, which has the
// same fields.
func restruct(st *connect.Struct, sc *connect.Schema) *connect.Struct {
	out := connect.NewStruct(sc)
	for i := range sc.Fields {
		_ = out.SetAt(i, st.At(i))
	}
	return out
}
