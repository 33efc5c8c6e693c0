package jsonschema

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestJSONIncompatibilities: Confluent's JSON Schema diff under its strict
// policy, an update (a subject's latest schema) against the original (the
// value's), each incompatibility named and placed as there.
func TestJSONIncompatibilities(t *testing.T) {
	for _, tc := range []struct {
		name, original, update string
		want                   []string
	}{
		{"same", `{"type":"string"}`, `{"type":"string","title":"t","description":"d"}`, nil},
		{"integer read as number", `{"type":"integer"}`, `{"type":"number"}`, nil},
		{"number read as integer", `{"type":"number"}`, `{"type":"integer"}`, []string{"TYPE_NARROWED at #/"}},
		{"type", `{"type":"string"}`, `{"type":"boolean"}`, []string{"TYPE_CHANGED at #/"}},
		{"anything to empty", `{"type":"string","maxLength":3}`, `{}`, nil},
		{"bytes either way", `{"type":"string","connect.type":"bytes"}`, `{"type":"number","connect.type":"bytes"}`, nil},
		{"made optional", `{"type":"string"}`, `{"oneOf":[{"type":"null"},{"type":"string"}]}`, nil},
		{"made required", `{"oneOf":[{"type":"null"},{"type":"string"}]}`, `{"type":"string"}`, []string{"TYPE_CHANGED at #/"}},
		{"sum narrowed", `{"oneOf":[{"type":"null"},{"type":"string"},{"type":"integer"}]}`, `{"oneOf":[{"type":"null"},{"type":"string"}]}`,
			[]string{"SUM_TYPE_NARROWED at #/"}},
		{"sum member changed", `{"anyOf":[{"type":"null"},{"type":"string"}]}`, `{"anyOf":[{"type":"null"},{"type":"boolean"}]}`,
			[]string{"COMBINED_TYPE_SUBSCHEMAS_CHANGED at #/"}},
		{"criterion", `{"oneOf":[{"type":"null"},{"type":"string"}]}`, `{"allOf":[{"type":"null"},{"type":"string"}]}`,
			[]string{"COMBINED_TYPE_CHANGED at #/"}},
		{"bounds", `{"type":"string","maxLength":5,"minLength":1}`, `{"type":"string","maxLength":4,"minLength":2,"pattern":"a"}`,
			[]string{"MAX_LENGTH_DECREASED at #/maxLength", "MIN_LENGTH_INCREASED at #/minLength", "PATTERN_ADDED at #/pattern"}},
		{"bounds relaxed", `{"type":"integer","maximum":5,"minimum":1,"multipleOf":4}`, `{"type":"integer","maximum":6,"multipleOf":2}`, nil},
		{"enum", `{"enum":["a","b"]}`, `{"enum":["a","b","c"]}`, nil},
		{"enum narrowed", `{"enum":["a","b"]}`, `{"enum":["a"]}`, []string{"ENUM_ARRAY_NARROWED at #/enum"}},
		{"property added to an open object", `{"type":"object","properties":{"a":{"type":"string"}}}`,
			`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`,
			[]string{"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL at #/properties/b"}},
		{"property of any value added to an open object", `{"type":"object","properties":{}}`,
			`{"type":"object","properties":{"b":{}}}`, nil},
		{"property added to a closed object", `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`,
			`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`, nil},
		{"required property added to a closed object", `{"type":"object","additionalProperties":false}`,
			`{"type":"object","properties":{"b":{"type":"string"}},"required":["b"],"additionalProperties":false}`,
			[]string{"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL at #/properties/b"}},
		{"required property with a default", `{"type":"object","additionalProperties":false}`,
			`{"type":"object","properties":{"b":{"type":"string","default":""}},"required":["b"],"additionalProperties":false}`, nil},
		{"property removed from an open object", `{"type":"object","properties":{"a":{"type":"string"}}}`, `{"type":"object"}`, nil},
		{"property removed from a closed object", `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`,
			`{"type":"object","additionalProperties":false}`, []string{"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL at #/properties/a"}},
		{"partially open", `{"type":"object","properties":{"a":{"type":"string"}}}`,
			`{"type":"object","additionalProperties":{"type":"integer"}}`,
			[]string{"TYPE_CHANGED at #/properties/a", "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL at #/properties/a", "ADDITIONAL_PROPERTIES_NARROWED at #/additionalProperties"}},
		{"made required", `{"type":"object","properties":{"a":{"type":"string"}}}`,
			`{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`, []string{"REQUIRED_ATTRIBUTE_ADDED at #/required/a"}},
		{"items", `{"type":"array","items":{"type":"integer"}}`, `{"type":"array","items":{"type":"string"}}`, []string{"TYPE_CHANGED at #/items"}},
		{"tuple item added to an open array", `{"type":"array","items":[{"type":"integer"}]}`, `{"type":"array","items":[{"type":"integer"},{"type":"string"}]}`,
			[]string{"ITEM_ADDED_TO_OPEN_CONTENT_MODEL at #/items/1"}},
		{"local $ref", `{"type":"object","properties":{"a":{"$ref":"#/definitions/A"}},"definitions":{"A":{"type":"integer"}}}`,
			`{"type":"object","properties":{"a":{"$ref":"#/definitions/A"}},"definitions":{"A":{"type":"string"}}}`,
			[]string{"TYPE_CHANGED at #/properties/a"}},
		{"recursive", `{"type":"object","properties":{"next":{"$ref":"#"},"v":{"type":"integer"}}}`,
			`{"type":"object","properties":{"next":{"$ref":"#"},"v":{"type":"string"}}}`, []string{"TYPE_CHANGED at #/properties/v"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := loadJSONSchema(tc.original, nil)
			require.NoError(t, err)
			u, err := loadJSONSchema(tc.update, nil)
			require.NoError(t, err)
			require.Equal(t, tc.want, jsonIncompatibilities(o, u))
		})
	}

	// A $ref to another subject's schema, by the reference's name.
	o, err := loadJSONSchema(`{"type":"object","properties":{"a":{"type":"integer"}}}`, nil)
	require.NoError(t, err)
	u, err := loadJSONSchema(`{"$id":"http://x/order.json","type":"object","properties":{"a":{"$ref":"money.json"}}}`,
		map[string]string{"money.json": `{"type":"string"}`})
	require.NoError(t, err)
	require.Equal(t, []string{"TYPE_CHANGED at #/properties/a"}, jsonIncompatibilities(o, u))
}

// FuzzJSONIncompatibilities: any two registered schemas load or fail
// with an error, and compare without panicking or running for ever.
func FuzzJSONIncompatibilities(f *testing.F) {
	f.Add(`{"type":"object","properties":{"a":{"$ref":"#"}}}`, `{"oneOf":[{"type":"null"},{"$ref":"#/definitions/x"}],"definitions":{"x":{"anyOf":[{"$ref":"#"}]}}}`)
	f.Add(`{"type":["string","null"],"enum":["a"]}`, `{"allOf":[{"type":"string"},{"not":{"const":"b"}}]}`)
	f.Add(`{"type":"array","items":[{}],"additionalItems":{"type":"integer"}}`, `{"type":"object","patternProperties":{"^a":{}},"dependencies":{"a":["b"]}}`)
	f.Fuzz(func(t *testing.T, a, b string) {
		o, err := loadJSONSchema(a, nil)
		if err != nil {
			return
		}
		u, err := loadJSONSchema(b, nil)
		if err != nil {
			return
		}
		_ = jsonIncompatibilities(o, u)
		_ = jsonIncompatibilities(u, o)
	})
}
