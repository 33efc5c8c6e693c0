package postgrescdc

import "testing"

func TestColumnDefault(t *testing.T) {
	s := &settings{decimal: "precise", timePrecision: "adaptive", binary: "bytes", interval: "numeric"}
	str := &settings{decimal: "string", timePrecision: "adaptive", binary: "bytes", interval: "string"}
	for _, c := range []struct {
		s    *settings
		ti   typeInfo
		expr string
		want any
	}{
		{s, typeInfo{oid: oidInt4}, "7", int32(7)},
		{s, typeInfo{oid: oidInt4}, "'-1'::integer", int32(-1)},
		{s, typeInfo{oid: oidInt4}, "nextval('t_id_seq'::regclass)", int32(0)},
		{s, typeInfo{oid: oidInt4}, "NULL::integer", nil},
		{s, typeInfo{oid: oidInt8}, "'9223372036854775807'::bigint", int64(9223372036854775807)},
		{s, typeInfo{oid: oidBool}, "true", true},
		{s, typeInfo{oid: oidBool}, "false", false},
		{s, typeInfo{oid: oidText}, "'it''s'::text", "it"},
		{s, typeInfo{oid: oidText}, "('a'::text || 'b'::text)", "a"},
		{s, typeInfo{oid: oidVarchar}, "'x'::character varying", "x"},
		{s, typeInfo{oid: oidFloat8}, "1.5", 1.5},
		{s, typeInfo{oid: oidTimestamptz, typmod: -1}, "now()", "1970-01-01T00:00:00.000000Z"},
		{s, typeInfo{oid: oidTimestamptz, typmod: -1}, "CURRENT_TIMESTAMP", "1970-01-01T00:00:00.000000Z"},
		{s, typeInfo{oid: oidDate}, "'2020-02-29'::date", int32(18321)},
		{s, typeInfo{oid: oidInterval}, "'P1DT2H'::interval", int64(93600000000)},
		{str, typeInfo{oid: oidInterval}, "'P1DT2H'::interval", "P0Y0M1DT2H0M0S"},
		{str, typeInfo{oid: oidNumeric, typmod: 6<<16 | 2 + 4}, "1.5", "1.50"},
		{s, typeInfo{oid: oidNumeric}, "1.5", nil}, // a VariableScaleDecimal struct
		{s, typeInfo{oid: oidUUID}, "gen_random_uuid()", "00000000-0000-0000-0000-000000000000"},
		{s, typeInfo{oid: oidTimetz}, "'12:00:00+00'::time with time zone", nil},
		{s, typeInfo{oid: 1000, elem: oidInt4}, "'{1,2}'::integer[]", nil},
		{s, typeInfo{oid: 99999, name: "mood", enum: []string{"sad", "ok"}}, "'ok'::mood", "ok"},
		{s, typeInfo{oid: 99999, name: "mood", enum: []string{"sad", "ok"}}, "f()", nil},
	} {
		m, _ := c.s.mapType(c.ti, nil)
		got, ok := columnDefault(c.ti, m, c.expr)
		if ok != (c.want != nil) || got != c.want {
			t.Errorf("%s: got %v %v, want %v", c.expr, got, ok, c.want)
		}
	}
}

func TestIntervalString(t *testing.T) {
	for in, want := range map[string]string{
		"P1Y2M3DT4H5M6.789S":  "P1Y2M3DT4H5M6.789S",
		"P-1DT-1S":            "P0Y0M-1DT0H0M-1S",
		"PT0S":                "P0Y0M0DT0H0M0S",
		"P-1Y-2MT-2H-3M-4.5S": "P-1Y-2M0DT-2H-3M-4.5S",
		"PT1.500000S":         "P0Y0M0DT0H0M1.5S",
		"P3D":                 "P0Y0M3DT0H0M0S",
	} {
		got, err := intervalString(in)
		if err != nil || got != want {
			t.Errorf("%s: got %v %v, want %s", in, got, err, want)
		}
	}
}

// A task restarted inside a transaction numbers its events on from the
// counts its offset holds.
func TestTxStateFromOffset(t *testing.T) {
	x := txState{began: true, total: 3, perTable: map[string]int64{"public.a": 2, "shop.b": 1},
		tables: []string{"public.a", "shop.b"}}
	p := position{lsn: 100, lsnProc: 100, lsnCommit: 90, txID: 7, msgType: "INSERT"}
	off := withTx(&p, &x)
	if got, _ := off.Get("transaction_id"); got != "7" {
		t.Fatalf("transaction_id %v in %s", got, off)
	}
	back := readTxState(off)
	if !back.began || back.total != 3 || back.perTable["public.a"] != 2 || back.perTable["shop.b"] != 1 || len(back.tables) != 2 {
		t.Fatalf("read back %+v from %s", back, off)
	}
	if none := readTxState(p.offset()); none.began {
		t.Fatalf("an offset without a transaction read as %+v", none)
	}
}
