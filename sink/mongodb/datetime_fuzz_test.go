package mongodb

import "testing"

// FuzzDateTimePattern feeds arbitrary patterns and strings to the
// DateTimeFormatter pattern compiler and parser: neither may panic or
// hang, whatever a connector configuration or a record holds.
func FuzzDateTimePattern(f *testing.F) {
	seeds := []struct{ pattern, text string }{
		{defaultDateTimePattern, "2024-01-02T03:04:05.123Z"},
		{defaultDateTimePattern, "2024-01-02T03:04:05 Europe/Paris [Europe/Paris]"},
		{defaultDateTimePattern, "2024-01-02T03:04:05+01"},
		{"dd MMM yyyy hh:mm a", "02 Jan 2024 03:04 PM"},
		{"yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-02T03:04:05+01:00"},
		{"yyyy-MM-dd HH:mm:ssXXXXX", "2024-01-02 03:04:05+01:30:15"},
		{"yyyy-MM-dd HH:mm:ss VV", "2024-01-02 03:04:05 UTC+02:00"},
		{"yyyy-MM-dd[ HH:mm]", "2024-01-02 11:30"},
		{"yyyyMMddHHmmss", "20240102030405"},
		{"d/M/yy", "5/6/99"},
		{"yyyy-MM-dd HH:mm:ss.SSSSSSSSS", "2024-01-02 03:04:05.123456789"},
		{"yyyy-MM-dd kk:mm", "2024-01-02 24:04"},
		{"yyyy-MM-dd'T", "x"},
		{"[[[[]]]]", ""},
	}
	for _, s := range seeds {
		f.Add(s.pattern, s.text, false)
	}
	f.Add("dd MMMM yyyy", "02 January 2024", true)
	f.Fuzz(func(t *testing.T, pattern, text string, english bool) {
		p, err := compileDateTimePattern(pattern)
		if err != nil {
			return
		}
		p.english = english
		_, _ = p.toEpochMilli(text)
	})
}
