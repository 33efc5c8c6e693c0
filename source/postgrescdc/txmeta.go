package postgrescdc

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
)

// Debezium's transaction metadata records (provide.transaction.metadata),
// on the topic <topic.prefix>.transaction.
var (
	txKeySchema = func() *connect.Schema {
		s := connect.StructOf(connect.F("id", connect.StringSchema))
		s.Name, s.Version = "io.debezium.connector.common.TransactionMetadataKey", 1
		return s
	}()
	txCollectionSchema = func() *connect.Schema {
		s := connect.StructOf(connect.F("data_collection", connect.StringSchema), connect.F("event_count", connect.Int64Schema))
		s.Name, s.Version, s.Optional = "event.collection", 1, true
		return s
	}()
	txValueSchema = func() *connect.Schema {
		collections := connect.ArrayOf(txCollectionSchema).AsOptional()
		s := connect.StructOf(
			connect.F("status", connect.StringSchema),
			connect.F("id", connect.StringSchema),
			connect.F("event_count", connect.OptionalInt64Schema),
			connect.F("data_collections", collections),
			connect.F("ts_ms", connect.Int64Schema),
		)
		s.Name, s.Version = "io.debezium.connector.common.TransactionMetadataValue", 1
		return s
	}()
)

// The offset keys of the transaction in progress, Debezium's
// TransactionContext's.
const (
	txIDOffsetKey         = "transaction_id"
	txOrderOffsetKeyStart = "transaction_data_collection_order_"
)

// txState counts the change events of the transaction being streamed,
// for the transaction block of each event and its END record.
type txState struct {
	began bool // its BEGIN record is written
	total int64
	// perTable counts events by "<schema>.<table>", tables in the order
	// of their first event.
	perTable map[string]int64
	tables   []string
}

func (x *txState) reset() { *x = txState{} }

func (x *txState) clone() txState {
	c := *x
	c.perTable = maps.Clone(x.perTable)
	c.tables = slices.Clone(x.tables)
	return c
}

// entries are the offset's entries of the transaction: its id and each
// table's count so far.
func (x *txState) entries(txID int64) []connect.MapEntry {
	if !x.began {
		return nil
	}
	e := make([]connect.MapEntry, 0, 1+len(x.tables))
	e = append(e, connect.MapEntry{Key: txIDOffsetKey, Value: strconv.FormatInt(txID, 10)})
	for _, t := range x.tables {
		e = append(e, connect.MapEntry{Key: txOrderOffsetKeyStart + t, Value: x.perTable[t]})
	}
	return e
}

// readTxState restores the counts of the transaction an offset stopped
// in, so that events after it go on numbering where it left off.
func readTxState(off connect.Offset) txState {
	var x txState
	if _, ok := off.Get(txIDOffsetKey); !ok {
		return x
	}
	x.began = true
	x.perTable = map[string]int64{}
	for k, v := range off.All() {
		if t, ok := strings.CutPrefix(k, txOrderOffsetKeyStart); ok {
			n, _ := v.(int64)
			x.perTable[t] = n
			x.tables = append(x.tables, t)
			x.total += n
		}
	}
	return x
}

// withTx returns the position's offset with the transaction's entries.
func withTx(p *position, x *txState) connect.Offset {
	base := p.offset()
	extra := x.entries(p.txID)
	if len(extra) == 0 {
		return base
	}
	e := make([]connect.MapEntry, 0, base.Len()+len(extra))
	for k, v := range base.All() {
		e = append(e, connect.MapEntry{Key: k, Value: v})
	}
	o, err := connect.OffsetFromEntries(append(e, extra...))
	if err != nil {
		panic(err) // the values are all primitives
	}
	return o
}

func txID(p *position, lsn uint64) string {
	return strconv.FormatInt(p.txID, 10) + ":" + strconv.FormatUint(lsn, 10)
}

// txEvent numbers change event r of table tb in its transaction: before
// the transaction's first event it writes the BEGIN record, then fills the
// event's transaction block and puts the transaction in its offset.
func (st *streamState) txEvent(ctx context.Context, r *connect.Record, tb *table) error {
	x := &st.tx
	if !x.began {
		x.began = true
		x.perTable = map[string]int64{}
		if err := st.emitTx(ctx, "BEGIN", txID(&st.pos, st.pos.lsn)); err != nil {
			return err
		}
	}
	name := tb.schema + "." + tb.name
	if _, ok := x.perTable[name]; !ok {
		x.tables = append(x.tables, name)
	}
	x.total++
	x.perTable[name]++
	block := connect.NewStruct(transactionSchema)
	_ = block.SetAt(0, connect.StringValue(txID(&st.pos, st.pos.lsn)))
	_ = block.SetAt(1, connect.Int64Value(x.total))
	_ = block.SetAt(2, connect.Int64Value(x.perTable[name]))
	if env, ok := r.Value.(*connect.Struct); ok {
		_ = env.SetAt(3, connect.AnyValue(block))
	}
	r.SourceOffset = withTx(&st.pos, x)
	return nil
}

// txEnd writes the END record of a transaction that had change events,
// at its commit.
func (st *streamState) txEnd(ctx context.Context) error {
	x := &st.tx
	defer x.reset()
	if !x.began {
		return nil
	}
	return st.emitTx(ctx, "END", txID(&st.pos, st.pos.lsn))
}

// emitTx queues a BEGIN or END record: END counts the events, by table in
// the order Debezium's HashMap of them iterates.
func (st *streamState) emitTx(ctx context.Context, status, id string) error {
	t, x := st.t, &st.tx
	k := connect.NewStruct(txKeySchema)
	_ = k.SetAt(0, connect.StringValue(id))
	v := connect.NewStruct(txValueSchema)
	_ = v.SetAt(0, connect.StringValue(status))
	_ = v.SetAt(1, connect.StringValue(id))
	if status == "END" {
		_ = v.SetAt(2, connect.Int64Value(x.total))
		tables := append([]string(nil), x.tables...)
		connect.JavaHashMapOrder(tables)
		items := make([]any, len(tables))
		for i, tb := range tables {
			c := connect.NewStruct(txCollectionSchema)
			_ = c.SetAt(0, connect.StringValue(tb))
			_ = c.SetAt(1, connect.Int64Value(x.perTable[tb]))
			items[i] = c
		}
		_ = v.SetAt(3, connect.AnyValue(items))
	}
	_ = v.SetAt(4, connect.Int64Value(st.pos.commitTime.UnixMilli()))
	return st.emit(ctx, connect.Record{Topic: t.s.prefix + ".transaction", KeySchema: txKeySchema, Key: k,
		ValueSchema: txValueSchema, Value: v, SourcePartition: t.partition, SourceOffset: withTx(&st.pos, x)})
}
