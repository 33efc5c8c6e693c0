package connect

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Names of Kafka Connect's logical types. A schema with one of these names
// (and the right underlying type) carries the logical value in Go.
const (
	DecimalName   = "org.apache.kafka.connect.data.Decimal"
	DateName      = "org.apache.kafka.connect.data.Date"
	TimeName      = "org.apache.kafka.connect.data.Time"
	TimestampName = "org.apache.kafka.connect.data.Timestamp"

	// DecimalScaleParameter is the Decimal schema parameter holding the scale.
	DecimalScaleParameter = "scale"
)

// The logical type schemas, version 1 as in Kafka Connect.
var (
	DateSchema              = &Schema{Type: Int32Type, Name: DateName, Version: 1}
	OptionalDateSchema      = &Schema{Type: Int32Type, Name: DateName, Version: 1, Optional: true}
	TimeSchema              = &Schema{Type: Int32Type, Name: TimeName, Version: 1}
	OptionalTimeSchema      = &Schema{Type: Int32Type, Name: TimeName, Version: 1, Optional: true}
	TimestampSchema         = &Schema{Type: Int64Type, Name: TimestampName, Version: 1}
	OptionalTimestampSchema = &Schema{Type: Int64Type, Name: TimestampName, Version: 1, Optional: true}
)

// DecimalSchema returns a required Decimal schema with the given scale.
func DecimalSchema(scale int32) *Schema {
	return &Schema{Type: BytesType, Name: DecimalName, Version: 1,
		Parameters: []Parameter{{DecimalScaleParameter, strconv.FormatInt(int64(scale), 10)}}}
}

// Logical identifies the logical type of a schema.
type Logical uint8

// The logical types; NotLogical is a plain schema.
const (
	NotLogical Logical = iota
	LogicalDecimal
	LogicalDate
	LogicalTime
	LogicalTimestamp
)

// Logical returns the logical type s carries, recognised by name and
// underlying type as Kafka Connect does; a name on the wrong type is not
// logical.
func (s *Schema) Logical() Logical {
	if s == nil || s.Name == "" {
		return NotLogical
	}
	switch s.Name {
	case DecimalName:
		if s.Type == BytesType {
			return LogicalDecimal
		}
	case DateName:
		if s.Type == Int32Type {
			return LogicalDate
		}
	case TimeName:
		if s.Type == Int32Type {
			return LogicalTime
		}
	case TimestampName:
		if s.Type == Int64Type {
			return LogicalTimestamp
		}
	}
	return NotLogical
}

// DecimalScale returns the scale of a Decimal schema.
func (s *Schema) DecimalScale() (int32, error) {
	v, ok := s.Parameter(DecimalScaleParameter)
	if !ok {
		return 0, errors.New("connect: Decimal schema has no scale parameter")
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("connect: Decimal schema has invalid scale %q", v)
	}
	return int32(n), nil
}

func validateLogical(s *Schema) error {
	switch s.Name {
	case DecimalName:
		if s.Type != BytesType {
			return fmt.Errorf("Decimal must be BYTES, not %s", s.Type)
		}
		_, err := s.DecimalScale()
		return err
	case DateName, TimeName:
		if s.Type != Int32Type {
			return fmt.Errorf("%s must be INT32, not %s", s.Name, s.Type)
		}
	case TimestampName:
		if s.Type != Int64Type {
			return fmt.Errorf("Timestamp must be INT64, not %s", s.Type)
		}
	}
	return nil
}

// Decimal is an arbitrary-precision decimal number: Unscaled × 10^-Scale. It
// is the Go value of Kafka Connect's Decimal logical type, whose schema fixes
// the scale. A Decimal with a nil Unscaled is zero.
type Decimal struct {
	Unscaled *big.Int
	Scale    int32
}

// NewDecimal returns unscaled × 10^-scale.
func NewDecimal(unscaled int64, scale int32) Decimal {
	return Decimal{Unscaled: big.NewInt(unscaled), Scale: scale}
}

// ParseDecimal parses a decimal number such as "-12.345" or "1e3"; the scale
// is the number of digits after the point (less the exponent).
func ParseDecimal(s string) (Decimal, error) {
	orig := s
	exp := int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil {
			return Decimal{}, fmt.Errorf("connect: invalid decimal %q", orig)
		}
		exp = e
		s = s[:i]
	}
	scale := int64(0)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		scale = int64(len(s) - i - 1)
		s = s[:i] + s[i+1:]
	}
	if s == "" || s == "-" || s == "+" || strings.ContainsAny(s[1:], "+-") {
		return Decimal{}, fmt.Errorf("connect: invalid decimal %q", orig)
	}
	u, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return Decimal{}, fmt.Errorf("connect: invalid decimal %q", orig)
	}
	scale -= exp
	if scale < -1<<31 || scale > 1<<31-1 {
		return Decimal{}, fmt.Errorf("connect: decimal %q is out of range", orig)
	}
	return Decimal{Unscaled: u, Scale: int32(scale)}, nil
}

func (d Decimal) unscaled() *big.Int {
	if d.Unscaled == nil {
		return new(big.Int)
	}
	return d.Unscaled
}

// String formats d in plain notation with exactly Scale digits after the
// point, as Java's BigDecimal.toPlainString does ("-1.000", "0.00000").
func (d Decimal) String() string {
	return string(d.AppendText(nil))
}

// AppendJava appends d as Java's BigDecimal.toString writes it, which is
// also how Jackson writes a decimal number: plain when the scale is not
// negative and the adjusted exponent is at least -6 ("123.45",
// "0.00000"), otherwise in scientific notation with one digit before the
// point ("1E-10", "1.2E+3").
func (d Decimal) AppendJava(dst []byte) []byte { return appendJavaBigDecimal(dst, d) }

// AppendText appends d as String formats it.
func (d Decimal) AppendText(dst []byte) []byte {
	u := d.unscaled()
	if d.Scale <= 0 {
		dst = u.Append(dst, 10)
		for i := int32(0); i < -d.Scale; i++ {
			dst = append(dst, '0')
		}
		return dst
	}
	start := len(dst)
	dst = u.Append(dst, 10)
	digits := dst[start:]
	neg := len(digits) > 0 && digits[0] == '-'
	if neg {
		digits = digits[1:]
		start++
	}
	n := len(digits)
	scale := int(d.Scale)
	if n <= scale {
		// 0.000ddd: insert "0." and zero padding before the digits.
		pad := scale - n + 2
		dst = append(dst, make([]byte, pad)...)
		copy(dst[start+pad:], dst[start:start+n])
		dst[start] = '0'
		dst[start+1] = '.'
		for i := start + 2; i < start+pad; i++ {
			dst[i] = '0'
		}
		return dst
	}
	dst = append(dst, 0)
	point := start + n - scale
	copy(dst[point+1:], dst[point:start+n])
	dst[point] = '.'
	return dst
}

// Float64 returns the nearest float64 to d.
func (d Decimal) Float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// Equal reports whether d and o have the same unscaled value and scale (so
// 1.0 and 1.00 differ, as in Kafka Connect's schema'd values).
func (d Decimal) Equal(o Decimal) bool {
	return d.Scale == o.Scale && d.unscaled().Cmp(o.unscaled()) == 0
}

// Rescale returns d with the given scale, or an error when that would lose
// digits.
func (d Decimal) Rescale(scale int32) (Decimal, error) {
	if scale == d.Scale {
		return d, nil
	}
	u := new(big.Int).Set(d.unscaled())
	if scale > d.Scale {
		u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-d.Scale)), nil))
		return Decimal{Unscaled: u, Scale: scale}, nil
	}
	q, r := new(big.Int).QuoRem(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale-scale)), nil), new(big.Int))
	if r.Sign() != 0 {
		return Decimal{}, fmt.Errorf("connect: decimal %s cannot be rescaled to %d without rounding", d, scale)
	}
	return Decimal{Unscaled: q, Scale: scale}, nil
}

// DecimalBytes appends the unscaled value of d in Kafka Connect's Decimal
// wire form: big-endian two's complement in the fewest bytes, as Java's
// BigInteger.toByteArray writes it.
func DecimalBytes(dst []byte, d Decimal) []byte {
	u := d.unscaled()
	switch u.Sign() {
	case 0:
		return append(dst, 0)
	case 1:
		b := u.Bytes()
		if b[0]&0x80 != 0 {
			dst = append(dst, 0)
		}
		return append(dst, b...)
	}
	// Negative: two's complement of |u| in n bytes, where n is the smallest
	// width whose sign bit is set.
	n := (u.BitLen()+8)/8 + 1
	mod := new(big.Int).Lsh(big.NewInt(1), uint(n*8))
	tc := new(big.Int).Add(mod, u).Bytes()
	for len(tc) < n {
		tc = append([]byte{0xff}, tc...)
	}
	// Drop redundant leading 0xff bytes while the next byte keeps the sign.
	for len(tc) > 1 && tc[0] == 0xff && tc[1]&0x80 != 0 {
		tc = tc[1:]
	}
	return append(dst, tc...)
}

// DecimalFromBytes decodes Kafka Connect's Decimal wire form (big-endian
// two's complement) with the given scale.
func DecimalFromBytes(b []byte, scale int32) (Decimal, error) {
	if len(b) == 0 {
		return Decimal{}, errors.New("connect: empty Decimal bytes")
	}
	u := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	return Decimal{Unscaled: u, Scale: scale}, nil
}

const millisPerDay = 24 * 60 * 60 * 1000

// DateToDays converts a Date value to Kafka Connect's wire form, days since
// the epoch. The time must be midnight UTC, as Kafka Connect requires.
func DateToDays(t time.Time) (int32, error) {
	ms := t.UnixMilli()
	if ms%millisPerDay != 0 || t.Nanosecond()%1e6 != 0 {
		return 0, fmt.Errorf("connect: Date %s has a time of day; Kafka Connect dates are midnight UTC", t.Format(time.RFC3339Nano))
	}
	days := ms / millisPerDay
	if days < -1<<31 || days > 1<<31-1 {
		return 0, fmt.Errorf("connect: Date %s is out of range", t.Format(time.RFC3339))
	}
	return int32(days), nil
}

// DaysToDate converts days since the epoch to a Date value (midnight UTC).
func DaysToDate(days int32) time.Time {
	return time.UnixMilli(int64(days) * millisPerDay).UTC()
}

// TimeToMillis converts a Time value to Kafka Connect's wire form,
// milliseconds since midnight. The date must be 1970-01-01 UTC, as Kafka
// Connect requires.
func TimeToMillis(t time.Time) (int32, error) {
	ms := t.UnixMilli()
	if ms < 0 || ms >= millisPerDay {
		return 0, fmt.Errorf("connect: Time %s has a date part; Kafka Connect times are on 1970-01-01 UTC", t.Format(time.RFC3339Nano))
	}
	return int32(ms), nil
}

// MillisToTime converts milliseconds since midnight to a Time value on
// 1970-01-01 UTC.
func MillisToTime(ms int32) time.Time { return time.UnixMilli(int64(ms)).UTC() }

// MillisToTimestamp converts milliseconds since the epoch to a Timestamp
// value in UTC.
func MillisToTimestamp(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
