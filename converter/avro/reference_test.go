package avro

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kconnect-go/kconnect/connect"
)

const (
	addressAvro = `{"type":"record","name":"Address","namespace":"com.example","fields":[{"name":"city","type":"string"}]}`
	// A record that uses the Address of another subject by its name.
	shipmentAvro = `{"type":"record","name":"Shipment","namespace":"com.example","fields":[` +
		`{"name":"id","type":"long"},{"name":"to","type":"com.example.Address"},` +
		`{"name":"from","type":["null","com.example.Address"],"default":null}]}`
	// A reference of a reference: Parcel uses Shipment, which uses Address.
	parcelAvro = `{"type":"record","name":"Parcel","namespace":"com.example","fields":[{"name":"s","type":"com.example.Shipment"}]}`
)

// seedReferences registers Address, then Shipment referencing it, then
// Parcel referencing Shipment, and returns Shipment's and Parcel's ids.
func seedReferences(t *testing.T, reg interface {
	RegisterSchema(string, sr.Schema) (int, int, error)
}) (shipment, parcel int) {
	t.Helper()
	_, av, err := reg.RegisterSchema("com.example.Address", sr.Schema{Schema: addressAvro, Type: sr.TypeAvro})
	require.NoError(t, err)
	shipment, sv, err := reg.RegisterSchema("shipments-value", sr.Schema{Schema: shipmentAvro, Type: sr.TypeAvro,
		References: []sr.SchemaReference{{Name: "com.example.Address", Subject: "com.example.Address", Version: av}}})
	require.NoError(t, err)
	parcel, _, err = reg.RegisterSchema("parcels-value", sr.Schema{Schema: parcelAvro, Type: sr.TypeAvro,
		References: []sr.SchemaReference{{Name: "com.example.Shipment", Subject: "shipments-value", Version: sv}}})
	require.NoError(t, err)
	return shipment, parcel
}

func wire(id int, payloadHex string) []byte {
	b, _ := hex.DecodeString("00" + hex.EncodeToString([]byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}) + payloadHex)
	return b
}

// TestReadSchemaWithReferences: a schema whose named types are defined in
// schemas of other subjects is read with them, fetched by subject and
// version, references of references too, as Confluent's AvroSchema
// resolves them.
func TestReadSchemaWithReferences(t *testing.T) {
	reg := newRegistry(t)
	shipment, parcel := seedReferences(t, reg)
	c := newConv(t, reg.URL(), false)

	// id 7 -> 0e; to {city "ab"} -> 04 61 62; from: branch 1, {city "c"} -> 02 02 63.
	s, v, err := c.ToConnect("shipments", connect.Headers{}, wire(shipment, "0e"+"046162"+"02"+"0263"))
	require.NoError(t, err)
	require.Equal(t, "com.example.Shipment", s.Name)
	require.Equal(t, "com.example.Address", field(t, s, "to").Schema.Name)
	st := v.(*connect.Struct)
	require.Equal(t, int64(7), st.Get("id"))
	require.Equal(t, "ab", st.Get("to").(*connect.Struct).Get("city"))
	require.Equal(t, "c", st.Get("from").(*connect.Struct).Get("city"))

	s, v, err = c.ToConnect("parcels", connect.Headers{}, wire(parcel, "0e"+"046162"+"00"))
	require.NoError(t, err)
	require.Equal(t, "com.example.Address", field(t, field(t, s, "s").Schema, "to").Schema.Name)
	require.Equal(t, "ab", v.(*connect.Struct).Get("s").(*connect.Struct).Get("to").(*connect.Struct).Get("city"))
}

// TestWriteWithLatestReferencingSchema: with use.latest.version, a value
// is written with the subject's latest schema, whose references are
// resolved; auto.register.schemas registers the schema AvroData derives,
// self-contained, as Confluent's AvroConverter does (it registers no
// references of its own).
func TestWriteWithLatestReferencingSchema(t *testing.T) {
	reg := newRegistry(t)
	shipment, _ := seedReferences(t, reg)
	addr := connect.StructOf(connect.F("city", connect.StringSchema)).WithName("com.example.Address")
	s := connect.StructOf(
		connect.F("id", connect.Int64Schema),
		connect.F("to", addr),
		connect.F("from", addr.AsOptional()),
	).WithName("com.example.Shipment")
	to := connect.NewStruct(addr)
	require.NoError(t, to.Put("city", "ab"))
	v := connect.NewStruct(s)
	require.NoError(t, v.Put("id", int64(7)))
	require.NoError(t, v.Put("to", to))

	c := newConv(t, reg.URL(), false, UseLatestVersionConfig, "true", AutoRegisterSchemasConfig, "false")
	out, err := c.FromConnect(nil, "shipments", connect.Headers{}, s, v)
	require.NoError(t, err)
	require.Equal(t, hex.EncodeToString(wire(shipment, "0e"+"046162"+"00")), hex.EncodeToString(out))

	got, _, err := c.ToConnect("shipments", connect.Headers{}, out)
	require.NoError(t, err)
	require.Equal(t, "com.example.Address", field(t, got, "to").Schema.Name)

	reg2 := newRegistry(t)
	c2 := newConv(t, reg2.URL(), false)
	_, err = c2.FromConnect(nil, "shipments", connect.Headers{}, s, v)
	require.NoError(t, err)
	ss, ok := reg2.GetSchema("shipments-value", 1)
	require.True(t, ok)
	require.Empty(t, ss.Schema.References)
	require.Contains(t, ss.Schema.Schema, `"name":"Address"`)
}

// TestMissingReference: a reference the registry does not have is a data
// error that names it.
func TestMissingReference(t *testing.T) {
	reg := newRegistry(t)
	shipment, _ := seedReferences(t, reg)
	// As a registry answers once the referenced version is gone.
	reg.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/subjects/com.example.Address/versions/") {
			w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error_code":40402,"message":"Version not found."}`))
			return true
		}
		return false
	})
	c := newConv(t, reg.URL(), false)
	_, _, err := c.ToConnect("shipments", connect.Headers{}, wire(shipment, "00"))
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Contains(t, err.Error(), `reference "com.example.Address"`)
	require.Contains(t, err.Error(), "subject com.example.Address has no version 1")
}

func field(t *testing.T, s *connect.Schema, name string) connect.Field {
	t.Helper()
	f, ok := s.Field(name)
	require.True(t, ok, "no field %s", name)
	return f
}
