package postgrescdc_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
)

// TestTypeMapping reads a row of every mapped type, once by the snapshot
// and once streamed: both give Debezium's schema (name, type, parameters)
// and value for each column.
func TestTypeMapping(t *testing.T) {
	p := newPG(t)
	p.exec(t, `CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy')`)
	p.exec(t, `CREATE TABLE public.ty (id int PRIMARY KEY,
		i2 smallint, i8 bigint, n numeric(10,2), nv numeric, f4 real, f8 double precision, b boolean,
		tx text, vc varchar(10), ch char(3), tz timestamptz, tz0 timestamptz(0), ts timestamp, ts3 timestamp(3),
		d date, tm time, tm3 time(3), u uuid, j json, jb jsonb, by bytea, ia int[], ta text[], m public.mood,
		iv interval, mo money, nn text NOT NULL)`)
	row := `INSERT INTO public.ty VALUES (%d, 1, 2, 12.34, 1.5, 1.5, 2.25, true, 'hello', 'v', 'ab',
		'2024-01-02 03:04:05.123456+02', '2024-01-02 03:04:05.5+00', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123',
		'2024-01-02', '03:04:05.5', '03:04:05.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"a":1}', '\x0102',
		'{1,NULL,3}', '{"a b",c}', 'happy', '1 day 02:00:00', 12.34, 'x')`
	p.exec(t, fmt.Sprintf(row, 1))
	r := start(t, p.config(), nil)
	snap := r.until(1)[0]
	p.exec(t, fmt.Sprintf(row, 2))
	streamed := r.until(1)[0]

	type want struct {
		name, typ string
		params    string
		value     any
	}
	dec := func(unscaled int64, scale int32) connect.Decimal { return connect.NewDecimal(unscaled, scale) }
	wants := map[string]want{
		"i2":  {"", "INT16", "", int16(1)},
		"i8":  {"", "INT64", "", int64(2)},
		"n":   {"org.apache.kafka.connect.data.Decimal", "BYTES", "scale=2;connect.decimal.precision=10", dec(1234, 2)},
		"f4":  {"", "FLOAT32", "", float32(1.5)},
		"f8":  {"", "FLOAT64", "", 2.25},
		"b":   {"", "BOOLEAN", "", true},
		"tx":  {"", "STRING", "", "hello"},
		"vc":  {"", "STRING", "", "v"},
		"ch":  {"", "STRING", "", "ab "},
		"tz":  {"io.debezium.time.ZonedTimestamp", "STRING", "", "2024-01-02T01:04:05.123456Z"},
		"tz0": {"io.debezium.time.ZonedTimestamp", "STRING", "", "2024-01-02T03:04:06Z"},
		"ts":  {"io.debezium.time.MicroTimestamp", "INT64", "", int64(1704164645123456)},
		"ts3": {"io.debezium.time.Timestamp", "INT64", "", int64(1704164645123)},
		"d":   {"io.debezium.time.Date", "INT32", "", int32(19724)},
		"tm":  {"io.debezium.time.MicroTime", "INT64", "", int64(11045500000)},
		"tm3": {"io.debezium.time.Time", "INT32", "", int32(11045500)},
		"u":   {"io.debezium.data.Uuid", "STRING", "", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		"j":   {"io.debezium.data.Json", "STRING", "", `{"a": 1}`},
		"jb":  {"io.debezium.data.Json", "STRING", "", `{"a": 1}`},
		"by":  {"", "BYTES", "", []byte{1, 2}},
		"ia":  {"", "ARRAY", "", []any{int32(1), nil, int32(3)}},
		"ta":  {"", "ARRAY", "", []any{"a b", "c"}},
		"m":   {"io.debezium.data.Enum", "STRING", "allowed=sad,ok,happy", "happy"},
		"iv":  {"io.debezium.time.MicroDuration", "INT64", "", int64(93600000000)},
		"mo":  {"org.apache.kafka.connect.data.Decimal", "BYTES", "scale=2", dec(1234, 2)},
		"nn":  {"", "STRING", "", "x"},
	}
	for _, rec := range []connect.Record{snap, streamed} {
		after := field(t, rec.Value, "after").(*connect.Struct)
		sc := after.Schema()
		for col, w := range wants {
			f, ok := sc.Field(col)
			if !ok {
				t.Errorf("%s: no field", col)
				continue
			}
			var params []string
			for _, p := range f.Schema.Parameters {
				params = append(params, p.Key+"="+p.Value)
			}
			got := after.Get(col)
			if f.Schema.Name != w.name || f.Schema.Type.String() != w.typ || strings.Join(params, ";") != w.params {
				t.Errorf("%s (op %v): schema %s %s %v, want %s %s %s", col, field(t, rec.Value, "op"), f.Schema.Name,
					f.Schema.Type, params, w.name, w.typ, w.params)
			}
			if f.Schema.Optional == (col == "nn") {
				t.Errorf("%s: optional %v", col, f.Schema.Optional)
			}
			switch wv := w.value.(type) {
			case connect.Decimal:
				if gv, ok := got.(connect.Decimal); !ok || !gv.Equal(wv) {
					t.Errorf("%s: %v, want %v", col, got, wv)
				}
			case []byte:
				if !bytes.Equal(got.([]byte), wv) {
					t.Errorf("%s: %v, want %v", col, got, wv)
				}
			default:
				if !reflect.DeepEqual(got, wv) {
					t.Errorf("%s: %#v, want %#v", col, got, wv)
				}
			}
		}
		nv := after.Get("nv").(*connect.Struct)
		if nv.Schema().Name != "io.debezium.data.VariableScaleDecimal" || nv.Get("scale") != int32(1) ||
			!bytes.Equal(nv.Get("value").([]byte), []byte{15}) {
			t.Errorf("nv: %v", nv)
		}
	}
}
