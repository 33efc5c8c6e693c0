package elasticsearch

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// The configuration keys, Confluent's ElasticsearchSinkConnector's.
const (
	ConnectionURLConfig           = "connection.url"
	ConnectionUsernameConfig      = "connection.username"
	ConnectionPasswordConfig      = "connection.password"
	BatchSizeConfig               = "batch.size"
	BulkSizeBytesConfig           = "bulk.size.bytes"
	MaxInFlightRequestsConfig     = "max.in.flight.requests"
	MaxBufferedRecordsConfig      = "max.buffered.records"
	LingerMsConfig                = "linger.ms"
	FlushTimeoutMsConfig          = "flush.timeout.ms"
	FlushSynchronouslyConfig      = "flush.synchronously"
	MaxRetriesConfig              = "max.retries"
	RetryBackoffMsConfig          = "retry.backoff.ms"
	ConnectionTimeoutMsConfig     = "connection.timeout.ms"
	ReadTimeoutMsConfig           = "read.timeout.ms"
	KeyIgnoreConfig               = "key.ignore"
	SchemaIgnoreConfig            = "schema.ignore"
	TopicKeyIgnoreConfig          = "topic.key.ignore"
	TopicSchemaIgnoreConfig       = "topic.schema.ignore"
	CompactMapEntriesConfig       = "compact.map.entries"
	BehaviorOnNullValuesConfig    = "behavior.on.null.values"
	BehaviorOnMalformedDocsConfig = "behavior.on.malformed.documents"
	WriteMethodConfig             = "write.method"
	DataStreamTypeConfig          = "data.stream.type"
	DataStreamDatasetConfig       = "data.stream.dataset"
	DataStreamNamespaceConfig     = "data.stream.namespace"
	DataStreamTimestampConfig     = "data.stream.timestamp.field"
)

var configDef = defineTLS(connect.NewConfigDef().
	Define(connect.ConfigKey{Name: ConnectionURLConfig, Type: connect.ConfigList, Required: true, Importance: connect.High,
		// Checked in parseSettings, not by a Validator: ConfigDef's message
		// repeats the value, credentials and all.
		Group: "Connector", OrderInGroup: 1,
		Doc: "The comma-separated list of one or more Elasticsearch (or OpenSearch) URLs, such as " +
			"http://eshost1:9200,http://eshost2:9200. Requests go to them in turn; a server that cannot be " +
			"reached is skipped until the next attempt. Credentials in a URL are used as connection.username " +
			"and connection.password and never shown."}).
	Define(connect.ConfigKey{Name: ConnectionUsernameConfig, Type: connect.ConfigString, Importance: connect.Medium,
		Group: "Connector", OrderInGroup: 2,
		Doc: "The username used to authenticate with Elasticsearch. The default is the null, and authentication " +
			"will only be performed if both the username and password are non-null."}).
	Define(connect.ConfigKey{Name: ConnectionPasswordConfig, Type: connect.ConfigPassword, Importance: connect.Medium,
		Group: "Connector", OrderInGroup: 3,
		Doc: "The password used to authenticate with Elasticsearch. The default is the null, and authentication " +
			"will only be performed if both the username and password are non-null."}).
	Define(connect.ConfigKey{Name: BatchSizeConfig, Type: connect.ConfigInt, Default: 2000, Importance: connect.Medium,
		Validator: connect.Range(1, 1000000), Group: "Connector", OrderInGroup: 4,
		Doc: "The number of records to process as a batch when writing to Elasticsearch."}).
	Define(connect.ConfigKey{Name: BulkSizeBytesConfig, Type: connect.ConfigLong, Default: int64(5 * 1024 * 1024), Importance: connect.Low,
		Validator: connect.AtLeast(-1), Group: "Connector", OrderInGroup: 5,
		Doc: "The maximum size (in bytes) to be processed as a batch when writing records to Elasticsearch. " +
			"Setting to '-1' will disable this configuration. If the condition set by 'batch.size' is met first, " +
			"it will be used instead."}).
	Define(connect.ConfigKey{Name: MaxInFlightRequestsConfig, Type: connect.ConfigInt, Default: 5, Importance: connect.Medium,
		Validator: connect.Range(1, 1000), Group: "Connector", OrderInGroup: 6,
		Doc: "The maximum number of indexing requests that can be in-flight to Elasticsearch before blocking further requests."}).
	Define(connect.ConfigKey{Name: MaxBufferedRecordsConfig, Type: connect.ConfigInt, Default: 20000, Importance: connect.Low,
		Validator: connect.Range(1, 2147483647), Group: "Connector", OrderInGroup: 7,
		Doc: "The maximum number of records each task will buffer before blocking acceptance of more records. " +
			"This config can be used to limit the memory usage for each task."}).
	Define(connect.ConfigKey{Name: LingerMsConfig, Type: connect.ConfigLong, Default: int64(1), Importance: connect.Low,
		Validator: connect.Range(int64(0), int64(7*24*3600*1000)), Group: "Connector", OrderInGroup: 8,
		Doc: "Linger time in milliseconds for batching. Records that arrive in between request transmissions are " +
			"batched into a single bulk indexing request, based on the batch.size configuration. Normally this only " +
			"occurs under load when records arrive faster than they can be sent out. However it may be desirable " +
			"to reduce the number of requests even under light load and benefit from bulk indexing. This setting " +
			"helps accomplish that - when a pending batch is not full, rather than immediately sending it out the " +
			"task will wait up to the given delay to allow other records to be added so that they can be batched " +
			"into a single request."}).
	Define(connect.ConfigKey{Name: FlushTimeoutMsConfig, Type: connect.ConfigLong, Default: int64(180000), Importance: connect.Low,
		Validator: connect.Range(int64(1000), int64(7*24*3600*1000)), Group: "Connector", OrderInGroup: 9,
		Doc: "The timeout in milliseconds to use for periodic flushing, and when waiting for buffer space to be made " +
			"available by completed requests as records are added. If this timeout is exceeded the task will fail."}).
	Define(connect.ConfigKey{Name: FlushSynchronouslyConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low,
		Group: "Connector", OrderInGroup: 10,
		Doc: "True if flushes should wait for background processing to finish. This has a throughput penalty and " +
			"makes the connector less responsive but allows for topic-mutating SMTs (e.g. RegexRouter or " +
			"TimestampRouter)."}).
	Define(connect.ConfigKey{Name: MaxRetriesConfig, Type: connect.ConfigInt, Default: 5, Importance: connect.Low,
		Validator: connect.AtLeast(0), Group: "Connector", OrderInGroup: 11,
		Doc: "The maximum number of retries that are allowed for failed indexing requests. If the retry attempts " +
			"are exhausted the task will fail."}).
	Define(connect.ConfigKey{Name: RetryBackoffMsConfig, Type: connect.ConfigLong, Default: int64(100), Importance: connect.Low,
		Validator: connect.Range(int64(0), int64(24*3600*1000)), Group: "Connector", OrderInGroup: 12,
		Doc: "How long to wait in milliseconds before attempting the first retry of a failed indexing request. Upon " +
			"a failure, this connector may wait up to twice as long as the previous wait, up to the maximum number " +
			"of retries. This avoids retrying in a tight loop under failure scenarios."}).
	Define(connect.ConfigKey{Name: ConnectionTimeoutMsConfig, Type: connect.ConfigInt, Default: 1000, Importance: connect.Low,
		Validator: connect.AtLeast(0), Group: "Connector", OrderInGroup: 13,
		Doc: "How long to wait in milliseconds when establishing a connection to the Elasticsearch server. The " +
			"task fails if the client fails to connect to the server in this interval, and will need to be restarted."}).
	Define(connect.ConfigKey{Name: ReadTimeoutMsConfig, Type: connect.ConfigInt, Default: 3000, Importance: connect.Low,
		Validator: connect.AtLeast(0), Group: "Connector", OrderInGroup: 14,
		Doc: "How long to wait in milliseconds for the Elasticsearch server to send a response. The task fails if " +
			"any read operation times out, and will need to be restarted to resume further operations."}).
	Define(connect.ConfigKey{Name: KeyIgnoreConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.High,
		Group: "Data Conversion", OrderInGroup: 1,
		Doc: "Whether to ignore the record key for the purpose of forming the Elasticsearch document ID. When this " +
			"is set to true, document IDs will be generated as the record's topic+partition+offset. Note that this " +
			"is a global config that applies to all topics, use topic.key.ignore to override as true for specific " +
			"topics."}).
	Define(connect.ConfigKey{Name: SchemaIgnoreConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low,
		Group: "Data Conversion", OrderInGroup: 2,
		Doc: "Whether to ignore schemas during indexing. When this is set to true, the record schema will be " +
			"ignored for the purpose of registering an Elasticsearch mapping. Elasticsearch will infer the mapping " +
			"from the data (dynamic mapping needs to be enabled by the user). Note that this is a global config " +
			"that applies to all topics, use topic.schema.ignore to override as true for specific topics."}).
	Define(connect.ConfigKey{Name: CompactMapEntriesConfig, Type: connect.ConfigBoolean, Default: true, Importance: connect.Low,
		Group: "Data Conversion", OrderInGroup: 3,
		Doc: "Defines how map entries with string keys within record values should be written to JSON. When this " +
			"is set to true, these entries are written compactly as \"entryKey\": \"entryValue\". Otherwise, map " +
			"entries with string keys are written as a nested document {\"key\": \"entryKey\", \"value\": " +
			"\"entryValue\"}. All map entries with non-string keys are always written as nested documents."}).
	Define(connect.ConfigKey{Name: TopicKeyIgnoreConfig, Type: connect.ConfigList, Default: "", Importance: connect.Low,
		Group: "Data Conversion", OrderInGroup: 4,
		Doc: "List of topics for which key.ignore should be true."}).
	Define(connect.ConfigKey{Name: TopicSchemaIgnoreConfig, Type: connect.ConfigList, Default: "", Importance: connect.Low,
		Group: "Data Conversion", OrderInGroup: 5,
		Doc: "List of topics for which schema.ignore should be true."}).
	Define(connect.ConfigKey{Name: BehaviorOnNullValuesConfig, Type: connect.ConfigString, Default: "FAIL", Importance: connect.Low,
		Validator: connect.OneOfIgnoreCase("IGNORE", "DELETE", "FAIL"), Group: "Data Conversion", OrderInGroup: 7,
		Doc: "How to handle records with a non-null key and a null value (i.e. Kafka tombstone records). Valid " +
			"options are 'ignore', 'delete', and 'fail'."}).
	Define(connect.ConfigKey{Name: BehaviorOnMalformedDocsConfig, Type: connect.ConfigString, Default: "FAIL", Importance: connect.Low,
		Validator: connect.OneOfIgnoreCase("IGNORE", "WARN", "FAIL"), Group: "Data Conversion", OrderInGroup: 8,
		Doc: "How to handle records that Elasticsearch rejects due to some malformation of the document itself, " +
			"such as an index mapping conflict, a field name containing illegal characters, or a record with a " +
			"missing id. Valid options are 'ignore', 'warn', and 'fail'."}).
	Define(connect.ConfigKey{Name: WriteMethodConfig, Type: connect.ConfigString, Default: "INSERT", Importance: connect.Low,
		Validator: connect.OneOfIgnoreCase("INSERT", "UPSERT"), Group: "Data Conversion", OrderInGroup: 9,
		Doc: "Method used for writing data to Elasticsearch, and one of INSERT or UPSERT. The default method is " +
			"INSERT in which the connector constructs a document from the record value and inserts that document " +
			"into Elasticsearch, completely replacing any existing document with the same ID; this matches " +
			"previous behavior. The UPSERT method will create a new document if one with the specified ID does not " +
			"yet exist, or will update an existing document with the same ID by adding or replacing only those " +
			"fields present in the record value. The UPSERT method may require additional time and resources of " +
			"Elasticsearch, so consider increasing the read.timeout.ms and decreasing the batch.size configuration " +
			"properties."}).
	Define(connect.ConfigKey{Name: DataStreamTypeConfig, Type: connect.ConfigString, Default: "NONE", Importance: connect.Low,
		Validator: connect.OneOfIgnoreCase("LOGS", "METRICS", "NONE"), Group: "Data Stream", OrderInGroup: 1,
		Doc: "Generic type describing the data to be written to data stream. The default is NONE which indicates " +
			"the connector will write to regular indices instead. If set, this configuration will be used alongside " +
			"data.stream.dataset and data.stream.namespace to construct the data stream name in the form of " +
			"{data.stream.type}-{data.stream.dataset}-{data.stream.namespace}."}).
	Define(connect.ConfigKey{Name: DataStreamDatasetConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Validator: connect.ValidatorFunc(validDataStreamPart), Group: "Data Stream", OrderInGroup: 2,
		Doc: "Generic name describing data ingested and its structure to be written to a data stream. Can be any " +
			"arbitrary string that is no longer than 100 characters, is in all lowercase, and does not contain " +
			"spaces or any of these special characters /\\*\"<>|,#:-. Otherwise, no value indicates the connector " +
			"will write to regular indices instead."}).
	Define(connect.ConfigKey{Name: DataStreamNamespaceConfig, Type: connect.ConfigString, Default: "${topic}", Importance: connect.Low,
		Group: "Data Stream", OrderInGroup: 3,
		Doc: "Generic name describing user-configurable arbitrary grouping to be written to a data stream. The " +
			"default, ${topic}, is the topic name in lowercase."}).
	Define(connect.ConfigKey{Name: DataStreamTimestampConfig, Type: connect.ConfigList, Default: "", Importance: connect.Low,
		Group: "Data Stream", OrderInGroup: 4,
		Doc: "The Kafka record field to use as the timestamp for the @timestamp field in documents sent to a data " +
			"stream. If multiple fields are provided, the first field listed that also appears in the record will " +
			"be used. If this configuration is left empty, all of the documents will use the Kafka record " +
			"timestamp as the @timestamp field value."}))

func validDataStreamPart(v any) error {
	s := v.(string)
	if len(s) > 100 {
		return errors.New("longer than 100 characters")
	}
	if strings.ToLower(s) != s {
		return errors.New("not all lowercase")
	}
	if i := strings.IndexAny(s, " /\\*\"<>|,#:-"); i >= 0 {
		return fmt.Errorf("contains %q", s[i])
	}
	return nil
}

type nullBehavior uint8

const (
	nullFail nullBehavior = iota
	nullIgnore
	nullDelete
)

type malformedBehavior uint8

const (
	malformedFail malformedBehavior = iota
	malformedIgnore
	malformedWarn
)

// settings is a parsed configuration.
type settings struct {
	urls               []*url.URL
	username           string
	password           connect.Password
	batchSize          int
	bulkBytes          int64 // -1: no limit
	maxInFlight        int
	maxBuffered        int
	linger             time.Duration
	flushTimeout       time.Duration
	flushSynchronously bool
	maxRetries         int
	backoff            time.Duration
	connectTimeout     time.Duration
	readTimeout        time.Duration
	keyIgnore          bool
	schemaIgnore       bool
	topicKeyIgnore     []string
	topicSchemaIgnore  []string
	compactMaps        bool
	onNull             nullBehavior
	onMalformed        malformedBehavior
	upsert             bool
	dataStreamType     string // lowercase; "" when not writing to data streams
	dataStreamDataset  string
	dataStreamNS       string
	timestampFields    []string
	tls                *tls.Config
}

func parseSettings(config map[string]string) (*settings, error) {
	cfg, err := configDef.Parse(config)
	if err != nil {
		return nil, err
	}
	s := &settings{
		username:           cfg.String(ConnectionUsernameConfig),
		password:           cfg.Password(ConnectionPasswordConfig),
		batchSize:          cfg.Int(BatchSizeConfig),
		bulkBytes:          cfg.Long(BulkSizeBytesConfig),
		maxInFlight:        cfg.Int(MaxInFlightRequestsConfig),
		maxBuffered:        cfg.Int(MaxBufferedRecordsConfig),
		linger:             time.Duration(cfg.Long(LingerMsConfig)) * time.Millisecond,
		flushTimeout:       time.Duration(cfg.Long(FlushTimeoutMsConfig)) * time.Millisecond,
		flushSynchronously: cfg.Bool(FlushSynchronouslyConfig),
		maxRetries:         cfg.Int(MaxRetriesConfig),
		backoff:            time.Duration(cfg.Long(RetryBackoffMsConfig)) * time.Millisecond,
		connectTimeout:     time.Duration(cfg.Int(ConnectionTimeoutMsConfig)) * time.Millisecond,
		readTimeout:        time.Duration(cfg.Int(ReadTimeoutMsConfig)) * time.Millisecond,
		keyIgnore:          cfg.Bool(KeyIgnoreConfig),
		schemaIgnore:       cfg.Bool(SchemaIgnoreConfig),
		topicKeyIgnore:     cfg.List(TopicKeyIgnoreConfig),
		topicSchemaIgnore:  cfg.List(TopicSchemaIgnoreConfig),
		compactMaps:        cfg.Bool(CompactMapEntriesConfig),
		upsert:             strings.EqualFold(cfg.String(WriteMethodConfig), "UPSERT"),
		dataStreamDataset:  cfg.String(DataStreamDatasetConfig),
		dataStreamNS:       cfg.String(DataStreamNamespaceConfig),
		timestampFields:    cfg.List(DataStreamTimestampConfig),
	}
	s.onNull = map[string]nullBehavior{"FAIL": nullFail, "IGNORE": nullIgnore, "DELETE": nullDelete}[strings.ToUpper(cfg.String(BehaviorOnNullValuesConfig))]
	s.onMalformed = map[string]malformedBehavior{"FAIL": malformedFail, "IGNORE": malformedIgnore, "WARN": malformedWarn}[strings.ToUpper(cfg.String(BehaviorOnMalformedDocsConfig))]
	if t := strings.ToLower(cfg.String(DataStreamTypeConfig)); t != "none" {
		s.dataStreamType = t
	}
	if s.tls, err = parseTLS(cfg); err != nil {
		return nil, err
	}
	if s.urls, err = parseURLs(cfg.List(ConnectionURLConfig)); err != nil {
		return nil, fmt.Errorf("%s: %w", ConnectionURLConfig, err)
	}
	// Credentials may come in a URL; they are kept out of the URLs so that
	// no error net/http returns (which names the URL) shows them.
	for _, u := range s.urls {
		if u.User != nil {
			if s.username == "" {
				s.username = u.User.Username()
				if p, ok := u.User.Password(); ok && s.password.Value() == "" {
					s.password = connect.NewPassword(p)
				}
			}
			u.User = nil
		}
	}
	// Confluent's validator: data streams need both the type and the
	// dataset, and take no UPSERT (their documents are append-only).
	if (s.dataStreamType == "") != (s.dataStreamDataset == "") {
		return nil, fmt.Errorf("%s and %s must be set together (data streams are named <type>-<dataset>-<namespace>)",
			DataStreamTypeConfig, DataStreamDatasetConfig)
	}
	if s.dataStreamType != "" && s.upsert {
		return nil, fmt.Errorf("%s: UPSERT cannot write to a data stream (%s is %s)", WriteMethodConfig, DataStreamTypeConfig, s.dataStreamType)
	}
	if s.dataStreamType != "" && s.onNull == nullDelete {
		return nil, fmt.Errorf("%s: DELETE cannot delete from a data stream (%s is %s)", BehaviorOnNullValuesConfig, DataStreamTypeConfig, s.dataStreamType)
	}
	if len(s.timestampFields) > 0 && s.dataStreamType == "" {
		return nil, fmt.Errorf("%s needs %s and %s", DataStreamTimestampConfig, DataStreamTypeConfig, DataStreamDatasetConfig)
	}
	if s.bulkBytes == 0 {
		return nil, fmt.Errorf("%s: 0 is not a size (-1 disables the limit)", BulkSizeBytesConfig)
	}
	return s, nil
}

// parseURLs checks the connection URLs: http or https with a host.
func parseURLs(raw []string) ([]*url.URL, error) {
	if len(raw) == 0 {
		return nil, errors.New("no URL given")
	}
	out := make([]*url.URL, 0, len(raw))
	for _, r := range raw {
		u, err := url.Parse(strings.TrimRight(r, "/"))
		if err != nil {
			// url.Parse's error repeats the input, credentials and all.
			return nil, fmt.Errorf("%q is not a URL", redact(r))
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("%q is not an http:// or https:// URL with a host", u.Redacted())
		}
		out = append(out, u)
	}
	return out, nil
}

// redact hides what may be credentials in a string that is not a URL.
func redact(s string) string {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			return s[:j+3] + "xxxxx" + s[i:]
		}
		return "xxxxx" + s[i:]
	}
	return s
}

// ignoresKey and ignoresSchema apply topic.key.ignore and
// topic.schema.ignore over the global keys.
func (s *settings) ignoresKey(topic string) bool {
	return s.keyIgnore || slices.Contains(s.topicKeyIgnore, topic)
}

func (s *settings) ignoresSchema(topic string) bool {
	return s.schemaIgnore || slices.Contains(s.topicSchemaIgnore, topic)
}

// indexName is where a topic's records go: Confluent's index name
// (lowercased, at most 255 bytes, no leading - or _, "." and ".." spelt
// out), or the data stream <type>-<dataset>-<namespace>.
func (s *settings) indexName(topic string) string {
	if s.dataStreamType != "" {
		ns := strings.ReplaceAll(s.dataStreamNS, "${topic}", strings.ToLower(topic))
		if len(ns) > 100 {
			ns = ns[:100]
		}
		return s.dataStreamType + "-" + s.dataStreamDataset + "-" + ns
	}
	index := strings.ToLower(topic)
	if len(index) > 255 {
		index = index[:255]
	}
	if strings.HasPrefix(index, "-") || strings.HasPrefix(index, "_") {
		index = index[1:]
	}
	if index == "." || index == ".." {
		index = strings.ReplaceAll(index, ".", "dot")
	}
	return index
}
