package postgrescdc

import "testing"

func TestColumnDefault(t *testing.T) {
	s := &settings{decimal: "precise", timePrecision: "adaptive", binary: "bytes", interval: "numeric"}
	for _, c := range []struct {
		oid  uint32
		expr string
		want any
	}{
		{oidInt4, "7", int32(7)},
		{oidInt4, "'-1'::integer", int32(-1)},
		{oidInt8, "'9223372036854775807'::bigint", int64(9223372036854775807)},
		{oidBool, "true", true},
		{oidText, "'it''s'::text", "it's"},
		{oidVarchar, "'x'::character varying", "x"},
		{oidBpchar, "'ab'::bpchar", "ab"},
		{oidFloat8, "1.5", 1.5},
		{oidInt4, "nextval('s'::regclass)", nil},
		{oidText, "('a'::text || 'b'::text)", nil},
		{oidText, "'a'::text || 'b'::text", nil},
		{oidTimestamptz, "now()", nil},
		{oidDate, "'2020-01-01'::date", nil},
	} {
		ti := typeInfo{oid: c.oid}
		m, _ := s.mapType(ti, nil)
		got, ok := columnDefault(ti, m, c.expr)
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
