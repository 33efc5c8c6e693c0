package schemaregistry

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
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

// ClassName returns the full class name among names that s is, by its full
// or short name.
func ClassName(s string, names ...string) (string, bool) {
	for _, full := range names {
		if s == full || s == full[strings.LastIndexByte(full, '.')+1:] {
			return full, true
		}
	}
	return "", false
}

func classValidator(names ...string) connect.Validator {
	return connect.ValidatorFunc(func(v any) error {
		if _, ok := ClassName(v.(string), names...); !ok {
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

// Strategy returns the full class name of a subject name strategy named
// by its full or short name.
func Strategy(s string) (string, bool) {
	return ClassName(s, TopicNameStrategy, RecordNameStrategy, TopicRecordNameStrategy)
}

// Define adds the keys Confluent's schema registry converters share to
// def, and returns def.
func Define(def *connect.ConfigDef) *connect.ConfigDef {
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
			if _, ok := Strategy(v.(string)); !ok {
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
	return def.
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
		Define(b(UseLatestVersionConfig, false, "Read into the subject's latest registered schema, and, with auto.register.schemas=false, write with it.")).
		Define(b(LatestCompatibilityStrictConfig, true, "With use.latest.version, refuse a value whose schema the latest is not backward compatible with.")).
		Define(b(NormalizeSchemasConfig, false, "Ask the registry to normalize schemas when registering and looking them up.")).
		Define(idKey(KeySchemaIDSerializerConfig, PrefixSchemaIDSerializer, "Where the key's schema id goes: before the payload (PrefixSchemaIdSerializer) or, as a GUID, in the __key_schema_id header (HeaderSchemaIdSerializer).", PrefixSchemaIDSerializer, HeaderSchemaIDSerializer)).
		Define(idKey(ValueSchemaIDSerializerConfig, PrefixSchemaIDSerializer, "Where the value's schema id goes: before the payload (PrefixSchemaIdSerializer) or, as a GUID, in the __value_schema_id header (HeaderSchemaIdSerializer).", PrefixSchemaIDSerializer, HeaderSchemaIDSerializer)).
		Define(idKey(KeySchemaIDDeserializerConfig, DualSchemaIDDeserializer, "Where the key's schema id is read from: the __key_schema_id header if there is one, else the payload (DualSchemaIdDeserializer), or the payload only (PrefixSchemaIdDeserializer).", DualSchemaIDDeserializer, PrefixSchemaIDDeserializer)).
		Define(idKey(ValueSchemaIDDeserializerConfig, DualSchemaIDDeserializer, "Where the value's schema id is read from: the __value_schema_id header if there is one, else the payload (DualSchemaIdDeserializer), or the payload only (PrefixSchemaIdDeserializer).", DualSchemaIDDeserializer, PrefixSchemaIDDeserializer)).
		Define(strat(KeySubjectNameStrategyConfig)).
		Define(strat(ValueSubjectNameStrategyConfig)).
		Define(i(MaxSchemasPerSubjectConfig, 1000, "The number of registry answers cached.")).
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

// Settings are the parsed keys that say how a converter uses the registry.
type Settings struct {
	IsKey     bool   // converts keys: the subject ends in -key, the id header is __key_schema_id
	HeaderIDs bool   // write the id as a GUID in a header (HeaderSchemaIdSerializer)
	PrefixIDs bool   // read the id from the payload only (PrefixSchemaIdDeserializer)
	Register  bool   // auto.register.schemas
	UseLatest bool   // use.latest.version (for writing, see WritesLatest)
	Strict    bool   // latest.compatibility.strict
	Normalize bool   // normalize.schemas
	Strategy  string // the subject name strategy's full class name
}

// New returns a registry client for schemas of typ, and the settings, from
// a configuration parsed with a ConfigDef that Define filled. The error
// names the key at fault and never holds a credential or a URL.
func New(cfg *connect.Config, typ sr.SchemaType, isKey bool) (*Client, Settings, error) {
	urls := cfg.List(SchemaRegistryURLConfig)
	if len(urls) == 0 {
		return nil, Settings{}, fmt.Errorf("%s is required", SchemaRegistryURLConfig)
	}
	var opts []sr.ClientOpt
	var urlUser *url.Userinfo
	clean := make([]string, len(urls))
	for i, u := range urls {
		p, err := url.Parse(strings.TrimSpace(u))
		if err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
			// The URL may hold credentials: name the key, not the value.
			return nil, Settings{}, fmt.Errorf("%s: entry %d is not an http or https URL", SchemaRegistryURLConfig, i+1)
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
			return nil, Settings{}, fmt.Errorf("%s must be user:password", BasicAuthUserInfoConfig)
		}
		opts = append(opts, sr.BasicAuth(user, pass))
	case "SASL_INHERIT":
		user, pass, ok := plainJAAS(cfg.Password("sasl.jaas.config").Value())
		if !ok {
			return nil, Settings{}, fmt.Errorf("%s=SASL_INHERIT needs sasl.jaas.config with a username and password", BasicAuthCredentialsSource)
		}
		opts = append(opts, sr.BasicAuth(user, pass))
	}
	if tok := cfg.Password(BearerAuthTokenConfig).Value(); tok != "" {
		if cfg.String(BearerAuthCredentialsSource) != "STATIC_TOKEN" {
			return nil, Settings{}, fmt.Errorf("%s: only STATIC_TOKEN is supported", BearerAuthCredentialsSource)
		}
		opts = append(opts, sr.BearerToken(tok))
	}
	tlsCfg, err := tlsConfig(cfg)
	if err != nil {
		return nil, Settings{}, err
	}
	timeout := time.Duration(cfg.Int(HTTPReadTimeoutMsConfig)) * time.Millisecond
	hc := &http.Client{Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, TLSClientConfig: tlsCfg, MaxIdleConnsPerHost: 4,
	}, Timeout: timeout}
	opts = append(opts, sr.HTTPClient(hc))
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, Settings{}, err
	}
	stratKey, serKey, deserKey := ValueSubjectNameStrategyConfig, ValueSchemaIDSerializerConfig, ValueSchemaIDDeserializerConfig
	if isKey {
		stratKey, serKey, deserKey = KeySubjectNameStrategyConfig, KeySchemaIDSerializerConfig, KeySchemaIDDeserializerConfig
	}
	ser, _ := ClassName(cfg.String(serKey), PrefixSchemaIDSerializer, HeaderSchemaIDSerializer)
	deser, _ := ClassName(cfg.String(deserKey), DualSchemaIDDeserializer, PrefixSchemaIDDeserializer)
	strat, _ := Strategy(cfg.String(stratKey))
	s := Settings{IsKey: isKey, HeaderIDs: ser == HeaderSchemaIDSerializer, PrefixIDs: deser == PrefixSchemaIDDeserializer,
		Register: cfg.Bool(AutoRegisterSchemasConfig), UseLatest: cfg.Bool(UseLatestVersionConfig),
		Strict: cfg.Bool(LatestCompatibilityStrictConfig), Normalize: cfg.Bool(NormalizeSchemasConfig), Strategy: strat}
	r := &Client{cl: cl, http: hc, typ: typ, ttl: time.Duration(cfg.Int(LatestCacheTTLSecConfig)) * time.Second, retries: cfg.Int(MaxRetriesConfig), wait: time.Duration(cfg.Int(RetriesWaitMsConfig)) * time.Millisecond,
		maxWait: time.Duration(cfg.Int(RetriesMaxWaitMsConfig)) * time.Millisecond, timeout: timeout,
		maxCache: max(cfg.Int(MaxSchemasPerSubjectConfig), 1),
		byID:     map[int]sr.Schema{}, ids: map[subjectSchema]int{}, latest: map[string]latestEntry{},
		vers: map[subjectSchema]int{}, guids: map[string]int{}, byText: map[subjectSchema]string{},
		byVer: map[subjectVersion]sr.SubjectSchema{}, guidHdr: map[string][]byte{}}
	if r.timeout <= 0 {
		r.timeout = time.Minute
	}
	return r, s, nil
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

// WritesLatest tells whether values are written with their subject's
// latest schema: use.latest.version, which Confluent's serializers heed
// only with auto.register.schemas=false, registering coming first.
// Reading, use.latest.version alone says whether records are read with
// the latest schema.
func (s Settings) WritesLatest() bool { return s.UseLatest && !s.Register }

// Subject names the subject of a schema called name (a record's full
// name) written to topic, by the strategy s.Strategy.
func (s Settings) Subject(topic, name string) string {
	switch s.Strategy {
	case RecordNameStrategy:
		return name
	case TopicRecordNameStrategy:
		return topic + "-" + name
	}
	if s.IsKey {
		return topic + "-key"
	}
	return topic + "-value"
}

// Header names of Confluent's schema ids in headers.
const (
	KeySchemaIDHeader   = "__key_schema_id"
	ValueSchemaIDHeader = "__value_schema_id"
)

// IDHeader is the name of the header that holds the schema id.
func (s Settings) IDHeader() string {
	if s.IsKey {
		return KeySchemaIDHeader
	}
	return ValueSchemaIDHeader
}

// GUIDBytes is a GUID's header form: a one byte, then its 16 bytes.
func GUIDBytes(g string) ([]byte, error) {
	h := strings.ReplaceAll(g, "-", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 {
		return nil, fmt.Errorf("schema GUID %q is not a UUID", g)
	}
	return append([]byte{1}, b...), nil
}

// FormatGUID writes 16 bytes as a UUID.
func FormatGUID(b []byte) string {
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

// AddIDHeader appends the GUID header hv named name unless the last header
// of that name already holds it.
func AddIDHeader(headers *[]converter.KafkaHeader, name string, hv []byte) {
	for i := len(*headers) - 1; i >= 0; i-- {
		if (*headers)[i].Key == name {
			if string((*headers)[i].Value) == string(hv) {
				return
			}
			break
		}
	}
	*headers = append(*headers, converter.KafkaHeader{Key: name, Value: hv})
}

// HeaderID reads the schema id from the last header called name, as
// Confluent's DualSchemaIdDeserializer does: a zero byte and a 4-byte id,
// or a one byte and a 16-byte GUID, looked up. found is false without
// such a header; then the payload starts with the id.
func (r *Client) HeaderID(headers []converter.KafkaHeader, name string) (id int, found bool, err error) {
	var h []byte
	for i := len(headers) - 1; i >= 0; i-- {
		if headers[i].Key == name {
			h = headers[i].Value
			break
		}
	}
	if h == nil {
		return 0, false, nil
	}
	switch {
	case len(h) >= 5 && h[0] == 0:
		return int(binary.BigEndian.Uint32(h[1:5])), true, nil
	case len(h) >= 17 && h[0] == 1:
		guid := FormatGUID(h[1:17])
		id, err := r.IDByGUID(guid)
		if err != nil {
			if NotFound(err) {
				return 0, true, &connect.DataError{Err: fmt.Errorf("header %s: unknown schema GUID %s: %w", name, guid, err)}
			}
			return 0, true, fmt.Errorf("header %s: schema GUID %s: %w", name, guid, err)
		}
		return id, true, nil
	}
	return 0, true, &connect.DataError{Err: fmt.Errorf("header %s holds neither a schema id nor a GUID", name)}
}

// TopicError names the converter (as its package, "avro") and the topic
// in err. A retriable error stays one, wrapped; a *connect.DataError keeps
// its path; any other error becomes a *connect.DataError, as bytes or
// values a converter cannot handle are the record's fault.
func TopicError(converter, topic string, err error) error {
	if connect.IsRetriable(err) {
		return fmt.Errorf("%s: topic %s: %w", converter, topic, err)
	}
	var de *connect.DataError
	if errors.As(err, &de) {
		c := *de
		c.Err = fmt.Errorf("%s: topic %s: %w", converter, topic, de.Err)
		return &c
	}
	return &connect.DataError{Err: fmt.Errorf("%s: topic %s: %w", converter, topic, err)}
}

// SplitWire reads Confluent's wire header, the magic byte 0 and the
// schema id in 4 bytes big-endian, and returns the id and the payload
// after it. format names the payload's format in errors ("Avro"), or is
// empty.
func SplitWire(format string, data []byte) (int, []byte, error) {
	if len(data) < 5 {
		return 0, nil, fmt.Errorf("%d bytes are too short for the %s's magic byte and schema id", len(data), wireName(format))
	}
	if data[0] != 0 {
		return 0, nil, fmt.Errorf("unknown magic byte %d: the data is not in Confluent's %s", data[0], wireName(format))
	}
	return int(binary.BigEndian.Uint32(data[1:5])), data[5:], nil
}

// wireName names the wire format in an error; built only then, since
// every record read goes through SplitWire.
func wireName(format string) string {
	if format == "" {
		return "wire format"
	}
	return format + " wire format"
}
