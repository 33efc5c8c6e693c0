package postgrescdc

import (
	"strings"
	"testing"
)

// fuzzTypes are the types whose text the connector parses, each with the
// name PostgreSQL gives it; typmods come from the fuzzer.
var fuzzTypes = []typeInfo{
	{oid: oidBool, name: "bool"}, {oid: oidBytea, name: "bytea"}, {oid: oidChar, name: "char"},
	{oid: oidName, name: "name"}, {oid: oidInt8, name: "int8"}, {oid: oidInt2, name: "int2"},
	{oid: oidInt4, name: "int4"}, {oid: oidText, name: "text"}, {oid: oidOID, name: "oid"},
	{oid: oidJSON, name: "json"}, {oid: oidXML, name: "xml"}, {oid: oidCIDR, name: "cidr"},
	{oid: oidFloat4, name: "float4"}, {oid: oidFloat8, name: "float8"}, {oid: oidMoney, name: "money"},
	{oid: oidMacaddr, name: "macaddr"}, {oid: oidInet, name: "inet"}, {oid: oidBpchar, name: "bpchar"},
	{oid: oidVarchar, name: "varchar"}, {oid: oidDate, name: "date"}, {oid: oidTime, name: "time"},
	{oid: oidTimestamp, name: "timestamp"}, {oid: oidTimestamptz, name: "timestamptz"},
	{oid: oidInterval, name: "interval"}, {oid: oidTimetz, name: "timetz"}, {oid: oidBit, name: "bit"},
	{oid: oidVarbit, name: "varbit"}, {oid: oidNumeric, name: "numeric"}, {oid: oidUUID, name: "uuid"},
	{oid: oidJSONB, name: "jsonb"}, {oid: oidPoint, name: "point"}, {oid: oidLseg, name: "lseg"},
	{oid: oidPath, name: "path"}, {oid: oidBox, name: "box"}, {oid: oidPolygon, name: "polygon"},
	{oid: oidLine, name: "line"}, {oid: oidCircle, name: "circle"}, {oid: oidInt4Range, name: "int4range"},
	{oid: oidNumRange, name: "numrange"}, {oid: oidTsRange, name: "tsrange"},
	{oid: oidTstzRange, name: "tstzrange"}, {oid: oidDateRange, name: "daterange"},
	{oid: oidInt8Range, name: "int8range"}, {oid: 16400, name: "hstore"}, {oid: 4451, name: "int4multirange"},
}

// FuzzTypeText parses arbitrary text as each mapped type (and as an array
// of it) under every handling mode: a value the server writes in a form
// the connector did not expect must be an error naming it, never a panic.
func FuzzTypeText(f *testing.F) {
	for _, s := range []struct {
		typ    uint8
		typmod int32
		text   string
	}{
		{27, -1, "12345.678"}, {27, 5 + 4 + 2<<16, "-1.5"}, {27, -1, "NaN"},
		{14, -1, "$1,234.56"}, {14, -1, "-$0.01"},
		{19, -1, "2024-01-02"}, {19, -1, "infinity"}, {19, -1, "0044-03-15 BC"},
		{20, 3, "03:04:05.123"}, {24, -1, "03:04:05.123456+05:30"},
		{21, 6, "2024-01-02 03:04:05.123456"}, {22, -1, "2024-01-02 03:04:05.5+01"},
		{23, -1, "1 year 2 mons 3 days 04:05:06.7"}, {23, -1, "-00:00:01"},
		{25, 10, "1010000001"}, {12, -1, "1e-05"}, {26, -1, "101"}, {1, -1, `\x0aff`},
		{30, -1, "(1.5,-2)"}, {31, -1, "[(1e-05,0),(0,0)]"}, {32, -1, "((0,0),(1,1))"},
		{33, -1, "(3,4),(1,2)"}, {34, -1, "((0,0),(1,0),(1,1))"}, {35, -1, "{0,1,-2.5}"},
		{36, -1, "<(0,0),0.001>"}, {37, -1, "[1,3)"}, {38, -1, "empty"},
		{43, -1, `"a"=>"1", "n"=>NULL, "b c"=>"x\"y"`}, {44, -1, "{[1,3)}"},
		{28, -1, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, {11, -1, "192.168.0.0/24"},
	} {
		f.Add(s.typ, s.typmod, uint8(0), false, s.text)
		f.Add(s.typ, s.typmod, uint8(0xff), true, "{"+s.text+",NULL}")
	}
	f.Fuzz(func(t *testing.T, typ uint8, typmod int32, modes uint8, array bool, text string) {
		s := &settings{
			decimal:        []string{"precise", "double", "string"}[int(modes)%3],
			timePrecision:  []string{"adaptive", "adaptive_time_microseconds", "connect"}[int(modes>>2)%3],
			binary:         []string{"bytes", "base64", "base64-url-safe", "hex"}[int(modes>>4)%4],
			interval:       []string{"numeric", "string"}[int(modes>>6)%2],
			hstore:         []string{"json", "map"}[int(modes>>7)%2],
			includeUnknown: true,
		}
		ti := fuzzTypes[int(typ)%len(fuzzTypes)]
		ti.typmod = typmod
		var elem *typeInfo
		if array {
			e := ti
			elem = &e
			ti = typeInfo{oid: 99000, elem: e.oid, typmod: -1, name: "_" + e.name}
		}
		m, err := s.mapType(ti, elem)
		if err != nil {
			if !strings.Contains(err.Error(), ti.name) {
				t.Fatalf("%s: error does not name the type: %v", ti.name, err)
			}
			return
		}
		// A nil value with no error is allowed: Debezium writes null for
		// some values (numeric NaN in precise mode).
		_, _ = m.parse(text)
	})
}
