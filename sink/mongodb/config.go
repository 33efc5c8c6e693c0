package mongodb

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javaregex"
)

// The configuration keys, the official MongoSinkConnector's.
const (
	ConnectionURIConfig              = "connection.uri"
	DatabaseConfig                   = "database"
	CollectionConfig                 = "collection"
	TopicOverridePrefix              = "topic.override."
	NamespaceMapperConfig            = "namespace.mapper"
	KeyDatabaseFieldConfig           = "namespace.mapper.key.database.field"
	KeyCollectionFieldConfig         = "namespace.mapper.key.collection.field"
	ValueDatabaseFieldConfig         = "namespace.mapper.value.database.field"
	ValueCollectionFieldConfig       = "namespace.mapper.value.collection.field"
	NamespaceErrorIfInvalidConfig    = "namespace.mapper.error.if.invalid"
	DocumentIDStrategyConfig         = "document.id.strategy"
	OverwriteExistingConfig          = "document.id.strategy.overwrite.existing"
	UUIDFormatConfig                 = "document.id.strategy.uuid.format"
	PartialKeyProjectionTypeConfig   = "document.id.strategy.partial.key.projection.type"
	PartialKeyProjectionListConfig   = "document.id.strategy.partial.key.projection.list"
	PartialValueProjectionTypeConfig = "document.id.strategy.partial.value.projection.type"
	PartialValueProjectionListConfig = "document.id.strategy.partial.value.projection.list"
	WriteModelStrategyConfig         = "writemodel.strategy"
	DeleteWriteModelStrategyConfig   = "delete.writemodel.strategy"
	DeleteOnNullValuesConfig         = "delete.on.null.values"
	MaxBatchSizeConfig               = "max.batch.size"
	BulkWriteOrderedConfig           = "bulk.write.ordered"
	RateLimitingTimeoutConfig        = "rate.limiting.timeout"
	RateLimitingEveryNConfig         = "rate.limiting.every.n"
	PostProcessorChainConfig         = "post.processor.chain"
	KeyProjectionTypeConfig          = "key.projection.type"
	KeyProjectionListConfig          = "key.projection.list"
	ValueProjectionTypeConfig        = "value.projection.type"
	ValueProjectionListConfig        = "value.projection.list"
	FieldRenamerMappingConfig        = "field.renamer.mapping"
	FieldRenamerRegexpConfig         = "field.renamer.regexp"
	ChangeDataCaptureHandlerConfig   = "change.data.capture.handler"
	TimeseriesTimefieldConfig        = "timeseries.timefield"
	TimeseriesMetafieldConfig        = "timeseries.metafield"
	TimeseriesExpireAfterConfig      = "timeseries.expire.after.seconds"
	TimeseriesGranularityConfig      = "timeseries.granularity"
	TimeseriesAutoConvertConfig      = "timeseries.timefield.auto.convert"
	TimeseriesDateFormatConfig       = "timeseries.timefield.auto.convert.date.format"
	TimeseriesLocaleConfig           = "timeseries.timefield.auto.convert.locale.language.tag"
	MaxNumRetriesConfig              = "max.num.retries"
	RetriesDeferTimeoutConfig        = "retries.defer.timeout"
	MongoErrorsToleranceConfig       = "mongo.errors.tolerance"
	MongoErrorsLogEnableConfig       = "mongo.errors.log.enable"
)

// The class names the official connector's strategy and processor keys
// take. kconnect also takes the part after the last dot.
const (
	idPackage        = "com.mongodb.kafka.connect.sink.processor.id.strategy."
	writeModelPkg    = "com.mongodb.kafka.connect.sink.writemodel.strategy."
	processorPackage = "com.mongodb.kafka.connect.sink.processor."
	namespacePackage = "com.mongodb.kafka.connect.sink.namespace.mapping."

	DefaultNamespaceMapper   = namespacePackage + "DefaultNamespaceMapper"
	FieldPathNamespaceMapper = namespacePackage + "FieldPathNamespaceMapper"
)

var projectionTypes = []string{"none", "blocklist", "allowlist", "blacklist", "whitelist"}

func projectionTypeValidator(allowEmpty bool) connect.Validator {
	return connect.ValidatorFunc(func(v any) error {
		s := strings.ToLower(v.(string))
		if s == "" && allowEmpty {
			return nil
		}
		for _, p := range projectionTypes {
			if s == p {
				return nil
			}
		}
		return fmt.Errorf("%q is not a projection type: none, AllowList or BlockList", v)
	})
}

func classValidator(names map[string]string) connect.Validator {
	return connect.ValidatorFunc(func(v any) error {
		if _, ok := className(v.(string), names); !ok {
			return fmt.Errorf("unknown class %q; kconnect has %s", v, strings.Join(sortedNames(names), ", "))
		}
		return nil
	})
}

var configDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: ConnectionURIConfig, Type: connect.ConfigPassword, Default: "mongodb://localhost:27017",
		Importance: connect.High, Group: "Connection", OrderInGroup: 1,
		Doc: "The connection URI as supported by the official drivers. eg: ``mongodb://user@pass@locahost/``."}).
	Define(connect.ConfigKey{Name: DatabaseConfig, Type: connect.ConfigString, Required: true, Validator: connect.NonEmpty(),
		Importance: connect.High, Group: "Namespace", OrderInGroup: 1, Doc: "The database for the sink to write."}).
	Define(connect.ConfigKey{Name: CollectionConfig, Type: connect.ConfigString, Default: "", Importance: connect.High,
		Group: "Namespace", OrderInGroup: 2,
		Doc: "Optional, single sink collection name to write to. If following multiple topics then this will be the " +
			"default collection they are mapped to."}).
	Define(connect.ConfigKey{Name: NamespaceMapperConfig, Type: connect.ConfigString, Default: DefaultNamespaceMapper,
		Validator: classValidator(namespaceMappers), Importance: connect.Low, Group: "Namespace", OrderInGroup: 3,
		Doc: "The class that determines the namespace to write the sink data to. By default this will be based on the " +
			"'database' configuration and either the topic name or the 'collection' configuration."}).
	Define(connect.ConfigKey{Name: KeyDatabaseFieldConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Group: "Namespace", OrderInGroup: 4, Doc: "The key field to use as the destination database name (FieldPathNamespaceMapper)."}).
	Define(connect.ConfigKey{Name: KeyCollectionFieldConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Group: "Namespace", OrderInGroup: 5, Doc: "The key field to use as the destination collection name (FieldPathNamespaceMapper)."}).
	Define(connect.ConfigKey{Name: ValueDatabaseFieldConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Group: "Namespace", OrderInGroup: 6, Doc: "The value field to use as the destination database name (FieldPathNamespaceMapper)."}).
	Define(connect.ConfigKey{Name: ValueCollectionFieldConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Group: "Namespace", OrderInGroup: 7, Doc: "The value field to use as the destination collection name (FieldPathNamespaceMapper)."}).
	Define(connect.ConfigKey{Name: NamespaceErrorIfInvalidConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low,
		Group: "Namespace", OrderInGroup: 8,
		Doc: "Throw an error if the mapped field is missing or invalid. Defaults to false (the default namespace is used)."}).
	Define(connect.ConfigKey{Name: DeleteOnNullValuesConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Group: "Writes", OrderInGroup: 1, Doc: "Whether or not the connector tries to delete documents based on key when value is null"}).
	Define(connect.ConfigKey{Name: WriteModelStrategyConfig, Type: connect.ConfigString, Default: writeModelPkg + "DefaultWriteModelStrategy",
		Validator: classValidator(writeModels), Importance: connect.Low, Group: "Writes", OrderInGroup: 2,
		Doc: "The class the handles how build the write models for the sink documents"}).
	Define(connect.ConfigKey{Name: DeleteWriteModelStrategyConfig, Type: connect.ConfigString, Default: writeModelPkg + "DeleteOneDefaultStrategy",
		Validator: classValidator(writeModels), Importance: connect.Low, Group: "Writes", OrderInGroup: 3,
		Doc: "The class the handles how to build the delete write models for the sink documents."}).
	Define(connect.ConfigKey{Name: MaxBatchSizeConfig, Type: connect.ConfigInt, Default: 0, Validator: connect.AtLeast(0),
		Importance: connect.Medium, Group: "Writes", OrderInGroup: 4,
		Doc: "The maximum number of sink records to possibly batch together for processing"}).
	Define(connect.ConfigKey{Name: BulkWriteOrderedConfig, Type: connect.ConfigBoolean, Default: true, Importance: connect.Medium,
		Group: "Writes", OrderInGroup: 5, Doc: "Whether the batches controlled by 'max.batch.size' must be written via ordered bulk writes"}).
	Define(connect.ConfigKey{Name: RateLimitingTimeoutConfig, Type: connect.ConfigInt, Default: 0, Validator: connect.AtLeast(0),
		Importance: connect.Low, Group: "Writes", OrderInGroup: 6, Doc: "How long in ms processing should wait before continue processing"}).
	Define(connect.ConfigKey{Name: RateLimitingEveryNConfig, Type: connect.ConfigInt, Default: 0, Validator: connect.AtLeast(0),
		Importance: connect.Low, Group: "Writes", OrderInGroup: 7,
		Doc: "After how many processed batches the rate limit should trigger (NO rate limiting if n=0)"}).
	Define(connect.ConfigKey{Name: MaxNumRetriesConfig, Type: connect.ConfigInt, Default: 1, Validator: connect.AtLeast(0),
		Importance: connect.Low, Group: "Writes", OrderInGroup: 8,
		Doc: "How often a batch whose write failed for a transient reason (the network, no primary) is delivered again " +
			"before the task fails. The official connector no longer uses it and relies on the driver's retryable " +
			"writes alone; kconnect uses both."}).
	Define(connect.ConfigKey{Name: RetriesDeferTimeoutConfig, Type: connect.ConfigInt, Default: 5000, Validator: connect.AtLeast(0),
		Importance: connect.Low, Group: "Writes", OrderInGroup: 9,
		Doc: "How long in ms to wait before a batch is delivered again after a transient failure."}).
	Define(connect.ConfigKey{Name: PostProcessorChainConfig, Type: connect.ConfigList, Default: processorPackage + "DocumentIdAdder",
		Validator: connect.ValidatorFunc(func(v any) error {
			for _, c := range v.([]string) {
				if _, ok := className(c, postProcessors); !ok {
					return fmt.Errorf("unknown post processor %q; kconnect has %s", c, strings.Join(sortedNames(postProcessors), ", "))
				}
			}
			return nil
		}), Importance: connect.Low, Group: "Post Processing", OrderInGroup: 1,
		Doc: "A comma separated list of post processor classes to process the data before saving to MongoDB."}).
	Define(connect.ConfigKey{Name: KeyProjectionTypeConfig, Type: connect.ConfigString, Default: "none", Validator: projectionTypeValidator(false),
		Importance: connect.Low, Group: "Post Processing", OrderInGroup: 2, Doc: "The type of key projection to use Use either `AllowList` or `BlockList`."}).
	Define(connect.ConfigKey{Name: KeyProjectionListConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Group: "Post Processing", OrderInGroup: 3, Doc: "A comma separated list of field names for key projection"}).
	Define(connect.ConfigKey{Name: ValueProjectionTypeConfig, Type: connect.ConfigString, Default: "none", Validator: projectionTypeValidator(false),
		Importance: connect.Low, Group: "Post Processing", OrderInGroup: 4, Doc: "The type of value projection to use"}).
	Define(connect.ConfigKey{Name: ValueProjectionListConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Group: "Post Processing", OrderInGroup: 5, Doc: "A comma separated list of field names for value projection"}).
	Define(connect.ConfigKey{Name: FieldRenamerMappingConfig, Type: connect.ConfigString, Default: "[]", Importance: connect.Low,
		Validator: connect.ValidatorFunc(func(v any) error { _, err := parseRenameMappings(v.(string)); return err }),
		Group:     "Post Processing", OrderInGroup: 6,
		Doc: "An inline JSON array with objects describing field name mappings.\nExample: " +
			"`[{\"oldName\":\"key.fieldA\",\"newName\":\"field1\"},{\"oldName\":\"value.xyz\",\"newName\":\"abc\"}]`"}).
	Define(connect.ConfigKey{Name: FieldRenamerRegexpConfig, Type: connect.ConfigString, Default: "[]", Importance: connect.Low,
		Validator: connect.ValidatorFunc(func(v any) error { _, err := parseRenameRegexps(v.(string)); return err }),
		Group:     "Post Processing", OrderInGroup: 7,
		Doc: "An inline JSON array with objects describing regexp settings.\nExample: " +
			"`[{\"regexp\":\"^key\\\\..*my.*$\",\"pattern\":\"my\",\"replace\":\"\"},{\"regexp\":\"^value\\\\..*$\",\"pattern\":\"\\\\.\",\"replace\":\"_\"}]`"}).
	Define(connect.ConfigKey{Name: DocumentIDStrategyConfig, Type: connect.ConfigString, Default: idPackage + "BsonOidStrategy",
		Validator: classValidator(idStrategies), Importance: connect.High, Group: "Id Strategies", OrderInGroup: 1,
		Doc: "The IdStrategy class name to use for generating a unique document id (_id)"}).
	Define(connect.ConfigKey{Name: OverwriteExistingConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low,
		Group: "Id Strategies", OrderInGroup: 2, Doc: "Allows the document id strategy will overwrite existing `_id` values"}).
	Define(connect.ConfigKey{Name: UUIDFormatConfig, Type: connect.ConfigString, Default: "string", Validator: connect.OneOfIgnoreCase("string", "binary"),
		Importance: connect.Low, Group: "Id Strategies", OrderInGroup: 3,
		Doc: "The bson output format when using the `UuidStrategy`. Either `String` or `Binary`."}).
	Define(connect.ConfigKey{Name: PartialKeyProjectionTypeConfig, Type: connect.ConfigString, Default: "", Validator: projectionTypeValidator(true),
		Importance: connect.Low, Group: "Id Strategies", OrderInGroup: 4,
		Doc: "For use with the `PartialKeyStrategy` allows custom key fields to be projected for the id strategy Use either `AllowList` or `BlockList`."}).
	Define(connect.ConfigKey{Name: PartialKeyProjectionListConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Group: "Id Strategies", OrderInGroup: 5,
		Doc: "For use with the `PartialKeyStrategy` allows custom key fields to be projected for the id strategy. A comma separated list of field names for key projection."}).
	Define(connect.ConfigKey{Name: PartialValueProjectionTypeConfig, Type: connect.ConfigString, Default: "", Validator: projectionTypeValidator(true),
		Importance: connect.Low, Group: "Id Strategies", OrderInGroup: 6,
		Doc: "For use with the `PartialValueStrategy` allows custom value fields to be projected for the id strategy. Use either `AllowList` or `BlockList`."}).
	Define(connect.ConfigKey{Name: PartialValueProjectionListConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
		Group: "Id Strategies", OrderInGroup: 7,
		Doc: "For use with the `PartialValueStrategy` allows custom value fields to be projected for the id strategy. A comma separated list of field names for value projection."}).
	Define(connect.ConfigKey{Name: ChangeDataCaptureHandlerConfig, Type: connect.ConfigString, Default: "",
		Validator: connect.ValidatorFunc(func(v any) error {
			if h := strings.TrimSpace(v.(string)); h != "" && !cdcHandlers[h] {
				return fmt.Errorf("unknown or unsupported CDC handler %q; kconnect has %s", h,
					strings.Join(slices.Sorted(maps.Keys(cdcHandlers)), ", "))
			}
			return nil
		}), Importance: connect.Low, Group: "Change Data Capture", OrderInGroup: 1,
		Doc: "The class name of the CDC handler to use for processing. kconnect has Debezium's relational handlers " +
			"(RdbmsHandler, PostgresHandler, MysqlHandler), Debezium's MongoDB handlers (debezium.mongodb.MongoDbHandler, " +
			"debezium.mongodb.ChangeStreamHandler) and MongoDB's ChangeStreamHandler."}).
	Define(connect.ConfigKey{Name: TimeseriesTimefieldConfig, Type: connect.ConfigString, Default: "",
		Importance: connect.Low, Group: "Time series", OrderInGroup: 1,
		Doc: "Name of the top level field used for time. Inserted documents must have this field, and the field must be of the " +
			"BSON datetime type. When set, the collection is created as a time series collection when missing."}).
	Define(connect.ConfigKey{Name: TimeseriesMetafieldConfig, Type: connect.ConfigString, Default: "",
		Importance: connect.Low, Group: "Time series", OrderInGroup: 2,
		Doc: "The name of the top-level field which contains metadata in each time series document. The meta field may not be " +
			"the same as the `timeField` or `_id`."}).
	Define(connect.ConfigKey{Name: TimeseriesExpireAfterConfig, Type: connect.ConfigLong, Default: int64(0), Validator: connect.AtLeast(int64(0)),
		Importance: connect.Low, Group: "Time series", OrderInGroup: 3,
		Doc: "Determines the amount of time in seconds the data will be in MongoDB before being automatically deleted."}).
	Define(connect.ConfigKey{Name: TimeseriesGranularityConfig, Type: connect.ConfigString, Default: "",
		Validator: connect.ValidatorFunc(func(v any) error {
			if g := strings.ToLower(v.(string)); g != "" && !slices.Contains(granularities, g) {
				return fmt.Errorf("Invalid enumerator value. Should be one of: [%s]", strings.Join(granularities, ", "))
			}
			return nil
		}), Importance: connect.Low, Group: "Time series", OrderInGroup: 4,
		Doc: "Describes the expected interval between subsequent measurements for a time series. Possible values: \"seconds\" \"minutes\" \"hours\"."}).
	Define(connect.ConfigKey{Name: TimeseriesAutoConvertConfig, Type: connect.ConfigBoolean, Default: false,
		Importance: connect.Low, Group: "Time series", OrderInGroup: 5,
		Doc: "Converts the timeseries field to a BSON datetime type. If the value is a numeric value it will use it as the " +
			"milliseconds from epoch. Note any fractional parts are discarded. If the value is a String it will use " +
			"`timeseries.timefield.auto.convert.date.format` configuration to parse the date."}).
	Define(connect.ConfigKey{Name: TimeseriesDateFormatConfig, Type: connect.ConfigString, Default: defaultDateTimePattern,
		Validator:  connect.ValidatorFunc(func(v any) error { _, err := compileDateTimePattern(v.(string)); return err }),
		Importance: connect.Low, Group: "Time series", OrderInGroup: 6,
		Doc: "The DateTimeFormatter pattern to use when converting String dates. Defaults to supporting ISO style date times. " +
			"A string with a date only is taken at the start of that day; one without an offset or zone as UTC. kconnect " +
			"parses the pattern letters u y M L d H h K k m s S a X x Z VV."}).
	Define(connect.ConfigKey{Name: TimeseriesLocaleConfig, Type: connect.ConfigString, Default: "",
		Importance: connect.Low, Group: "Time series", OrderInGroup: 7,
		Doc: "The DateTimeFormatter locale language tag to use with the date pattern: Defaults to Locale.ROOT. kconnect has " +
			"the English month and AM/PM names only."}).
	Define(connect.ConfigKey{Name: MongoErrorsToleranceConfig, Type: connect.ConfigString, Default: "",
		Validator: connect.OneOfIgnoreCase("", "none", "all"), Importance: connect.Medium,
		Doc: "Use this property if you would like to configure the connector's error handling behavior differently from the " +
			"Connect framework's: none or all, overriding errors.tolerance for the records the connector cannot write."}).
	Define(connect.ConfigKey{Name: MongoErrorsLogEnableConfig, Type: connect.ConfigString, Default: "",
		Validator: connect.OneOfIgnoreCase("", "true", "false"), Importance: connect.Medium,
		Doc: "Use this property if you would like to configure the connector's error handling behavior differently from the " +
			"Connect framework's: true or false, overriding errors.log.enable for the records the connector cannot write."})

// granularities are timeseries.granularity's values, MongoDB's.
var granularities = []string{"seconds", "minutes", "hours"}

// ConfigDef returns the connector's configuration definition. The result is
// shared; do not Define keys on it.
func ConfigDef() *connect.ConfigDef { return configDef }

// className resolves a configured class name, full or simple, to its simple
// name among names (simple → full).
func className(s string, names map[string]string) (string, bool) {
	s = strings.TrimSpace(s)
	simple := s[strings.LastIndexByte(s, '.')+1:]
	full, ok := names[simple]
	return simple, ok && (s == simple || s == full)
}

func sortedNames(names map[string]string) []string {
	return slices.Sorted(maps.Values(names))
}

// topicConfig returns the configuration for records of topic: config
// without the connection and topic keys, with the topic's overrides
// (topic.override.<topic>.<key>) applied, as the official
// MongoSinkTopicConfig builds it.
func topicConfig(config map[string]string, topic string) map[string]string {
	out := make(map[string]string, len(config))
	prefix := TopicOverridePrefix + topic + "."
	overrides := map[string]string{}
	for k, v := range config {
		if !strings.HasPrefix(k, TopicOverridePrefix) && k != ConnectionURIConfig {
			out[k] = v
		}
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			overrides[rest] = v
		}
	}
	maps.Copy(out, overrides)
	return out
}

// renameMapping is one element of field.renamer.mapping.
type renameMapping struct {
	OldName string `json:"oldName"`
	NewName string `json:"newName"`
}

func parseRenameMappings(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("not a JSON array of {\"oldName\": ..., \"newName\": ...} objects: %v", err)
	}
	out := make(map[string]string, len(list))
	for _, m := range list {
		o, ook := m["oldName"].(string)
		n, nok := m["newName"].(string)
		if !ook || !nok {
			return nil, fmt.Errorf("both oldName and newName must be mapped, to strings: %v", m)
		}
		out[o] = n
	}
	return out, nil
}

// renameRegexp is one element of field.renamer.regexp.
type renameRegexp struct {
	path, pattern *regexp.Regexp
	replace       javaregex.Replacement
}

func parseRenameRegexps(s string) ([]renameRegexp, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var list []struct {
		Regexp  *string `json:"regexp"`
		Pattern *string `json:"pattern"`
		Replace *string `json:"replace"`
	}
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("not a JSON array of {\"regexp\": ..., \"pattern\": ..., \"replace\": ...} objects: %v", err)
	}
	out := make([]renameRegexp, 0, len(list))
	for i, e := range list {
		if e.Regexp == nil || e.Pattern == nil || e.Replace == nil {
			return nil, fmt.Errorf("element %d: regexp, pattern and replace must all be set", i)
		}
		path, err := javaregex.CompileWhole(*e.Regexp)
		if err != nil {
			return nil, fmt.Errorf("element %d: regexp %q: %v", i, *e.Regexp, err)
		}
		pattern, err := javaregex.Compile(*e.Pattern)
		if err != nil {
			return nil, fmt.Errorf("element %d: pattern %q: %v", i, *e.Pattern, err)
		}
		rp, err := javaregex.ParseReplacement(*e.Replace, pattern)
		if err != nil {
			return nil, fmt.Errorf("element %d: replace %q: %v", i, *e.Replace, err)
		}
		out = append(out, renameRegexp{path: path, pattern: pattern, replace: rp})
	}
	return out, nil
}
