// Package avro is Confluent's AvroConverter
// (io.confluent.connect.avro.AvroConverter): Connect values written as Avro
// in Confluent's wire format, a zero byte, the schema's registry id as four
// big-endian bytes and the Avro binary encoding, with the schema kept in a
// Confluent Schema Registry.
//
// Connect schemas map to Avro schemas as Confluent's AvroData maps them:
// optional schemas as unions with null (null first, default null; the type
// first when it has a default), Decimal, Date, Time and Timestamp as the
// Avro logical types, INT8 and INT16 as ints marked connect.type, names,
// versions, docs, parameters and defaults in connect.* properties, maps
// with string keys as Avro maps and others as arrays of MapEntry records,
// unnamed structs as io.confluent.connect.avro.ConnectDefault records, and
// with enhanced.avro.schema.support enums and fixed types. The schema
// text registered is the one AvroData builds, as Avro's Schema.toString
// writes it: fields in order, properties in the order AvroData adds them,
// docs from the record and field doc parameters, defaults on the field
// and as connect.default. Reading, records
// written with an older schema are read with the reader schema (the latest
// version, with use.latest.version) by Avro's schema resolution.
//
// A registry that cannot be reached, answers 5xx or times out is retried
// with back-off (max.retries, retries.wait.ms, retries.max.wait.ms); after
// that the error is marked connect.ErrRetriable (the call may succeed
// later) and connect.ErrFatal, and is not a *connect.DataError: the record
// is fine, so errors.tolerance=all must not skip it, as Kafka Connect would
// once errors.retry.timeout passed. The task fails and commits no offset
// past the record, which a restart converts again. (The runtime does not
// retry a conversion; Kafka Connect retries one within
// errors.retry.timeout.) Data that does not fit its schema, bytes that are not in the
// wire format, an unknown schema id and a schema the registry refuses are
// *connect.DataError naming the topic and, where there is one, the field.
//
// Reading, the schema id may also be in the __value_schema_id or
// __key_schema_id header, as an id or a GUID (ToConnectWithHeaders), as
// Confluent's DualSchemaIdDeserializer accepts it. Writing puts the id
// before the payload, Confluent's default, or with HeaderSchemaIdSerializer
// the GUID in the header (HeaderIDConverter).
//
// A registered schema may reference schemas of other subjects (named
// types defined there): reading, and writing with use.latest.version, the
// references are fetched by subject and version, recursively, cached, and
// parsed before the schema. Writing registers the self-contained schema
// derived from the Connect schema, with no references, as Confluent's
// AvroConverter does.
//
// Other unions are structs named io.confluent.connect.avro.Union with an
// optional field per type (named by the type, or a named type's name), one
// of them set, as in AvroData.
//
// Differences from Confluent's converter: a value without a schema is
// refused (Confluent writes it with its io.confluent.connect.avro.Anything
// union); recursive records, generalized sum types,
// AssociatedNameStrategy, and the rule, context and bearer-token-provider
// machinery are not supported; and parameters read
// from connect.parameters come back sorted by key, since their JSON order
// is not kept.
package avro

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	hamba "github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/schemaregistry"
	"github.com/kconnect-go/kconnect/internal/version"
)

// Config keys, as Confluent names them.
const (
	SchemaRegistryURLConfig         = schemaregistry.SchemaRegistryURLConfig
	BasicAuthCredentialsSource      = schemaregistry.BasicAuthCredentialsSource
	BasicAuthUserInfoConfig         = schemaregistry.BasicAuthUserInfoConfig
	BearerAuthCredentialsSource     = schemaregistry.BearerAuthCredentialsSource
	BearerAuthTokenConfig           = schemaregistry.BearerAuthTokenConfig
	AutoRegisterSchemasConfig       = schemaregistry.AutoRegisterSchemasConfig
	UseLatestVersionConfig          = schemaregistry.UseLatestVersionConfig
	LatestCompatibilityStrictConfig = schemaregistry.LatestCompatibilityStrictConfig
	NormalizeSchemasConfig          = schemaregistry.NormalizeSchemasConfig
	KeySubjectNameStrategyConfig    = schemaregistry.KeySubjectNameStrategyConfig
	ValueSubjectNameStrategyConfig  = schemaregistry.ValueSubjectNameStrategyConfig
	MaxSchemasPerSubjectConfig      = schemaregistry.MaxSchemasPerSubjectConfig
	MaxRetriesConfig                = schemaregistry.MaxRetriesConfig
	RetriesWaitMsConfig             = schemaregistry.RetriesWaitMsConfig
	RetriesMaxWaitMsConfig          = schemaregistry.RetriesMaxWaitMsConfig
	HTTPReadTimeoutMsConfig         = schemaregistry.HTTPReadTimeoutMsConfig
	LatestCacheTTLSecConfig         = schemaregistry.LatestCacheTTLSecConfig
	KeySchemaIDSerializerConfig     = schemaregistry.KeySchemaIDSerializerConfig
	ValueSchemaIDSerializerConfig   = schemaregistry.ValueSchemaIDSerializerConfig
	KeySchemaIDDeserializerConfig   = schemaregistry.KeySchemaIDDeserializerConfig
	ValueSchemaIDDeserializerConfig = schemaregistry.ValueSchemaIDDeserializerConfig
	SSLTruststoreLocationConfig     = schemaregistry.SSLTruststoreLocationConfig
	SSLTruststoreTypeConfig         = schemaregistry.SSLTruststoreTypeConfig
	SSLKeystoreLocationConfig       = schemaregistry.SSLKeystoreLocationConfig
	SSLKeystoreTypeConfig           = schemaregistry.SSLKeystoreTypeConfig
	SSLKeyLocationConfig            = schemaregistry.SSLKeyLocationConfig
	SSLKeyPasswordConfig            = schemaregistry.SSLKeyPasswordConfig
	SSLEndpointIdentificationConfig = schemaregistry.SSLEndpointIdentificationConfig
	SchemasCacheConfig              = "schemas.cache.config"
	ConnectMetaDataConfig           = "connect.meta.data"
	EnhancedAvroSchemaSupportConfig = "enhanced.avro.schema.support"
	ScrubInvalidNamesConfig         = "scrub.invalid.names"
)

// Where the schema id goes, by Confluent's class names.
const (
	PrefixSchemaIDSerializer   = schemaregistry.PrefixSchemaIDSerializer
	HeaderSchemaIDSerializer   = schemaregistry.HeaderSchemaIDSerializer
	DualSchemaIDDeserializer   = schemaregistry.DualSchemaIDDeserializer
	PrefixSchemaIDDeserializer = schemaregistry.PrefixSchemaIDDeserializer
)

// The subject name strategies, by Confluent's class names.
const (
	TopicNameStrategy       = schemaregistry.TopicNameStrategy
	RecordNameStrategy      = schemaregistry.RecordNameStrategy
	TopicRecordNameStrategy = schemaregistry.TopicRecordNameStrategy
)

// ConfigDef defines AvroConverter's configuration keys.
func ConfigDef() *connect.ConfigDef {
	b := func(name string, def bool, doc string) connect.ConfigKey {
		return connect.ConfigKey{Name: name, Type: connect.ConfigBoolean, Default: def, Importance: connect.Medium, Doc: doc}
	}
	return schemaregistry.Define(connect.NewConfigDef()).
		Define(connect.ConfigKey{Name: SchemasCacheConfig, Type: connect.ConfigInt, Default: 1000, Importance: connect.Low, Validator: connect.AtLeast(0),
			Doc: "The number of Connect schemas whose Avro schema is cached."}).
		Define(b(ConnectMetaDataConfig, true, "Write and read Connect's names, versions, docs, parameters and defaults as connect.* properties.")).
		Define(b(EnhancedAvroSchemaSupportConfig, false, "Keep Avro enums and their names.")).
		Define(b(ScrubInvalidNamesConfig, false, "Replace characters Avro names may not hold."))
}

// Converter is Confluent's AvroConverter. It is safe for concurrent use;
// Close releases its registry connections.
type Converter struct {
	set  schemaregistry.Settings
	data dataConfig
	reg  *schemaregistry.Client

	mu        sync.RWMutex
	toAvro    map[*connect.Schema]*writeSchema
	fromAvro  map[readKey]*readSchema
	cacheSize int
	// lastRead is the fromAvro entry decoderOf returned last: records
	// mostly come in runs of one topic and schema id, and comparing with
	// it costs less than the read lock and hashing the topic's name.
	lastRead atomic.Pointer[readSchema]
}

type writeSchema struct {
	text     string
	parsed   hamba.Schema
	subjects sync.Map // topic -> subject, so a record does not build its subject's name
	ids      schemaregistry.WriteIDs
	latest   sync.Map // latestKey -> latestTarget, for use.latest.version
}

// latestKey is a subject's latest schema, by id and version (the Connect
// schema's version where it has none).
type latestKey struct{ id, version int }

// latestTarget is the Connect schema a value is written as with a latest
// schema, or why the latest cannot be written with (not backward
// compatible with the value's schema, with latest.compatibility.strict).
type latestTarget struct {
	schema *connect.Schema
	err    error
}

// readKey names what a record is read with: its schema id and topic (which
// with the strategy names the subject).
type readKey struct {
	id    int
	topic string
}

// readSchema is a writer schema's decoder for one reader schema: the
// writer's own, or the subject's latest with use.latest.version.
type readSchema struct {
	key      readKey // what fromAvro holds it under
	subject  string
	readerID int
	schema   *connect.Schema
	dec      *decoder
}

// Configure returns a Converter from Confluent's string configuration (the
// converter's keys with key.converter. or value.converter. removed); isKey
// says whether it converts keys, which names the subject. The error names
// the key at fault and never holds a credential. With
// HeaderSchemaIdSerializer configured, write through HeaderIDConverter{c}
// (Plugin does so); the Converter itself puts the id before the payload.
func Configure(config map[string]string, isKey bool) (*Converter, error) {
	cfg, err := ConfigDef().Parse(config)
	if err != nil {
		return nil, fmt.Errorf("avro: %w", err)
	}
	reg, set, err := schemaregistry.New(cfg, sr.TypeAvro, isKey)
	if err != nil {
		return nil, fmt.Errorf("avro: %w", err)
	}
	return &Converter{
		set: set, reg: reg,
		data: dataConfig{connectMetaData: cfg.Bool(ConnectMetaDataConfig), enhanced: cfg.Bool(EnhancedAvroSchemaSupportConfig),
			scrub: cfg.Bool(ScrubInvalidNamesConfig)},
		toAvro: map[*connect.Schema]*writeSchema{}, fromAvro: map[readKey]*readSchema{},
		cacheSize: max(cfg.Int(SchemasCacheConfig), 1),
	}, nil
}

// Class is AvroConverter's class name.
const Class = "io.confluent.connect.avro.AvroConverter"

// Plugin describes the Converter to a runtime.
func Plugin() converter.Plugin {
	return converter.Plugin{
		PluginInfo: connect.PluginInfo{Class: Class, Aliases: []string{"AvroConverter"}, Kind: connect.ConverterPlugin,
			Version: version.Kconnect(), Doc: "Confluent's Avro format with a Schema Registry.", Config: ConfigDef()},
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
	return schemaregistry.TopicError("avro", topic, err)
}

// writeSchemaOf returns the Avro schema of s, derived once.
func (c *Converter) writeSchemaOf(s *connect.Schema) (*writeSchema, error) {
	c.mu.RLock()
	ws, ok := c.toAvro[s]
	c.mu.RUnlock()
	if ok {
		return ws, nil
	}
	text, err := c.data.avroSchemaJSON(s)
	if err != nil {
		return nil, err
	}
	parsed, err := hamba.ParseBytesWithCache(text, "", &hamba.SchemaCache{})
	if err != nil {
		return nil, fmt.Errorf("the Avro schema derived from the Connect schema is invalid: %w", err)
	}
	ws = &writeSchema{text: string(text), parsed: parsed}
	c.mu.Lock()
	if len(c.toAvro) >= c.cacheSize {
		clear(c.toAvro)
	}
	c.toAvro[s] = ws
	c.mu.Unlock()
	return ws, nil
}

func (c *Converter) writeSubject(topic string, ws *writeSchema) string {
	if s, ok := ws.subjects.Load(topic); ok {
		return s.(string)
	}
	s := c.subject(topic, ws.parsed)
	ws.subjects.Store(topic, s)
	return s
}

func (c *Converter) subject(topic string, ws hamba.Schema) string {
	name := string(ws.Type())
	if n, ok := ws.(hamba.NamedSchema); ok {
		name = n.FullName()
	}
	return c.set.Subject(topic, name)
}

// FromConnect writes value in Confluent's wire format, registering its
// schema (auto.register.schemas), looking it up, or writing with the
// subject's latest schema (use.latest.version with
// auto.register.schemas=false, as Confluent's serializer registers first).
// A nil value is a Kafka null.
func (c *Converter) FromConnect(dst []byte, topic string, _ connect.Headers, schema *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0)
	out, id, _, err := c.write(dst, topic, schema, value, false)
	if err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(out[start+1:], uint32(id))
	return out, nil
}

// write appends value's Avro encoding to dst and returns its schema's id,
// and with guid the value of the header naming its GUID.
func (c *Converter) write(dst []byte, topic string, schema *connect.Schema, value any, guid bool) (out []byte, id int, hdr []byte, err error) {
	if schema == nil {
		return nil, 0, nil, dataErr(topic, errors.New("a value without a schema cannot be written as Avro"))
	}
	ws, err := c.writeSchemaOf(schema)
	if err != nil {
		return nil, 0, nil, dataErr(topic, err)
	}
	subject := c.writeSubject(topic, ws)
	target := schema
	text := ws.text
	if c.set.WritesLatest() {
		latest, err := c.reg.LatestVersion(subject)
		if err != nil {
			return nil, 0, nil, dataErr(topic, fmt.Errorf("subject %s: %w", subject, err))
		}
		lt, err := c.latestTarget(ws, latest)
		if err != nil {
			return nil, 0, nil, dataErr(topic, err)
		}
		if lt.err != nil {
			return nil, 0, nil, dataErr(topic, fmt.Errorf("latest schema of subject %s (id %d) is not backward compatible with the value's schema: %w", subject, latest.ID, lt.err))
		}
		id, target, text = latest.ID, lt.schema, latest.Schema.Schema
		if guid {
			hdr, err = c.reg.GUIDHeader(subject, latest.Schema, latest.GUID)
		}
	} else {
		var w schemaregistry.Written
		w, err = ws.ids.Lookup(c.reg, c.set, topic, subject, sr.Schema{Schema: ws.text})
		id, hdr = w.ID, w.Header
	}
	if err == nil && guid && hdr == nil {
		// A HeaderIDConverter built by hand over a Converter configured
		// to write ids before the payload.
		hdr, err = c.reg.GUIDHeader(subject, sr.Schema{Schema: text}, "")
	}
	if err != nil {
		return nil, 0, nil, dataErr(topic, err)
	}
	e := encoder{d: c.data}
	out, err = e.value(dst, target, connect.AnyValue(value))
	if err != nil {
		return nil, 0, nil, dataErr(topic, err)
	}
	return out, id, hdr, nil
}

// latestTarget returns what ws's values are written as with the latest
// schema, parsed and checked once per latest schema: with
// latest.compatibility.strict the latest must read ws's values by Avro's
// schema resolution, as Confluent's serializer checks with
// AvroSchema.isBackwardCompatible (Avro's SchemaCompatibility).
func (c *Converter) latestTarget(ws *writeSchema, latest sr.SubjectSchema) (latestTarget, error) {
	k := latestKey{latest.ID, latest.Version}
	if x, ok := ws.latest.Load(k); ok {
		return x.(latestTarget), nil
	}
	rs, err := c.readSchemaOf(latest.ID, latest.Version)
	if err != nil {
		return latestTarget{}, err
	}
	lt := latestTarget{schema: rs.schema}
	if c.set.Strict {
		lt.err = hamba.NewSchemaCompatibility().Compatible(rs.parsed, ws.parsed)
	}
	ws.latest.Store(k, lt)
	return lt, nil
}

// HeaderIDConverter is a Converter that writes the schema's GUID in the
// __value_schema_id (__key_schema_id) header rather than its id before the
// payload, as Confluent's HeaderSchemaIdSerializer does
// (value.schema.id.serializer, key.schema.id.serializer); the payload is
// the bare Avro encoding. Plugin gives one when so configured.
type HeaderIDConverter struct{ *Converter }

// FromConnectWithHeaders writes value with its schema's GUID in the
// header, adding the header unless the last one of that name already
// holds it.
func (c HeaderIDConverter) FromConnectWithHeaders(dst []byte, topic string, headers *[]converter.KafkaHeader, schema *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	out, _, hdr, err := c.write(dst, topic, schema, value, true)
	if err != nil {
		return nil, err
	}
	schemaregistry.AddIDHeader(headers, c.set.IDHeader(), hdr)
	return converter.NonNil(out), nil
}

// FromConnect is FromConnectWithHeaders for a caller that cannot take
// headers: it fails, since the schema would be lost.
func (c HeaderIDConverter) FromConnect(_ []byte, topic string, _ connect.Headers, _ *connect.Schema, value any) ([]byte, error) {
	if value == nil {
		return nil, nil
	}
	return nil, connect.Fatal(fmt.Errorf("avro: topic %s: the schema id goes in a header, which this caller does not take", topic))
}

// ToConnect reads Confluent's wire format. The value aliases data, as the
// converter.Converter contract allows: its strings, map keys and BYTES are
// data's own bytes, which must therefore not change afterwards (and stay
// in memory as long as any of them is kept: copy a string kept for long,
// such as a cache key, with strings.Clone). The
// Connect schema's version is the writer schema's version in its subject
// where the schema has no connect.version, as with Confluent's converter.
func (c *Converter) ToConnect(topic string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	id, payload, err := schemaregistry.SplitWire("Avro", data)
	if err != nil {
		return nil, nil, dataErr(topic, err)
	}
	return c.decode(topic, id, payload)
}

// Header names of Confluent's schema ids in headers.
const (
	KeySchemaIDHeader   = schemaregistry.KeySchemaIDHeader
	ValueSchemaIDHeader = schemaregistry.ValueSchemaIDHeader
)

// ToConnectWithHeaders is ToConnect for records whose schema id may be in
// a header, as Confluent's DualSchemaIdDeserializer reads them: the last
// __value_schema_id (__key_schema_id for keys) header, a zero byte and a
// 4-byte id or a one byte and a 16-byte GUID, names the schema of the
// whole payload; without it the payload starts with the id.
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
	return c.decode(topic, id, data)
}

func (c *Converter) decode(topic string, id int, payload []byte) (*connect.Schema, any, error) {
	rs, err := c.decoderOf(topic, id)
	if err != nil {
		return nil, nil, err
	}
	r := reader{b: payload, alias: true}
	v, err := rs.dec.decode(&r)
	if err != nil {
		return nil, nil, dataErr(topic, fmt.Errorf("schema id %d: %w", id, err))
	}
	if r.pos != len(payload) {
		return nil, nil, dataErr(topic, fmt.Errorf("schema id %d: %d bytes left after the value", id, len(payload)-r.pos))
	}
	return rs.schema, v.Any(), nil
}

func (c *Converter) idErr(topic string, id int, err error) error {
	if schemaregistry.NotFound(err) {
		return dataErr(topic, fmt.Errorf("unknown schema id %d: %w", id, err))
	}
	return dataErr(topic, fmt.Errorf("schema id %d: %w", id, err))
}

type parsedSchema struct {
	schema *connect.Schema
	parsed hamba.Schema
}

// parse returns a registered schema, parsed.
func (c *Converter) parse(id int) (hamba.Schema, error) {
	s, err := c.reg.SchemaByID(id)
	if err != nil {
		return nil, err
	}
	// The named types of referenced schemas are parsed first into the
	// cache the schema is parsed with, as Confluent's AvroSchema adds them
	// to its parser.
	refs, err := c.reg.References(s)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	cache := &hamba.SchemaCache{}
	for _, ref := range refs {
		if _, err := hamba.ParseWithCache(ref.Schema.Schema, "", cache); err != nil {
			return nil, &connect.DataError{Err: fmt.Errorf("schema id %d: reference %q is not a valid Avro schema: %w", id, ref.Name, err)}
		}
	}
	parsed, err := hamba.ParseWithCache(s.Schema, "", cache)
	if err != nil {
		return nil, fmt.Errorf("schema id %d is not a valid Avro schema: %w", id, err)
	}
	return parsed, nil
}

// readSchemaOf returns the Connect schema of a registered schema, of
// version unless it says otherwise.
func (c *Converter) readSchemaOf(id, version int) (*parsedSchema, error) {
	parsed, err := c.parse(id)
	if err != nil {
		return nil, err
	}
	cs, err := c.data.toConnectSchema(parsed, version)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	return &parsedSchema{schema: cs, parsed: parsed}, nil
}

// decoderOf returns the decoder of data written with schema id on topic:
// read with the writer's schema, or with use.latest.version the subject's
// latest, compiled once per reader schema.
func (c *Converter) decoderOf(topic string, id int) (*readSchema, error) {
	if !c.set.UseLatest {
		if rs := c.lastRead.Load(); rs != nil && rs.key.id == id && rs.key.topic == topic {
			return rs, nil
		}
	}
	k := readKey{id: id, topic: topic}
	c.mu.RLock()
	rs, ok := c.fromAvro[k]
	c.mu.RUnlock()
	if ok && !c.set.UseLatest {
		c.lastRead.Store(rs)
		return rs, nil
	}
	var subject string
	if ok {
		subject = rs.subject
	}
	readerID := id
	if c.set.UseLatest && ok {
		latest, err := c.reg.LatestVersion(subject)
		if err != nil {
			return nil, dataErr(topic, fmt.Errorf("subject %s: %w", subject, err))
		}
		if latest.ID == rs.readerID {
			return rs, nil
		}
	}
	w, err := c.parse(id)
	if err != nil {
		return nil, c.idErr(topic, id, err)
	}
	subject = c.subject(topic, w)
	text, _ := c.reg.SchemaByID(id)
	version, err := c.reg.Version(subject, text)
	if err != nil {
		if schemaregistry.NotFound(err) {
			return nil, dataErr(topic, fmt.Errorf("schema id %d is not registered in subject %s, so it has no version there: %w", id, subject, err))
		}
		return nil, dataErr(topic, fmt.Errorf("version of schema id %d in subject %s: %w", id, subject, err))
	}
	if c.set.UseLatest {
		latest, err := c.reg.LatestVersion(subject)
		if err != nil {
			return nil, dataErr(topic, fmt.Errorf("subject %s: %w", subject, err))
		}
		readerID = latest.ID
	}
	r, err := c.readSchemaOf(readerID, version)
	if err != nil {
		return nil, c.idErr(topic, readerID, err)
	}
	if readerID != id {
		if err := hamba.NewSchemaCompatibility().Compatible(r.parsed, w); err != nil {
			return nil, dataErr(topic, fmt.Errorf("the latest schema of subject %s (id %d) cannot read schema id %d: %w", subject, readerID, id, err))
		}
	}
	dec, err := compile(w, r.parsed, r.schema)
	if err != nil {
		return nil, dataErr(topic, fmt.Errorf("schema id %d: %w", id, err))
	}
	rs = &readSchema{key: k, subject: subject, readerID: readerID, schema: r.schema, dec: dec}
	c.mu.Lock()
	if len(c.fromAvro) >= c.cacheSize {
		clear(c.fromAvro)
	}
	c.fromAvro[k] = rs
	c.mu.Unlock()
	return rs, nil
}

var (
	_ converter.HeadersFromConnect = HeaderIDConverter{}
	_ converter.Converter          = (*Converter)(nil)
	_ converter.HeadersToConnect   = (*Converter)(nil)
	_ io.Closer                    = (*Converter)(nil)
)
