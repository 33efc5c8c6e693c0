// Package stringconv is Kafka Connect's StringConverter
// (org.apache.kafka.connect.storage.StringConverter): keys, values and header
// values as text in a configurable character set.
//
// Writing ignores the schema and writes the value as Java's toString would
// print the value Kafka Connect holds: a string as is, numbers as Java prints
// them ("1.0E10", "NaN"), a Decimal as BigDecimal.toString ("1E+3"), a date
// as java.util.Date.toString in UTC ("Fri Mar 15 12:34:56 UTC 2024"), an
// array as [a, b], a map as {k=v, k2=v2} and a struct as Struct{a=1,b=x}
// without its null fields. Reading always yields an optional STRING.
//
// Unlike Kafka Connect, a byte slice anywhere in the value is an error: Java
// writes the array's identity ("[B@1b6d3586"), which loses the data and
// cannot be reproduced.
package stringconv

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/version"
)

// Class is StringConverter's Kafka Connect class name.
const Class = "org.apache.kafka.connect.storage.StringConverter"

// EncodingConfig is the key naming the character set (converter.encoding).
const EncodingConfig = "converter.encoding"

// Encoding is a character set StringConverter can use.
type Encoding uint8

// The supported encodings. Kafka Connect accepts every charset of the JVM;
// kconnect supports these three and rejects other names when configured.
const (
	UTF8     Encoding = iota // UTF-8, the default
	ISO88591                 // ISO-8859-1 (Latin-1)
	USASCII                  // US-ASCII
)

// String returns Java's canonical name of e: "UTF-8", "ISO-8859-1" or
// "US-ASCII".
func (e Encoding) String() string {
	switch e {
	case ISO88591:
		return "ISO-8859-1"
	case USASCII:
		return "US-ASCII"
	}
	return "UTF-8"
}

// Java's names and aliases of the supported charsets (lower case), as
// java.nio.charset.Charset.forName accepts them.
var encodingNames = map[string]Encoding{
	"utf-8": UTF8, "utf8": UTF8, "unicode-1-1-utf-8": UTF8,

	"iso-8859-1": ISO88591, "iso-ir-100": ISO88591, "iso_8859-1": ISO88591, "latin1": ISO88591,
	"l1": ISO88591, "ibm819": ISO88591, "cp819": ISO88591, "csisolatin1": ISO88591, "819": ISO88591,
	"ibm-819": ISO88591, "iso8859_1": ISO88591, "iso_8859-1:1987": ISO88591, "iso_8859_1": ISO88591,
	"8859_1": ISO88591, "iso8859-1": ISO88591,

	"us-ascii": USASCII, "iso-ir-6": USASCII, "ansi_x3.4-1986": USASCII, "iso_646.irv:1991": USASCII,
	"ascii": USASCII, "csascii": USASCII, "iso_646.irv:1983": USASCII, "iso646-us": USASCII, "us": USASCII,
	"ibm367": USASCII, "cp367": USASCII, "ansi_x3.4-1968": USASCII, "646": USASCII, "default": USASCII,
	"ascii7": USASCII,
}

// ParseEncoding returns the encoding a Java charset name or alias names, in
// any letter case ("UTF-8", "utf8", "latin1", "ASCII"). Other charsets are an
// error.
func ParseEncoding(name string) (Encoding, error) {
	if e, ok := encodingNames[strings.ToLower(name)]; ok {
		return e, nil
	}
	return 0, fmt.Errorf("unsupported encoding %q: kconnect supports UTF-8, ISO-8859-1 and US-ASCII (and their Java aliases)", name)
}

// Converter is StringConverter. It converts keys, values and header values,
// and is safe for concurrent use.
type Converter struct {
	enc, dec Encoding
}

// An Opt configures a Converter.
type Opt func(*Converter)

// WithEncoding sets the encoding for writing and reading (converter.encoding).
// Default UTF8.
func WithEncoding(e Encoding) Opt { return func(c *Converter) { c.enc, c.dec = e, e } }

// New returns a Converter, UTF-8 unless opts say otherwise.
func New(opts ...Opt) *Converter {
	c := &Converter{}
	for _, o := range opts {
		o(c)
	}
	return c
}

// ConfigDef defines StringConverter's configuration keys.
func ConfigDef() *connect.ConfigDef {
	return connect.NewConfigDef().
		Define(connect.ConfigKey{Name: EncodingConfig, Type: connect.ConfigString, Default: "UTF-8",
			Importance: connect.High, Width: connect.WidthMedium, DisplayName: "Encoding",
			Doc: "The name of the Java character set to use for encoding strings as byte arrays.",
			Validator: connect.ValidatorFunc(func(v any) error {
				_, err := ParseEncoding(v.(string))
				return err
			})})
}

// Configure returns a Converter configured from Kafka Connect's string
// configuration (the converter's keys with their prefix removed). As in
// Kafka, "key.serializer.encoding" or "value.serializer.encoding" (by isKey)
// overrides converter.encoding for writing, and the matching
// "...deserializer.encoding" for reading. An unsupported encoding is an error
// naming the key.
func Configure(config map[string]string, isKey bool) (*Converter, error) {
	cfg, err := ConfigDef().Parse(config)
	if err != nil {
		return nil, fmt.Errorf("stringconv: %w", err)
	}
	e, _ := ParseEncoding(cfg.String(EncodingConfig))
	c := New(WithEncoding(e))
	prefix := "value."
	if isKey {
		prefix = "key."
	}
	for _, o := range []struct {
		key string
		dst *Encoding
	}{{prefix + "serializer.encoding", &c.enc}, {prefix + "deserializer.encoding", &c.dec}} {
		if name, ok := config[o.key]; ok {
			if *o.dst, err = ParseEncoding(name); err != nil {
				return nil, fmt.Errorf("stringconv: invalid value %q for configuration %s: %w", name, o.key, err)
			}
		}
	}
	return c, nil
}

func info(kind connect.PluginKind) connect.PluginInfo {
	return connect.PluginInfo{Class: Class, Aliases: []string{"StringConverter"}, Kind: kind, Version: version.Kconnect(),
		Doc: "Values as text: writes what Java's toString prints, reads an optional STRING.", Config: ConfigDef(),
		// Read by Configure, as Kafka's serializers read them, though
		// Kafka's ConfigDef does not define them either.
		OtherKeys: []string{"key.serializer.encoding", "key.deserializer.encoding",
			"value.serializer.encoding", "value.deserializer.encoding"}}
}

// Plugin describes the Converter to a runtime.
func Plugin() converter.Plugin {
	return converter.Plugin{PluginInfo: info(connect.ConverterPlugin),
		New: func(config map[string]string, isKey bool) (converter.Converter, error) {
			return Configure(config, isKey)
		}}
}

// HeaderPlugin describes the Converter as a header converter to a runtime.
// Kafka configures a header converter as a value converter.
func HeaderPlugin() converter.HeaderPlugin {
	return converter.HeaderPlugin{PluginInfo: info(connect.HeaderConverterPlugin),
		New: func(config map[string]string) (converter.HeaderConverter, error) { return Configure(config, false) }}
}

// Encoding returns the encodings c writes and reads with.
func (c *Converter) Encoding() (write, read Encoding) { return c.enc, c.dec }

// FromConnect appends value's text (see the package doc) in c's encoding. A
// nil value is a Kafka null. Characters the encoding cannot represent are
// written as '?', as Java does. A byte slice in the value or a Go type
// outside connect's data model is a *connect.DataError naming its path.
func (c *Converter) FromConnect(dst []byte, _ string, _ connect.Headers, _ *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	if s, ok := value.(string); ok {
		return encode(dst, s, c.enc), nil
	}
	if c.enc == UTF8 {
		out, err := appendJava(dst, value)
		if err != nil {
			return nil, wrap(err)
		}
		return converter.NonNil(out), nil
	}
	text, err := appendJava(nil, value)
	if err != nil {
		return nil, wrap(err)
	}
	return encode(dst, string(text), c.enc), nil
}

// wrap names the converter in a *connect.DataError, keeping its path.
func wrap(err error) error {
	de := &connect.DataError{Err: err}
	if errors.As(err, &de) {
		de = &connect.DataError{Position: de.Position, Path: de.Path, Err: de.Err}
	}
	de.Err = fmt.Errorf("stringconv: cannot serialize to a string: %w", de.Err)
	return de
}

// ToConnect decodes data in c's encoding as an optional STRING; nil data is
// a null value. Malformed input is replaced by U+FFFD, as Java does.
func (c *Converter) ToConnect(_ string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return connect.OptionalStringSchema, nil, nil
	}
	return connect.OptionalStringSchema, decode(data, c.dec), nil
}

// FromConnectHeader converts a header value as FromConnect converts a value.
func (c *Converter) FromConnectHeader(dst []byte, topic, _ string, s *connect.Schema, v any) ([]byte, error) {
	return c.FromConnect(dst, topic, connect.Headers{}, s, v)
}

// ToConnectHeader converts a header value as ToConnect converts a value.
func (c *Converter) ToConnectHeader(topic, _ string, data []byte) (*connect.Schema, any, error) {
	return c.ToConnect(topic, connect.Headers{}, data)
}
