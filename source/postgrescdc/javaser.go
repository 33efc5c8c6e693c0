package postgrescdc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"unicode/utf16"
	"unicode/utf8"
)

// Debezium keeps an incremental snapshot's keys in its offsets as the hex
// of a java.io.ObjectOutputStream holding an Object[] of the key columns'
// values (AbstractIncrementalSnapshotContext.arrayToSerializedString).
// javaser.go writes and reads that form for the values PostgreSQL's JDBC
// driver gives Debezium for key columns: null, String, Integer, Long,
// Short, Byte, Boolean, Double, Float, BigDecimal, BigInteger and UUID.
// Writing matches ObjectOutputStream byte for byte, including the
// back-references it writes for the boxed values Java caches (small
// integers, booleans, the BigIntegers of -16..16), so offsets written by
// either side are the same text. Reading takes any stream of ordinary
// serializable objects and fails on classes it cannot turn into a value.

// Java values, as read and written.
type (
	javaInt     int32 // java.lang.Integer
	javaLong    int64 // java.lang.Long
	javaShort   int16 // java.lang.Short
	javaByte    int8  // java.lang.Byte
	javaDouble  float64
	javaFloat   float32
	javaDecimal struct { // java.math.BigDecimal: unscaled × 10^-scale
		unscaled *big.Int
		scale    int32
	}
	javaUUID struct{ msb, lsb int64 } // java.util.UUID
)

// string, bool and *big.Int stand for String, Boolean and BigInteger.

const (
	tcNull          = 0x70
	tcReference     = 0x71
	tcClassDesc     = 0x72
	tcObject        = 0x73
	tcString        = 0x74
	tcArray         = 0x75
	tcBlockData     = 0x77
	tcEndBlockData  = 0x78
	tcBlockDataLong = 0x7a
	tcLongString    = 0x7c
	baseHandle      = 0x7e0000
	scWriteMethod   = 0x01
	scSerializable  = 0x02
	scExternalizble = 0x04
	scEnum          = 0x10
)

// javaField is a field of a class descriptor: its type code and, for an
// object or array field, its type signature.
type javaField struct {
	code      byte
	name, sig string
}

type javaClass struct {
	name   string
	suid   uint64
	flags  byte
	fields []javaField // as ObjectStreamClass sorts them: primitives, then objects, each by name
	super  *javaClass
}

var (
	jNumber  = &javaClass{name: "java.lang.Number", suid: 0x86ac951d0b94e08b, flags: scSerializable}
	jObjects = &javaClass{name: "[Ljava.lang.Object;", suid: 0x90ce589f1073296c, flags: scSerializable}
	jBytes   = &javaClass{name: "[B", suid: 0xacf317f8060854e0, flags: scSerializable}
	jInteger = &javaClass{name: "java.lang.Integer", suid: 0x12e2a0a4f7818738, flags: scSerializable,
		fields: []javaField{{'I', "value", ""}}, super: jNumber}
	jLong = &javaClass{name: "java.lang.Long", suid: 0x3b8be490cc8f23df, flags: scSerializable,
		fields: []javaField{{'J', "value", ""}}, super: jNumber}
	jShort = &javaClass{name: "java.lang.Short", suid: 0x684d37133460da52, flags: scSerializable,
		fields: []javaField{{'S', "value", ""}}, super: jNumber}
	jByte = &javaClass{name: "java.lang.Byte", suid: 0x9c4e6084ee50f51c, flags: scSerializable,
		fields: []javaField{{'B', "value", ""}}, super: jNumber}
	jDouble = &javaClass{name: "java.lang.Double", suid: 0x80b3c24a296bfb04, flags: scSerializable,
		fields: []javaField{{'D', "value", ""}}, super: jNumber}
	jFloat = &javaClass{name: "java.lang.Float", suid: 0xdaedc9a2db3cf0ec, flags: scSerializable,
		fields: []javaField{{'F', "value", ""}}, super: jNumber}
	jBoolean = &javaClass{name: "java.lang.Boolean", suid: 0xcd207280d59cfaee, flags: scSerializable,
		fields: []javaField{{'Z', "value", ""}}}
	jBigInteger = &javaClass{name: "java.math.BigInteger", suid: 0x8cfc9f1fa93bfb1d, flags: scSerializable | scWriteMethod,
		fields: []javaField{{'I', "bitCount", ""}, {'I', "bitLength", ""}, {'I', "firstNonzeroByteNum", ""},
			{'I', "lowestSetBit", ""}, {'I', "signum", ""}, {'[', "magnitude", "[B"}}, super: jNumber}
	jBigDecimal = &javaClass{name: "java.math.BigDecimal", suid: 0x54c71557f981284f, flags: scSerializable | scWriteMethod,
		fields: []javaField{{'I', "scale", ""}, {'L', "intVal", "Ljava/math/BigInteger;"}}, super: jNumber}
	jUUID = &javaClass{name: "java.util.UUID", suid: 0xbc9903f7986d852f, flags: scSerializable,
		fields: []javaField{{'J', "leastSigBits", ""}, {'J', "mostSigBits", ""}}}
)

// javaWriter is an ObjectOutputStream's state: the handles it has given.
type javaWriter struct {
	b       []byte
	next    int32
	classes map[*javaClass]int32
	strs    map[string]int32 // type signatures, which Java interns
	cached  map[any]int32    // boxed values Java takes from its caches
}

// encodeJavaKey returns the hex of an Object[] of vals as Debezium writes
// a key in its offsets; nil vals is a null array.
func encodeJavaKey(vals []any) (string, error) {
	w := &javaWriter{b: []byte{0xac, 0xed, 0x00, 0x05}, next: baseHandle,
		classes: map[*javaClass]int32{}, strs: map[string]int32{}, cached: map[any]int32{}}
	if vals == nil {
		w.b = append(w.b, tcNull)
		return hexOf(w.b), nil
	}
	w.b = append(w.b, tcArray)
	w.classDesc(jObjects)
	w.next++ // the array
	w.b = binary.BigEndian.AppendUint32(w.b, uint32(len(vals)))
	for _, v := range vals {
		if err := w.value(v); err != nil {
			return "", err
		}
	}
	return hexOf(w.b), nil
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

func (w *javaWriter) handle(h int32) {
	w.b = binary.BigEndian.AppendUint32(append(w.b, tcReference), uint32(h))
}

func (w *javaWriter) classDesc(c *javaClass) {
	if c == nil {
		w.b = append(w.b, tcNull)
		return
	}
	if h, ok := w.classes[c]; ok {
		w.handle(h)
		return
	}
	w.b = append(w.b, tcClassDesc)
	w.classes[c] = w.next
	w.next++
	w.b = appendJavaUTF(w.b, c.name)
	w.b = binary.BigEndian.AppendUint64(w.b, c.suid)
	w.b = append(w.b, c.flags)
	w.b = binary.BigEndian.AppendUint16(w.b, uint16(len(c.fields)))
	for _, f := range c.fields {
		w.b = appendJavaUTF(append(w.b, f.code), f.name)
		if f.sig != "" {
			if h, ok := w.strs[f.sig]; ok {
				w.handle(h)
			} else {
				w.str(f.sig)
				w.strs[f.sig] = w.next - 1
			}
		}
	}
	w.b = append(w.b, tcEndBlockData)
	w.classDesc(c.super)
}

func (w *javaWriter) str(s string) {
	u := appendJavaUTF(nil, s)[2:]
	if len(u) > math.MaxUint16 {
		w.b = binary.BigEndian.AppendUint64(append(w.b, tcLongString), uint64(len(u)))
	} else {
		w.b = binary.BigEndian.AppendUint16(append(w.b, tcString), uint16(len(u)))
	}
	w.b = append(w.b, u...)
	w.next++
}

// object starts an object of class c, or writes a back-reference and
// says so when Java would share the instance (key is then not nil).
func (w *javaWriter) object(c *javaClass, key any) bool {
	if key != nil {
		if h, ok := w.cached[key]; ok {
			w.handle(h)
			return false
		}
	}
	w.b = append(w.b, tcObject)
	w.classDesc(c)
	if key != nil {
		w.cached[key] = w.next
	}
	w.next++
	return true
}

// cacheKey is how Java's valueOf caches of the boxed types are keyed.
type cacheKey struct {
	c *javaClass
	v int64
}

func (w *javaWriter) value(v any) error {
	u32 := func(x uint32) { w.b = binary.BigEndian.AppendUint32(w.b, x) }
	u64 := func(x uint64) { w.b = binary.BigEndian.AppendUint64(w.b, x) }
	small := func(c *javaClass, x int64) any {
		if x >= -128 && x <= 127 {
			return cacheKey{c, x}
		}
		return nil
	}
	switch v := v.(type) {
	case nil:
		w.b = append(w.b, tcNull)
	case string:
		w.str(v)
	case javaInt:
		if w.object(jInteger, small(jInteger, int64(v))) {
			u32(uint32(v))
		}
	case javaLong:
		if w.object(jLong, small(jLong, int64(v))) {
			u64(uint64(v))
		}
	case javaShort:
		if w.object(jShort, small(jShort, int64(v))) {
			w.b = binary.BigEndian.AppendUint16(w.b, uint16(v))
		}
	case javaByte:
		if w.object(jByte, cacheKey{jByte, int64(v)}) {
			w.b = append(w.b, byte(v))
		}
	case bool:
		b := int64(0)
		if v {
			b = 1
		}
		if w.object(jBoolean, cacheKey{jBoolean, b}) {
			w.b = append(w.b, byte(b))
		}
	case javaDouble:
		if w.object(jDouble, nil) {
			u64(math.Float64bits(float64(v)))
		}
	case javaFloat:
		if w.object(jFloat, nil) {
			u32(math.Float32bits(float32(v)))
		}
	case *big.Int:
		w.bigInteger(v, nil)
	case javaDecimal:
		if w.object(jBigDecimal, nil) {
			u32(uint32(v.scale))
			// BigDecimal inflates a compact value with BigInteger.valueOf,
			// which shares its instances of -16..16.
			var key any
			if v.unscaled.IsInt64() && v.unscaled.Int64() >= -16 && v.unscaled.Int64() <= 16 {
				key = cacheKey{jBigInteger, v.unscaled.Int64()}
			}
			w.bigInteger(v.unscaled, key)
			w.b = append(w.b, tcEndBlockData)
		}
	case javaUUID:
		if w.object(jUUID, nil) {
			u64(uint64(v.lsb))
			u64(uint64(v.msb))
		}
	default:
		return fmt.Errorf("a key value of Go type %T has no Java form", v)
	}
	return nil
}

// bigInteger writes a BigInteger with the fields its writeObject puts.
func (w *javaWriter) bigInteger(v *big.Int, key any) {
	if !w.object(jBigInteger, key) {
		return
	}
	for _, x := range []int32{-1, -1, -2, -2, int32(v.Sign())} {
		w.b = binary.BigEndian.AppendUint32(w.b, uint32(x))
	}
	mag := new(big.Int).Abs(v).Bytes()
	w.b = append(w.b, tcArray)
	w.classDesc(jBytes)
	w.next++
	w.b = binary.BigEndian.AppendUint32(w.b, uint32(len(mag)))
	w.b = append(w.b, mag...)
	w.b = append(w.b, tcEndBlockData)
}

// appendJavaUTF appends s in DataOutput.writeUTF's modified UTF-8 after
// its 16-bit length (which the caller drops for long strings): NUL as two
// bytes, characters outside the BMP as two encoded surrogates.
func appendJavaUTF(dst []byte, s string) []byte {
	at := len(dst)
	dst = append(dst, 0, 0)
	for _, r := range s {
		switch {
		case r == 0:
			dst = append(dst, 0xc0, 0x80)
		case r < 0x80:
			dst = append(dst, byte(r))
		case r > 0xffff:
			// utf8 refuses surrogates: three bytes each, by hand.
			r1, r2 := utf16.EncodeRune(r)
			for _, u := range []rune{r1, r2} {
				dst = append(dst, byte(0xe0|u>>12), byte(0x80|u>>6&0x3f), byte(0x80|u&0x3f))
			}
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	n := len(dst) - at - 2
	binary.BigEndian.PutUint16(dst[at:], uint16(min(n, math.MaxUint16)))
	return dst
}

// javaReader reads an ObjectInputStream.
type javaReader struct {
	b       []byte
	handles []any // *javaClass, or a value
}

var errJavaShort = errors.New("the serialized data ends early")

// decodeJavaKey reads the hex of a serialized Object[] (or null) as
// Debezium writes a key.
func decodeJavaKey(s string) ([]any, error) {
	b := make([]byte, len(s)/2)
	if len(s)%2 != 0 {
		return nil, errors.New("odd-length hex")
	}
	for i := range b {
		hi, lo := unhex(s[2*i]), unhex(s[2*i+1])
		if hi < 0 || lo < 0 {
			return nil, fmt.Errorf("not hex at %d", 2*i)
		}
		b[i] = byte(hi<<4 | lo)
	}
	if len(b) < 4 || b[0] != 0xac || b[1] != 0xed || b[2] != 0 || b[3] != 5 {
		return nil, errors.New("not a Java serialization stream")
	}
	r := &javaReader{b: b[4:]}
	v, err := r.content()
	if err != nil {
		return nil, err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d bytes after the key", len(r.b))
	}
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return v, nil
	}
	return nil, fmt.Errorf("the key is a %T, not an Object[]", v)
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (r *javaReader) take(n int) ([]byte, error) {
	if n < 0 || len(r.b) < n {
		return nil, errJavaShort
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out, nil
}

func (r *javaReader) u8() (byte, error) {
	b, err := r.take(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *javaReader) u16() (uint16, error) {
	b, err := r.take(2)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(b), nil
}

func (r *javaReader) u32() (uint32, error) {
	b, err := r.take(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

func (r *javaReader) u64() (uint64, error) {
	b, err := r.take(8)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(b), nil
}

func (r *javaReader) utf(n int) (string, error) {
	b, err := r.take(n)
	if err != nil {
		return "", err
	}
	// Modified UTF-8 is CESU-8 with NUL as C0 80: decode the 16-bit
	// units, then pair the surrogates.
	units := make([]uint16, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			units = append(units, uint16(c))
			i++
		case c&0xe0 == 0xc0 && i+1 < len(b) && b[i+1]&0xc0 == 0x80:
			units = append(units, uint16(c&0x1f)<<6|uint16(b[i+1]&0x3f))
			i += 2
		case c&0xf0 == 0xe0 && i+2 < len(b) && b[i+1]&0xc0 == 0x80 && b[i+2]&0xc0 == 0x80:
			units = append(units, uint16(c&0x0f)<<12|uint16(b[i+1]&0x3f)<<6|uint16(b[i+2]&0x3f))
			i += 3
		default:
			return "", fmt.Errorf("malformed modified UTF-8 at byte %d", i)
		}
	}
	return string(utf16.Decode(units)), nil
}

func (r *javaReader) shortUTF() (string, error) {
	n, err := r.u16()
	if err != nil {
		return "", err
	}
	return r.utf(int(n))
}

func (r *javaReader) ref() (any, error) {
	h, err := r.u32()
	if err != nil {
		return nil, err
	}
	i := int64(h) - baseHandle
	if i < 0 || i >= int64(len(r.handles)) {
		return nil, fmt.Errorf("back-reference %#x to no object", h)
	}
	return r.handles[i], nil
}

// content reads one object.
func (r *javaReader) content() (any, error) {
	tc, err := r.u8()
	if err != nil {
		return nil, err
	}
	switch tc {
	case tcNull:
		return nil, nil
	case tcReference:
		v, err := r.ref()
		if _, ok := v.(*javaClass); ok {
			return nil, errors.New("a class descriptor where an object is due")
		}
		return v, err
	case tcString, tcLongString:
		var n uint64
		if tc == tcString {
			m, err := r.u16()
			n = uint64(m)
			if err != nil {
				return nil, err
			}
		} else if n, err = r.u64(); err != nil {
			return nil, err
		}
		if n > uint64(len(r.b)) {
			return nil, errJavaShort
		}
		s, err := r.utf(int(n))
		if err != nil {
			return nil, err
		}
		r.handles = append(r.handles, s)
		return s, nil
	case tcArray:
		return r.array()
	case tcObject:
		return r.object()
	}
	return nil, fmt.Errorf("type code %#x is not read", tc)
}

func (r *javaReader) classDesc() (*javaClass, error) {
	tc, err := r.u8()
	if err != nil {
		return nil, err
	}
	switch tc {
	case tcNull:
		return nil, nil
	case tcReference:
		v, err := r.ref()
		if err != nil {
			return nil, err
		}
		c, ok := v.(*javaClass)
		if !ok {
			return nil, errors.New("a back-reference to an object where a class descriptor is due")
		}
		return c, nil
	case tcClassDesc:
	default:
		return nil, fmt.Errorf("type code %#x where a class descriptor is due", tc)
	}
	c := &javaClass{}
	r.handles = append(r.handles, c)
	if c.name, err = r.shortUTF(); err != nil {
		return nil, err
	}
	if c.suid, err = r.u64(); err != nil {
		return nil, err
	}
	if c.flags, err = r.u8(); err != nil {
		return nil, err
	}
	if c.flags&(scExternalizble|scEnum) != 0 || c.flags&scSerializable == 0 {
		return nil, fmt.Errorf("class %s is not an ordinary serializable class", c.name)
	}
	n, err := r.u16()
	if err != nil {
		return nil, err
	}
	for range n {
		var f javaField
		if f.code, err = r.u8(); err != nil {
			return nil, err
		}
		if f.name, err = r.shortUTF(); err != nil {
			return nil, err
		}
		switch f.code {
		case 'B', 'C', 'D', 'F', 'I', 'J', 'S', 'Z':
		case 'L', '[':
			sig, err := r.content()
			if err != nil {
				return nil, err
			}
			if f.sig, _ = sig.(string); f.sig == "" {
				return nil, fmt.Errorf("class %s field %s has no type", c.name, f.name)
			}
		default:
			return nil, fmt.Errorf("class %s field %s has type code %#x", c.name, f.name, f.code)
		}
		c.fields = append(c.fields, f)
	}
	if err := r.annotations(); err != nil {
		return nil, err
	}
	if c.super, err = r.classDesc(); err != nil {
		return nil, err
	}
	return c, nil
}

// annotations skips block data and objects up to TC_ENDBLOCKDATA.
func (r *javaReader) annotations() error {
	for {
		if len(r.b) == 0 {
			return errJavaShort
		}
		switch r.b[0] {
		case tcEndBlockData:
			r.b = r.b[1:]
			return nil
		case tcBlockData:
			r.b = r.b[1:]
			n, err := r.u8()
			if err == nil {
				_, err = r.take(int(n))
			}
			if err != nil {
				return err
			}
		case tcBlockDataLong:
			r.b = r.b[1:]
			n, err := r.u32()
			if err == nil {
				_, err = r.take(int(n))
			}
			if err != nil {
				return err
			}
		default:
			if _, err := r.content(); err != nil {
				return err
			}
		}
	}
}

const maxJavaArray = 1 << 20

func (r *javaReader) array() (any, error) {
	c, err := r.classDesc()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("an array without a class")
	}
	h := len(r.handles)
	r.handles = append(r.handles, nil)
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if n > maxJavaArray || int(n) > len(r.b) {
		return nil, errJavaShort
	}
	switch c.name {
	case "[B":
		b, err := r.take(int(n))
		if err != nil {
			return nil, err
		}
		out := append([]byte(nil), b...)
		r.handles[h] = out
		return out, nil
	case "[Ljava.lang.Object;":
		out := make([]any, n)
		r.handles[h] = out
		for i := range out {
			if out[i], err = r.content(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("an array of class %s", c.name)
}

// object reads an object's fields class by class, from the top of its
// hierarchy down, and makes it a value when it is one of the known
// classes.
func (r *javaReader) object() (any, error) {
	c, err := r.classDesc()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("an object without a class")
	}
	h := len(r.handles)
	r.handles = append(r.handles, nil)
	var chain []*javaClass
	for k := c; k != nil; k = k.super {
		chain = append(chain, k)
		if len(chain) > 16 {
			return nil, errors.New("a class hierarchy too deep")
		}
	}
	fields := map[string]any{}
	for i := len(chain) - 1; i >= 0; i-- {
		k := chain[i]
		for _, f := range k.fields {
			var v any
			switch f.code {
			case 'B':
				b, e := r.u8()
				v, err = int64(int8(b)), e
			case 'Z':
				b, e := r.u8()
				v, err = b != 0, e
			case 'C', 'S':
				x, e := r.u16()
				v, err = int64(int16(x)), e
			case 'I':
				x, e := r.u32()
				v, err = int64(int32(x)), e
			case 'F':
				x, e := r.u32()
				v, err = float64(math.Float32frombits(x)), e
			case 'J':
				x, e := r.u64()
				v, err = int64(x), e
			case 'D':
				x, e := r.u64()
				v, err = math.Float64frombits(x), e
			default:
				continue
			}
			if err != nil {
				return nil, err
			}
			fields[f.name] = v
		}
		for _, f := range k.fields {
			if f.code != 'L' && f.code != '[' {
				continue
			}
			if fields[f.name], err = r.content(); err != nil {
				return nil, err
			}
		}
		if k.flags&scWriteMethod != 0 {
			if err := r.annotations(); err != nil {
				return nil, err
			}
		}
	}
	v, err := javaValueOf(c.name, fields)
	if err != nil {
		return nil, err
	}
	r.handles[h] = v
	return v, nil
}

// javaValueOf makes an object of a known class a value.
func javaValueOf(class string, f map[string]any) (any, error) {
	i64 := func(name string) (int64, error) {
		v, ok := f[name].(int64)
		if !ok {
			return 0, fmt.Errorf("%s has no %s", class, name)
		}
		return v, nil
	}
	switch class {
	case "java.lang.Integer", "java.lang.Long", "java.lang.Short", "java.lang.Byte":
		v, err := i64("value")
		switch class {
		case "java.lang.Integer":
			return javaInt(v), err
		case "java.lang.Long":
			return javaLong(v), err
		case "java.lang.Short":
			return javaShort(v), err
		}
		return javaByte(v), err
	case "java.lang.Double", "java.lang.Float":
		v, ok := f["value"].(float64)
		if !ok {
			return nil, fmt.Errorf("%s has no value", class)
		}
		if class == "java.lang.Float" {
			return javaFloat(v), nil
		}
		return javaDouble(v), nil
	case "java.lang.Boolean":
		v, ok := f["value"].(bool)
		if !ok {
			return nil, fmt.Errorf("%s has no value", class)
		}
		return v, nil
	case "java.math.BigInteger":
		sign, err := i64("signum")
		if err != nil {
			return nil, err
		}
		mag, _ := f["magnitude"].([]byte)
		v := new(big.Int).SetBytes(mag)
		if sign < 0 {
			v.Neg(v)
		}
		if (sign == 0) != (v.Sign() == 0) || sign < -1 || sign > 1 {
			return nil, fmt.Errorf("%s with signum %d and magnitude %x", class, sign, mag)
		}
		return v, nil
	case "java.math.BigDecimal":
		scale, err := i64("scale")
		if err != nil {
			return nil, err
		}
		v, ok := f["intVal"].(*big.Int)
		if !ok {
			return nil, fmt.Errorf("%s has no intVal", class)
		}
		return javaDecimal{unscaled: v, scale: int32(scale)}, nil
	case "java.util.UUID":
		msb, err := i64("mostSigBits")
		if err != nil {
			return nil, err
		}
		lsb, err := i64("leastSigBits")
		return javaUUID{msb: msb, lsb: lsb}, err
	}
	return nil, fmt.Errorf("a key value of class %s is not read", class)
}
