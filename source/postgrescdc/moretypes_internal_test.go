package postgrescdc

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
)

// TestUnmappedTypes: the types without a mapping are an error naming the
// type and what to do; include.unknown.datatypes maps the ones Debezium
// then writes as bytes, never pgvector's types or the arrays Debezium
// cannot map.
func TestUnmappedTypes(t *testing.T) {
	for _, include := range []bool{false, true} {
		s := &settings{decimal: "precise", timePrecision: "adaptive", binary: "bytes", interval: "numeric", hstore: "json",
			includeUnknown: include}
		for _, c := range []struct {
			ti     typeInfo
			elem   *typeInfo
			always bool
		}{
			{ti: typeInfo{oid: oidCircle, name: "circle"}},
			{ti: typeInfo{oid: 4451, name: "int4multirange"}},
			{ti: typeInfo{oid: 91000, name: "vector"}, always: true},
			{ti: typeInfo{oid: 91001, name: "halfvec"}, always: true},
			{ti: typeInfo{oid: 91002, name: "sparsevec"}, always: true},
			{ti: typeInfo{oid: 1017, name: "_point", elem: oidPoint}, elem: &typeInfo{oid: oidPoint, name: "point"}, always: true},
			{ti: typeInfo{oid: 1563, name: "_varbit", elem: oidVarbit}, elem: &typeInfo{oid: oidVarbit, name: "varbit"}, always: true},
			{ti: typeInfo{oid: 1028, name: "_box", elem: oidBox}, elem: &typeInfo{oid: oidBox, name: "box"}},
		} {
			m, err := s.mapType(c.ti, c.elem)
			var ue *unmappedError
			if include && !c.always {
				if err != nil {
					t.Errorf("%s with include.unknown.datatypes: %v", c.ti.name, err)
				}
				continue
			}
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.ti.name) || m.schema != nil {
				t.Errorf("%s (include %v): %v", c.ti.name, include, err)
				continue
			}
			if hint := strings.Contains(err.Error(), IncludeUnknownTypesConfig); hint == c.always {
				t.Errorf("%s: %q names %s: %v", c.ti.name, err, IncludeUnknownTypesConfig, hint)
			}
		}
	}
}

func TestMoreTypeValues(t *testing.T) {
	s := &settings{binary: "hex", hstore: "json", includeUnknown: true}
	for _, c := range []struct {
		m    mapper
		text string
		want any
	}{
		{bits(10), "1010000001", []byte{0x81, 0x02}},
		{bits(10), "0000000000", []byte{}},
		{bits(20), "", []byte{}},
		{bits(64), strings.Repeat("1", 64), []byte{255, 255, 255, 255, 255, 255, 255, 255}},
		{s.unknown(oidBox), "(3,4),(1,2)", "28332e302c342e30292c28312e302c322e3029"},
		{s.unknown(oidLseg), "[(1e-05,0),(0,0)]", hexOfText("[(1.0E-5,0.0),(0.0,0.0)]")},
		{s.unknown(oidPath), "((0,0))", hexOfText("((0.0,0.0))")},
		{s.unknown(oidCircle), "<(0,0),0.001>", hexOfText("<(0.0,0.0),0.001>")},
		{s.unknown(oidLine), "{0,1,-2.5}", hexOfText("{0.0,1.0,-2.5}")},
		{s.unknown(4451), "{[1,3)}", hexOfText("{[1,3)}")},
		{s.hstoreMapper(), `"a"=>"1", "n"=>NULL, "é"=>"日本", "b c"=>"x\"y", "key2"=>"<&>", "key10"=>"v"`,
			`{"a":"1","key2":"<&>","b c":"x\"y","é":"日本","key10":"v","n":null}`},
		{s.hstoreMapper(), ``, `{}`},
		{s.hstoreMapper(), `"t"=>"a\\b` + "\n" + `"`, `{"t":"a\\b\n"}`},
	} {
		got, err := c.m.parse(c.text)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %#v (%v), want %#v", c.text, got, err, c.want)
		}
	}
	m := (&settings{hstore: "map"}).hstoreMapper()
	got, err := m.parse(`"b"=>NULL, "a"=>"1"`)
	if want := []connect.MapEntry{{Key: "a", Value: "1"}, {Key: "b"}}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("map: %#v (%v), want %#v", got, err, want)
	}
}

func hexOfText(s string) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, 2*len(s))
	for i := range len(s) {
		b = append(b, digits[s[i]>>4], digits[s[i]&15])
	}
	return string(b)
}
