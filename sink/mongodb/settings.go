package mongodb

import (
	"fmt"
	"strings"
	"time"
)

// topicSettings is the parsed configuration of one topic's records: the
// connector's keys with the topic's overrides.
type topicSettings struct {
	topic      string
	namespace  namespaceMapper
	ids        *idStrategy
	processors []postProcessor
	write      writeModelStrategy
	delete     writeModelStrategy  // nil unless delete.on.null.values
	cdc        cdcHandler          // nil unless change.data.capture.handler
	timeseries *timeseriesSettings // nil unless timeseries.timefield
	maxBatch   int
	ordered    bool
	rateEvery  int
	rateWait   time.Duration
	batches    int // bulk writes so far, for rate limiting
	// tolerance is mongo.errors.tolerance, "" when unset: the errant
	// record reporter then applies the framework's errors.tolerance.
	tolerance string
	// logErrors: log each record that cannot be written, as the
	// official connector does unless errors are tolerated and neither
	// mongo.errors.log.enable nor errors.log.enable is true.
	logErrors bool
}

// parseTopicSettings builds a topic's settings as the official
// MongoSinkTopicConfig does; errors name the key concerned.
func parseTopicSettings(config map[string]string, topic string) (*topicSettings, error) {
	raw := topicConfig(config, topic)
	cfg, err := configDef.Parse(raw)
	if err != nil {
		return nil, err
	}
	s := &topicSettings{
		topic:     topic,
		maxBatch:  cfg.Int(MaxBatchSizeConfig),
		ordered:   cfg.Bool(BulkWriteOrderedConfig),
		rateEvery: cfg.Int(RateLimitingEveryNConfig),
		rateWait:  time.Duration(cfg.Int(RateLimitingTimeoutConfig)) * time.Millisecond,
		tolerance: strings.ToLower(cfg.String(MongoErrorsToleranceConfig)),
	}
	// errors.tolerance and errors.log.enable are the framework's keys,
	// which the official connector reads as fallbacks of its own.
	tolerance := s.tolerance
	if tolerance == "" {
		tolerance = strings.ToLower(strings.TrimSpace(raw["errors.tolerance"]))
	}
	logEnable := strings.ToLower(cfg.String(MongoErrorsLogEnableConfig))
	if logEnable == "" {
		logEnable = strings.ToLower(strings.TrimSpace(raw["errors.log.enable"]))
	}
	s.logErrors = tolerance != "all" || logEnable == "true"
	if h := strings.TrimSpace(cfg.String(ChangeDataCaptureHandlerConfig)); h != "" {
		// The official connector then ignores the post processors and
		// the id and write model strategies.
		switch h {
		case "com.mongodb.kafka.connect.sink.cdc.mongodb.ChangeStreamHandler":
			s.cdc = changeStreamHandler
		case debeziumMongoDbHandler:
			s.cdc = debeziumMongoHandler(false)
		case debeziumMongoChangeStreamHandler:
			s.cdc = debeziumMongoHandler(true)
		default:
			s.cdc = rdbmsHandler
		}
	}
	if s.timeseries, err = parseTimeseries(cfg); err != nil {
		return nil, err
	}
	name, _ := className(cfg.String(NamespaceMapperConfig), namespaceMappers)
	if s.namespace, err = newNamespaceMapper(name, cfg, topic); err != nil {
		return nil, err
	}
	name, _ = className(cfg.String(DocumentIDStrategyConfig), idStrategies)
	if s.ids, err = newIDStrategy(name, cfg); err != nil {
		return nil, err
	}
	hasIDAdder := false
	for _, c := range cfg.List(PostProcessorChainConfig) {
		name, _ := className(c, postProcessors)
		var p postProcessor
		switch name {
		case "DocumentIdAdder":
			hasIDAdder = true
			p = documentIDAdder(s.ids, cfg.Bool(OverwriteExistingConfig))
		case "KafkaMetaAdder":
			p = kafkaMetaAdder
		case "NullFieldValueRemover":
			p = nullFieldValueRemover
		case "BlockListKeyProjector", "BlacklistKeyProjector":
			p = newProjector(false, true, cfg.String(KeyProjectionListConfig))
		case "BlockListValueProjector", "BlacklistValueProjector":
			p = newProjector(false, false, cfg.String(ValueProjectionListConfig))
		case "AllowListKeyProjector", "WhitelistKeyProjector":
			p = newProjector(true, true, cfg.String(KeyProjectionListConfig))
		case "AllowListValueProjector", "WhitelistValueProjector":
			p = newProjector(true, false, cfg.String(ValueProjectionListConfig))
		case "RenameByMapping":
			m, err := parseRenameMappings(cfg.String(FieldRenamerMappingConfig))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", FieldRenamerMappingConfig, err)
			}
			p = renameByMapping(m)
		case "RenameByRegExp":
			rules, err := parseRenameRegexps(cfg.String(FieldRenamerRegexpConfig))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", FieldRenamerRegexpConfig, err)
			}
			p = renameByRegexp(rules)
		default:
			return nil, fmt.Errorf("%s: unknown post processor %q", PostProcessorChainConfig, c)
		}
		s.processors = append(s.processors, p)
	}
	if !hasIDAdder {
		// The official chain always starts with the DocumentIdAdder.
		s.processors = append([]postProcessor{documentIDAdder(s.ids, cfg.Bool(OverwriteExistingConfig))}, s.processors...)
	}
	if s.timeseries != nil && s.timeseries.convert != nil {
		// The official chain ends with the time field's conversion.
		s.processors = append(s.processors, s.timeseries)
	}
	name, _ = className(cfg.String(WriteModelStrategyConfig), writeModels)
	if name == "DefaultWriteModelStrategy" && s.timeseries != nil {
		// Time series collections take inserts only.
		name = "InsertOneDefaultStrategy"
	}
	if s.write, err = newWriteModelStrategy(name, s.ids); err != nil {
		return nil, fmt.Errorf("%s: %w", WriteModelStrategyConfig, err)
	}
	if cfg.Bool(DeleteOnNullValuesConfig) {
		name, _ = className(cfg.String(DeleteWriteModelStrategyConfig), writeModels)
		if name == "DeleteOneDefaultStrategy" {
			switch s.ids.name {
			case "FullKeyStrategy", "PartialKeyStrategy", "ProvidedInKeyStrategy":
				s.delete = deleteOneDefault(s.ids)
			default:
				return nil, fmt.Errorf("%s: DeleteOneDefaultStrategy can only be applied when the configured IdStrategy is "+
					"an instance of: FullKeyStrategy or PartialKeyStrategy or ProvidedInKeyStrategy, not %s", DeleteOnNullValuesConfig, s.ids.name)
			}
		} else if s.delete, err = newWriteModelStrategy(name, s.ids); err != nil {
			return nil, fmt.Errorf("%s: %w", DeleteWriteModelStrategyConfig, err)
		}
	}
	return s, nil
}

// overrideTopics returns the topics named by topic.override.<topic>.<key>
// keys that are keys of the configuration: a topic name may hold dots, so
// each key's topic is the longest prefix followed by a known key.
func overrideTopics(config map[string]string) []string {
	seen := map[string]bool{}
	var out []string
	for k := range config {
		rest, ok := strings.CutPrefix(k, TopicOverridePrefix)
		if !ok {
			continue
		}
		for i := len(rest) - 1; i > 0; i-- {
			if rest[i] != '.' {
				continue
			}
			if _, known := configDef.Key(rest[i+1:]); known && !seen[rest[:i]] {
				seen[rest[:i]] = true
				out = append(out, rest[:i])
				break
			}
		}
	}
	return out
}
