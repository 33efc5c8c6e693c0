package connect

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// An element's error names its path, however deep, though paths are built
// only once an element fails.
func TestValidateValueNamesElementPaths(t *testing.T) {
	optionalString := &Schema{Type: StringType, Optional: true}
	for _, tt := range []struct {
		name   string
		schema *Schema
		value  any
		path   string
		msg    string
	}{
		{"array element", ArrayOf(Int64Schema), []any{int64(1), int64(2), "three"}, "[2]", "string is not a valid INT64 value"},
		{"null element", ArrayOf(Int64Schema), []any{int64(1), nil}, "[1]", "null used for required field [1]"},
		{"nested array", ArrayOf(ArrayOf(StringSchema)), []any{[]any{"a"}, []any{"b", 7}}, "[1][1]", "int is not a valid STRING value"},
		{"map value", MapOf(StringSchema, ArrayOf(optionalString)), map[string]any{"k": []any{nil, 1.5}}, "[k][1]", "float64 is not a valid STRING value"},
		{"map key", MapOf(Int64Schema, StringSchema), []MapEntry{{Key: int64(1), Value: "x"}, {Key: "two", Value: "y"}}, "[two].key", "string is not a valid INT64 value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateValue(tt.schema, tt.value)
			var de *DataError
			require.True(t, errors.As(err, &de), "%v", err)
			require.Equal(t, tt.path, de.Path)
			require.ErrorContains(t, err, tt.msg)
		})
	}
	require.NoError(t, ValidateValue(MapOf(StringSchema, ArrayOf(optionalString)), map[string]any{"k": []any{nil, "v"}}))
}
