package mongodb

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// jsonMode is one of the ways the official connector's output.json.formatter
// classes write a document, which are the Java driver's JsonWriter modes.
type jsonMode uint8

const (
	// modeStrict is DefaultJson: the legacy strict mode (JsonMode.STRICT).
	modeStrict jsonMode = iota
	// modeExtended is ExtendedJson: canonical Extended JSON v2.
	modeExtended
	// modeRelaxed is relaxed Extended JSON v2, the Java driver's default,
	// which BsonDocument.toJson() uses: resume tokens in offsets and
	// heartbeat keys are written this way.
	modeRelaxed
	// modeSimplified is SimplifiedJson: relaxed, with ObjectId, Decimal128,
	// dates, binary and symbols written as plain strings.
	modeSimplified
)

// maxRelaxedDate is the last millisecond the Java driver writes as an ISO
// date in relaxed mode (9999-12-31T23:59:59.999Z); later or earlier dates
// keep the canonical form.
const maxRelaxedDate = 253402300799999

// appendJSON appends d as the Java driver's JsonWriter writes it in mode m:
// `{"a": 1, "b": [1, 2]}`, with a space after each colon and comma. The
// text matters byte for byte, as it is what the official connector puts in
// records and offsets.
func appendJSON(dst []byte, d bson.D, m jsonMode) []byte {
	dst = append(dst, '{')
	for i, e := range d {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = appendJSONString(dst, e.Key)
		dst = append(dst, ": "...)
		dst = appendJSONValue(dst, e.Value, m)
	}
	return append(dst, '}')
}

// toJSON returns d as appendJSON writes it.
func toJSON(d bson.D, m jsonMode) string { return string(appendJSON(nil, d, m)) }

func appendJSONValue(dst []byte, v any, m jsonMode) []byte {
	switch x := v.(type) {
	case nil, bson.Null:
		return append(dst, "null"...)
	case bson.D:
		return appendJSON(dst, x, m)
	case bson.Raw:
		var d bson.D
		if err := bson.Unmarshal(x, &d); err != nil {
			return appendJSONString(dst, fmt.Sprintf("<invalid BSON: %v>", err))
		}
		return appendJSON(dst, d, m)
	case bson.A:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendJSONValue(dst, e, m)
		}
		return append(dst, ']')
	case string:
		return appendJSONString(dst, x)
	case bool:
		return strconv.AppendBool(dst, x)
	case int32:
		if m == modeExtended {
			return wrapString(dst, "$numberInt", strconv.FormatInt(int64(x), 10))
		}
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		if m == modeStrict || m == modeExtended {
			return wrapString(dst, "$numberLong", strconv.FormatInt(x, 10))
		}
		return strconv.AppendInt(dst, x, 10)
	case float64:
		s := javaDouble(x)
		switch {
		case m == modeExtended:
			return wrapString(dst, "$numberDouble", s)
		case m != modeStrict && (math.IsNaN(x) || math.IsInf(x, 0)):
			return wrapString(dst, "$numberDouble", s)
		}
		return append(dst, s...)
	case bson.ObjectID:
		if m == modeSimplified {
			return appendJSONString(dst, x.Hex())
		}
		return wrapString(dst, "$oid", x.Hex())
	case bson.DateTime:
		ms := int64(x)
		switch {
		case m == modeSimplified:
			return appendJSONString(dst, isoDate(ms))
		case m == modeStrict:
			dst = append(dst, `{"$date": `...)
			dst = strconv.AppendInt(dst, ms, 10)
			return append(dst, '}')
		case m == modeRelaxed && ms >= 0 && ms <= maxRelaxedDate:
			return wrapString(dst, "$date", isoDate(ms))
		}
		dst = append(dst, `{"$date": `...)
		dst = wrapString(dst, "$numberLong", strconv.FormatInt(ms, 10))
		return append(dst, '}')
	case bson.Decimal128:
		if m == modeSimplified {
			return appendJSONString(dst, x.String())
		}
		return wrapString(dst, "$numberDecimal", x.String())
	case bson.Binary:
		b64 := base64.StdEncoding.EncodeToString(x.Data)
		switch m {
		case modeSimplified:
			return appendJSONString(dst, b64)
		case modeStrict:
			dst = append(dst, `{"$binary": `...)
			dst = appendJSONString(dst, b64)
			dst = append(dst, `, "$type": `...)
			dst = appendJSONString(dst, fmt.Sprintf("%02X", x.Subtype))
			return append(dst, '}')
		}
		dst = append(dst, `{"$binary": {"base64": `...)
		dst = appendJSONString(dst, b64)
		dst = append(dst, `, "subType": `...)
		dst = appendJSONString(dst, fmt.Sprintf("%02X", x.Subtype))
		return append(dst, "}}"...)
	case []byte:
		return appendJSONValue(dst, bson.Binary{Data: x}, m)
	case bson.Timestamp:
		dst = append(dst, `{"$timestamp": {"t": `...)
		dst = strconv.AppendUint(dst, uint64(x.T), 10)
		dst = append(dst, `, "i": `...)
		dst = strconv.AppendUint(dst, uint64(x.I), 10)
		return append(dst, "}}"...)
	case bson.Regex:
		if m == modeStrict {
			dst = append(dst, `{"$regex": `...)
			dst = appendJSONString(dst, x.Pattern)
			dst = append(dst, `, "$options": `...)
			dst = appendJSONString(dst, x.Options)
			return append(dst, '}')
		}
		dst = append(dst, `{"$regularExpression": {"pattern": `...)
		dst = appendJSONString(dst, x.Pattern)
		dst = append(dst, `, "options": `...)
		dst = appendJSONString(dst, x.Options)
		return append(dst, "}}"...)
	case bson.Symbol:
		if m == modeSimplified {
			return appendJSONString(dst, string(x))
		}
		return wrapString(dst, "$symbol", string(x))
	case bson.JavaScript:
		return wrapString(dst, "$code", string(x))
	case bson.CodeWithScope:
		dst = append(dst, `{"$code": `...)
		dst = appendJSONString(dst, string(x.Code))
		dst = append(dst, `, "$scope": `...)
		dst = appendJSONValue(dst, x.Scope, m)
		return append(dst, '}')
	case bson.DBPointer:
		if m == modeStrict {
			dst = append(dst, `{"$ref": `...)
			dst = appendJSONString(dst, x.DB)
			dst = append(dst, `, "$id": `...)
			dst = appendJSONValue(dst, x.Pointer, m)
			return append(dst, '}')
		}
		dst = append(dst, `{"$dbPointer": {"$ref": `...)
		dst = appendJSONString(dst, x.DB)
		dst = append(dst, `, "$id": `...)
		dst = appendJSONValue(dst, x.Pointer, m)
		return append(dst, "}}"...)
	case bson.Undefined:
		return append(dst, `{"$undefined": true}`...)
	case bson.MinKey:
		return append(dst, `{"$minKey": 1}`...)
	case bson.MaxKey:
		return append(dst, `{"$maxKey": 1}`...)
	case bson.RawValue:
		var out any
		if err := x.Unmarshal(&out); err != nil {
			return appendJSONString(dst, fmt.Sprintf("<invalid BSON: %v>", err))
		}
		return appendJSONValue(dst, out, m)
	}
	return appendJSONString(dst, fmt.Sprint(v))
}

// wrapString appends {"<key>": "<s>"}.
func wrapString(dst []byte, key, s string) []byte {
	dst = append(dst, `{"`...)
	dst = append(dst, key...)
	dst = append(dst, `": `...)
	dst = appendJSONString(dst, s)
	return append(dst, '}')
}

// isoDate formats a BSON date as the Java driver's relaxed mode and
// SimplifiedJson do (ISO_OFFSET_DATE_TIME in UTC): seconds always, the
// fraction only when not zero and with no trailing zeros, and "Z".
func isoDate(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	s := t.Format("2006-01-02T15:04:05")
	if frac := ms % 1000; frac != 0 {
		if frac < 0 {
			frac += 1000
		}
		f := strings.TrimRight(fmt.Sprintf("%03d", frac), "0")
		s += "." + f
	}
	return s + "Z"
}

// javaDouble formats f as Java's Double.toString: plain decimal notation
// with at least one digit after the point for 1e-3 <= |f| < 1e7, otherwise
// "d.dddE±n"; NaN, Infinity and -Infinity by name.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	sign := ""
	if f < 0 {
		sign = "-"
	}
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(abs, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return sign + s
	}
	// Shortest digits, then Java's layout of them.
	e := strconv.FormatFloat(abs, 'e', -1, 64) // d.ddde±xx
	mant, exp, _ := strings.Cut(e, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return sign + mant + "E" + strconv.Itoa(n)
}

// appendJSONString appends s quoted as the Java driver's
// StrictCharacterStreamJsonWriter quotes it: the usual short escapes, and
// \uXXXX for every UTF-16 unit that is not a letter (other than a modifier
// letter), digit, number, space separator, punctuation or symbol, which
// includes control and format characters and both halves of a character
// outside the Basic Multilingual Plane.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r {
		case '"':
			dst = append(dst, `\"`...)
			continue
		case '\\':
			dst = append(dst, `\\`...)
			continue
		case '\b':
			dst = append(dst, `\b`...)
			continue
		case '\f':
			dst = append(dst, `\f`...)
			continue
		case '\n':
			dst = append(dst, `\n`...)
			continue
		case '\r':
			dst = append(dst, `\r`...)
			continue
		case '\t':
			dst = append(dst, `\t`...)
			continue
		}
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			dst = appendUnicodeEscape(dst, hi)
			dst = appendUnicodeEscape(dst, lo)
			continue
		}
		if r == utf8.RuneError && size == 1 {
			dst = appendUnicodeEscape(dst, 0xFFFD)
			continue
		}
		if javaPrintable(r) {
			dst = utf8.AppendRune(dst, r)
		} else {
			dst = appendUnicodeEscape(dst, r)
		}
	}
	return append(dst, '"')
}

func appendUnicodeEscape(dst []byte, r rune) []byte {
	const digits = "0123456789abcdef"
	return append(dst, '\\', 'u', digits[r>>12&0xf], digits[r>>8&0xf], digits[r>>4&0xf], digits[r&0xf])
}

// javaPrintable reports whether the Java writer leaves r as it is: the
// Character.getType categories its switch lists.
func javaPrintable(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Lo, unicode.Nd, unicode.Nl, unicode.No,
		unicode.Zs, unicode.Pc, unicode.Pd, unicode.Ps, unicode.Pe, unicode.Pi, unicode.Pf, unicode.Po,
		unicode.Sm, unicode.Sc, unicode.Sk, unicode.So)
}
