// Package simpleheader is Kafka Connect's default header converter,
// SimpleHeaderConverter (org.apache.kafka.connect.storage.SimpleHeaderConverter).
//
// It writes a header value as the UTF-8 bytes of its string form
// (connect.ConvertToString: strings as is, numbers, booleans, ISO dates and
// times, [a,b] arrays, {"k":v} maps and structs) without its schema, and
// reads a header value back by parsing that form (connect.ParseString),
// inferring the schema: "42" reads as the INT8 42, "true" as a BOOLEAN,
// "2024-03-15" as a Date, "[1,2]" as an ARRAY of INT8, anything else as a
// STRING. These are Kafka's rules to the letter, checked against Kafka's own
// class, so headers move between JVM workers and kconnect unchanged.
package simpleheader

import (
	"errors"
	"fmt"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/converter/stringconv"
	"github.com/kconnect-go/kconnect/internal/version"
)

// Class is SimpleHeaderConverter's Kafka Connect class name.
const Class = "org.apache.kafka.connect.storage.SimpleHeaderConverter"

// Converter is SimpleHeaderConverter. It has no configuration and is safe for
// concurrent use.
type Converter struct{}

// New returns a Converter.
func New() *Converter { return &Converter{} }

// ConfigDef defines SimpleHeaderConverter's configuration keys: none.
func ConfigDef() *connect.ConfigDef { return connect.NewConfigDef() }

// HeaderPlugin describes the Converter to a runtime. It is a header
// converter only, as in Kafka Connect.
func HeaderPlugin() converter.HeaderPlugin {
	return converter.HeaderPlugin{
		PluginInfo: connect.PluginInfo{Class: Class, Aliases: []string{"SimpleHeaderConverter"},
			Kind: connect.HeaderConverterPlugin, Version: version.Kconnect(), Config: ConfigDef(),
			Doc: "Header values as text, read back with an inferred schema; Kafka Connect's default."},
		New: func(map[string]string) (converter.HeaderConverter, error) { return New(), nil },
	}
}

// FromConnectHeader appends value's string form (connect.AppendValueString)
// to dst; a nil value is a null header value. The schema is not written. A Go
// type outside connect's data model is a *connect.DataError naming the
// header, the topic and the offending element.
func (c *Converter) FromConnectHeader(dst []byte, topic, key string, schema *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	if v, ok := value.(connect.Value); ok && v.IsNull() {
		return nil, nil
	}
	out, err := connect.AppendValueString(dst, schema, value)
	if err != nil {
		if errors.Is(err, connect.ErrNullValue) {
			return nil, nil // a nil slice, map or struct
		}
		de := &connect.DataError{Err: err}
		if errors.As(err, &de) {
			de = &connect.DataError{Position: de.Position, Path: de.Path, Err: de.Err}
		}
		de.Err = fmt.Errorf("simpleheader: failed to serialize value for header %q on topic %q: %w", key, topic, de.Err)
		return nil, de
	}
	return converter.NonNil(out), nil
}

// ToConnectHeader reads data as UTF-8 (malformed bytes replaced by U+FFFD, as
// Java decodes them) and parses it with connect.ParseString. Nil data, and
// the text "null", read as a nil schema and value. Where Kafka's parser fails
// (kconnect: input nested deeper than connect.MaxParseDepth) the value is a
// copy of data with the required BYTES schema, as in Kafka Connect. It never
// returns an error.
func (c *Converter) ToConnectHeader(_, _ string, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	schema, v, err := connect.ParseString(stringconv.DecodeUTF8(data))
	if err != nil {
		return connect.BytesSchema, append([]byte{}, data...), nil
	}
	return schema, v, nil
}
