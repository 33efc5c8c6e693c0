package connect

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AppendJSON appends v as Kafka Connect's JsonConverter writes a schemaless
// value (schemas.enable=false, or the payload of an envelope with a null
// schema): compact, with Jackson's string escaping and Java's number
// formatting, and Go maps written in java.util.HashMap iteration order (see
// JavaHashMapOrder), so that the bytes match a JVM worker's. It is the form
// of the source partitions and offsets in the offsets topic.
//
// Maps with only string keys are JSON objects; other maps are arrays of
// [key, value] pairs, as in Kafka Connect. Beyond what Kafka Connect accepts
// without a schema, a *Struct is written as an object of its fields, a
// time.Time as epoch milliseconds and a Decimal as a JSON number.
func AppendJSON(dst []byte, v any) ([]byte, error) {
	return appendJSON(dst, v, "")
}

func appendJSON(dst []byte, v any, path string) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case Value:
		return appendValueJSON(dst, x, path)
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case float32:
		return AppendJavaFloat(dst, float64(x), 32), nil
	case float64:
		return AppendJavaFloat(dst, x, 64), nil
	case string:
		return AppendJSONString(dst, x), nil
	case []byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendBase64(dst, x), nil
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendJSON(dst, e, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys) // a stable base order for keys sharing a bucket
		JavaHashMapOrder(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendJSON(dst, x[k], joinPath(path, k)); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case map[any]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendEntriesJSON(dst, JavaMapEntries(x), path)
	case []MapEntry:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendEntriesJSON(dst, x, path)
	case *Struct:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '{')
		for i, f := range x.schema.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, f.Name)
			dst = append(dst, ':')
			var err error
			if dst, err = appendValueJSON(dst, x.vals[i], joinPath(path, f.Name)); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case time.Time:
		return strconv.AppendInt(dst, x.UnixMilli(), 10), nil
	case Decimal:
		return x.AppendText(dst), nil
	}
	return dst, &DataError{Path: path, Err: fmt.Errorf("%s cannot be written as JSON", reflect.TypeOf(v))}
}

func appendValueJSON(dst []byte, v Value, path string) ([]byte, error) {
	switch v.kind {
	case KindNull:
		return append(dst, "null"...), nil
	case KindInt8, KindInt16, KindInt32, KindInt64:
		return strconv.AppendInt(dst, v.Int64(), 10), nil
	case KindFloat32:
		return AppendJavaFloat(dst, v.Float64(), 32), nil
	case KindFloat64:
		return AppendJavaFloat(dst, v.Float64(), 64), nil
	case KindBool:
		return strconv.AppendBool(dst, v.Bool()), nil
	case KindString:
		return AppendJSONString(dst, v.str), nil
	case KindBytes:
		return appendBase64(dst, v.Bytes()), nil
	case KindTime:
		return strconv.AppendInt(dst, v.Time().UnixMilli(), 10), nil
	case KindDecimal:
		return v.Decimal().AppendText(dst), nil
	}
	return appendJSON(dst, v.ref, path)
}

// JavaMapEntries lists a Go map's entries in java.util.HashMap iteration
// order, keys of equal hash bucket sorted by their formatted value so that
// the order is deterministic.
func JavaMapEntries(m map[any]any) []MapEntry {
	out := make([]MapEntry, 0, len(m))
	for k, v := range m {
		out = append(out, MapEntry{k, v})
	}
	slices.SortFunc(out, func(a, b MapEntry) int {
		return strings.Compare(fmt.Sprint(a.Key), fmt.Sprint(b.Key))
	})
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	javaBucketOrder(idx, func(i int) int32 { return javaHashCode(out[i].Key) })
	sorted := make([]MapEntry, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted
}

func appendEntriesJSON(dst []byte, entries []MapEntry, path string) ([]byte, error) {
	allStrings := true
	for _, e := range entries {
		if _, ok := e.Key.(string); !ok {
			allStrings = false
			break
		}
	}
	var err error
	if allStrings {
		dst = append(dst, '{')
		for i, e := range entries {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, e.Key.(string))
			dst = append(dst, ':')
			if dst, err = appendJSON(dst, e.Value, joinPath(path, e.Key.(string))); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	dst = append(dst, '[')
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		if dst, err = appendJSON(dst, e.Key, path); err != nil {
			return dst, err
		}
		dst = append(dst, ',')
		if dst, err = appendJSON(dst, e.Value, path+"["+fmt.Sprint(e.Key)+"]"); err != nil {
			return dst, err
		}
		dst = append(dst, ']')
	}
	return append(dst, ']'), nil
}

func appendBase64(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexUpper = "0123456789ABCDEF"

// AppendJSONString appends s as a JSON string the way Jackson writes it:
// '"' and '\' escaped, control characters as \b \t \n \f \r or \u00XX,
// characters beyond the Basic Multilingual Plane as a \uXXXX surrogate pair,
// everything else (including '/', '<' and U+2028) as raw UTF-8. Invalid
// UTF-8 is written as U+FFFD, as a Java reader would have decoded it.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none needs a look: no control
		// character, quote, backslash or non-ASCII byte among them.
		for i+8 <= len(s) && plainASCII8(s[i:i+8]) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"':
				dst = append(dst, '\\', '"')
			case '\\':
				dst = append(dst, '\\', '\\')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\r':
				dst = append(dst, '\\', 'r')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexUpper[c>>4], hexUpper[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		if r >= 0x10000 {
			dst = append(dst, s[start:i]...)
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			dst = appendU4(dst, hi)
			dst = appendU4(dst, lo)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plainASCII8 reports whether none of the eight bytes of b is below 0x20,
// '"', '\\' or at or above 0x80 (SWAR: each test sets a byte's high bit).
func plainASCII8(b string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	zeroIn := func(v uint64) uint64 { return (v - ones) &^ v & highs }
	control := (x - ones*0x20) &^ x & highs
	return (control | zeroIn(x^(ones*'"')) | zeroIn(x^(ones*'\\')) | x&highs) == 0
}

func appendU4(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexUpper[r>>12&0xf], hexUpper[r>>8&0xf], hexUpper[r>>4&0xf], hexUpper[r&0xf])
}

// AppendJavaFloat appends f as Java's Double.toString (bitSize 64) or
// Float.toString (bitSize 32) formats it, which is how Jackson writes JSON
// numbers: the shortest digits that read back exactly (at least two, as
// the JDK 19+ specification has it; older JDKs sometimes printed more digits
// for rare values), in plain notation
// with at least one fractional digit when 10^-3 <= |f| < 10^7 ("100.0"),
// otherwise as d.dddE±n ("1.0E10", "1.5E-7"). NaN and the infinities are
// written as the JSON strings "NaN", "Infinity" and "-Infinity", as Jackson
// does by default.
func AppendJavaFloat(dst []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if abs := math.Abs(f); abs >= 1e-3 && abs < 1e7 {
		// Plain notation: Go's shortest digits are Java's here. (Java's
		// two-digit rule below only changes subnormals.)
		if out, ok := appendFewDecimals(dst, f, abs, bitSize); ok {
			return out
		}
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, bitSize)
		if bytes.IndexByte(dst[start:], '.') < 0 {
			dst = append(dst, '.', '0')
		}
		return dst
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, bitSize) // -d.ddde±XX
	if bytes.IndexByte(e, '.') < 0 {
		// Java never prints a single digit: when one digit would do, it
		// prints the two-digit decimal closest to f (4.9E-324, not 5.0E-324).
		e = strconv.AppendFloat(buf[:0], f, 'e', 1, bitSize)
	}
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		dst = append(dst, '-')
	}
	mark := bytes.IndexByte(e, 'e')
	mant, expPart := e[:mark], e[mark+1:]
	exp, _ := strconv.Atoi(string(expPart))
	// digits without the point
	var dbuf [24]byte
	digits := append(dbuf[:0], mant[0])
	if len(mant) > 2 {
		digits = append(digits, mant[2:]...)
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		if exp >= 0 {
			intLen := exp + 1
			if len(digits) <= intLen {
				dst = append(dst, digits...)
				for i := len(digits); i < intLen; i++ {
					dst = append(dst, '0')
				}
				return append(dst, '.', '0')
			}
			dst = append(dst, digits[:intLen]...)
			dst = append(dst, '.')
			return append(dst, digits[intLen:]...)
		}
		dst = append(dst, '0', '.')
		for i := 0; i < -exp-1; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[0], '.')
	if len(digits) > 1 {
		dst = append(dst, digits[1:]...)
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}

// exactPow10 holds the powers of ten appendFewDecimals tries, all exact.
var exactPow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8}

// appendFewDecimals writes f, with abs = |f| in [1e-3, 1e7), in plain
// notation when a decimal with at most 8 fractional digits (7 for a float)
// reads back as f, the common case of prices, measurements and counts. It
// finds the fewest such digits, so the same digits as strconv's shortest
// form, at a fraction of its cost; ok is false when none does.
//
// For k = 0, 1, … the candidate is n = round(abs·10^k), the closest
// k-digit decimal; it reads back as abs when n/10^k, correctly rounded, is
// abs. n/10^k is one correctly rounded division of exact operands (n < 2^53,
// 10^k exact), so for a double the test is exact. Then the k-digit decimals
// that read back as abs are within half an ulp of it, and for a double
// ulp·10^k < 1 here, so n is the only one. For a float (bitSize 32), abs·10^k is exact (24-bit
// times at most 24-bit significands) and n/10^k is rounded twice, to a
// double and then to a float; that differs from one rounding only when the
// double lands exactly halfway between two floats, and then this gives up.
// A float's ulp·10^k may exceed 1, so several k-digit decimals may read
// back; n is the closest, and of two equally close the even one, as
// strconv and Java choose.
func appendFewDecimals(dst []byte, f, abs float64, bitSize int) ([]byte, bool) {
	maxK := 8
	if bitSize == 32 {
		maxK = 7
	}
	for k := 0; k <= maxK; k++ {
		n := math.RoundToEven(abs * exactPow10[k])
		q := n / exactPow10[k]
		if bitSize == 32 {
			const halfway = 1 << 28 // the bits of a double below a float's last bit, at a tie
			if math.Float64bits(q)&(1<<29-1) == halfway {
				return dst, false
			}
			if float32(q) != float32(abs) {
				continue
			}
		} else if q != abs {
			continue
		}
		if f < 0 {
			dst = append(dst, '-')
		}
		var buf [24]byte
		digits := strconv.AppendUint(buf[:0], uint64(n), 10)
		switch {
		case k == 0:
			dst = append(dst, digits...)
			return append(dst, '.', '0'), true
		case len(digits) > k:
			dst = append(dst, digits[:len(digits)-k]...)
			dst = append(dst, '.')
			return append(dst, digits[len(digits)-k:]...), true
		}
		dst = append(dst, '0', '.')
		for range k - len(digits) {
			dst = append(dst, '0')
		}
		return append(dst, digits...), true
	}
	return dst, false
}

// ParseJSON reads schemaless JSON as Kafka Connect's JsonConverter does:
// integral numbers become int64 (float64 when they do not fit), other
// numbers float64, objects map[string]any, arrays []any, and strings,
// booleans and null themselves. Trailing data after the value is an error.
func ParseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonSyntaxError(err, dec)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("connect: invalid JSON: data after the value at byte %d", dec.InputOffset())
	}
	return FromJSONNumbers(v), nil
}

func jsonSyntaxError(err error, dec *json.Decoder) error {
	if err == io.EOF {
		return fmt.Errorf("connect: invalid JSON: empty input")
	}
	return fmt.Errorf("connect: invalid JSON at byte %d: %w", dec.InputOffset(), err)
}

// FromJSONNumbers replaces, in a value decoded by encoding/json with
// UseNumber, every json.Number by int64 or float64 as ParseJSON does. It
// modifies maps and slices in place.
func FromJSONNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		return JSONNumber(string(x))
	case map[string]any:
		for k, e := range x {
			x[k] = FromJSONNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = FromJSONNumbers(e)
		}
	}
	return v
}

// JSONNumber converts JSON number text to int64 when it is integral and fits,
// else to float64.
func JSONNumber(s string) any {
	if !strings.ContainsAny(s, ".eE") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
