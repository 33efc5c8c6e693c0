package avro

import (
	"fmt"
	"testing"
	"unsafe"

	hamba "github.com/hamba/avro/v2"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/connect"
)

// TestToConnectStringsAliasData: the strings ToConnect reads are data's
// own bytes, as the converter contract allows, so reading them costs no
// copy; a DatumReader, whose caller made no such promise, copies them.
func TestToConnectStringsAliasData(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	c, err := Configure(map[string]string{SchemaRegistryURLConfig: reg.URL()}, false)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	s, v := benchRecord()
	data, err := c.FromConnect(nil, "t", connect.Headers{}, s, v)
	require.NoError(t, err)
	_, got, err := c.ToConnect("t", connect.Headers{}, data)
	require.NoError(t, err)
	st := got.(*connect.Struct)
	require.Equal(t, fmt.Sprint(v), fmt.Sprint(st))
	inData := func(str string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(str)))
		start := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
		return p >= start && p+uintptr(len(str)) <= start+uintptr(len(data))
	}
	customer := st.Get("customer")
	require.True(t, inData(customer.(string)), "customer")
	tags := st.Get("tags")
	require.True(t, inData(tags.([]any)[1].(string)), "tags[1]")

	allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := c.ToConnect("t", connect.Headers{}, data); err != nil {
			t.Fatal(err)
		}
	})
	// The Struct and the tags array (slice, elements and boxed strings
	// together): nothing for the strings' bytes.
	require.LessOrEqual(t, allocs, 2.0)

	dr, err := NewDatumReader(hamba.MustParse(`"string"`))
	require.NoError(t, err)
	datum := []byte{6, 'a', 'b', 'c'}
	dr.Reset(datum)
	got, err = dr.Read()
	require.NoError(t, err)
	require.Equal(t, "abc", got)
	datum[1] = 'x'
	require.Equal(t, "abc", got, "a DatumReader's string changed with its data")
}
