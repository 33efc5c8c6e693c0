package avro

import (
	hamba "github.com/hamba/avro/v2"

	"github.com/kconnect-go/kconnect/connect"
)

// DatumReader reads Avro datums written with one schema as Connect
// values, converted as Confluent's AvroData.toConnectData converts them
// with its default configuration (connect.meta.data on,
// enhanced.avro.schema.support off): the mapping the Converter uses,
// without a registry. It is for data that carries its own schema, such as
// the records of an Avro object container file, whose blocks hold datums
// one after another.
//
// A DatumReader is not safe for concurrent use.
type DatumReader struct {
	schema *connect.Schema
	dec    *decoder
	r      reader
}

// NewDatumReader returns a reader of datums written with writer. It fails
// for a schema AvroData cannot convert to a Connect schema.
func NewDatumReader(writer hamba.Schema) (*DatumReader, error) {
	d := dataConfig{connectMetaData: true}
	cs, err := d.toConnectSchema(writer, 0)
	if err != nil {
		return nil, err
	}
	dec, err := compile(writer, writer, cs)
	if err != nil {
		return nil, err
	}
	return &DatumReader{schema: cs, dec: dec}, nil
}

// Schema returns the Connect schema of the values Read returns.
func (d *DatumReader) Schema() *connect.Schema { return d.schema }

// Reset makes d read the datums of data, one after the other from its
// start. Strings read share one copy of data, made at the first; BYTES
// values are slices of data, which must not be changed while they are in
// use.
func (d *DatumReader) Reset(data []byte) { d.r = reader{b: data} }

// Read reads the next datum of the data given to Reset. It returns an
// error for a datum that is truncated or does not match the schema (a
// varint too long, a length past the data, an enum or union index out of
// range, more items than the data could hold); the data after such a
// datum cannot be read, since where it ends is unknown. Read never
// allocates more than the data's length allows.
func (d *DatumReader) Read() (any, error) {
	if d.r.pos >= len(d.r.b) && d.dec.minLen > 0 {
		return nil, errTruncated
	}
	d.r.empties = 0
	v, err := d.dec.decode(&d.r)
	if err != nil {
		return nil, err
	}
	return v.Any(), nil
}

// Remaining returns the bytes of the data given to Reset not yet read.
func (d *DatumReader) Remaining() int { return len(d.r.b) - d.r.pos }
