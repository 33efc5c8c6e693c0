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
