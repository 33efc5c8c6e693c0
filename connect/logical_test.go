package connect

import (
	"math/big"
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDecimalBytes(t *testing.T) {
	cases := []struct {
		unscaled string
		want     []byte
	}{
		{"0", []byte{0}},
		{"1", []byte{1}},
		{"127", []byte{0x7f}},
		{"128", []byte{0, 0x80}},
		{"12345", []byte{0x30, 0x39}},
		{"-1", []byte{0xff}},
		{"-128", []byte{0x80}},
		{"-129", []byte{0xff, 0x7f}},
		{"-1000", []byte{0xfc, 0x18}},
		{"-32768", []byte{0x80, 0x00}},
		{"-32769", []byte{0xff, 0x7f, 0xff}},
	}
	for _, c := range cases {
		u, _ := new(big.Int).SetString(c.unscaled, 10)
		got := DecimalBytes(nil, Decimal{Unscaled: u, Scale: 2})
		require.Equal(t, c.want, got, c.unscaled)
		back, err := DecimalFromBytes(got, 2)
		require.NoError(t, err)
		require.Equal(t, 0, back.Unscaled.Cmp(u), c.unscaled)
	}
	r := rand.New(rand.NewSource(1))
	for range 2000 {
		u := new(big.Int).Rand(r, new(big.Int).Lsh(big.NewInt(1), uint(r.Intn(200))))
		if r.Intn(2) == 0 {
			u.Neg(u)
		}
		back, err := DecimalFromBytes(DecimalBytes(nil, Decimal{Unscaled: u}), 0)
		require.NoError(t, err)
		require.Equal(t, 0, back.Unscaled.Cmp(u), u.String())
	}
	_, err := DecimalFromBytes(nil, 0)
	require.Error(t, err)
}

func TestDecimalText(t *testing.T) {
	cases := map[string]Decimal{
		"123.45":  NewDecimal(12345, 2),
		"-1.000":  NewDecimal(-1000, 3),
		"0.00000": NewDecimal(0, 5),
		"-0.01":   NewDecimal(-1, 2),
		"0.5":     NewDecimal(5, 1),
		"1200":    NewDecimal(12, -2),
		"7":       NewDecimal(7, 0),
	}
	for want, d := range cases {
		require.Equal(t, want, d.String())
		p, err := ParseDecimal(want)
		require.NoError(t, err)
		if d.Scale >= 0 {
			require.True(t, p.Equal(d), "%s: %v", want, p)
		}
	}
	p, err := ParseDecimal("1.5e3")
	require.NoError(t, err)
	require.Equal(t, "1500", p.String())
	for _, bad := range []string{"", "-", "1.2.3", "abc", "1e", "1-2"} {
		_, err := ParseDecimal(bad)
		require.Error(t, err, bad)
	}
	r, err := NewDecimal(15, 1).Rescale(3)
	require.NoError(t, err)
	require.Equal(t, "1.500", r.String())
	_, err = NewDecimal(15, 1).Rescale(0)
	require.Error(t, err)
}

func TestDateTime(t *testing.T) {
	d := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	days, err := DateToDays(d)
	require.NoError(t, err)
	require.Equal(t, int32(19797), days)
	require.True(t, DaysToDate(-1).Equal(time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)))
	_, err = DateToDays(d.Add(time.Hour))
	require.ErrorContains(t, err, "time of day")

	tm := time.Date(1970, 1, 1, 13, 45, 30, 123e6, time.UTC)
	ms, err := TimeToMillis(tm)
	require.NoError(t, err)
	require.Equal(t, int32(49530123), ms)
	require.True(t, MillisToTime(ms).Equal(tm))
	_, err = TimeToMillis(d)
	require.ErrorContains(t, err, "date part")
}

func TestLogicalRecognition(t *testing.T) {
	require.Equal(t, LogicalDecimal, DecimalSchema(2).Logical())
	require.Equal(t, LogicalDate, DateSchema.Logical())
	require.Equal(t, LogicalTimestamp, TimestampSchema.Logical())
	wrong := &Schema{Type: StringType, Name: DateName}
	require.Equal(t, NotLogical, wrong.Logical())
	require.ErrorContains(t, wrong.Validate(), "must be INT32")
	scale, err := DecimalSchema(7).DecimalScale()
	require.NoError(t, err)
	require.Equal(t, int32(7), scale)
}
