package connect

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// AppendJava writes what Java's BigDecimal.toString writes.
func TestDecimalAppendJava(t *testing.T) {
	for _, tt := range []struct {
		d    Decimal
		want string
	}{
		{NewDecimal(12345, 2), "123.45"},
		{NewDecimal(-12345, 2), "-123.45"},
		{NewDecimal(7, 0), "7"},
		{NewDecimal(0, 5), "0.00000"},
		{NewDecimal(1, 6), "0.000001"},
		{NewDecimal(1, 7), "1E-7"},
		{NewDecimal(1, 10), "1E-10"},
		{NewDecimal(-15, 8), "-1.5E-7"},
		{NewDecimal(12, -2), "1.2E+3"},
		{NewDecimal(1, -3), "1E+3"},
		{Decimal{Scale: 2}, "0.00"},
	} {
		require.Equal(t, tt.want, string(tt.d.AppendJava([]byte("x")))[1:], "%s", tt.want)
	}
}
