package connect

import (
	"math"
	"math/big"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// javaDecimal is a number as java.math.BigDecimal's string constructor reads
// it, kept as text so that values such as 1e2147483647 cost nothing until
// their digits are needed.
type javaDecimal struct {
	neg bool
	// digits is the unscaled magnitude in ASCII digits, without leading
	// zeros; "" is zero.
	digits string
	scale  int32
}

// javaDigit returns the value of r as Java's Character.digit(r, 10) gives it
// for a char: ASCII digits and the other Unicode decimal digits of the Basic
// Multilingual Plane; -1 otherwise.
func javaDigit(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r < 0x80 || r >= 0x10000 || !unicode.IsDigit(r) {
		return -1
	}
	start := r
	for start > 0 && unicode.IsDigit(start-1) {
		start--
	}
	return int(r-start) % 10
}

// parseJavaDecimal parses s with the grammar of new BigDecimal(String): an
// optional sign, digits with at most one point (at least one digit), and an
// optional exponent of at most ten significant digits; the resulting scale
// must fit an int (JDK 21 and later; JDK 17 also wants the exponent to fit an
// int). Non-ASCII decimal digits count as Java counts them.
func parseJavaDecimal(s string) (javaDecimal, bool) {
	var d javaDecimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	start := i
	ascii := true
	nd, frac := 0, 0
	dot := false
	for i < len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			nd++
			if dot {
				frac++
			}
			i++
			continue
		case c == '.':
			if dot {
				return d, false
			}
			dot = true
			i++
			continue
		case c == 'e' || c == 'E':
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if javaDigit(r) < 0 {
				return d, false
			}
			ascii = false
			nd++
			if dot {
				frac++
			}
			i += size
			continue
		}
		break
	}
	if nd == 0 {
		return d, false
	}
	mant := s[start:i]
	exp := int64(0)
	if i < len(s) { // at the exponent mark
		rest := s[i+1:]
		negExp := false
		if rest != "" && (rest[0] == '+' || rest[0] == '-') {
			negExp = rest[0] == '-'
			rest = rest[1:]
		}
		if rest == "" {
			return d, false
		}
		var vals [64]int
		n := 0
		count := utf8.RuneCountInString(rest)
		skipping := true
		for _, r := range rest {
			v := javaDigit(r)
			if v < 0 {
				return d, false
			}
			if skipping && v == 0 && count > 10 {
				count--
				continue
			}
			skipping = false
			if n == len(vals) {
				return d, false
			}
			vals[n] = v
			n++
		}
		if count > 10 {
			return d, false
		}
		for _, v := range vals[:n] {
			exp = exp*10 + int64(v)
		}
		if negExp {
			exp = -exp
		}
	}
	scale := int64(frac) - exp
	if scale != int64(int32(scale)) {
		return d, false
	}
	d.scale = int32(scale)
	// The digits without the point and leading zeros.
	if ascii && !dot {
		d.digits = trimLeadingZeros(mant)
		return d, true
	}
	buf := make([]byte, 0, nd)
	for _, r := range mant {
		if r == '.' {
			continue
		}
		buf = append(buf, byte('0'+javaDigit(r)))
	}
	d.digits = trimLeadingZeros(string(buf))
	return d, true
}

func trimLeadingZeros(s string) string {
	for len(s) > 0 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// adjusted is BigDecimal's adjusted exponent: the power of ten of the
// leading digit. Only meaningful when d is not zero.
func (d javaDecimal) adjusted() int64 { return int64(len(d.digits)-1) - int64(d.scale) }

// floatText returns d as text strconv.ParseFloat reads exactly.
func (d javaDecimal) floatText() string {
	digits := d.digits
	if digits == "" {
		digits = "0"
	}
	b := make([]byte, 0, len(digits)+14)
	if d.neg {
		b = append(b, '-')
	}
	b = append(b, digits...)
	b = append(b, 'e')
	b = strconv.AppendInt(b, -int64(d.scale), 10)
	return string(b)
}

// float returns the nearest float of bitSize bits, as BigDecimal's
// floatValue and doubleValue do (±Inf when out of range).
func (d javaDecimal) float(bitSize int) float64 {
	if d.digits == "" {
		return 0 // BigDecimal has no negative zero
	}
	f, _ := strconv.ParseFloat(d.floatText(), bitSize)
	return f
}

// isWhole reports whether d has no fractional part.
func (d javaDecimal) isWhole() bool {
	if d.digits == "" || d.scale <= 0 {
		return true
	}
	zeros := 0
	for i := len(d.digits) - 1; i >= 0 && d.digits[i] == '0'; i-- {
		zeros++
	}
	return zeros >= int(d.scale)
}

// intDigits returns the digits of the integer part of d, truncated toward
// zero. Callers bound the size first.
func (d javaDecimal) intDigits() string {
	if d.scale == 0 {
		return d.digits
	}
	if d.scale < 0 {
		b := make([]byte, 0, len(d.digits)+int(-d.scale))
		b = append(b, d.digits...)
		for i := int32(0); i < -d.scale; i++ {
			b = append(b, '0')
		}
		return string(b)
	}
	if int(d.scale) >= len(d.digits) {
		return ""
	}
	return d.digits[:len(d.digits)-int(d.scale)]
}

// longValue is BigDecimal.longValue: the integer part, truncated toward
// zero, reduced to its low 64 bits.
func (d javaDecimal) longValue() int64 {
	if d.digits == "" || d.adjusted() < 0 || d.scale <= -64 {
		return 0
	}
	digits := d.intDigits()
	var u uint64
	if len(digits) <= 19 {
		u, _ = strconv.ParseUint(digits, 10, 64)
	} else {
		b, _ := new(big.Int).SetString(digits, 10)
		u = lowBits(b)
	}
	if d.neg {
		return -int64(u)
	}
	return int64(u)
}

// lowBits returns the low 64 bits of |b|.
func lowBits(b *big.Int) uint64 {
	words := b.Bits()
	if len(words) == 0 {
		return 0
	}
	if bits64 := strconv.IntSize == 64; bits64 {
		return uint64(words[0])
	}
	u := uint64(words[0])
	if len(words) > 1 {
		u |= uint64(words[1]) << 32
	}
	return u
}

// bigInt returns the signed unscaled value of d.
func (d javaDecimal) bigInt() *big.Int {
	if d.digits == "" {
		return new(big.Int)
	}
	b, _ := new(big.Int).SetString(d.digits, 10)
	if d.neg {
		b.Neg(b)
	}
	return b
}

// decimal returns d as a Decimal.
func (d javaDecimal) decimal() Decimal { return Decimal{Unscaled: d.bigInt(), Scale: d.scale} }

// exactInteger returns the value of d when it is a whole number within the
// range of a long and, as Kafka Connect's parser requires, either zero or at
// least one in magnitude (and at most 1e19).
func (d javaDecimal) exactInteger() (int64, bool) {
	if d.digits == "" {
		return 0, true
	}
	adj := d.adjusted()
	if adj < 0 || adj > 19 {
		return 0, false
	}
	if !d.isWhole() {
		return 0, false
	}
	digits := d.intDigits()
	u, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	if d.neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// javaDecimalOf returns a Decimal in the textual form the parser works on.
func javaDecimalOf(x Decimal) javaDecimal {
	u := x.unscaled()
	d := javaDecimal{neg: u.Sign() < 0, scale: x.Scale}
	if u.Sign() != 0 {
		d.digits = string(new(big.Int).Abs(u).Append(nil, 10))
	}
	return d
}

// appendJavaBigDecimal appends x as Java's BigDecimal.toString writes it:
// plain notation when the scale is not negative and the adjusted exponent is
// at least -6, otherwise scientific notation such as 1E+3 or 1.2345E-8.
func appendJavaBigDecimal(dst []byte, x Decimal) []byte {
	var buf [48]byte
	digits := x.unscaled().Append(buf[:0], 10)
	neg := digits[0] == '-'
	if neg {
		digits = digits[1:]
	}
	adjusted := -int64(x.Scale) + int64(len(digits)-1)
	if x.Scale >= 0 && adjusted >= -6 {
		return x.AppendText(dst)
	}
	if neg {
		dst = append(dst, '-')
	}
	dst = append(dst, digits[0])
	if len(digits) > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	// adjusted is never 0 here: a negative scale makes it positive.
	dst = append(dst, 'E')
	if adjusted > 0 {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, adjusted, 10)
}

// appendJavaNumber appends a float as Java's Float.toString or
// Double.toString writes it, including NaN, Infinity and -Infinity.
func appendJavaNumber(dst []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return AppendJavaFloat(dst, f, bitSize)
}

// saturatingInt64 converts f as Java's (long) cast does: NaN to 0 and out of
// range values to the nearest bound.
func saturatingInt64(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= 9223372036854775807:
		return math.MaxInt64
	case f <= -9223372036854775808:
		return math.MinInt64
	}
	return int64(f)
}

// decimalLongValue is BigDecimal.longValue for a Decimal.
func decimalLongValue(x Decimal) int64 {
	u := x.unscaled()
	if u.Sign() == 0 || x.Scale <= -64 {
		return 0
	}
	var q *big.Int
	switch {
	case x.Scale < 0:
		q = new(big.Int).Mul(u, pow10(int64(-x.Scale)))
	case x.Scale > 0:
		if int64(x.Scale) > int64(len(u.Bits()))*20+1 { // more digits of scale than of value
			return 0
		}
		q = new(big.Int).Quo(u, pow10(int64(x.Scale)))
	default:
		q = u
	}
	v := lowBits(q)
	if q.Sign() < 0 {
		return -int64(v)
	}
	return int64(v)
}

func pow10(n int64) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil) }

// decimalFloat64 is BigDecimal.doubleValue for a Decimal.
func decimalFloat64(x Decimal) float64 { return javaDecimalOf(x).float(64) }
