package mongodb

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDateTimePattern parses as java.time's DateTimeFormatter does with
// the official FlexibleDateTimeParser's resolution: the wanted values are
// those of the same patterns and strings run through
// DateTimeFormatter.ofPattern(pattern, Locale.ROOT) and
// FlexibleDateTimeParser.toEpochMilli's logic on OpenJDK 17.0.15.
func TestDateTimePattern(t *testing.T) {
	cases := []struct {
		pattern, text string
		want          int64
		fails         bool
	}{
		{defaultDateTimePattern, "2024-01-02", 1704153600000, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05", 1704164645000, false},
		{defaultDateTimePattern, "2024-01-02 03:04:05", 1704164645000, false},
		{defaultDateTimePattern, "2024-01-0203:04:05", 1704164645000, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05.123", 1704164645123, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05.123456", 1704164645123, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05.123456789", 0, true},
		{defaultDateTimePattern, "2024-01-02T03:04:05.1234", 0, true},
		{defaultDateTimePattern, "2024-01-02T03:04:05Z", 1704164645000, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05.123Z", 1704164645123, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05+0100", 1704161045000, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05+01", 1704161045000, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05+01:00", 0, true},
		{defaultDateTimePattern, "2024-01-02T03:04:05 -0530", 1704184445000, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05 Europe/Paris [Europe/Paris]", 1704161045000, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05Europe/Paris[Europe/Paris]", 1704161045000, false},
		{defaultDateTimePattern, "2024-01-02T03:04:05Z[UTC]", 1704164645000, false},
		{defaultDateTimePattern, "2024-07-02T03:04:05.5 America/New_York [America/New_York]", 0, true},
		{defaultDateTimePattern, "2024-02-30", 1709164800000, false},
		{defaultDateTimePattern, "2023-02-29T10:00:00", 1677578400000, false},
		{defaultDateTimePattern, "2024-13-01", 0, true},
		{defaultDateTimePattern, "2024-01-02T25:00:00", 0, true},
		{defaultDateTimePattern, "2024-01-02T24:00:00", 1704240000000, false},
		{defaultDateTimePattern, "2024-1-02", 0, true},
		{defaultDateTimePattern, "20240102", 0, true},
		{defaultDateTimePattern, "not a date", 0, true},
		{defaultDateTimePattern, "2024-01-02T03:04", 0, true},
		{defaultDateTimePattern, "2024-01-02T03:04:05.12", 0, true},
		{defaultDateTimePattern, "1969-12-31T23:59:59.999", -1, false},
		{"dd/MM/yyyy HH:mm", "02/01/2024 03:04", 1704164640000, false},
		{"d.M.yyyy", "2.1.2024", 1704153600000, false},
		{"yyyyMMddHHmmss", "20240102030405", 1704164645000, false},
		{"dd MMM yyyy hh:mm a", "02 Jan 2024 03:04 PM", 1704207840000, false},
		{"dd MMMM yyyy", "02 January 2024", 0, true},
		{"yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-02T03:04:05+01:00", 1704161045000, false},
		{"yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-02T03:04:05Z", 1704164645000, false},
		{"yyyy-MM-dd'T'HH:mm:ssxx", "2024-01-02T03:04:05+0000", 1704164645000, false},
		{"yyyy-MM-dd HH:mm:ss Z", "2024-01-02 03:04:05 -0800", 1704193445000, false},
		{"yy-MM-dd", "24-01-02", 1704153600000, false},
		{"yyyy-MM-dd HH:mm:ss.SSS", "2024-01-02 03:04:05.007", 1704164645007, false},
		{"uuuu-MM-dd HH", "2024-01-02 07", 1704178800000, false},
		{"yyyy-MM-dd[ HH:mm]", "2024-01-02", 1704153600000, false},
		{"yyyy-MM-dd[ HH:mm]", "2024-01-02 11:30", 1704195000000, false},
		{"yyyy-MM-dd HH:mm:ss VV", "2024-01-02 03:04:05 UTC+02:00", 1704157445000, false},
		{"yyyy-MM-dd HH:mm:ss VV", "2024-01-02 03:04:05 GMT", 1704164645000, false},
		{"yyyy-MM-dd HH:mm:ss VV", "2024-01-02 03:04:05 -03:30", 1704177245000, false},
		{"dd MMMM yyyy", "02 Sep 2024", 1725235200000, false},
		{"yyyy-MM-dd HH:mm:ss VV", "2024-01-02 03:04:05 Asia/Kolkata", 1704144845000, false},
		{"yyyy-MM-dd hh:mm", "2024-01-02 03:04", 1704153600000, false},
		{"yyyy-MM-dd hh:mm a", "2024-01-02 12:04 AM", 1704153840000, false},
		{"yyyy-MM-dd hh:mm a", "2024-01-02 12:04 PM", 1704197040000, false},
		{"yyyy-MM-dd kk:mm", "2024-01-02 24:04", 1704153840000, false},
		{"yyyy-MM-dd KK:mm a", "2024-01-02 11:04 PM", 1704236640000, false},
		{"yyyy-MM-dd HH:mm:ss.SSSSSSSSS", "2024-01-02 03:04:05.123456789", 1704164645123, false},
		{"yyyy-MM-dd HH:mm:ssXXXXX", "2024-01-02 03:04:05+01:30:15", 1704159230000, false},
		{"yyyy-MM-dd HH:mm:ssX", "2024-01-02 03:04:05-08", 1704193445000, false},
		{"yyyy-MM-dd HH:mm:ssx", "2024-01-02 03:04:05Z", 0, true},
		{"d/M/yy", "5/6/99", 4084300800000, false},
		{"yyyy-MM-dd HH:mm:ss VV", "2024-03-31 02:30:00 Europe/Paris", 1711848600000, false},
		{"yyyy-MM-dd HH:mm:ss VV", "2024-10-27 02:30:00 Europe/Paris", 1729989000000, false},
	}
	for _, c := range cases {
		p, err := compileDateTimePattern(c.pattern)
		require.NoError(t, err, c.pattern)
		got, err := p.toEpochMilli(c.text)
		if c.fails {
			require.Error(t, err, "%s %q parsed as %d", c.pattern, c.text, got)
			continue
		}
		require.NoError(t, err, "%s %q", c.pattern, c.text)
		require.Equal(t, c.want, got, "%s %q", c.pattern, c.text)
	}

	// The English locale's full month names (Locale.ROOT has the short
	// ones only).
	p, err := compileDateTimePattern("dd MMMM yyyy")
	require.NoError(t, err)
	p.english = true
	got, err := p.toEpochMilli("02 January 2024")
	require.NoError(t, err)
	require.Equal(t, int64(1704153600000), got)

	for pattern, msg := range map[string]string{
		"yyyy-MM-dd'T":          "incomplete string literal",
		"yyyy-MM-dd]":           "] without previous [",
		"yyyy-MM-dd {":          "reserved character",
		"yyyy-MM-ddd":           "too many pattern letters: d",
		"yyyy-MM-dd G":          "pattern letter G is not one kconnect parses",
		"yyyy-MM-dd HH:mm V":    "count must be 2",
		"yyyy-MM-dd HH:mm ZZZZ": "too many pattern letters: Z",
	} {
		_, err := compileDateTimePattern(pattern)
		require.ErrorContains(t, err, msg, pattern)
	}
}
