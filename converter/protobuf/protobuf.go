// Package protobuf is Confluent's ProtobufConverter
// (io.confluent.connect.protobuf.ProtobufConverter): Connect structs written
// as Protobuf messages in Confluent's wire format, a zero byte, the schema's
// registry id as four big-endian bytes, the message's indexes in its file
// (zig-zag varints: a count and the path, or a single 0 for the first
// top-level message) and the Protobuf binary encoding, with the .proto
// schema kept in a Confluent Schema Registry.
//
// Connect schemas map to proto3 as Confluent's ProtobufData maps them: a
// struct is a message named by the schema's name (its namespace is the
// package; ConnectDefault1, 2, ... when it has none), fields numbered in
// order or by their io.confluent.connect.protobuf.Tag parameter, optional
// primitives (elements and map values too) as google.protobuf.*Value
// wrappers (wrapper.for.nullables), optional fields of any type as proto3
// optional fields (optional.for.nullables), arrays as repeated fields,
// maps as repeated ...Entry messages of a key and a value (named after
// the map schema, ConnectDefaultN when it has none), structs named
// io.confluent.connect.protobuf.Union as oneofs, strings with io.confluent.connect.protobuf.Enum parameters as
// enums, Timestamp, Date, Time and Decimal as google.protobuf.Timestamp,
// google.type.Date, google.type.TimeOfDay and confluent.type.Decimal, and
// INT8, INT16 and a decimal's scale and precision in confluent.field_meta
// options. Reading, message fields, enums, repeated fields and maps are
// optional Connect fields, scalars too unless wrapper.for.nullables or
// optional.for.nullables says otherwise; enums are strings (INT32 with
// int.for.enums), oneofs are Union structs (named oneof_N with
// generate.index.for.unions), message indexes other than [0] name nested
// or later messages of the registered file, and names carry the package
// with enhanced.protobuf.schema.support. Timestamp and Time hold
// milliseconds, as in Connect.
//
// The registry client is the one AvroConverter and JsonSchemaConverter
// use: failover, retries with back-off, caches, basic and bearer auth and
// TLS, with the
// same keys and the same failure modes: an unreachable registry gives an
// error marked connect.ErrRetriable and connect.ErrFatal, so that
// errors.tolerance=all does not skip the record; bytes that are not in the
// wire format, an unknown schema id, a schema that does not compile and a
// value that does not fit are *connect.DataError naming the topic.
//
// A primitive value is written as its google.protobuf wrapper message
// (StringValue for a string, and so on), the schema registered being
// wrappers.proto and the message index the wrapper's, as ProtobufData
// does; with wrapper.for.raw.primitives (the default) such a record reads
// back as the primitive.
//
// With use.latest.version (and auto.register.schemas=false, without which
// Confluent's serializer registers the value's schema and ignores it), a
// value is written with the id of its
// subject's latest schema and the index of its message there (by name),
// its bytes those of the derived message, as Confluent's serializer
// writes them; with latest.compatibility.strict (the default) the latest
// schema must be backward compatible with the derived one by the rules of
// Confluent's Protobuf schema diff (the file's package, its messages by
// name, fields by number: kinds, wire-compatible scalar groups, labels of
// numeric fields, message types, oneof membership, proto2 required
// fields), the incompatibilities named as there. Reading, a record is
// read with the latest schema's message of the same name.
//
// A registered schema may import files registered under other subjects
// (its references, named by import path): reading, they are fetched by
// subject and version, recursively, cached, and compiled with it. Writing
// registers the derived schema with no references: it imports only
// well-known files, which Confluent's serializer skips too
// (skip.known.types=true, its default). With skip.known.types=false each
// imported file is registered first, its own imports before it, under the
// subject reference.subject.name.strategy names (the import path, or with
// QualifiedReferenceSubjectNameStrategy the path as a dotted name without
// .proto), or with reference.lookup.only looked up there, and the schema
// is registered with references to them, as Confluent's serializer
// resolves dependencies.
//
// The .proto text registered is byte for byte the one Confluent's
// ProtobufConverter registers for the same Connect schema, so that a JVM
// worker and kconnect share subject versions and ids: the file
// ProtobufData.fromConnectSchema builds (imports in the order of first
// use; no import of confluent/meta.proto for the field_meta options, as
// there; non-union fields before the oneofs; a union field takes a field
// number; nested messages, then enums, after the fields) rendered by the
// rules of Confluent's ProtobufSchema.toProtoFile and
// ProtobufSchemaUtils.toString (FormatContext neither normalizing nor
// ignoring extensions), ported in render.go. A well-known file registered
// as a reference is that rendering of the descriptor Java holds of it (Go's
// and Java's descriptors of google/protobuf files are the same, json_name
// included; google/type and confluent files carry their publishers'
// options and no json_name). Compiling, a registered text that uses
// confluent.*_meta options without importing confluent/meta.proto gets the
// import, and well-known files are compiled from their sources, not from
// the renderings registered for them (struct.proto's carries a map_entry
// option no source may hold).
//
// What was checked against what: the descriptors rendered for the
// well-known files against those Java's generated classes hold
// (testdata/wkt/*.java.txtpb: protobuf-java 4.29.3, the same with
// 3.25.5, and proto-google-common-protos 2.53.0, the version Confluent's
// build pins, dumped by testdata/javadesc; confluent/* decoded from the
// descriptors embedded in Confluent's generated classes); the renderer against the
// texts Confluent's own provider tests state (a proto3 default left out,
// a map entry message, meta options as multi-line literals); the rendered
// texts of the well-known files and of a corpus of derived schemas are
// goldens (testdata/wkt, testdata/derived) made by the port, which could
// not be run against Confluent's jars (not on Maven Central); Square
// Wire, whose element classes Confluent's model uses, renders none of
// it. The record bytes for a map written as ...Entry messages are those
// of google.golang.org/protobuf for the same descriptor (zero keys and
// values left out, as in any proto3 message).
//
// The schema id may be read from the __value_schema_id or __key_schema_id
// header, as an id or a GUID (ToConnectWithHeaders), as Confluent's
// DualSchemaIdDeserializer accepts it, the payload then starting with the
// message indexes; with HeaderSchemaIdSerializer the GUID is written
// there (HeaderIDConverter, which Plugin gives when so configured).
//
// Differences from Confluent's converter: a top-level array, map or
// logical type is refused; generate.struct.for.nulls is not supported; a
// union member without a Tag parameter takes the next field number, where
// ProtobufData gives it 0, which its descriptor then refuses. As in
// ProtobufData, two struct schemas with the same simple name in one
// message share a declaration, and a map field of any name reads as a map
// when its type is a repeated ...Entry message of only a key and a value.
package protobuf

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/converter/avro"
	"github.com/kconnect-go/kconnect/internal/schemaregistry"
	"github.com/kconnect-go/kconnect/internal/version"
)

// Config keys of ProtobufDataConfig and ProtobufConverterConfig; the
// registry keys are avro's (avro.SchemaRegistryURLConfig, ...).
const (
	EnhancedProtobufSchemaSupportConfig = "enhanced.protobuf.schema.support"
	ScrubInvalidNamesConfig             = "scrub.invalid.names"
	IntForEnumsConfig                   = "int.for.enums"
	OptionalForNullablesConfig          = "optional.for.nullables"
	WrapperForNullablesConfig           = "wrapper.for.nullables"
	WrapperForRawPrimitivesConfig       = "wrapper.for.raw.primitives"
	GenerateStructForNullsConfig        = "generate.struct.for.nulls"
	GenerateIndexForUnionsConfig        = "generate.index.for.unions"
	SkipKnownTypesConfig                = "skip.known.types"
	ReferenceSubjectNameStrategyConfig  = "reference.subject.name.strategy"
	ReferenceLookupOnlyConfig           = "reference.lookup.only"
)

// The reference subject name strategies, by Confluent's class names:
// DefaultReferenceSubjectNameStrategy names an imported file's subject by
// its import path ("google/protobuf/timestamp.proto"),
// QualifiedReferenceSubjectNameStrategy by the path with ".proto" removed
// and slashes made dots ("google.protobuf.timestamp").
const (
	DefaultReferenceSubjectNameStrategy   = "io.confluent.kafka.serializers.subject.DefaultReferenceSubjectNameStrategy"
	QualifiedReferenceSubjectNameStrategy = "io.confluent.kafka.serializers.subject.QualifiedReferenceSubjectNameStrategy"
)

// Class is ProtobufConverter's class name.
const Class = "io.confluent.connect.protobuf.ProtobufConverter"

type dataConfig struct {
	enhanced, scrubNames, intForEnums, optionalForNullables, wrapperForNullables, indexForUnions bool
	rawPrimitives                                                                                bool
}

// ConfigDef defines ProtobufConverter's keys: the registry's, as
// AvroConverter's, and ProtobufData's.
func ConfigDef() *connect.ConfigDef {
	b := func(name string, def bool, doc string) connect.ConfigKey {
		return connect.ConfigKey{Name: name, Type: connect.ConfigBoolean, Default: def, Importance: connect.Medium, Doc: doc}
	}
	def := connect.NewConfigDef()
	for _, k := range avro.ConfigDef().Keys() {
		switch k.Name {
		case avro.EnhancedAvroSchemaSupportConfig, avro.ConnectMetaDataConfig, avro.ScrubInvalidNamesConfig:
			continue
		}
		def.Define(k)
	}
	return def.
		Define(b(EnhancedProtobufSchemaSupportConfig, false, "Name Connect structs by the message's full name, package included.")).
		Define(b(ScrubInvalidNamesConfig, false, "Replace characters Protobuf names may not hold.")).
		Define(b(IntForEnumsConfig, false, "Read enums as INT32 numbers rather than symbol strings.")).
		Define(b(OptionalForNullablesConfig, false, "Write optional Connect fields as proto3 optional fields.")).
		Define(b(WrapperForNullablesConfig, false, "Write optional primitives as google.protobuf wrapper messages, and read those as optional primitives.")).
		Define(b(WrapperForRawPrimitivesConfig, true, "Read a record whose message is a google.protobuf wrapper as its primitive value.")).
		Define(b(GenerateStructForNullsConfig, false, "Accepted for compatibility; no effect.")).
		Define(b(GenerateIndexForUnionsConfig, true, "Name a oneof's Connect field <oneof>_<index>.")).
		Define(connect.ConfigKey{Name: SkipKnownTypesConfig, Type: connect.ConfigBoolean, Default: true, Importance: connect.Low,
			Doc: "Register a schema without the well-known files it imports (google/protobuf/*, google/type/*, confluent/*); false registers each as a reference, under reference.subject.name.strategy's subject."}).
		Define(connect.ConfigKey{Name: ReferenceSubjectNameStrategyConfig, Type: connect.ConfigString, Default: DefaultReferenceSubjectNameStrategy,
			Importance: connect.Low, Validator: connect.ValidatorFunc(func(v any) error {
				if _, ok := schemaregistry.ClassName(v.(string), DefaultReferenceSubjectNameStrategy, QualifiedReferenceSubjectNameStrategy); !ok {
					return fmt.Errorf("must be DefaultReferenceSubjectNameStrategy or QualifiedReferenceSubjectNameStrategy")
				}
				return nil
			}),
			Doc: "How the subject of an imported file registered as a reference is named: DefaultReferenceSubjectNameStrategy (its import path) or QualifiedReferenceSubjectNameStrategy (the path without .proto, slashes as dots)."}).
		Define(b(ReferenceLookupOnlyConfig, false, "Only look up the references of a schema, never register them (with skip.known.types=false)."))
}

// Converter is Confluent's ProtobufConverter. It is safe for concurrent
// use; Close releases its registry connections.
type Converter struct {
	data dataConfig
	reg  *schemaregistry.Client
	set  schemaregistry.Settings
	// With skip.known.types=false, the files a derived schema imports are
	// registered (or, with reference.lookup.only, looked up) as its
	// references, under subjects named by the import path or, with
	// QualifiedReferenceSubjectNameStrategy, its qualified form.
	registerRefs, qualifiedRefs, lookupRefs bool
	refs                                    sync.Map // import path -> sr.SchemaReference

	mu     sync.RWMutex
	write  map[*connect.Schema]*writeSchema
	read   map[int]*readSchema
	onto   map[latestKey]latestWrite
	maxLen int
}

// latestKey is a derived message written with a subject's latest
// schema, which use.latest.version writes with.
type latestKey struct {
	ws *writeSchema
	id int
}

// latestWrite is where the message is in the latest schema, or why it
// cannot be written with it.
type latestWrite struct {
	path []int
	err  error
}

type writeSchema struct {
	text, name string
	imports    []string // the files the text imports, in order
	md         protoreflect.MessageDescriptor
	plan       *plan
	path       []int // the message's index path in its file
	wrapper    *info // a top-level primitive's wrapper field
	ids        schemaregistry.WriteIDs
}

type readSchema struct {
	file protoreflect.FileDescriptor
	msgs map[string]*readMsg // by message index path
}

type readMsg struct {
	md      protoreflect.MessageDescriptor
	schema  *connect.Schema
	plan    *rplan
	wrapper *info // with wrapper.for.raw.primitives, a wrapper message's value field
}

// Configure returns a Converter from Confluent's string configuration (the
// converter's keys, prefix removed); isKey names the subject's -key or
// -value suffix. The error names the key at fault and holds no credential.
func Configure(config map[string]string, isKey bool) (*Converter, error) {
	cfg, err := ConfigDef().Parse(config)
	if err != nil {
		return nil, fmt.Errorf("protobuf: %w", err)
	}
	reg, set, err := schemaregistry.New(cfg, sr.TypeProtobuf, isKey)
	if err != nil {
		return nil, fmt.Errorf("protobuf: %w", err)
	}
	return &Converter{
		reg: reg, set: set,
		data: dataConfig{enhanced: cfg.Bool(EnhancedProtobufSchemaSupportConfig), scrubNames: cfg.Bool(ScrubInvalidNamesConfig),
			intForEnums: cfg.Bool(IntForEnumsConfig), optionalForNullables: cfg.Bool(OptionalForNullablesConfig),
			wrapperForNullables: cfg.Bool(WrapperForNullablesConfig), indexForUnions: cfg.Bool(GenerateIndexForUnionsConfig),
			rawPrimitives: cfg.Bool(WrapperForRawPrimitivesConfig)},
		registerRefs:  !cfg.Bool(SkipKnownTypesConfig),
		qualifiedRefs: shortClass(cfg.String(ReferenceSubjectNameStrategyConfig)) == shortClass(QualifiedReferenceSubjectNameStrategy),
		lookupRefs:    cfg.Bool(ReferenceLookupOnlyConfig),
		onto:          map[latestKey]latestWrite{},
		write:         map[*connect.Schema]*writeSchema{}, read: map[int]*readSchema{},
		maxLen: max(cfg.Int(avro.SchemasCacheConfig), 1),
	}, nil
}

func shortClass(s string) string { return s[strings.LastIndexByte(s, '.')+1:] }

// Plugin describes the Converter to a runtime.
func Plugin() converter.Plugin {
	return converter.Plugin{
		PluginInfo: connect.PluginInfo{Class: Class, Aliases: []string{"ProtobufConverter"}, Kind: connect.ConverterPlugin,
			Version: version.Kconnect(), Doc: "Confluent's Protobuf format with a Schema Registry.", Config: ConfigDef()},
		New: func(config map[string]string, isKey bool) (converter.Converter, error) {
			c, err := Configure(config, isKey)
			if err != nil {
				return nil, err
			}
			if c.set.HeaderIDs {
				return HeaderIDConverter{c}, nil
			}
			return c, nil
		},
	}
}

// Close releases the registry client's idle connections.
func (c *Converter) Close() error {
	c.reg.Close()
	return nil
}

func dataErr(topic string, err error) error {
	return schemaregistry.TopicError("protobuf", topic, err)
}

// compile compiles a .proto file's text, resolving its imports from
// imports (the registered schema's references, by import path) and the
// well-known files.
func compile(text string, imports map[string]string) (protoreflect.FileDescriptor, error) {
	const name = "schema.proto"
	text = withMetaImport(text)
	comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: func(path string) (io.ReadCloser, error) {
			if path == name {
				return io.NopCloser(strings.NewReader(text)), nil
			}
			// A well-known file is compiled from its own source, not from
			// the text registered for it: Confluent's rendering of a
			// descriptor sets options (map_entry) that protoc's rules refuse
			// in a source, and the types are the same.
			if src, ok := extraImports[path]; ok {
				return io.NopCloser(strings.NewReader(src)), nil
			}
			if slices.Contains(standardKnown, path) {
				return nil, os.ErrNotExist
			}
			if src, ok := imports[path]; ok {
				return io.NopCloser(strings.NewReader(src)), nil
			}
			return nil, os.ErrNotExist
		}})}
	files, err := comp.Compile(context.Background(), name)
	if err != nil {
		return nil, err
	}
	return files[0], nil
}

// metaOptionUse finds a use of Confluent's meta options.
var metaOptionUse = regexp.MustCompile(`\(\s*\.?\s*confluent\s*\.\s*(file|message|field|enum|enum_value)_meta\s*\)`)

// metaImport finds an import of confluent/meta.proto.
var metaImport = regexp.MustCompile(`(?m)^\s*import\s+(public\s+|weak\s+)?["']confluent/meta\.proto["']`)

// withMetaImport adds an import of confluent/meta.proto to a text that
// uses its options without importing it, as Confluent's provider renders
// the schemas ProtobufData derives (its parser resolves those options
// without the import); protoc's rules, which the compiler follows, want
// it. Message indexes are unchanged: an import declares no message.
func withMetaImport(text string) string {
	if !metaOptionUse.MatchString(text) || metaImport.MatchString(text) {
		return text
	}
	return text + "\nimport \"confluent/meta.proto\";\n"
}

func (c *Converter) writeSchemaOf(s *connect.Schema) (*writeSchema, error) {
	c.mu.RLock()
	ws, ok := c.write[s]
	c.mu.RUnlock()
	if ok {
		return ws, nil
	}
	if s.Type.Primitive() {
		ws, err := primitiveSchema(s)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.write[s] = ws
		c.mu.Unlock()
		return ws, nil
	}
	text, name, imports, err := c.data.protoText(s)
	if err != nil {
		return nil, err
	}
	fd, err := compile(text, nil)
	if err != nil {
		return nil, fmt.Errorf("the .proto schema derived from the Connect schema does not compile: %w", err)
	}
	md := fd.Messages().Get(0)
	p, err := c.data.newPlan(md, s)
	if err != nil {
		return nil, err
	}
	ws = &writeSchema{text: text, name: name, imports: imports, md: md, plan: p, path: firstMessage}
	c.mu.Lock()
	if len(c.write) >= c.maxLen {
		clear(c.write)
	}
	c.write[s] = ws
	c.mu.Unlock()
	return ws, nil
}

// FromConnect writes value, a struct or a primitive, in Confluent's wire
// format, registering its schema (auto.register.schemas), looking it up,
// or writing with the subject's latest schema (use.latest.version). A nil
// value is a Kafka null.
func (c *Converter) FromConnect(dst []byte, topic string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0) // magic, id
	out, id, _, err := c.writeRecord(dst, topic, schema, value, false)
	if err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(out[start+1:], uint32(id))
	return out, nil
}

// writeRecord appends the message indexes and value's Protobuf encoding to dst
// and returns its schema's id, and with guid the value of the header
// naming its GUID.
func (c *Converter) writeRecord(dst []byte, topic string, schema *connect.Schema, value any, guid bool) (out []byte, id int, hdr []byte, err error) {
	if schema == nil {
		return nil, 0, nil, dataErr(topic, errors.New("a value without a schema cannot be written as Protobuf"))
	}
	ws, err := c.writeSchemaOf(schema)
	if err != nil {
		return nil, 0, nil, dataErr(topic, err)
	}
	path := ws.path
	subject := c.set.Subject(topic, ws.name)
	if c.set.WritesLatest() {
		latest, err := c.reg.LatestVersion(subject)
		if err != nil {
			return nil, 0, nil, dataErr(topic, fmt.Errorf("subject %s: %w", subject, err))
		}
		id = latest.ID
		if path, err = c.latestPath(ws, id); err != nil {
			return nil, 0, nil, dataErr(topic, fmt.Errorf("latest schema of subject %s (id %d): %w", subject, id, err))
		}
		if guid {
			hdr, err = c.reg.GUIDHeader(subject, latest.Schema, latest.GUID)
		}
	} else if w, ok := ws.ids.Cached(topic); ok {
		id, hdr = w.ID, w.Header
	} else {
		registered := sr.Schema{Schema: ws.text}
		if registered.References, err = c.references(ws.imports); err != nil {
			return nil, 0, nil, dataErr(topic, err)
		}
		w, err = ws.ids.Lookup(c.reg, c.set, topic, subject, registered)
		id, hdr = w.ID, w.Header
		if err == nil && guid && hdr == nil {
			// A HeaderIDConverter built by hand over a Converter configured
			// to write ids before the payload.
			hdr, err = c.reg.GUIDHeader(subject, registered, "")
		}
	}
	if err != nil {
		return nil, 0, nil, dataErr(topic, err)
	}
	dst = appendIndexes(dst, path)
	if ws.wrapper != nil {
		v := connect.AnyValue(value)
		if isZero(v) {
			return dst, id, hdr, nil
		}
		dst = protowire.AppendTag(dst, ws.wrapper.num, wireType(ws.wrapper.kind))
		out, err := c.data.appendScalar(dst, ws.wrapper, v)
		if err != nil {
			return nil, 0, nil, dataErr(topic, err)
		}
		return out, id, hdr, nil
	}
	st, ok := value.(*connect.Struct)
	if !ok {
		return nil, 0, nil, dataErr(topic, fmt.Errorf("%T is not a struct", value))
	}
	out, err = c.data.appendMessage(dst, ws.plan, st)
	if err != nil {
		return nil, 0, nil, dataErr(topic, err)
	}
	return out, id, hdr, nil
}

// HeaderIDConverter is a Converter that writes the schema's GUID in the
// __value_schema_id (__key_schema_id) header rather than its id before the
// payload, as Confluent's HeaderSchemaIdSerializer does
// (value.schema.id.serializer, key.schema.id.serializer); the payload is
// the message indexes and the message. Plugin gives one when so
// configured.
type HeaderIDConverter struct{ *Converter }

// FromConnectWithHeaders writes value with its schema's GUID in the
// header, adding the header unless the last one of that name already
// holds it.
func (c HeaderIDConverter) FromConnectWithHeaders(dst []byte, topic string, headers *[]converter.KafkaHeader, schema *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	out, _, hdr, err := c.writeRecord(dst, topic, schema, value, true)
	if err != nil {
		return nil, err
	}
	schemaregistry.AddIDHeader(headers, c.set.IDHeader(), hdr)
	return out, nil
}

// FromConnect is FromConnectWithHeaders for a caller that cannot take
// headers: it fails, since the schema would be lost.
func (c HeaderIDConverter) FromConnect(_ []byte, topic string, _ connect.Headers, _ *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	return nil, connect.Fatal(fmt.Errorf("protobuf: topic %s: the schema id goes in a header, which this caller does not take", topic))
}

// ToConnect reads Confluent's wire format. The value does not alias data.
func (c *Converter) ToConnect(topic string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	if len(data) < 6 {
		return nil, nil, dataErr(topic, fmt.Errorf("%d bytes are too short for the Protobuf wire format's magic byte, schema id and message indexes", len(data)))
	}
	if data[0] != 0 {
		return nil, nil, dataErr(topic, fmt.Errorf("unknown magic byte %d: the data is not in Confluent's Protobuf wire format", data[0]))
	}
	return c.decode(topic, int(binary.BigEndian.Uint32(data[1:5])), data[5:])
}

// ToConnectWithHeaders is ToConnect for records whose schema id may be in
// a header, as Confluent's DualSchemaIdDeserializer reads them: the last
// __value_schema_id (__key_schema_id for keys) header, a zero byte and a
// 4-byte id or a one byte and a 16-byte GUID, names the schema, and the
// payload is the message indexes and the message; without it the payload
// starts with the magic byte and the id.
func (c *Converter) ToConnectWithHeaders(topic string, headers []converter.KafkaHeader, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	if c.set.PrefixIDs {
		return c.ToConnect(topic, connect.Headers{}, data)
	}
	id, found, err := c.reg.HeaderID(headers, c.set.IDHeader())
	if err != nil {
		return nil, nil, dataErr(topic, err)
	}
	if !found {
		return c.ToConnect(topic, connect.Headers{}, data)
	}
	if len(data) == 0 {
		return nil, nil, dataErr(topic, fmt.Errorf("schema id %d: no message indexes", id))
	}
	return c.decode(topic, id, data)
}

// decode reads the message indexes and the message after a schema id.
func (c *Converter) decode(topic string, id int, data []byte) (*connect.Schema, any, error) {
	path, rest, err := readIndexes(data)
	if err != nil {
		return nil, nil, dataErr(topic, fmt.Errorf("schema id %d: %w", id, err))
	}
	rm, err := c.message(id, path)
	if err != nil {
		if schemaregistry.NotFound(err) {
			return nil, nil, dataErr(topic, fmt.Errorf("unknown schema id %d: %w", id, err))
		}
		return nil, nil, dataErr(topic, fmt.Errorf("schema id %d: %w", id, err))
	}
	if c.set.UseLatest {
		if rm, err = c.latestReader(topic, id, rm); err != nil {
			return nil, nil, dataErr(topic, err)
		}
	}
	if rm.wrapper != nil {
		r := reader{src: rest}
		v, err := r.readMessageValue(&rfield{in: &info{fd: rm.md.Fields().Get(0), wrapper: rm.wrapper}}, rm.schema, rest, 0)
		if err != nil {
			return nil, nil, dataErr(topic, fmt.Errorf("schema id %d, message %s: %w", id, rm.md.FullName(), err))
		}
		return rm.schema, v.Any(), nil
	}
	v, err := c.data.read(rm.plan, rest)
	if err != nil {
		return nil, nil, dataErr(topic, fmt.Errorf("schema id %d, message %s: %w", id, rm.md.FullName(), err))
	}
	return rm.schema, v, nil
}

// firstMessage is the path [0]; never modified.
var firstMessage = []int{0}

// readIndexes reads the message index path: a zig-zag varint count, 0
// meaning the path [0], then that many zig-zag varints.
func readIndexes(b []byte) ([]int, []byte, error) {
	n, k := binary.Varint(b)
	if k <= 0 {
		return nil, nil, errors.New("bad message index count")
	}
	b = b[k:]
	if n == 0 {
		return firstMessage, b, nil
	}
	if n < 0 || n > int64(len(b)) {
		return nil, nil, fmt.Errorf("message index count %d is out of range", n)
	}
	path := make([]int, n)
	for i := range path {
		x, k := binary.Varint(b)
		if k <= 0 || x < 0 || x > 1<<20 {
			return nil, nil, fmt.Errorf("bad message index %d", i)
		}
		path[i] = int(x)
		b = b[k:]
	}
	return path, b, nil
}

// appendIndexes writes a message index path as Confluent's serializer does.
func appendIndexes(dst []byte, path []int) []byte {
	if len(path) == 1 && path[0] == 0 {
		return append(dst, 0)
	}
	dst = binary.AppendVarint(dst, int64(len(path)))
	for _, i := range path {
		dst = binary.AppendVarint(dst, int64(i))
	}
	return dst
}

// message returns the message at path in the schema registered as id.
func (c *Converter) message(id int, path []int) (*readMsg, error) {
	key := "0" // the usual path, [0], costs no formatting
	if len(path) != 1 || path[0] != 0 {
		key = fmt.Sprint(path)
	}
	c.mu.RLock()
	rs, ok := c.read[id]
	var rm *readMsg
	if ok {
		rm = rs.msgs[key]
	}
	c.mu.RUnlock()
	if rm != nil {
		return rm, nil
	}
	if !ok {
		text, imports, err := c.schemaText(id)
		if err != nil {
			return nil, err
		}
		fd, err := compile(text, imports)
		if err != nil {
			return nil, fmt.Errorf("the registered .proto schema does not compile: %w", err)
		}
		rs = &readSchema{file: fd, msgs: map[string]*readMsg{}}
	}
	msgs := rs.file.Messages()
	var md protoreflect.MessageDescriptor
	for _, i := range path {
		if i >= msgs.Len() {
			return nil, fmt.Errorf("message index %v names no message", path)
		}
		md = msgs.Get(i)
		msgs = md.Messages()
	}
	if w, ok := wrapperType(md); ok && c.data.rawPrimitives && md.Fields().Len() == 1 {
		// As ProtobufData's toUnwrappedSchema: a required primitive.
		rm = &readMsg{md: md, schema: w, wrapper: newInfo(md.Fields().Get(0))}
	} else {
		schema := c.data.connectSchema(md, false)
		rm = &readMsg{md: md, schema: schema, plan: c.data.newRPlan(md, schema)}
	}
	c.mu.Lock()
	if len(c.read) >= c.maxLen {
		clear(c.read)
	}
	if old, ok := c.read[id]; ok {
		rs = old
	} else {
		c.read[id] = rs
	}
	rs.msgs[key] = rm
	c.mu.Unlock()
	return rm, nil
}

// latestPath returns the index path of ws's message in the schema
// registered as id, a subject's latest, checking with
// latest.compatibility.strict that the latest schema is backward
// compatible with ws's file, as Confluent's serializer checks it
// (incompatibilities).
func (c *Converter) latestPath(ws *writeSchema, id int) ([]int, error) {
	k := latestKey{ws, id}
	c.mu.RLock()
	lw, ok := c.onto[k]
	c.mu.RUnlock()
	if ok {
		return lw.path, lw.err
	}
	lw.err = func() error {
		file, err := c.file(id)
		if err != nil {
			return err
		}
		var md protoreflect.MessageDescriptor
		md, lw.path = findMessage(file.Messages(), ws.md.FullName(), nil)
		if md == nil {
			return fmt.Errorf("message %s is not in it", ws.md.FullName())
		}
		if c.set.Strict {
			latest, err := c.reg.SchemaByID(id)
			if err != nil {
				return err
			}
			if diffs := incompatibilities(ws.md.ParentFile(), file, latest.References); len(diffs) > 0 {
				return fmt.Errorf("it is not backward compatible with the value's schema: %s", strings.Join(diffs, ", "))
			}
		}
		return nil
	}()
	c.mu.Lock()
	if len(c.onto) >= c.maxLen {
		clear(c.onto)
	}
	c.onto[k] = lw
	c.mu.Unlock()
	return lw.path, lw.err
}

// latestReader returns the message of the subject's latest schema that
// reads a record written as rm with schema id, as Confluent's
// deserializer reads with use.latest.version: the latest schema's message
// of the same name, or rm where the latest has none.
func (c *Converter) latestReader(topic string, id int, rm *readMsg) (*readMsg, error) {
	subject := c.set.Subject(topic, string(rm.md.FullName()))
	ls, err := c.reg.LatestVersion(subject)
	if err != nil {
		return nil, fmt.Errorf("subject %s: %w", subject, err)
	}
	latest := ls.ID
	if latest == id {
		return rm, nil
	}
	file, err := c.file(latest)
	if err != nil {
		return nil, fmt.Errorf("latest schema of subject %s (id %d): %w", subject, latest, err)
	}
	md, path := findMessage(file.Messages(), rm.md.FullName(), nil)
	if md == nil {
		return rm, nil
	}
	lrm, err := c.message(latest, path)
	if err != nil {
		return nil, fmt.Errorf("latest schema of subject %s (id %d): %w", subject, latest, err)
	}
	return lrm, nil
}

// file returns the file registered as id, compiled.
func (c *Converter) file(id int) (protoreflect.FileDescriptor, error) {
	if _, err := c.message(id, firstMessage); err != nil {
		return nil, err
	}
	c.mu.RLock()
	rs := c.read[id]
	c.mu.RUnlock()
	if rs == nil {
		// The cache was cleared in between: compile again.
		text, imports, err := c.schemaText(id)
		if err != nil {
			return nil, err
		}
		return compile(text, imports)
	}
	return rs.file, nil
}

// findMessage returns the message called name among msgs and their
// nested messages, and its index path.
func findMessage(msgs protoreflect.MessageDescriptors, name protoreflect.FullName, path []int) (protoreflect.MessageDescriptor, []int) {
	for i := range msgs.Len() {
		md := msgs.Get(i)
		p := append(path[:len(path):len(path)], i)
		if md.FullName() == name {
			return md, p
		}
		if found, fp := findMessage(md.Messages(), name, p); found != nil {
			return found, fp
		}
	}
	return nil, nil
}

var (
	_ converter.HeadersFromConnect = HeaderIDConverter{}
	_ converter.Converter          = (*Converter)(nil)
	_ converter.HeadersToConnect   = (*Converter)(nil)
	_ io.Closer                    = (*Converter)(nil)
)
