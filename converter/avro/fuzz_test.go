package avro

import (
	"testing"

	hamba "github.com/hamba/avro/v2"

	"github.com/kconnect-go/kconnect/connect"
)

// FuzzDecode: no input makes the decoder panic or run away, whatever the
// schema; it returns a value or an error.
func FuzzDecode(f *testing.F) {
	d := dataConfig{connectMetaData: true, enhanced: true}
	var decs []*decoder
	for _, c := range goldenCases() {
		text, err := d.avroSchemaJSON(c.schema)
		if err != nil {
			f.Fatal(err)
		}
		parsed, err := hamba.Parse(string(text))
		if err != nil {
			f.Fatal(err)
		}
		cs, err := d.toConnectSchema(parsed, 0)
		if err != nil {
			f.Fatal(err)
		}
		dec, err := compile(parsed, parsed, cs)
		if err != nil {
			f.Fatal(err)
		}
		decs = append(decs, dec)
		e := encoder{d: d}
		out, err := e.value(nil, c.schema, connect.AnyValue(c.value))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(out)
	}
	for _, text := range []string{
		`["null","string","long",{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]}]`,
		`{"type":"array","items":{"type":"record","name":"Z","fields":[]}}`,
		`{"type":"map","values":{"type":"enum","name":"E","symbols":["A","B"]}}`,
	} {
		parsed, err := hamba.Parse(text)
		if err != nil {
			f.Fatal(err)
		}
		cs, err := d.toConnectSchema(parsed, 0)
		if err != nil {
			f.Fatal(err)
		}
		dec, err := compile(parsed, parsed, cs)
		if err != nil {
			f.Fatal(err)
		}
		decs = append(decs, dec)
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Add([]byte{0x01, 0x02})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, dec := range decs {
			r := reader{b: data}
			_, _ = dec.decode(&r)
		}
	})
}
