// Package numconv is Kafka Connect's fixed-width converters
// (org.apache.kafka.connect.converters.ShortConverter, IntegerConverter,
// LongConverter, FloatConverter, DoubleConverter and BooleanConverter): one
// number or boolean as Kafka's serializers write it, big-endian in 2, 4, 8,
// 4 and 8 bytes (IEEE 754 bits for floats, kept exactly, NaN payloads
// included), and a boolean as the byte 0x01 or 0x00.
//
// As in Kafka Connect the number converters ignore the schema and need the
// exact Go type of their width (int16 for Short; a Go int is accepted where
// it fits), and BooleanConverter rejects a schema that is not BOOLEAN.
// Reading yields the optional schema of the type, and a Kafka null reads as
// null.
package numconv

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/version"
)

// Type says which of the converters a Converter is.
type Type uint8

// The converters.
const (
	Short   Type = iota + 1 // ShortConverter: INT16 in 2 bytes
	Integer                 // IntegerConverter: INT32 in 4 bytes
	Long                    // LongConverter: INT64 in 8 bytes
	Float                   // FloatConverter: FLOAT32 in 4 bytes
	Double                  // DoubleConverter: FLOAT64 in 8 bytes
	Boolean                 // BooleanConverter: BOOLEAN in 1 byte
)

// Kafka Connect class names of the converters.
const (
	ShortClass   = "org.apache.kafka.connect.converters.ShortConverter"
	IntegerClass = "org.apache.kafka.connect.converters.IntegerConverter"
	LongClass    = "org.apache.kafka.connect.converters.LongConverter"
	FloatClass   = "org.apache.kafka.connect.converters.FloatConverter"
	DoubleClass  = "org.apache.kafka.connect.converters.DoubleConverter"
	BooleanClass = "org.apache.kafka.connect.converters.BooleanConverter"
)

var types = [...]struct {
	class, simple, name string
	size                int
	schema              *connect.Schema
}{
	Short:   {ShortClass, "ShortConverter", "short", 2, connect.OptionalInt16Schema},
	Integer: {IntegerClass, "IntegerConverter", "integer", 4, connect.OptionalInt32Schema},
	Long:    {LongClass, "LongConverter", "long", 8, connect.OptionalInt64Schema},
	Float:   {FloatClass, "FloatConverter", "float", 4, connect.OptionalFloat32Schema},
	Double:  {DoubleClass, "DoubleConverter", "double", 8, connect.OptionalFloat64Schema},
	Boolean: {BooleanClass, "BooleanConverter", "boolean", 1, connect.OptionalBooleanSchema},
}

// Valid reports whether t is one of the six converters.
func (t Type) Valid() bool { return t >= Short && t <= Boolean }

// String returns the converter's simple class name, such as
// "ShortConverter".
func (t Type) String() string {
	if !t.Valid() {
		return fmt.Sprintf("numconv.Type(%d)", uint8(t))
	}
	return types[t].simple
}

// Class returns the converter's Kafka Connect class name.
func (t Type) Class() string {
	if !t.Valid() {
		return ""
	}
	return types[t].class
}

// Size returns the number of bytes of a serialized value.
func (t Type) Size() int {
	if !t.Valid() {
		return 0
	}
	return types[t].size
}

// Schema returns the optional schema values are read with.
func (t Type) Schema() *connect.Schema {
	if !t.Valid() {
		return nil
	}
	return types[t].schema
}

// Converter is one of the fixed-width converters. It has no configuration
// and is safe for concurrent use.
type Converter struct{ t Type }

// New returns the converter of type t. It panics if t is not valid, which is
// a programming error.
func New(t Type) *Converter {
	if !t.Valid() {
		panic(fmt.Sprintf("numconv: invalid converter type %d", t))
	}
	return &Converter{t}
}

// Type returns c's type.
func (c *Converter) Type() Type { return c.t }

// ConfigDef defines the converters' configuration keys: none.
func ConfigDef() *connect.ConfigDef { return connect.NewConfigDef() }

func info(t Type, kind connect.PluginKind) connect.PluginInfo {
	return connect.PluginInfo{Class: t.Class(), Aliases: []string{t.String()}, Kind: kind, Version: version.Kconnect(),
		Doc: fmt.Sprintf("A %s in %d bytes, as Kafka's %s serializer writes it.", types[t].name, t.Size(), types[t].name), Config: ConfigDef()}
}

// Plugin describes the converter of type t to a runtime; t must be valid.
func Plugin(t Type) converter.Plugin {
	c := New(t)
	return converter.Plugin{PluginInfo: info(t, connect.ConverterPlugin),
		New: func(map[string]string, bool) (converter.Converter, error) { return c, nil }}
}

// HeaderPlugin describes the converter of type t as a header converter to a
// runtime; t must be valid.
func HeaderPlugin(t Type) converter.HeaderPlugin {
	c := New(t)
	return converter.HeaderPlugin{PluginInfo: info(t, connect.HeaderConverterPlugin),
		New: func(map[string]string) (converter.HeaderConverter, error) { return c, nil }}
}

// Plugins returns the Plugin of every converter of this package.
func Plugins() []converter.Plugin {
	out := make([]converter.Plugin, 0, 6)
	for t := Short; t <= Boolean; t++ {
		out = append(out, Plugin(t))
	}
	return out
}

// HeaderPlugins returns the HeaderPlugin of every converter of this package.
func HeaderPlugins() []converter.HeaderPlugin {
	out := make([]converter.HeaderPlugin, 0, 6)
	for t := Short; t <= Boolean; t++ {
		out = append(out, HeaderPlugin(t))
	}
	return out
}

// FromConnect appends value's fixed-width form to dst; a nil value is a
// Kafka null. A value of the wrong Go type, or for BooleanConverter a schema
// that is not BOOLEAN, is a *connect.DataError.
func (c *Converter) FromConnect(dst []byte, _ string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if c.t == Boolean && schema != nil && schema.Type != connect.BooleanType {
		return nil, &connect.DataError{Err: fmt.Errorf("numconv: invalid schema type for BooleanConverter: %s", schema.Type)}
	}
	if v, ok := value.(connect.Value); ok {
		if v.IsNull() {
			return nil, nil
		}
		return c.fromValue(dst, v)
	}
	switch x := value.(type) {
	case nil:
		return nil, nil
	case int16:
		if c.t == Short {
			return binary.BigEndian.AppendUint16(dst, uint16(x)), nil
		}
	case int32:
		if c.t == Integer {
			return binary.BigEndian.AppendUint32(dst, uint32(x)), nil
		}
	case int64:
		if c.t == Long {
			return binary.BigEndian.AppendUint64(dst, uint64(x)), nil
		}
	case int:
		switch {
		case c.t == Short && x >= math.MinInt16 && x <= math.MaxInt16:
			return binary.BigEndian.AppendUint16(dst, uint16(x)), nil
		case c.t == Integer && x >= math.MinInt32 && x <= math.MaxInt32:
			return binary.BigEndian.AppendUint32(dst, uint32(x)), nil
		case c.t == Long:
			return binary.BigEndian.AppendUint64(dst, uint64(x)), nil
		}
	case float32:
		if c.t == Float {
			return binary.BigEndian.AppendUint32(dst, math.Float32bits(x)), nil
		}
	case float64:
		if c.t == Double {
			return binary.BigEndian.AppendUint64(dst, math.Float64bits(x)), nil
		}
	case bool:
		if c.t == Boolean {
			if x {
				return append(dst, 1), nil
			}
			return append(dst, 0), nil
		}
	}
	return nil, c.typeError(reflect.TypeOf(value).String())
}

func (c *Converter) fromValue(dst []byte, v connect.Value) ([]byte, error) {
	switch {
	case c.t == Short && v.Kind() == connect.KindInt16:
		return binary.BigEndian.AppendUint16(dst, uint16(v.Int64())), nil
	case c.t == Integer && v.Kind() == connect.KindInt32:
		return binary.BigEndian.AppendUint32(dst, uint32(v.Int64())), nil
	case c.t == Long && v.Kind() == connect.KindInt64:
		return binary.BigEndian.AppendUint64(dst, uint64(v.Int64())), nil
	case c.t == Float && v.Kind() == connect.KindFloat32:
		return binary.BigEndian.AppendUint32(dst, math.Float32bits(v.Float32())), nil
	case c.t == Double && v.Kind() == connect.KindFloat64:
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(v.Float64())), nil
	case c.t == Boolean && v.Kind() == connect.KindBool:
		if v.Bool() {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	}
	return nil, c.typeError(v.Kind().String())
}

var goTypes = [...]string{Short: "int16", Integer: "int32", Long: "int64", Float: "float32", Double: "float64", Boolean: "bool"}

func (c *Converter) typeError(got string) error {
	return &connect.DataError{Err: fmt.Errorf("numconv: %s cannot serialize a %s value: want %s", c.t, got, goTypes[c.t])}
}

// ToConnect reads data, which must be exactly Size bytes, with the optional
// schema of c's type; nil data is a null value. Another length, or for
// BooleanConverter a byte other than 0x00 and 0x01, is a *connect.DataError.
func (c *Converter) ToConnect(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	d := &types[c.t]
	if data == nil {
		return d.schema, nil, nil
	}
	if len(data) != d.size {
		return nil, nil, &connect.DataError{Err: fmt.Errorf("numconv: %s cannot deserialize %d bytes: want exactly %d", c.t, len(data), d.size)}
	}
	switch c.t {
	case Short:
		return d.schema, int16(binary.BigEndian.Uint16(data)), nil
	case Integer:
		return d.schema, int32(binary.BigEndian.Uint32(data)), nil
	case Long:
		return d.schema, int64(binary.BigEndian.Uint64(data)), nil
	case Float:
		return d.schema, math.Float32frombits(binary.BigEndian.Uint32(data)), nil
	case Double:
		return d.schema, math.Float64frombits(binary.BigEndian.Uint64(data)), nil
	}
	switch data[0] {
	case 0:
		return d.schema, false, nil
	case 1:
		return d.schema, true, nil
	}
	return nil, nil, &connect.DataError{Err: fmt.Errorf("numconv: BooleanConverter cannot deserialize the byte %d: want 0 or 1", int8(data[0]))}
}

// FromConnectHeader converts a header value as FromConnect converts a value.
func (c *Converter) FromConnectHeader(dst []byte, topic, _ string, s *connect.Schema, v any) ([]byte, error) {
	return c.FromConnect(dst, topic, connect.Headers{}, s, v)
}

// ToConnectHeader converts a header value as ToConnect converts a value.
func (c *Converter) ToConnectHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnect(topic, connect.Headers{}, data)
}
