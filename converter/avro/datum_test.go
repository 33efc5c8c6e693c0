package avro

import (
	"testing"

	hamba "github.com/hamba/avro/v2"
	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

func TestDatumReaderReadsDatumsOneAfterAnother(t *testing.T) {
	s := hamba.MustParse(`{"type":"record","name":"r","namespace":"ns","fields":[
		{"name":"id","type":"long"},{"name":"name","type":["null","string"]},
		{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}}]}`)
	type row struct {
		ID   int64   `avro:"id"`
		Name *string `avro:"name"`
		TS   int64   `avro:"ts"`
	}
	ann := "ann"
	var data []byte
	for _, r := range []row{{1, &ann, 1000}, {2, nil, 2000}} {
		b, err := hamba.Marshal(s, r)
		require.NoError(t, err)
		data = append(data, b...)
	}
	d, err := NewDatumReader(s)
	require.NoError(t, err)
	require.Equal(t, "ns.r", d.Schema().Name)
	require.Equal(t, connect.StructType, d.Schema().Type)
	d.Reset(data)
	v, err := d.Read()
	require.NoError(t, err)
	st := v.(*connect.Struct)
	require.Equal(t, int64(1), st.Get("id"))
	require.Equal(t, "ann", st.Get("name"))
	require.Equal(t, connect.MillisToTimestamp(1000), st.Get("ts"))
	v, err = d.Read()
	require.NoError(t, err)
	require.Nil(t, v.(*connect.Struct).Get("name"))
	require.Zero(t, d.Remaining())
	_, err = d.Read()
	require.Error(t, err, "no datum is left")

	d.Reset(data[:3])
	_, err = d.Read()
	require.Error(t, err, "a truncated datum")
}
