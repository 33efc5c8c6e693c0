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
// with enhanced.avro.schema.support enums and fixed types. Reading, records
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
// Other unions are structs named io.confluent.connect.avro.Union with an
// optional field per type (named by the type, or a named type's name), one
// of them set, as in AvroData.
//
// Differences from Confluent's converter: a value without a schema is
// refused (Confluent writes it with its io.confluent.connect.avro.Anything
// union); recursive records, schema references, generalized sum types,
// AssociatedNameStrategy, and the rule, context and bearer-token-provider
// machinery are not supported; and parameters read
// from connect.parameters come back sorted by key, since their JSON order
// is not kept.
package avro

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/version"
)

// Config keys, as Confluent names them.
const (
	SchemaRegistryURLConfig         = "schema.registry.url"
	BasicAuthCredentialsSource      = "basic.auth.credentials.source"
	BasicAuthUserInfoConfig         = "basic.auth.user.info"
	BearerAuthCredentialsSource     = "bearer.auth.credentials.source"
	BearerAuthTokenConfig           = "bearer.auth.token"
	AutoRegisterSchemasConfig       = "auto.register.schemas"
	UseLatestVersionConfig          = "use.latest.version"
	LatestCompatibilityStrictConfig = "latest.compatibility.strict"
	NormalizeSchemasConfig          = "normalize.schemas"
	KeySubjectNameStrategyConfig    = "key.subject.name.strategy"
	ValueSubjectNameStrategyConfig  = "value.subject.name.strategy"
	SchemasCacheConfig              = "schemas.cache.config"
	ConnectMetaDataConfig           = "connect.meta.data"
	EnhancedAvroSchemaSupportConfig = "enhanced.avro.schema.support"
	ScrubInvalidNamesConfig         = "scrub.invalid.names"
	MaxSchemasPerSubjectConfig      = "max.schemas.per.subject"
	MaxRetriesConfig                = "max.retries"
	RetriesWaitMsConfig             = "retries.wait.ms"
	RetriesMaxWaitMsConfig          = "retries.max.wait.ms"
	HTTPReadTimeoutMsConfig         = "http.read.timeout.ms"
	LatestCacheTTLSecConfig         = "latest.cache.ttl.sec"
	KeySchemaIDSerializerConfig     = "key.schema.id.serializer"
	ValueSchemaIDSerializerConfig   = "value.schema.id.serializer"
	KeySchemaIDDeserializerConfig   = "key.schema.id.deserializer"
	ValueSchemaIDDeserializerConfig = "value.schema.id.deserializer"
	SSLTruststoreLocationConfig     = "schema.registry.ssl.truststore.location"
	SSLTruststoreTypeConfig         = "schema.registry.ssl.truststore.type"
	SSLKeystoreLocationConfig       = "schema.registry.ssl.keystore.location"
	SSLKeystoreTypeConfig           = "schema.registry.ssl.keystore.type"
	SSLKeyLocationConfig            = "schema.registry.ssl.key.location"
	SSLKeyPasswordConfig            = "schema.registry.ssl.key.password"
	SSLEndpointIdentificationConfig = "schema.registry.ssl.endpoint.identification.algorithm"
)

// Where the schema id goes, by Confluent's class names.
const (
	PrefixSchemaIDSerializer   = "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer"
	HeaderSchemaIDSerializer   = "io.confluent.kafka.serializers.schema.id.HeaderSchemaIdSerializer"
	DualSchemaIDDeserializer   = "io.confluent.kafka.serializers.schema.id.DualSchemaIdDeserializer"
	PrefixSchemaIDDeserializer = "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdDeserializer"
)

// className returns the full class name among names that s is, by its full
// or short name.
func className(s string, names ...string) (string, bool) {
	for _, full := range names {
		if s == full || s == full[strings.LastIndexByte(full, '.')+1:] {
			return full, true
		}
	}
	return "", false
}

func classValidator(names ...string) connect.Validator {
	return connect.ValidatorFunc(func(v any) error {
		if _, ok := className(v.(string), names...); !ok {
			return fmt.Errorf("must be one of %s", strings.Join(names, ", "))
		}
		return nil
	})
}

// The subject name strategies, by Confluent's class names.
const (
	TopicNameStrategy       = "io.confluent.kafka.serializers.subject.TopicNameStrategy"
	RecordNameStrategy      = "io.confluent.kafka.serializers.subject.RecordNameStrategy"
	TopicRecordNameStrategy = "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"
)

func strategy(s string) (string, bool) {
	return className(s, TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy)
}

// ConfigDef defines AvroConverter's configuration keys.
func ConfigDef() *connect.ConfigDef {
	b := func(name string, def bool, doc string) connect.ConfigKey {
		return connect.ConfigKey{Name: name, Type: connect.ConfigBoolean, Default: def, Importance: connect.Medium, Doc: doc}
	}
	i := func(name string, def int, doc string) connect.ConfigKey {
		return connect.ConfigKey{Name: name, Type: connect.ConfigInt, Default: def, Importance: connect.Low, Validator: connect.AtLeast(0), Doc: doc}
	}
	s := func(name, def, doc string) connect.ConfigKey {
		return connect.ConfigKey{Name: name, Type: connect.ConfigString, Default: def, Importance: connect.Medium, Doc: doc}
	}
	strat := func(name string) connect.ConfigKey {
		k := s(name, TopicNameStrategy, "How the subject a schema is registered under is named: TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy.")
		k.Validator = connect.ValidatorFunc(func(v any) error {
			if _, ok := strategy(v.(string)); !ok {
				return fmt.Errorf("unknown subject name strategy %q", v)
			}
			return nil
		})
		return k
	}
	idKey := func(name, def, doc string, names ...string) connect.ConfigKey {
		return connect.ConfigKey{Name: name, Type: connect.ConfigString, Default: def, Importance: connect.Low,
			Validator: classValidator(names...), Doc: doc}
	}
	return connect.NewConfigDef().
		Define(connect.ConfigKey{Name: SchemaRegistryURLConfig, Type: connect.ConfigList, Importance: connect.High,
			Doc: "Comma-separated list of URLs for Schema Registry instances, tried in turn."}).
		Define(connect.ConfigKey{Name: BasicAuthCredentialsSource, Type: connect.ConfigString, Default: "URL", Importance: connect.Medium,
			Validator: connect.OneOf("URL", "USER_INFO", "SASL_INHERIT"),
			Doc:       "Where the basic auth credentials come from: URL (the user info of the URL), USER_INFO (basic.auth.user.info) or SASL_INHERIT (the worker's SASL/PLAIN credentials, given as sasl.jaas.config)."}).
		Define(connect.ConfigKey{Name: BasicAuthUserInfoConfig, Type: connect.ConfigPassword, Default: "", Importance: connect.Medium,
			Doc: "The basic auth credentials, user:password, with basic.auth.credentials.source=USER_INFO."}).
		Define(connect.ConfigKey{Name: "schema.registry.basic.auth.user.info", Type: connect.ConfigPassword, Default: "", Importance: connect.Medium,
			Doc: "Deprecated name of basic.auth.user.info."}).
		Define(connect.ConfigKey{Name: "sasl.jaas.config", Type: connect.ConfigPassword, Default: "", Importance: connect.Low,
			Doc: "The SASL/PLAIN login module configuration whose username and password SASL_INHERIT uses."}).
		Define(s(BearerAuthCredentialsSource, "STATIC_TOKEN", "Where the bearer token comes from; only STATIC_TOKEN (bearer.auth.token) is supported.")).
		Define(connect.ConfigKey{Name: BearerAuthTokenConfig, Type: connect.ConfigPassword, Default: "", Importance: connect.Medium,
			Doc: "A static bearer token sent to the registry."}).
		Define(b(AutoRegisterSchemasConfig, true, "Register the schema of a written value when the registry does not have it.")).
		Define(b(UseLatestVersionConfig, false, "Write with, and read into, the subject's latest registered schema.")).
		Define(b(LatestCompatibilityStrictConfig, true, "With use.latest.version, refuse a value whose schema the latest is not backward compatible with.")).
		Define(b(NormalizeSchemasConfig, false, "Ask the registry to normalize schemas when registering and looking them up.")).
		Define(idKey(KeySchemaIDSerializerConfig, PrefixSchemaIDSerializer, "Where the key's schema id goes: before the payload (PrefixSchemaIdSerializer) or, as a GUID, in the __key_schema_id header (HeaderSchemaIdSerializer).", PrefixSchemaIDSerializer, HeaderSchemaIDSerializer)).
		Define(idKey(ValueSchemaIDSerializerConfig, PrefixSchemaIDSerializer, "Where the value's schema id goes: before the payload (PrefixSchemaIdSerializer) or, as a GUID, in the __value_schema_id header (HeaderSchemaIdSerializer).", PrefixSchemaIDSerializer, HeaderSchemaIDSerializer)).
		Define(idKey(KeySchemaIDDeserializerConfig, DualSchemaIDDeserializer, "Where the key's schema id is read from: the __key_schema_id header if there is one, else the payload (DualSchemaIdDeserializer), or the payload only (PrefixSchemaIdDeserializer).", DualSchemaIDDeserializer, PrefixSchemaIDDeserializer)).
		Define(idKey(ValueSchemaIDDeserializerConfig, DualSchemaIDDeserializer, "Where the value's schema id is read from: the __value_schema_id header if there is one, else the payload (DualSchemaIdDeserializer), or the payload only (PrefixSchemaIdDeserializer).", DualSchemaIDDeserializer, PrefixSchemaIDDeserializer)).
		Define(strat(KeySubjectNameStrategyConfig)).
		Define(strat(ValueSubjectNameStrategyConfig)).
		Define(i(SchemasCacheConfig, 1000, "The number of Connect schemas whose Avro schema is cached.")).
		Define(i(MaxSchemasPerSubjectConfig, 1000, "The number of registry answers cached.")).
		Define(b(ConnectMetaDataConfig, true, "Write and read Connect's names, versions, docs, parameters and defaults as connect.* properties.")).
		Define(b(EnhancedAvroSchemaSupportConfig, false, "Keep Avro enums and their names.")).
		Define(b(ScrubInvalidNamesConfig, false, "Replace characters Avro names may not hold.")).
		Define(i(MaxRetriesConfig, 3, "How many times a registry request is retried after a transient failure.")).
		Define(i(RetriesWaitMsConfig, 1000, "The wait before the first retry, doubled after each.")).
		Define(i(RetriesMaxWaitMsConfig, 20000, "The longest wait between retries.")).
		Define(i(HTTPReadTimeoutMsConfig, 60000, "How long a registry request may take.")).
		Define(connect.ConfigKey{Name: LatestCacheTTLSecConfig, Type: connect.ConfigInt, Default: -1, Importance: connect.Low,
			Doc: "How long the latest version of a subject is cached, in seconds; -1 for ever."}).
		Define(s(SSLTruststoreLocationConfig, "", "PEM file of the certificates that sign the registry's certificate.")).
		Define(s(SSLTruststoreTypeConfig, "PEM", "The trust store's format; only PEM is supported.")).
		Define(s(SSLKeystoreLocationConfig, "", "PEM file of the client certificate (and key, unless schema.registry.ssl.key.location is set).")).
		Define(s(SSLKeystoreTypeConfig, "PEM", "The key store's format; only PEM is supported.")).
		Define(s(SSLKeyLocationConfig, "", "PEM file of the client certificate's private key.")).
		Define(connect.ConfigKey{Name: SSLKeyPasswordConfig, Type: connect.ConfigPassword, Default: "", Importance: connect.Low,
			Doc: "Password of an encrypted private key; encrypted PEM keys are not supported."}).
		Define(s(SSLEndpointIdentificationConfig, "https", "https checks the registry's host name against its certificate; empty does not."))
}

// Converter is Confluent's AvroConverter. It is safe for concurrent use;
// Close releases its registry connections.
type Converter struct {
	isKey     bool
	headerIDs bool // write the GUID in a header (HeaderIDConverter)
	prefixIDs bool // read the id from the payload only
	data      dataConfig
	reg       *registry
	register  bool
	useLatest bool
	strict    bool
	normalize bool
	strategy  string

	mu        sync.RWMutex
	toAvro    map[*connect.Schema]*writeSchema
	fromAvro  map[readKey]*readSchema
	cacheSize int
}

type writeSchema struct {
	text     string
	parsed   hamba.Schema
	subjects sync.Map // topic -> subject, so a record does not build its subject's name
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
	urls := cfg.List(SchemaRegistryURLConfig)
	if len(urls) == 0 {
		return nil, fmt.Errorf("avro: %s is required", SchemaRegistryURLConfig)
	}
	var opts []sr.ClientOpt
	var urlUser *url.Userinfo
	clean := make([]string, len(urls))
	for i, u := range urls {
		p, err := url.Parse(strings.TrimSpace(u))
		if err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
			// The URL may hold credentials: name the key, not the value.
			return nil, fmt.Errorf("avro: %s: entry %d is not an http or https URL", SchemaRegistryURLConfig, i+1)
		}
		if p.User != nil && urlUser == nil {
			urlUser = p.User
		}
		// Credentials are sent as a header, never kept in a URL that the
		// client puts in its errors.
		p.User = nil
		clean[i] = p.String()
	}
	opts = append(opts, sr.URLs(clean...))
	switch cfg.String(BasicAuthCredentialsSource) {
	case "URL":
		if urlUser != nil {
			pass, _ := urlUser.Password()
			opts = append(opts, sr.BasicAuth(urlUser.Username(), pass))
		}
	case "USER_INFO":
		info := cfg.Password(BasicAuthUserInfoConfig).Value()
		if info == "" {
			info = cfg.Password("schema.registry.basic.auth.user.info").Value()
		}
		user, pass, ok := strings.Cut(info, ":")
		if !ok {
			return nil, fmt.Errorf("avro: %s must be user:password", BasicAuthUserInfoConfig)
		}
		opts = append(opts, sr.BasicAuth(user, pass))
	case "SASL_INHERIT":
		user, pass, ok := plainJAAS(cfg.Password("sasl.jaas.config").Value())
		if !ok {
			return nil, fmt.Errorf("avro: %s=SASL_INHERIT needs sasl.jaas.config with a username and password", BasicAuthCredentialsSource)
		}
		opts = append(opts, sr.BasicAuth(user, pass))
	}
	if tok := cfg.Password(BearerAuthTokenConfig).Value(); tok != "" {
		if cfg.String(BearerAuthCredentialsSource) != "STATIC_TOKEN" {
			return nil, fmt.Errorf("avro: %s: only STATIC_TOKEN is supported", BearerAuthCredentialsSource)
		}
		opts = append(opts, sr.BearerToken(tok))
	}
	tlsCfg, err := tlsConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("avro: %w", err)
	}
	timeout := time.Duration(cfg.Int(HTTPReadTimeoutMsConfig)) * time.Millisecond
	hc := &http.Client{Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, TLSClientConfig: tlsCfg, MaxIdleConnsPerHost: 4,
	}, Timeout: timeout}
	opts = append(opts, sr.HTTPClient(hc))
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("avro: %w", err)
	}
	stratKey, serKey, deserKey := ValueSubjectNameStrategyConfig, ValueSchemaIDSerializerConfig, ValueSchemaIDDeserializerConfig
	if isKey {
		stratKey, serKey, deserKey = KeySubjectNameStrategyConfig, KeySchemaIDSerializerConfig, KeySchemaIDDeserializerConfig
	}
	ser, _ := className(cfg.String(serKey), PrefixSchemaIDSerializer, HeaderSchemaIDSerializer)
	deser, _ := className(cfg.String(deserKey), DualSchemaIDDeserializer, PrefixSchemaIDDeserializer)
	strat, _ := strategy(cfg.String(stratKey))
	c := &Converter{
		isKey: isKey, headerIDs: ser == HeaderSchemaIDSerializer, prefixIDs: deser == PrefixSchemaIDDeserializer,
		data: dataConfig{connectMetaData: cfg.Bool(ConnectMetaDataConfig), enhanced: cfg.Bool(EnhancedAvroSchemaSupportConfig),
			scrub: cfg.Bool(ScrubInvalidNamesConfig)},
		reg: &registry{cl: cl, http: hc, ttl: time.Duration(cfg.Int(LatestCacheTTLSecConfig)) * time.Second, retries: cfg.Int(MaxRetriesConfig), wait: time.Duration(cfg.Int(RetriesWaitMsConfig)) * time.Millisecond,
			maxWait: time.Duration(cfg.Int(RetriesMaxWaitMsConfig)) * time.Millisecond, timeout: timeout,
			maxCache: max(cfg.Int(MaxSchemasPerSubjectConfig), 1),
			byID:     map[int]sr.Schema{}, ids: map[subjectSchema]int{}, latest: map[string]latestEntry{},
			vers: map[subjectSchema]int{}, guids: map[string]int{}, byText: map[subjectSchema]string{}},
		register: cfg.Bool(AutoRegisterSchemasConfig), useLatest: cfg.Bool(UseLatestVersionConfig),
		strict: cfg.Bool(LatestCompatibilityStrictConfig), normalize: cfg.Bool(NormalizeSchemasConfig),
		strategy: strat, toAvro: map[*connect.Schema]*writeSchema{}, fromAvro: map[readKey]*readSchema{},
		cacheSize: max(cfg.Int(SchemasCacheConfig), 1),
	}
	if c.reg.timeout <= 0 {
		c.reg.timeout = time.Minute
	}
	return c, nil
}

// plainJAAS reads username and password from a PlainLoginModule line.
func plainJAAS(jaas string) (user, pass string, ok bool) {
	get := func(k string) (string, bool) {
		i := strings.Index(jaas, k+"=")
		if i < 0 {
			return "", false
		}
		rest := strings.TrimLeft(jaas[i+len(k)+1:], " ")
		if !strings.HasPrefix(rest, `"`) {
			return "", false
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return "", false
		}
		return rest[1 : 1+end], true
	}
	user, ok1 := get("username")
	pass, ok2 := get("password")
	return user, pass, ok1 && ok2
}

func tlsConfig(cfg *connect.Config) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.String(SSLEndpointIdentificationConfig) == "" {
		// Kafka's empty endpoint identification algorithm: the chain is
		// still checked, the host name is not.
		c.InsecureSkipVerify = true
	}
	if t := cfg.String(SSLTruststoreTypeConfig); t != "PEM" {
		return nil, fmt.Errorf("%s: only PEM is supported, not %s", SSLTruststoreTypeConfig, t)
	}
	if t := cfg.String(SSLKeystoreTypeConfig); t != "PEM" {
		return nil, fmt.Errorf("%s: only PEM is supported, not %s", SSLKeystoreTypeConfig, t)
	}
	if loc := cfg.String(SSLTruststoreLocationConfig); loc != "" {
		pem, err := os.ReadFile(loc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", SSLTruststoreLocationConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no certificate in %s", SSLTruststoreLocationConfig, loc)
		}
		c.RootCAs = pool
	}
	if c.InsecureSkipVerify {
		roots := c.RootCAs
		c.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			certs := make([]*x509.Certificate, len(raw))
			for i, r := range raw {
				cert, err := x509.ParseCertificate(r)
				if err != nil {
					return err
				}
				certs[i] = cert
			}
			if len(certs) == 0 {
				return errors.New("no certificate from the registry")
			}
			inter := x509.NewCertPool()
			for _, ic := range certs[1:] {
				inter.AddCert(ic)
			}
			_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	}
	if loc := cfg.String(SSLKeystoreLocationConfig); loc != "" {
		keyLoc := cfg.String(SSLKeyLocationConfig)
		if keyLoc == "" {
			keyLoc = loc
		}
		if cfg.Password(SSLKeyPasswordConfig).Value() != "" {
			return nil, fmt.Errorf("%s: encrypted private keys are not supported", SSLKeyPasswordConfig)
		}
		cert, err := tls.LoadX509KeyPair(loc, keyLoc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", SSLKeystoreLocationConfig, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
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
			if c.headerIDs {
				return HeaderIDConverter{c}, nil
			}
			return c, nil
		},
	}
}

// Close releases the registry client's idle connections.
func (c *Converter) Close() error {
	c.reg.http.CloseIdleConnections()
	return nil
}

func dataErr(topic string, err error) error {
	if connect.IsRetriable(err) {
		return fmt.Errorf("avro: topic %s: %w", topic, err)
	}
	var de *connect.DataError
	if errors.As(err, &de) {
		c := *de
		c.Err = fmt.Errorf("topic %s: %w", topic, de.Err)
		return &c
	}
	return &connect.DataError{Err: fmt.Errorf("topic %s: %w", topic, err)}
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
	suffix := "-value"
	if c.isKey {
		suffix = "-key"
	}
	name := string(ws.Type())
	if n, ok := ws.(hamba.NamedSchema); ok {
		name = n.FullName()
	}
	switch c.strategy {
	case RecordNameStrategy:
		return name
	case TopicRecordNameStrategy:
		return topic + "-" + name
	}
	return topic + suffix
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

// write appends value's Avro encoding to dst and returns its schema's id,
// and with guid its GUID.
func (c *Converter) write(dst []byte, topic string, schema *connect.Schema, value any, guid bool) (out []byte, id int, g string, err error) {
	if schema == nil {
		return nil, 0, "", dataErr(topic, errors.New("a value without a schema cannot be written as Avro"))
	}
	ws, err := c.writeSchemaOf(schema)
	if err != nil {
		return nil, 0, "", dataErr(topic, err)
	}
	subject := c.writeSubject(topic, ws)
	target := schema
	if c.useLatest {
		latest, err := c.reg.latestVersion(subject)
		if err != nil {
			return nil, 0, "", dataErr(topic, fmt.Errorf("subject %s: %w", subject, err))
		}
		rs, err := c.readSchemaOf(latest.ID, latest.Version)
		if err != nil {
			return nil, 0, "", dataErr(topic, err)
		}
		if c.strict {
			if err := hamba.NewSchemaCompatibility().Compatible(rs.parsed, ws.parsed); err != nil {
				return nil, 0, "", dataErr(topic, fmt.Errorf("latest schema of subject %s (id %d) is not backward compatible with the value's schema: %w", subject, latest.ID, err))
			}
		}
		id, g, target = latest.ID, latest.GUID, rs.schema
	} else {
		id, err = c.reg.id(subject, ws.text, c.register, c.normalize)
		if err != nil {
			if notFound(err) {
				return nil, 0, "", dataErr(topic, fmt.Errorf("schema not found in subject %s and auto.register.schemas is false: %w", subject, err))
			}
			return nil, 0, "", dataErr(topic, fmt.Errorf("subject %s: %w", subject, err))
		}
	}
	if guid && g == "" {
		text := ws.text
		if c.useLatest {
			latest, _ := c.reg.schemaByID(id)
			text = latest.Schema
		}
		if g, err = c.reg.guid(subject, text); err != nil {
			return nil, 0, "", dataErr(topic, fmt.Errorf("GUID of schema id %d in subject %s: %w", id, subject, err))
		}
		if g == "" {
			return nil, 0, "", dataErr(topic, fmt.Errorf("the registry gives schema id %d in subject %s no GUID", id, subject))
		}
	}
	e := encoder{d: c.data}
	out, err = e.value(dst, target, connect.AnyValue(value))
	if err != nil {
		return nil, 0, "", dataErr(topic, err)
	}
	return out, id, g, nil
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
	out, _, g, err := c.write(dst, topic, schema, value, true)
	if err != nil {
		return nil, err
	}
	hv, err := guidBytes(g)
	if err != nil {
		return nil, dataErr(topic, err)
	}
	name := c.idHeader()
	for i := len(*headers) - 1; i >= 0; i-- {
		if (*headers)[i].Key == name {
			if string((*headers)[i].Value) == string(hv) {
				return converter.NonNil(out), nil
			}
			break
		}
	}
	*headers = append(*headers, converter.KafkaHeader{Key: name, Value: hv})
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

func (c *Converter) idHeader() string {
	if c.isKey {
		return KeySchemaIDHeader
	}
	return ValueSchemaIDHeader
}

// guidBytes is a GUID's header form: a one byte, then its 16 bytes.
func guidBytes(g string) ([]byte, error) {
	h := strings.ReplaceAll(g, "-", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 {
		return nil, fmt.Errorf("schema GUID %q is not a UUID", g)
	}
	return append([]byte{1}, b...), nil
}

// ToConnect reads Confluent's wire format. The value may alias data. The
// Connect schema's version is the writer schema's version in its subject
// where the schema has no connect.version, as with Confluent's converter.
func (c *Converter) ToConnect(topic string, _ connect.Headers, data []byte) (*connect.Schema, any, error) {
	if data == nil {
		return nil, nil, nil
	}
	if len(data) < 5 {
		return nil, nil, dataErr(topic, fmt.Errorf("%d bytes are too short for the Avro wire format's magic byte and schema id", len(data)))
	}
	if data[0] != 0 {
		return nil, nil, dataErr(topic, fmt.Errorf("unknown magic byte %d: the data is not in Confluent's Avro wire format", data[0]))
	}
	return c.decode(topic, int(binary.BigEndian.Uint32(data[1:5])), data[5:])
}

// Header names of Confluent's schema ids in headers.
const (
	KeySchemaIDHeader   = "__key_schema_id"
	ValueSchemaIDHeader = "__value_schema_id"
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
	if c.prefixIDs {
		return c.ToConnect(topic, connect.Headers{}, data)
	}
	name := c.idHeader()
	var h []byte
	for i := len(headers) - 1; i >= 0; i-- {
		if headers[i].Key == name {
			h = headers[i].Value
			break
		}
	}
	if h == nil {
		return c.ToConnect(topic, connect.Headers{}, data)
	}
	switch {
	case len(h) >= 5 && h[0] == 0:
		return c.decode(topic, int(binary.BigEndian.Uint32(h[1:5])), data)
	case len(h) >= 17 && h[0] == 1:
		guid := formatGUID(h[1:17])
		id, err := c.reg.idByGUID(guid)
		if err != nil {
			if notFound(err) {
				return nil, nil, dataErr(topic, fmt.Errorf("header %s: unknown schema GUID %s: %w", name, guid, err))
			}
			return nil, nil, dataErr(topic, fmt.Errorf("header %s: schema GUID %s: %w", name, guid, err))
		}
		return c.decode(topic, id, data)
	}
	return nil, nil, dataErr(topic, fmt.Errorf("header %s holds neither a schema id nor a GUID", name))
}

func formatGUID(b []byte) string {
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexd[x>>4], hexd[x&15])
	}
	return string(out)
}

func (c *Converter) decode(topic string, id int, payload []byte) (*connect.Schema, any, error) {
	rs, err := c.decoderOf(topic, id)
	if err != nil {
		return nil, nil, err
	}
	r := reader{b: payload}
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
	if notFound(err) {
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
	s, err := c.reg.schemaByID(id)
	if err != nil {
		return nil, err
	}
	parsed, err := hamba.ParseWithCache(s.Schema, "", &hamba.SchemaCache{})
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
	k := readKey{id: id, topic: topic}
	c.mu.RLock()
	rs, ok := c.fromAvro[k]
	c.mu.RUnlock()
	if ok && !c.useLatest {
		return rs, nil
	}
	var subject string
	if ok {
		subject = rs.subject
	}
	readerID := id
	if c.useLatest && ok {
		latest, err := c.reg.latestVersion(subject)
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
	text, _ := c.reg.schemaByID(id)
	version, err := c.reg.version(subject, text.Schema)
	if err != nil {
		if notFound(err) {
			return nil, dataErr(topic, fmt.Errorf("schema id %d is not registered in subject %s, so it has no version there: %w", id, subject, err))
		}
		return nil, dataErr(topic, fmt.Errorf("version of schema id %d in subject %s: %w", id, subject, err))
	}
	if c.useLatest {
		latest, err := c.reg.latestVersion(subject)
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
	rs = &readSchema{subject: subject, readerID: readerID, schema: r.schema, dec: dec}
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
