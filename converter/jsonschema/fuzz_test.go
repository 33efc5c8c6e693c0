package jsonschema

import (
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// FuzzDecode: no payload makes the decoder panic or run away, whatever
// the schema; it returns a value or an error, and the same as reading the
// payload's parsed nodes does. A value read writes back. The schemas are
// those the converter derives and a hand-written one it reads.
func FuzzDecode(f *testing.F) {
	d := dataConfig{additionalProps: true}
	var schemas []*connect.Schema
	for _, s := range []*connect.Schema{allTypes(), orderSchema(), connect.OptionalStringSchema,
		connect.MapOf(connect.OptionalStringSchema, connect.ArrayOf(connect.DecimalSchema(1)))} {
		text, err := d.schemaText(s)
		if err != nil {
			f.Fatal(err)
		}
		cs, _, err := d.toConnectSchema(string(text), 1, nil)
		if err != nil {
			f.Fatal(err)
		}
		schemas = append(schemas, cs)
	}
	oneOf, _, err := d.toConnectSchema(`{"oneOf":[{"type":"integer"},{"type":"string"},{"type":"object","properties":{"a":{"type":"boolean"}}},{"type":"null"}]}`, 0, nil)
	if err != nil {
		f.Fatal(err)
	}
	schemas = append(schemas, oneOf)
	for _, seed := range []string{
		`{"i8":-8,"i16":300,"i32":70000,"i64":1099511627776,"f32":1.5,"f64":2.25,"b":true,"s":"x","bytes":"AQID","dec":"MDk=","date":19783,"time":3600000,"ts":1700000000123,"arr":["a"],"smap":{"one":1},"imap":[{"key":1,"value":"one"}],"inner":{"a":5}}`,
		`{"id":7,"name":"Ada","note":null,"qty":1}`, `"s"`, `[{"key":null,"value":[1.5]}]`, `{"a":true}`, `1e400`, `[[[[`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, perr := jsonparse.Parse(data)
		for _, s := range schemas {
			sv, serr := d.document(data, s, nil)
			if perr != nil {
				if serr == nil {
					t.Fatalf("schema %s: the streaming reader takes what the parser refuses (%v)", s, perr)
				}
				continue
			}
			v, err := d.value(s, &n, "")
			if (err == nil) != (serr == nil) {
				t.Fatalf("schema %s: node reader: %v, streaming reader: %v", s, err, serr)
			}
			if err == nil && !connect.AnyValue(v).Equal(sv) {
				t.Fatalf("schema %s: node reader: %v, streaming reader: %v", s, v, sv.Any())
			}
			if err == nil && v != nil {
				if _, err := d.appendValue(nil, s, connect.AnyValue(v)); err != nil {
					t.Fatalf("a value read with schema %s does not write back: %v", s, err)
				}
			}
		}
	})
}

// FuzzSchema: no registered schema text makes the schema reader panic.
func FuzzSchema(f *testing.F) {
	d := dataConfig{optionalNonReq: true}
	text, _ := d.schemaText(allTypes())
	f.Add(text)
	f.Add([]byte(`{"$ref":"#"}`))
	f.Add([]byte(`{"type":["null","integer","string"],"default":3}`))
	f.Add([]byte(`{"type":"array","connect.type":"map","items":{"properties":{"key":{"$ref":"#/items"},"value":{"type":"string"}}}}`))
	f.Add([]byte(`{"$id":"https://x/a.json","properties":{"b":{"$ref":"b.json#/definitions/c"}}}`))
	// A referenced schema that refers back to the schema and to itself.
	refs := map[string]string{"b.json": `{"definitions":{"c":{"$ref":"a.json"},"d":{"$ref":"#/definitions/c"}},"$ref":"#/definitions/d"}`}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = d.toConnectSchema(string(data), 1, nil)
		_, _, _ = d.toConnectSchema(string(data), 1, refs)
	})
}
