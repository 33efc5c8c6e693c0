package mongodb

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/mongodb"
)

// The configuration keys, the official MongoSourceConnector's.
const (
	ConnectionURIConfig                   = "connection.uri"
	DatabaseConfig                        = "database"
	CollectionConfig                      = "collection"
	PipelineConfig                        = "pipeline"
	BatchSizeConfig                       = "batch.size"
	StartupModeConfig                     = "startup.mode"
	StartAtOperationTimeConfig            = "startup.mode.timestamp.start.at.operation.time"
	StartupCopyExistingMaxThreadsConfig   = "startup.mode.copy.existing.max.threads"
	StartupCopyExistingQueueSizeConfig    = "startup.mode.copy.existing.queue.size"
	StartupCopyExistingPipelineConfig     = "startup.mode.copy.existing.pipeline"
	StartupCopyExistingNamespaceRegex     = "startup.mode.copy.existing.namespace.regex"
	StartupCopyExistingAllowDiskUseConfig = "startup.mode.copy.existing.allow.disk.use"
	CopyExistingConfig                    = "copy.existing"
	CopyExistingMaxThreadsConfig          = "copy.existing.max.threads"
	CopyExistingQueueSizeConfig           = "copy.existing.queue.size"
	CopyExistingPipelineConfig            = "copy.existing.pipeline"
	CopyExistingNamespaceRegexConfig      = "copy.existing.namespace.regex"
	CopyExistingAllowDiskUseConfig        = "copy.existing.allow.disk.use"
	PublishFullDocumentOnlyConfig         = "publish.full.document.only"
	TombstoneOnDeleteConfig               = "publish.full.document.only.tombstone.on.delete"
	DocumentKeyAsKeyConfig                = "change.stream.document.key.as.key"
	FullDocumentConfig                    = "change.stream.full.document"
	FullDocumentBeforeChangeConfig        = "change.stream.full.document.before.change"
	ShowExpandedEventsConfig              = "change.stream.show.expanded.events"
	CollationConfig                       = "collation"
	PollMaxBatchSizeConfig                = "poll.max.batch.size"
	PollAwaitTimeMsConfig                 = "poll.await.time.ms"
	TopicPrefixConfig                     = "topic.prefix"
	TopicSuffixConfig                     = "topic.suffix"
	TopicSeparatorConfig                  = "topic.separator"
	TopicNamespaceMapConfig               = "topic.namespace.map"
	TopicMapperConfig                     = "topic.mapper"
	OutputFormatKeyConfig                 = "output.format.key"
	OutputFormatValueConfig               = "output.format.value"
	OutputSchemaKeyConfig                 = "output.schema.key"
	OutputSchemaValueConfig               = "output.schema.value"
	OutputSchemaInferValueConfig          = "output.schema.infer.value"
	OutputJSONFormatterConfig             = "output.json.formatter"
	HeartbeatIntervalMsConfig             = "heartbeat.interval.ms"
	HeartbeatTopicNameConfig              = "heartbeat.topic.name"
	OffsetPartitionNameConfig             = "offset.partition.name"
	ErrorsToleranceConfig                 = "errors.tolerance"
	MongoErrorsToleranceConfig            = "mongo.errors.tolerance"
	ErrorsLogEnableConfig                 = "errors.log.enable"
	MongoErrorsLogEnableConfig            = "mongo.errors.log.enable"
	DeadLetterQueueTopicConfig            = "errors.deadletterqueue.topic.name"
	MongoDeadLetterQueueTopicConfig       = "mongo.errors.deadletterqueue.topic.name"
)

const (
	formatterPackage = "com.mongodb.kafka.connect.source.json.formatter."
	// DefaultTopicMapper is the only topic.mapper kconnect has.
	DefaultTopicMapper = "com.mongodb.kafka.connect.source.topic.mapping.DefaultTopicMapper"
)

// jsonFormatters are the output.json.formatter classes, by their simple
// names.
var jsonFormatters = map[string]jsonMode{
	"DefaultJson":    modeStrict,
	"ExtendedJson":   modeExtended,
	"SimplifiedJson": modeSimplified,
}

var fullDocumentValues = []string{"", "default", "updateLookup", "whenAvailable", "required"}
var beforeChangeValues = []string{"", "default", "off", "whenAvailable", "required"}

func oneOfIgnoreCase(values []string, what string) connect.Validator {
	return connect.ValidatorFunc(func(v any) error {
		for _, s := range values {
			if strings.EqualFold(s, v.(string)) {
				return nil
			}
		}
		return fmt.Errorf("%q is not %s: %s", v, what, strings.Join(values[1:], ", "))
	})
}

func jsonArrayValidator(allowEmpty bool) connect.Validator {
	return connect.ValidatorFunc(func(v any) error {
		s := v.(string)
		if allowEmpty && strings.TrimSpace(s) == "" {
			return nil
		}
		_, err := parsePipeline(s)
		return err
	})
}

func jsonDocValidator() connect.Validator {
	return connect.ValidatorFunc(func(v any) error {
		s := v.(string)
		if strings.TrimSpace(s) == "" {
			return nil
		}
		var d bson.D
		if err := bson.UnmarshalExtJSON([]byte(s), false, &d); err != nil {
			return fmt.Errorf("not a JSON document: %v", err)
		}
		return nil
	})
}

var configDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: ConnectionURIConfig, Type: connect.ConfigPassword,
		Default: "mongodb://localhost:27017,localhost:27018,localhost:27019", Importance: connect.High,
		Doc: "The connection URI as supported by the official drivers. eg: ``mongodb://user@pass@locahost/``."}).
	Define(connect.ConfigKey{Name: DatabaseConfig, Type: connect.ConfigString, Default: "", Importance: connect.Medium,
		Doc: "The database to watch. If not set then all databases will be watched."}).
	Define(connect.ConfigKey{Name: CollectionConfig, Type: connect.ConfigString, Default: "", Importance: connect.Medium,
		Doc: "The collection in the database to watch. If not set then all collections will be watched."}).
	Define(connect.ConfigKey{Name: PipelineConfig, Type: connect.ConfigString, Default: "[]", Validator: jsonArrayValidator(true),
		Importance: connect.Medium,
		Doc: "An inline JSON array with objects describing the pipeline operations to run. " +
			`Example: [{"$match": {"operationType": "insert"}}, {"$addFields": {"Kafka": "Rules!"}}]`}).
	Define(connect.ConfigKey{Name: BatchSizeConfig, Type: connect.ConfigInt, Default: 0, Validator: connect.AtLeast(0),
		Importance: connect.Low, Doc: "The cursor batch size."}).
	Define(connect.ConfigKey{Name: StartupModeConfig, Type: connect.ConfigString, Default: "",
		Validator:  oneOfIgnoreCase([]string{"", "latest", "timestamp", "copy_existing"}, "a startup mode"),
		Importance: connect.Medium,
		Doc: "Specifies how the connector should start up when there is no source offset available: " +
			"'latest' (the default), 'timestamp' or 'copy_existing'."}).
	Define(connect.ConfigKey{Name: StartAtOperationTimeConfig, Type: connect.ConfigString, Default: "",
		Validator:  connect.ValidatorFunc(func(v any) error { _, err := parseTimestamp(v.(string)); return err }),
		Importance: connect.Medium,
		Doc: "Actuated only if 'startup.mode = timestamp'. Specifies the starting point for the change stream: " +
			"an Extended JSON timestamp ({\"$timestamp\": {\"t\": <s>, \"i\": <n>}}), seconds since the epoch, " +
			"or an ISO-8601 instant. '0' starts at the beginning of the oplog."}).
	Define(connect.ConfigKey{Name: StartupCopyExistingMaxThreadsConfig, Type: connect.ConfigInt, Default: 0,
		Importance: connect.Medium, Doc: "The number of threads to use when performing the data copy."}).
	Define(connect.ConfigKey{Name: StartupCopyExistingQueueSizeConfig, Type: connect.ConfigInt, Default: 16000, Validator: connect.AtLeast(1),
		Importance: connect.Medium, Doc: "The max size of the queue to use when copying data."}).
	Define(connect.ConfigKey{Name: StartupCopyExistingPipelineConfig, Type: connect.ConfigString, Default: "",
		Validator: jsonArrayValidator(true), Importance: connect.Medium,
		Doc: "An inline JSON array with objects describing the pipeline operations to run when copying existing data."}).
	Define(connect.ConfigKey{Name: StartupCopyExistingNamespaceRegex, Type: connect.ConfigString, Default: "",
		Importance: connect.Medium, Doc: "Use a regular expression to define from which existing namespaces data should be copied."}).
	Define(connect.ConfigKey{Name: StartupCopyExistingAllowDiskUseConfig, Type: connect.ConfigBoolean, Default: true,
		Importance: connect.Medium, Doc: "Copy existing data uses an aggregation pipeline; allow it to use temporary files."}).
	Define(connect.ConfigKey{Name: CopyExistingConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Doc: "Deprecated, use 'startup.mode = copy_existing' instead."}).
	Define(connect.ConfigKey{Name: CopyExistingMaxThreadsConfig, Type: connect.ConfigInt, Default: 0, Importance: connect.Medium,
		Doc: "Deprecated, use 'startup.mode.copy.existing.max.threads' instead."}).
	Define(connect.ConfigKey{Name: CopyExistingQueueSizeConfig, Type: connect.ConfigInt, Default: 16000, Importance: connect.Medium,
		Doc: "Deprecated, use 'startup.mode.copy.existing.queue.size' instead."}).
	Define(connect.ConfigKey{Name: CopyExistingPipelineConfig, Type: connect.ConfigString, Default: "",
		Validator: jsonArrayValidator(true), Importance: connect.Medium,
		Doc: "Deprecated, use 'startup.mode.copy.existing.pipeline' instead."}).
	Define(connect.ConfigKey{Name: CopyExistingNamespaceRegexConfig, Type: connect.ConfigString, Default: "", Importance: connect.Medium,
		Doc: "Deprecated, use 'startup.mode.copy.existing.namespace.regex' instead."}).
	Define(connect.ConfigKey{Name: CopyExistingAllowDiskUseConfig, Type: connect.ConfigBoolean, Default: true, Importance: connect.Medium,
		Doc: "Deprecated, use 'startup.mode.copy.existing.allow.disk.use' instead."}).
	Define(connect.ConfigKey{Name: PublishFullDocumentOnlyConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.High,
		Doc: "Only publish the changed document instead of the full change stream document. " +
			"Sets the change.stream.full.document=updateLookup automatically so updated documents will be included."}).
	Define(connect.ConfigKey{Name: TombstoneOnDeleteConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Doc: "Send a null value on a delete event. Requires publish.full.document.only=true.  Defaults to: false"}).
	Define(connect.ConfigKey{Name: DocumentKeyAsKeyConfig, Type: connect.ConfigBoolean, Default: true, Importance: connect.Medium,
		Doc: "Use the document key as the source record key. Defaults to: true"}).
	Define(connect.ConfigKey{Name: FullDocumentBeforeChangeConfig, Type: connect.ConfigString, Default: "",
		Validator: oneOfIgnoreCase(beforeChangeValues, "a fullDocumentBeforeChange value"), Importance: connect.High,
		Doc: "Specifies the pre-image configuration when creating a Change Stream."}).
	Define(connect.ConfigKey{Name: FullDocumentConfig, Type: connect.ConfigString, Default: "",
		Validator: oneOfIgnoreCase(fullDocumentValues, "a fullDocument value"), Importance: connect.High,
		Doc: "Determines what to return for update operations when using a Change Stream. When set to 'updateLookup' " +
			"setting returns the differences between the original document and updated document as well as a copy of the " +
			"entire updated document at a point in time after the update."}).
	Define(connect.ConfigKey{Name: ShowExpandedEventsConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Doc: "Determines if change streams notifies for DDL events, like the createIndexes and dropIndexes events."}).
	Define(connect.ConfigKey{Name: CollationConfig, Type: connect.ConfigString, Default: "", Validator: jsonDocValidator(),
		Importance: connect.High, Doc: "The json representation of the Collation options to use for the change stream."}).
	Define(connect.ConfigKey{Name: PollMaxBatchSizeConfig, Type: connect.ConfigInt, Default: 1000, Validator: connect.AtLeast(1),
		Importance: connect.Low, Doc: "Maximum number of change stream documents to include in a single batch when polling for new data."}).
	Define(connect.ConfigKey{Name: PollAwaitTimeMsConfig, Type: connect.ConfigLong, Default: int64(5000), Validator: connect.AtLeast(int64(1)),
		Importance: connect.Low, Doc: "The amount of time to wait before checking for new results on the change stream"}).
	Define(connect.ConfigKey{Name: TopicMapperConfig, Type: connect.ConfigString, Default: DefaultTopicMapper,
		Validator: connect.ValidatorFunc(func(v any) error {
			if s := v.(string); s != DefaultTopicMapper && s != "DefaultTopicMapper" {
				return fmt.Errorf("unknown class %q; kconnect has %s", s, DefaultTopicMapper)
			}
			return nil
		}), Importance: connect.High, Doc: "The class that determines the topic to write the source data to."}).
	Define(connect.ConfigKey{Name: TopicSeparatorConfig, Type: connect.ConfigString, Default: ".", Importance: connect.Low,
		Doc: "Separator to use when joining prefix, database, collection, and suffix values."}).
	Define(connect.ConfigKey{Name: TopicPrefixConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Doc: "Prefix to prepend to database & collection names to generate the name of the Kafka topic to publish data to."}).
	Define(connect.ConfigKey{Name: TopicSuffixConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Doc: "Suffix to append to database & collection names to generate the name of the Kafka topic to publish data to."}).
	Define(connect.ConfigKey{Name: TopicNamespaceMapConfig, Type: connect.ConfigString, Default: "",
		Validator:  connect.ValidatorFunc(func(v any) error { _, err := newTopicMapper(".", "", "", v.(string)); return err }),
		Importance: connect.Low, Doc: "A JSON object specifying how to map a MongoDB change stream document namespace to a Kafka topic name."}).
	Define(connect.ConfigKey{Name: OutputFormatKeyConfig, Type: connect.ConfigString, Default: "json",
		Validator: oneOfIgnoreCase([]string{"", "json", "bson", "schema"}, "an output format"), Importance: connect.High,
		Doc: "The output format of the data produced by the connector for the key. Supported formats are json, bson and schema."}).
	Define(connect.ConfigKey{Name: OutputFormatValueConfig, Type: connect.ConfigString, Default: "json",
		Validator: oneOfIgnoreCase([]string{"", "json", "bson", "schema"}, "an output format"), Importance: connect.High,
		Doc: "The output format of the data produced by the connector for the value. Supported formats are json, bson and schema."}).
	Define(connect.ConfigKey{Name: OutputJSONFormatterConfig, Type: connect.ConfigString, Default: formatterPackage + "DefaultJson",
		Validator:  connect.ValidatorFunc(func(v any) error { _, err := jsonFormatter(v.(string)); return err }),
		Importance: connect.High,
		Doc: "The output format of json strings: DefaultJson (the legacy strict json formatter), ExtendedJson " +
			"(the fully type safe extended json formatter) or SimplifiedJson (with ObjectId, Decimals, Dates and Binary values represented as strings)."}).
	Define(connect.ConfigKey{Name: OutputSchemaKeyConfig, Type: connect.ConfigString, Default: defaultAvroKeySchema,
		Validator:  connect.ValidatorFunc(func(v any) error { _, err := avroToSchema(v.(string)); return err }),
		Importance: connect.High, Doc: "The Avro schema definition for the key value of the SourceRecord."}).
	Define(connect.ConfigKey{Name: OutputSchemaValueConfig, Type: connect.ConfigString, Default: defaultAvroValueSchema,
		Validator:  connect.ValidatorFunc(func(v any) error { _, err := avroToSchema(v.(string)); return err }),
		Importance: connect.High, Doc: "The Avro schema definition for the value of the SourceRecord."}).
	Define(connect.ConfigKey{Name: OutputSchemaInferValueConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Doc: "Use the schema for the whole record as inferred from the document. Only applied when output.format.value=schema."}).
	Define(connect.ConfigKey{Name: HeartbeatIntervalMsConfig, Type: connect.ConfigLong, Default: int64(0), Validator: connect.AtLeast(int64(0)),
		Importance: connect.Medium,
		Doc: "The length of time between sending heartbeat messages to record the post batch resume token when no source records " +
			"have been published. Improves the resumability of the connector for low volume namespaces. Use 0 to disable."}).
	Define(connect.ConfigKey{Name: HeartbeatTopicNameConfig, Type: connect.ConfigString, Default: "__mongodb_heartbeats",
		Validator: connect.NonEmpty(), Importance: connect.Low, Doc: "The name of the topic to publish heartbeats to."}).
	Define(connect.ConfigKey{Name: OffsetPartitionNameConfig, Type: connect.ConfigString, Default: "", Importance: connect.Medium,
		Doc: "Use a custom offset partition name. If blank the default partition name based on the connection details will be used."}).
	Define(connect.ConfigKey{Name: ErrorsToleranceConfig, Type: connect.ConfigString, Default: "none",
		Validator: oneOfIgnoreCase([]string{"", "none", "all"}, "an error tolerance"), Importance: connect.Medium,
		Doc: "Use this property if you would like to configure the connector's error handling behavior: none or all."}).
	Define(connect.ConfigKey{Name: MongoErrorsToleranceConfig, Type: connect.ConfigString, Default: "",
		Validator: oneOfIgnoreCase([]string{"", "none", "all"}, "an error tolerance"), Importance: connect.Medium,
		Doc: "Use this property to override errors.tolerance for the MongoDB connector only."}).
	Define(connect.ConfigKey{Name: ErrorsLogEnableConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Doc: "Whether details of failed operations should be written to the log file."}).
	Define(connect.ConfigKey{Name: MongoErrorsLogEnableConfig, Type: connect.ConfigString, Default: "",
		Validator: oneOfIgnoreCase([]string{"", "true", "false"}, "a boolean"), Importance: connect.Medium,
		Doc: "Use this property to override errors.log.enable for the MongoDB connector only."}).
	Define(connect.ConfigKey{Name: DeadLetterQueueTopicConfig, Type: connect.ConfigString, Default: "", Importance: connect.Medium,
		Doc: "Whether to output conversion errors to the dead letter queue (a topic name). Requires errors.tolerance=all."}).
	Define(connect.ConfigKey{Name: MongoDeadLetterQueueTopicConfig, Type: connect.ConfigString, Default: "", Importance: connect.Medium,
		Doc: "Use this property to override errors.deadletterqueue.topic.name for the MongoDB connector only."})

// ConfigDef returns the connector's configuration definition.
func ConfigDef() *connect.ConfigDef { return configDef }

// startupMode is what the task does when it has no committed offset.
type startupMode uint8

const (
	startLatest startupMode = iota
	startTimestamp
	startCopyExisting
)

// settings is a parsed configuration.
type settings struct {
	uri                  string
	database, collection string
	pipeline             bson.A
	batchSize            int32

	startup              startupMode
	startAtOperationTime *bson.Timestamp
	copyPipeline         bson.A
	copyNamespaceRegex   string
	copyNamespaceFilter  *regexp.Regexp
	copyQueueSize        int
	copyAllowDiskUse     bool

	fullDocumentOnly  bool
	tombstoneOnDelete bool
	documentKeyAsKey  bool
	fullDocument      string
	beforeChange      string
	showExpanded      bool
	collation         *options.Collation

	maxBatch  int
	awaitTime time.Duration

	topics *topicMapper

	keyFormat, valueFormat string
	keySchema, valueSchema *connect.Schema
	inferValue             bool
	json                   jsonMode

	heartbeatInterval time.Duration
	heartbeatTopic    string

	partitionName  string
	tolerateErrors bool
	logErrors      bool
	dlqTopic       string
}

// parseSettings checks config as the official MongoSourceConfig does.
// Errors name the key concerned and never show the connection URI's
// credentials.
func parseSettings(config map[string]string) (*settings, error) {
	cfg, err := configDef.Parse(config)
	if err != nil {
		return nil, err
	}
	s := &settings{
		uri:               cfg.Password(ConnectionURIConfig).Value(),
		database:          cfg.String(DatabaseConfig),
		collection:        cfg.String(CollectionConfig),
		batchSize:         int32(cfg.Int(BatchSizeConfig)),
		fullDocumentOnly:  cfg.Bool(PublishFullDocumentOnlyConfig),
		documentKeyAsKey:  cfg.Bool(DocumentKeyAsKeyConfig),
		fullDocument:      cfg.String(FullDocumentConfig),
		beforeChange:      cfg.String(FullDocumentBeforeChangeConfig),
		showExpanded:      cfg.Bool(ShowExpandedEventsConfig),
		maxBatch:          cfg.Int(PollMaxBatchSizeConfig),
		awaitTime:         time.Duration(cfg.Long(PollAwaitTimeMsConfig)) * time.Millisecond,
		keyFormat:         strings.ToLower(cfg.String(OutputFormatKeyConfig)),
		valueFormat:       strings.ToLower(cfg.String(OutputFormatValueConfig)),
		inferValue:        cfg.Bool(OutputSchemaInferValueConfig),
		heartbeatInterval: time.Duration(cfg.Long(HeartbeatIntervalMsConfig)) * time.Millisecond,
		heartbeatTopic:    cfg.String(HeartbeatTopicNameConfig),
		partitionName:     cfg.String(OffsetPartitionNameConfig),
	}
	s.tombstoneOnDelete = s.fullDocumentOnly && cfg.Bool(TombstoneOnDeleteConfig)
	if s.keyFormat == "" {
		s.keyFormat = "json"
	}
	if s.valueFormat == "" {
		s.valueFormat = "json"
	}
	scheme, hosts, err := uriHosts(s.uri)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", ConnectionURIConfig, mongodb.Redact(s.uri), err)
	}
	if s.partitionName == "" {
		s.partitionName = defaultPartitionName(scheme, hosts, s.database, s.collection)
	}
	if s.collection != "" && s.database == "" {
		return nil, fmt.Errorf("%s %q is set without %s: a collection is watched within a database", CollectionConfig, s.collection, DatabaseConfig)
	}
	if s.pipeline, err = parsePipeline(cfg.String(PipelineConfig)); err != nil {
		return nil, fmt.Errorf("%s: %w", PipelineConfig, err)
	}
	if c := cfg.String(CollationConfig); strings.TrimSpace(c) != "" {
		if s.collation, err = parseCollation(c); err != nil {
			return nil, fmt.Errorf("%s: %w", CollationConfig, err)
		}
	}
	switch strings.ToLower(cfg.String(StartupModeConfig)) {
	case "latest":
		s.startup = startLatest
	case "timestamp":
		s.startup = startTimestamp
		if s.startAtOperationTime, err = parseTimestamp(cfg.String(StartAtOperationTimeConfig)); err != nil {
			return nil, fmt.Errorf("%s: %w", StartAtOperationTimeConfig, err)
		}
	case "copy_existing":
		s.startup = startCopyExisting
	default: // unset: the deprecated copy.existing decides
		if cfg.Bool(CopyExistingConfig) {
			s.startup = startCopyExisting
		}
	}
	if s.startup == startCopyExisting {
		p := overrideOrFallback(config, cfg, StartupCopyExistingPipelineConfig, CopyExistingPipelineConfig)
		if s.copyPipeline, err = parsePipeline(p); err != nil {
			return nil, fmt.Errorf("%s: %w", StartupCopyExistingPipelineConfig, err)
		}
		s.copyQueueSize, _ = strconv.Atoi(overrideOrFallbackRaw(config, cfg, StartupCopyExistingQueueSizeConfig, CopyExistingQueueSizeConfig))
		s.copyAllowDiskUse = overrideOrFallbackRaw(config, cfg, StartupCopyExistingAllowDiskUseConfig, CopyExistingAllowDiskUseConfig) == "true"
		s.copyNamespaceRegex = overrideOrFallback(config, cfg, StartupCopyExistingNamespaceRegex, CopyExistingNamespaceRegexConfig)
		if s.copyNamespaceRegex != "" {
			if s.copyNamespaceFilter, err = regexp.Compile(s.copyNamespaceRegex); err != nil {
				return nil, fmt.Errorf("%s: %w", StartupCopyExistingNamespaceRegex, err)
			}
		}
	}
	tol := cfg.String(MongoErrorsToleranceConfig)
	if tol == "" {
		tol = cfg.String(ErrorsToleranceConfig)
	}
	s.tolerateErrors = strings.EqualFold(tol, "all")
	logEnable := cfg.Bool(ErrorsLogEnableConfig)
	if v := cfg.String(MongoErrorsLogEnableConfig); v != "" {
		logEnable = strings.EqualFold(v, "true")
	}
	s.logErrors = !s.tolerateErrors || logEnable
	if s.dlqTopic = cfg.String(MongoDeadLetterQueueTopicConfig); s.dlqTopic == "" {
		s.dlqTopic = cfg.String(DeadLetterQueueTopicConfig)
	}
	if s.json, err = jsonFormatter(cfg.String(OutputJSONFormatterConfig)); err != nil {
		return nil, fmt.Errorf("%s: %w", OutputJSONFormatterConfig, err)
	}
	if s.topics, err = newTopicMapper(cfg.String(TopicSeparatorConfig), cfg.String(TopicPrefixConfig), cfg.String(TopicSuffixConfig),
		cfg.String(TopicNamespaceMapConfig)); err != nil {
		return nil, err
	}
	if s.keySchema, err = avroToSchema(cfg.String(OutputSchemaKeyConfig)); err != nil {
		return nil, fmt.Errorf("%s: %w", OutputSchemaKeyConfig, err)
	}
	if s.valueSchema, err = avroToSchema(cfg.String(OutputSchemaValueConfig)); err != nil {
		return nil, fmt.Errorf("%s: %w", OutputSchemaValueConfig, err)
	}
	return s, nil
}

// overrideOrFallback returns the value of key when it is set, else that of
// the deprecated legacy key, as the official ConfigHelper does.
func overrideOrFallback(raw map[string]string, cfg *connect.Config, key, legacy string) string {
	if _, ok := raw[key]; ok {
		return cfg.String(key)
	}
	return cfg.String(legacy)
}

// overrideOrFallbackRaw is overrideOrFallback for keys of any type, as
// their parsed value's text.
func overrideOrFallbackRaw(raw map[string]string, cfg *connect.Config, key, legacy string) string {
	if _, ok := raw[key]; ok {
		return fmt.Sprint(cfg.Get(key))
	}
	return fmt.Sprint(cfg.Get(legacy))
}

// uriHosts returns a connection string's scheme and hosts as written,
// without resolving an SRV name (the driver checks the rest when the task
// connects).
func uriHosts(uri string) (scheme string, hosts []string, err error) {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok || (scheme != "mongodb" && scheme != "mongodb+srv") {
		return "", nil, fmt.Errorf("a connection string starts with mongodb:// or mongodb+srv://")
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if rest == "" {
		return "", nil, fmt.Errorf("a connection string names at least one host")
	}
	return scheme, strings.Split(rest, ","), nil
}

// defaultPartitionName is the official connector's partition name:
// mongodb://<hosts>/<database>[.<collection>], the hosts as the Java
// driver's ConnectionString lists them: as written, sorted, comma
// separated. It holds no credentials and no options.
func defaultPartitionName(scheme string, hosts []string, database, collection string) string {
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	hosts = slices.Clone(hosts)
	slices.Sort(hosts)
	b.WriteString(strings.Join(hosts, ","))
	b.WriteByte('/')
	b.WriteString(database)
	if collection != "" {
		b.WriteByte('.')
		b.WriteString(collection)
	}
	return b.String()
}

// parsePipeline parses a JSON array of stages (Extended JSON); the empty
// string is an empty pipeline.
func parsePipeline(s string) (bson.A, error) {
	if strings.TrimSpace(s) == "" {
		return bson.A{}, nil
	}
	// The driver's Extended JSON reader takes documents only.
	var wrapped struct {
		P bson.A `bson:"p"`
	}
	if err := bson.UnmarshalExtJSON([]byte(`{"p": `+s+`}`), false, &wrapped); err != nil {
		return nil, fmt.Errorf("not a JSON array of pipeline stages: %q", s)
	}
	out := make(bson.A, len(wrapped.P))
	for i, st := range wrapped.P {
		d, ok := st.(bson.D)
		if !ok {
			return nil, fmt.Errorf("stage %d of %q is not a JSON document", i, s)
		}
		out[i] = d
	}
	return out, nil
}

// parseCollation reads the collation options the official connector takes
// as JSON.
func parseCollation(s string) (*options.Collation, error) {
	var c struct {
		Locale          string `bson:"locale"`
		CaseLevel       bool   `bson:"caseLevel"`
		CaseFirst       string `bson:"caseFirst"`
		Strength        int    `bson:"strength"`
		NumericOrdering bool   `bson:"numericOrdering"`
		Alternate       string `bson:"alternate"`
		MaxVariable     string `bson:"maxVariable"`
		Normalization   bool   `bson:"normalization"`
		Backwards       bool   `bson:"backwards"`
	}
	if err := bson.UnmarshalExtJSON([]byte(s), false, &c); err != nil {
		return nil, fmt.Errorf("not a JSON collation document: %v", err)
	}
	return &options.Collation{Locale: c.Locale, CaseLevel: c.CaseLevel, CaseFirst: c.CaseFirst, Strength: c.Strength,
		NumericOrdering: c.NumericOrdering, Alternate: c.Alternate, MaxVariable: c.MaxVariable,
		Normalization: c.Normalization, Backwards: c.Backwards}, nil
}

// parseTimestamp reads startup.mode.timestamp.start.at.operation.time as
// the official BsonTimestampParser does: an Extended JSON timestamp, an
// ISO-8601 instant (seconds precision, increment 0), or seconds since the
// epoch. Empty means none.
func parseTimestamp(s string) (*bson.Timestamp, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if strings.HasPrefix(s, "{") {
		var d struct {
			T bson.Timestamp `bson:"t"`
		}
		if err := bson.UnmarshalExtJSON([]byte(`{"t": `+s+`}`), false, &d); err != nil {
			return nil, fmt.Errorf("%q is not an Extended JSON timestamp: %v", s, err)
		}
		return &d.T, nil
	}
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return &bson.Timestamp{T: uint32(n)}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("%q is neither a {\"$timestamp\": ...} document, seconds since the epoch nor an ISO-8601 instant", s)
	}
	if t.Unix() < 0 || t.Unix() > int64(^uint32(0)) {
		return nil, fmt.Errorf("%q is outside the range of a BSON timestamp", s)
	}
	return &bson.Timestamp{T: uint32(t.Unix())}, nil
}

// jsonFormatter resolves an output.json.formatter class name, fully
// qualified or simple.
func jsonFormatter(class string) (jsonMode, error) {
	name := strings.TrimPrefix(class, formatterPackage)
	if m, ok := jsonFormatters[name]; ok {
		return m, nil
	}
	return 0, fmt.Errorf("unknown class %q; kconnect has %sDefaultJson, ExtendedJson and SimplifiedJson", class, formatterPackage)
}
