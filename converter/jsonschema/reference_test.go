package jsonschema

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kconnect-go/kconnect/connect"
)

// TestReadSchemaWithReferences: a schema's $ref to a schema of another
// subject, by the reference's name (relative to the schema's $id, as
// Confluent's JsonSchema resolves it), reads with the referenced schema,
// whose own local and further references resolve within it; validation
// (json.fail.invalid.schema) sees the referenced schemas too.
func TestReadSchemaWithReferences(t *testing.T) {
	reg := newRegistry(t)
	const city = `{"type":"string","minLength":1}`
	const address = `{"type":"object","title":"Address","properties":{` +
		`"city":{"$ref":"city.json"},"zip":{"$ref":"#/definitions/zip"}},"required":["city","zip"],` +
		`"definitions":{"zip":{"type":"integer"}}}`
	const order = `{"$id":"https://example.com/schemas/order.json","type":"object","title":"Order","properties":{` +
		`"id":{"type":"integer"},"to":{"$ref":"address.json"},"from":{"$ref":"https://example.com/schemas/address.json#"}},"required":["id","to"]}`
	_, cv, err := reg.RegisterSchema("city", sr.Schema{Schema: city, Type: sr.TypeJSON})
	require.NoError(t, err)
	_, av, err := reg.RegisterSchema("address", sr.Schema{Schema: address, Type: sr.TypeJSON,
		References: []sr.SchemaReference{{Name: "city.json", Subject: "city", Version: cv}}})
	require.NoError(t, err)
	id, _, err := reg.RegisterSchema("orders-value", sr.Schema{Schema: order, Type: sr.TypeJSON,
		References: []sr.SchemaReference{{Name: "address.json", Subject: "address", Version: av}}})
	require.NoError(t, err)

	for _, validate := range []string{"false", "true"} {
		c := newConv(t, reg.URL(), false, FailInvalidSchemaConfig, validate)
		doc := `{"id":7,"to":{"city":"Oslo","zip":150},"from":{"city":"Bergen","zip":5000}}`
		s, v, err := c.ToConnect("orders", connect.Headers{}, append([]byte{0, 0, 0, 0, byte(id)}, doc...))
		require.NoError(t, err, "validate=%s", validate)
		to, ok := s.Field("to")
		require.True(t, ok)
		require.Equal(t, "Address", to.Schema.Name)
		require.Equal(t, "Oslo", v.(*connect.Struct).Get("to").(*connect.Struct).Get("city"))
		require.Equal(t, int64(150), v.(*connect.Struct).Get("to").(*connect.Struct).Get("zip"))
		from, _ := s.Field("from")
		require.Equal(t, "Address", from.Schema.Name)

		bad := `{"id":7,"to":{"city":"","zip":150},"from":{"city":"Bergen","zip":5000}}`
		_, _, err = c.ToConnect("orders", connect.Headers{}, append([]byte{0, 0, 0, 0, byte(id)}, bad...))
		if validate == "true" {
			require.Error(t, err, "the referenced schema's minLength applies")
		} else {
			require.NoError(t, err)
		}
	}
}

// TestLatestCompatibilityStrict: with use.latest.version, a value is
// written with the latest schema only if Confluent's JSON Schema diff
// finds it backward compatible with the value's under its strict policy
// (latest.compatibility.strict, the default): an integer read as a
// number or a property removed passes; a property added to the value's
// open content model does not, even an optional one, unless the value's
// schema is closed (object.additional.properties=false); a new required
// property or a changed type does not; without strictness anything is
// written.
func TestLatestCompatibilityStrict(t *testing.T) {
	reg := newRegistry(t)
	register := func(s *connect.Schema) {
		t.Helper()
		v := connect.NewStruct(s)
		for _, f := range s.Fields {
			if !f.Schema.Optional {
				switch f.Schema.Type {
				case connect.Int64Type:
					require.NoError(t, v.Put(f.Name, int64(1)))
				case connect.Float64Type:
					require.NoError(t, v.Put(f.Name, 1.5))
				case connect.StringType:
					require.NoError(t, v.Put(f.Name, "x"))
				}
			}
		}
		_, err := newConv(t, reg.URL(), false).FromConnect(nil, "orders", connect.Headers{}, s, v)
		require.NoError(t, err)
	}
	value := connect.StructOf(connect.F("id", connect.Int64Schema), connect.F("name", connect.StringSchema)).WithName("Order")
	v := connect.NewStruct(value)
	require.NoError(t, v.Put("id", int64(7)))
	require.NoError(t, v.Put("name", "Ada"))
	write := func(extra ...string) error {
		c := newConv(t, reg.URL(), false, append([]string{UseLatestVersionConfig, "true", AutoRegisterSchemasConfig, "false"}, extra...)...)
		_, err := c.FromConnect(nil, "orders", connect.Headers{}, value, v)
		return err
	}

	register(connect.StructOf(connect.F("id", connect.Float64Schema)).WithName("Order"))
	require.NoError(t, write())

	register(connect.StructOf(connect.F("id", connect.Int64Schema), connect.F("name", connect.StringSchema),
		connect.F("note", connect.OptionalStringSchema)).WithName("Order"))
	err := write()
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "not backward compatible")
	require.ErrorContains(t, err, "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL at #/properties/note")
	require.NoError(t, write(ObjectAdditionalPropertiesConfig, "false"))
	require.NoError(t, write("latest.compatibility.strict", "false"))

	// Written by hand: a derived schema lists no required properties.
	_, _, err = reg.RegisterSchema("orders-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","title":"Order",
		"properties":{"id":{"type":"integer"},"name":{"type":"string"},"zip":{"type":"string"}},"required":["zip"]}`})
	require.NoError(t, err)
	require.ErrorContains(t, write(ObjectAdditionalPropertiesConfig, "false"), "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL at #/properties/zip")

	register(connect.StructOf(connect.F("id", connect.StringSchema), connect.F("name", connect.StringSchema)).WithName("Order"))
	require.ErrorContains(t, write(), "TYPE_CHANGED at #/properties/id")
}
