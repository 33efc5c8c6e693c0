// Package jsonschema is Confluent's JsonSchemaConverter
// (io.confluent.connect.json.JsonSchemaConverter): Connect values written
// as JSON text in Confluent's wire format, a zero byte, the schema's
// registry id as four big-endian bytes and the JSON document, with a JSON
// Schema (draft 7) kept in a Confluent Schema Registry.
//
// Connect schemas map to JSON Schemas as Confluent's JsonSchemaData maps
// them: INT8 to INT64 as "integer" and FLOAT32 and FLOAT64 as "number"
// marked with connect.type, BYTES as a base64 "string" marked
// connect.type bytes, Decimal as a "number" (its value a number or, with
// decimal.format=BASE64, the default, a base64 string), Date, Time and
// Timestamp as integers named by their logical type, structs as objects
// whose properties carry connect.index, maps with non-optional string keys
// as objects with additionalProperties and others as arrays of
// {"key","value"} objects (both marked connect.type map), optional schemas
// as oneOf with {"type":"null"}, and names, docs, versions, parameters and
// defaults as title, description, default and connect.* properties. Structs
// named io.confluent.connect.json.OneOf are a oneOf of their fields'
// schemas. Reading, a registered schema maps back the same way; a plain
// "integer" is INT64, "number" FLOAT64, an enum a string with Confluent's
// enum parameters, and with use.optional.for.nonrequired a property not
// listed in "required" is optional. Local $refs (#/definitions/…) resolve,
// and so do $refs to the schemas of other subjects a registered schema
// references: by the reference's name resolved against the schema's $id,
// as Confluent's JsonSchema registers them, fetched by subject and
// version, recursively, and cached. Writing registers the self-contained
// schema JsonSchemaData derives, with no references.
//
// With json.fail.invalid.schema every value written and read is validated
// against its JSON Schema (santhosh-tekuri/jsonschema); a value that fails
// is a *connect.DataError naming the topic and where the value fails.
// Note that a Decimal's schema is a "number", so with decimal.format=BASE64
// a Decimal value does not validate: use NUMERIC with validation.
//
// The registry client, keys and schema id handling are those of
// converter/avro: failover between URLs, retries with back-off ending in an
// error marked connect.ErrRetriable and connect.ErrFatal, caches, basic and
// bearer auth, TLS, the subject name strategies (RecordNameStrategy names
// the subject by the schema's title), auto.register.schemas,
// use.latest.version and schema ids in the __value_schema_id and
// __key_schema_id headers (ToConnectWithHeaders, HeaderIDConverter).
//
// With use.latest.version (heeded in writing only with
// auto.register.schemas=false, as by Confluent's serializer) and
// latest.compatibility.strict (the default),
// a value is written with the subject's latest schema only if Confluent's
// JSON Schema diff finds the latest backward compatible with the value's
// schema under its strict policy: types (an integer may become a number),
// bounds, enums, unions matched member to member, objects by their content
// model (a property added to the value's open object is incompatible, even
// an optional one, unless object.additional.properties=false closes it),
// array items, $refs followed; the incompatibilities are named and placed
// as Confluent names them. Draft 2019-09 and 2020-12 keywords
// (unevaluatedProperties, ...) are not compared.
//
// Differences from Confluent's converter: a value without a schema is
// refused; generalized sum types, recursive schemas and
// allOf of more than one schema are not supported; an integer out of its
// type's range, or a JSON type that does not fit the schema, is an error
// where Confluent truncates it; and parameters read from
// connect.parameters come back sorted by key.
package jsonschema

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
	"github.com/kconnect-go/kconnect/internal/schemaregistry"
	"github.com/kconnect-go/kconnect/internal/version"
)

// Config keys of JsonSchemaConverterConfig and JsonSchemaDataConfig; the
// registry's keys are those of converter/avro.
const (
	SchemaRegistryURLConfig          = schemaregistry.SchemaRegistryURLConfig
	AutoRegisterSchemasConfig        = schemaregistry.AutoRegisterSchemasConfig
	UseLatestVersionConfig           = schemaregistry.UseLatestVersionConfig
	ValueSubjectNameStrategyConfig   = schemaregistry.ValueSubjectNameStrategyConfig
	KeySubjectNameStrategyConfig     = schemaregistry.KeySubjectNameStrategyConfig
	FailInvalidSchemaConfig          = "json.fail.invalid.schema"
	UseOptionalForNonRequiredConfig  = "use.optional.for.nonrequired"
	ObjectAdditionalPropertiesConfig = "object.additional.properties"
	DecimalFormatConfig              = "decimal.format"
	SchemasCacheSizeConfig           = "schemas.cache.size"
)

// ConfigDef defines JsonSchemaConverter's configuration keys.
func ConfigDef() *connect.ConfigDef {
	b := func(name string, def bool, doc string) connect.ConfigKey {
		return connect.ConfigKey{Name: name, Type: connect.ConfigBoolean, Default: def, Importance: connect.Medium, Doc: doc}
	}
	return schemaregistry.Define(connect.NewConfigDef()).
		Define(b(FailInvalidSchemaConfig, false, "Validate every value written and read against its JSON Schema, and fail one that does not match.")).
		Define(b(UseOptionalForNonRequiredConfig, false, "Read a property that the JSON Schema does not list in required as optional.")).
		Define(b(ObjectAdditionalPropertiesConfig, true, "Let a struct's JSON Schema allow properties it does not name; false writes additionalProperties false.")).
		Define(connect.ConfigKey{Name: DecimalFormatConfig, Type: connect.ConfigString, Default: "BASE64", Importance: connect.Low,
			Validator: connect.OneOfIgnoreCase("BASE64", "NUMERIC"),
			Doc:       "How a Decimal value is written: BASE64 (its unscaled bytes as a base64 string) or NUMERIC (a JSON number)."}).
		Define(connect.ConfigKey{Name: SchemasCacheSizeConfig, Type: connect.ConfigInt, Default: 1000, Importance: connect.Low, Validator: connect.AtLeast(0),
			Doc: "The number of Connect schemas whose JSON Schema is cached."})
}

// Converter is Confluent's JsonSchemaConverter. It is safe for concurrent
// use; Close releases its registry connections.
type Converter struct {
	set         schemaregistry.Settings
	reg         *schemaregistry.Client
	data        dataConfig
	failInvalid bool

	mu        sync.RWMutex
	toJSON    map[*connect.Schema]*writeSchema
	fromJSON  map[readKey]*readSchema
	checks    map[int]*validator // by schema id
	cacheSize int
	keys      jsonparse.Keys // member names, read without allocating
}

type writeSchema struct {
	text     string
	name     string   // the title, which RecordNameStrategy names the subject by
	subjects sync.Map // topic -> subject
	ids      schemaregistry.WriteIDs
	compat   sync.Map // latest schema id -> error, nil when it reads this schema's values
}

type readKey struct {
	id    int
	topic string
}

type readSchema struct {
	subject  string
	readerID int
	schema   *connect.Schema
}

// Configure returns a Converter from Confluent's string configuration (the
// converter's keys with key.converter. or value.converter. removed); isKey
// says whether it converts keys, which names the subject. The error names
// the key at fault and never holds a credential. With
// HeaderSchemaIdSerializer configured, write through HeaderIDConverter{c}
// (Plugin does so).
func Configure(config map[string]string, isKey bool) (*Converter, error) {
	cfg, err := ConfigDef().Parse(config)
	if err != nil {
		return nil, fmt.Errorf("jsonschema: %w", err)
	}
	reg, set, err := schemaregistry.New(cfg, sr.TypeJSON, isKey)
	if err != nil {
		return nil, fmt.Errorf("jsonschema: %w", err)
	}
	return &Converter{
		set: set, reg: reg,
		data: dataConfig{additionalProps: cfg.Bool(ObjectAdditionalPropertiesConfig), optionalNonReq: cfg.Bool(UseOptionalForNonRequiredConfig),
			numericDecimals: strings.EqualFold(cfg.String(DecimalFormatConfig), "NUMERIC")},
		failInvalid: cfg.Bool(FailInvalidSchemaConfig),
		toJSON:      map[*connect.Schema]*writeSchema{}, fromJSON: map[readKey]*readSchema{}, checks: map[int]*validator{},
		cacheSize: max(cfg.Int(SchemasCacheSizeConfig), 1),
	}, nil
}

// Class is JsonSchemaConverter's class name.
const Class = "io.confluent.connect.json.JsonSchemaConverter"

// Plugin describes the Converter to a runtime.
func Plugin() converter.Plugin {
	return converter.Plugin{
		PluginInfo: connect.PluginInfo{Class: Class, Aliases: []string{"JsonSchemaConverter"}, Kind: connect.ConverterPlugin,
			Version: version.Kconnect(), Doc: "Confluent's JSON Schema format with a Schema Registry.", Config: ConfigDef()},
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
	return schemaregistry.TopicError("jsonschema", topic, err)
}

func (c *Converter) writeSchemaOf(s *connect.Schema) (*writeSchema, error) {
	c.mu.RLock()
	ws, ok := c.toJSON[s]
	c.mu.RUnlock()
	if ok {
		return ws, nil
	}
	text, err := c.data.schemaText(s)
	if err != nil {
		return nil, err
	}
	name := s.Name
	if name == "" || s.Optional {
		name = defaultName // an optional schema is a oneOf, without a title
	}
	ws = &writeSchema{text: string(text), name: name}
	c.mu.Lock()
	if len(c.toJSON) >= c.cacheSize {
		clear(c.toJSON)
	}
	c.toJSON[s] = ws
	c.mu.Unlock()
	return ws, nil
}

func (c *Converter) writeSubject(topic string, ws *writeSchema) string {
	if s, ok := ws.subjects.Load(topic); ok {
		return s.(string)
	}
	s := c.set.Subject(topic, ws.name)
	ws.subjects.Store(topic, s)
	return s
}

// validatorOf returns the compiled schema registered as id.
func (c *Converter) validatorOf(id int) (*validator, error) {
	c.mu.RLock()
	v, ok := c.checks[id]
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	s, err := c.reg.SchemaByID(id)
	if err != nil {
		return nil, c.idErr(id, err)
	}
	refs, err := c.references(s)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	v, err = compileValidator(s.Schema, refs)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	c.mu.Lock()
	if len(c.checks) >= c.cacheSize {
		clear(c.checks)
	}
	c.checks[id] = v
	c.mu.Unlock()
	return v, nil
}

// FromConnect writes value in Confluent's wire format, registering its
// schema (auto.register.schemas), looking it up, or writing with the
// subject's latest schema (use.latest.version). A nil value is a Kafka null.
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

func (c *Converter) write(dst []byte, topic string, schema *connect.Schema, value any, guid bool) (out []byte, id int, hdr []byte, err error) {
	ws, err := c.writeSchemaOf(schema)
	if err != nil {
		return nil, 0, nil, dataErr(topic, err)
	}
	subject := c.writeSubject(topic, ws)
	text := ws.text
	if c.set.WritesLatest() {
		latest, err := c.reg.LatestVersion(subject)
		if err != nil {
			return nil, 0, nil, dataErr(topic, fmt.Errorf("subject %s: %w", subject, err))
		}
		id, text = latest.ID, latest.Schema.Schema
		if c.set.Strict {
			if err := c.latestReads(ws, latest); err != nil {
				return nil, 0, nil, dataErr(topic, fmt.Errorf("latest schema of subject %s (id %d) is not backward compatible with the value's schema: %w", subject, id, err))
			}
		}
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
	body := len(dst)
	out, err = c.data.appendValue(dst, schema, connect.AnyValue(value))
	if err != nil {
		return nil, 0, nil, dataErr(topic, err)
	}
	if c.failInvalid {
		v, err := c.validatorOf(id)
		if err != nil {
			return nil, 0, nil, dataErr(topic, err)
		}
		if err := v.validate(out[body:]); err != nil {
			return nil, 0, nil, dataErr(topic, fmt.Errorf("the value does not match schema id %d: %w", id, err))
		}
	}
	return out, id, hdr, nil
}

// HeaderIDConverter is a Converter that writes the schema's GUID in the
// __value_schema_id (__key_schema_id) header rather than its id before the
// payload, as Confluent's HeaderSchemaIdSerializer does; the payload is
// the bare JSON. Plugin gives one when so configured.
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
	return nil, connect.Fatal(fmt.Errorf("jsonschema: topic %s: the schema id goes in a header, which this caller does not take", topic))
}

// ToConnect reads Confluent's wire format. The Connect schema's version is
// the writer schema's version in its subject where the schema has no
// connect.version, as with Confluent's converter.
func (c *Converter) ToConnect(topic string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	id, payload, err := schemaregistry.SplitWire("", data)
	if err != nil {
		return nil, nil, dataErr(topic, err)
	}
	return c.decode(topic, id, payload)
}

// ToConnectWithHeaders is ToConnect for records whose schema id may be in
// a header, as Confluent's DualSchemaIdDeserializer reads them (see
// converter/avro's).
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
	rs, err := c.readSchemaOf(topic, id)
	if err != nil {
		return nil, nil, err
	}
	if c.failInvalid {
		v, err := c.validatorOf(rs.readerID)
		if err != nil {
			return nil, nil, dataErr(topic, err)
		}
		if err := v.validate(payload); err != nil {
			return nil, nil, dataErr(topic, fmt.Errorf("the value does not match schema id %d: %w", rs.readerID, err))
		}
	}
	v, err := c.data.document(payload, rs.schema, &c.keys)
	if err != nil {
		var se *jsonparse.SyntaxError
		if errors.As(err, &se) {
			return nil, nil, dataErr(topic, fmt.Errorf("schema id %d: the payload is not JSON: %w", id, err))
		}
		return nil, nil, dataErr(topic, fmt.Errorf("schema id %d: %w", id, err))
	}
	return rs.schema, v.Any(), nil
}

// latestReads checks, once per latest schema, that the latest schema is
// backward compatible with the value's, as Confluent's serializer checks
// with latest.compatibility.strict: by its JSON Schema diff under the
// strict policy (jsonIncompatibilities), the incompatibilities named and
// placed as there.
func (c *Converter) latestReads(ws *writeSchema, latest sr.SubjectSchema) error {
	if e, ok := ws.compat.Load(latest.ID); ok {
		err, _ := e.(error)
		return err
	}
	err := func() error {
		refs, err := c.references(latest.Schema)
		if err != nil {
			return err
		}
		update, err := loadJSONSchema(latest.Schema.Schema, refs)
		if err != nil {
			return fmt.Errorf("schema id %d: %w", latest.ID, err)
		}
		original, err := loadJSONSchema(ws.text, nil)
		if err != nil {
			return fmt.Errorf("the value's schema: %w", err)
		}
		if diffs := jsonIncompatibilities(original, update); len(diffs) > 0 {
			return errors.New(strings.Join(diffs, ", "))
		}
		return nil
	}()
	if err != nil && connect.IsRetriable(err) {
		return err
	}
	ws.compat.Store(latest.ID, err)
	return err
}

// references returns the texts of the schemas s references, directly or
// not, by reference name.
func (c *Converter) references(s sr.Schema) (map[string]string, error) {
	if len(s.References) == 0 {
		return nil, nil
	}
	refs, err := c.reg.References(s)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(refs))
	for _, r := range refs {
		m[r.Name] = r.Schema.Schema
	}
	return m, nil
}

func (c *Converter) idErr(id int, err error) error {
	if schemaregistry.NotFound(err) {
		return fmt.Errorf("unknown schema id %d: %w", id, err)
	}
	return fmt.Errorf("schema id %d: %w", id, err)
}

// readSchemaOf returns the Connect schema that data written with schema id
// on topic is read into: the writer's, or with use.latest.version the
// subject's latest.
func (c *Converter) readSchemaOf(topic string, id int) (*readSchema, error) {
	k := readKey{id: id, topic: topic}
	c.mu.RLock()
	rs, ok := c.fromJSON[k]
	c.mu.RUnlock()
	if ok && !c.set.UseLatest {
		return rs, nil
	}
	if ok {
		latest, err := c.reg.LatestVersion(rs.subject)
		if err != nil {
			return nil, dataErr(topic, fmt.Errorf("subject %s: %w", rs.subject, err))
		}
		if latest.ID == rs.readerID {
			return rs, nil
		}
	}
	w, err := c.reg.SchemaByID(id)
	if err != nil {
		return nil, dataErr(topic, c.idErr(id, err))
	}
	n, err := jsonparse.Parse([]byte(w.Schema))
	if err != nil {
		return nil, dataErr(topic, fmt.Errorf("schema id %d is not JSON: %w", id, err))
	}
	subject := c.set.Subject(topic, title(&n))
	ver, err := c.reg.Version(subject, w)
	if err != nil {
		if schemaregistry.NotFound(err) {
			return nil, dataErr(topic, fmt.Errorf("schema id %d is not registered in subject %s, so it has no version there: %w", id, subject, err))
		}
		return nil, dataErr(topic, fmt.Errorf("version of schema id %d in subject %s: %w", id, subject, err))
	}
	readerID, reader := id, w
	if c.set.UseLatest {
		latest, err := c.reg.LatestVersion(subject)
		if err != nil {
			return nil, dataErr(topic, fmt.Errorf("subject %s: %w", subject, err))
		}
		readerID, reader, ver = latest.ID, latest.Schema, latest.Version
	}
	refs, err := c.references(reader)
	if err != nil {
		return nil, dataErr(topic, fmt.Errorf("schema id %d: %w", readerID, err))
	}
	cs, _, err := c.data.toConnectSchema(reader.Schema, ver, refs)
	if err != nil {
		return nil, dataErr(topic, fmt.Errorf("schema id %d: %w", readerID, err))
	}
	rs = &readSchema{subject: subject, readerID: readerID, schema: cs}
	c.mu.Lock()
	if len(c.fromJSON) >= c.cacheSize {
		clear(c.fromJSON)
	}
	c.fromJSON[k] = rs
	c.mu.Unlock()
	return rs, nil
}

var (
	_ converter.HeadersFromConnect = HeaderIDConverter{}
	_ converter.Converter          = (*Converter)(nil)
	_ converter.HeadersToConnect   = (*Converter)(nil)
	_ io.Closer                    = (*Converter)(nil)
)
