package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

// Connector configuration keys common to every connector, as Kafka Connect
// names them (ConnectorConfig, SourceConnectorConfig, SinkConnectorConfig).
// The transform chain's keys, transforms and predicates, are
// transform.TransformsConfig and transform.PredicatesConfig.
const (
	NameConfig            = "name"
	ConnectorClassConfig  = "connector.class"
	TasksMaxConfig        = "tasks.max"
	TasksMaxEnforceConfig = "tasks.max.enforce"
	KeyConverterConfig    = "key.converter"
	ValueConverterConfig  = "value.converter"
	HeaderConverterConfig = "header.converter"

	ErrorsRetryTimeoutConfig        = "errors.retry.timeout"
	ErrorsRetryMaxDelayConfig       = "errors.retry.delay.max.ms"
	ErrorsToleranceConfig           = "errors.tolerance"
	ErrorsLogEnableConfig           = "errors.log.enable"
	ErrorsLogIncludeMessagesConfig  = "errors.log.include.messages"
	DLQTopicNameConfig              = "errors.deadletterqueue.topic.name"
	DLQTopicReplicationFactorConfig = "errors.deadletterqueue.topic.replication.factor"
	DLQContextHeadersEnableConfig   = "errors.deadletterqueue.context.headers.enable"

	TopicsConfig      = "topics"
	TopicsRegexConfig = "topics.regex"

	TopicCreationGroupsConfig             = "topic.creation.groups"
	TopicCreationDefaultPartitionsConfig  = "topic.creation.default.partitions"
	TopicCreationDefaultReplicationConfig = "topic.creation.default.replication.factor"

	ExactlyOnceSupportConfig          = "exactly.once.support"
	TransactionBoundaryConfig         = "transaction.boundary"
	TransactionBoundaryIntervalConfig = "transaction.boundary.interval.ms"
	OffsetsStorageTopicConfig         = "offsets.storage.topic"
)

const (
	groupCommon = "Common"
	groupErrors = "Error Handling"
	groupTopics = "Topic Creation"
	groupEOS    = "Exactly Once Support"
)

// baseConfigDef defines the keys every connector has.
func baseConfigDef() *connect.ConfigDef {
	d := connect.NewConfigDef()
	order := 0
	common := func(k connect.ConfigKey) {
		order++
		k.Group, k.OrderInGroup = groupCommon, order
		d.Define(k)
	}
	common(connect.ConfigKey{Name: NameConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
		Validator: connect.NonEmpty(), DisplayName: "Connector name",
		Doc: "Globally unique name to use for this connector."})
	common(connect.ConfigKey{Name: ConnectorClassConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
		DisplayName: "Connector class",
		Doc:         "Name or alias of the class for this connector, e.g. org.apache.kafka.connect.file.FileStreamSinkConnector or FileStreamSink."})
	common(connect.ConfigKey{Name: TasksMaxConfig, Type: connect.ConfigInt, Default: 1, Importance: connect.High,
		Validator: connect.AtLeast(1), DisplayName: "Tasks max",
		Doc: "Maximum number of tasks to use for this connector."})
	common(connect.ConfigKey{Name: TasksMaxEnforceConfig, Type: connect.ConfigBoolean, Default: true, Importance: connect.Low,
		Doc: "Whether to fail a connector that generates more than tasks.max task configs."})
	common(connect.ConfigKey{Name: KeyConverterConfig, Type: connect.ConfigClass, Importance: connect.Low,
		DisplayName: "Key converter class",
		Doc:         "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka; the worker's default when unset."})
	common(connect.ConfigKey{Name: ValueConverterConfig, Type: connect.ConfigClass, Importance: connect.Low,
		DisplayName: "Value converter class",
		Doc:         "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka; the worker's default when unset."})
	common(connect.ConfigKey{Name: HeaderConverterConfig, Type: connect.ConfigClass, Importance: connect.Low,
		DisplayName: "Header converter class",
		Doc:         "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka; the worker's default when unset."})

	for _, k := range transform.ChainConfigDef().Keys() {
		d.Define(k)
	}

	order = 0
	errs := func(k connect.ConfigKey) {
		order++
		k.Group, k.OrderInGroup = groupErrors, order
		d.Define(k)
	}
	errs(connect.ConfigKey{Name: ErrorsRetryTimeoutConfig, Type: connect.ConfigLong, Default: int64(0), Importance: connect.Medium,
		Validator: connect.AtLeast(int64(-1)), DisplayName: "Retry Timeout for Errors",
		Doc: "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries."})
	errs(connect.ConfigKey{Name: ErrorsRetryMaxDelayConfig, Type: connect.ConfigLong, Default: int64(60000), Importance: connect.Medium,
		Validator: connect.AtLeast(int64(0)), DisplayName: "Maximum Delay Between Retries for Errors",
		Doc: "The maximum duration in milliseconds between consecutive retry attempts."})
	errs(connect.ConfigKey{Name: ErrorsToleranceConfig, Type: connect.ConfigString, Default: "none", Importance: connect.Medium,
		Validator: connect.OneOfIgnoreCase("none", "all"), DisplayName: "Error Tolerance",
		Doc: "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records."})
	errs(connect.ConfigKey{Name: ErrorsLogEnableConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		DisplayName: "Log Errors",
		Doc:         "If true, write each error and the details of the failed operation and problematic record to the log."})
	errs(connect.ConfigKey{Name: ErrorsLogIncludeMessagesConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		DisplayName: "Log Error Details",
		Doc:         "Whether to include in the log the Connect record that resulted in a failure."})
	errs(connect.ConfigKey{Name: DLQTopicNameConfig, Type: connect.ConfigString, Default: "", Importance: connect.Medium,
		DisplayName: "Dead Letter Queue Topic Name",
		Doc:         "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this connector, or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ."})
	errs(connect.ConfigKey{Name: DLQTopicReplicationFactorConfig, Type: connect.ConfigInt, Default: 3, Importance: connect.Medium,
		DisplayName: "Dead Letter Queue Topic Replication Factor",
		Doc:         "Replication factor used to create the dead letter queue topic when it doesn't already exist; -1 uses the broker's default."})
	errs(connect.ConfigKey{Name: DLQContextHeadersEnableConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		DisplayName: "Enable Error Context Headers",
		Doc:         "If true, add headers containing error context to the messages written to the dead letter queue."})
	return d
}

// sourceConfigDef adds the source connector keys.
func sourceConfigDef() *connect.ConfigDef {
	d := baseConfigDef()
	d.Define(connect.ConfigKey{Name: TopicCreationGroupsConfig, Type: connect.ConfigList, Default: "", Importance: connect.Low,
		Group: groupTopics, OrderInGroup: 1, DisplayName: "Topic Creation Groups",
		Doc: "Groups of configurations for topics created by source connectors."})
	d.Define(connect.ConfigKey{Name: TopicCreationDefaultPartitionsConfig, Type: connect.ConfigInt, Default: -1, Importance: connect.Low,
		Group: groupTopics, OrderInGroup: 2,
		Doc: "The number of partitions new topics created for this connector get; -1 uses the broker's default."})
	d.Define(connect.ConfigKey{Name: TopicCreationDefaultReplicationConfig, Type: connect.ConfigInt, Default: -1, Importance: connect.Low,
		Group: groupTopics, OrderInGroup: 3,
		Doc: "The replication factor of new topics created for this connector; -1 uses the broker's default."})
	d.Define(connect.ConfigKey{Name: ExactlyOnceSupportConfig, Type: connect.ConfigString, Default: "requested", Importance: connect.Medium,
		Validator: connect.OneOfIgnoreCase("requested", "required"), Group: groupEOS, OrderInGroup: 1,
		Doc: "Permitted values are requested, required. If set to \"required\", forces a preflight check for the connector to ensure that it can provide exactly-once semantics with the given configuration."})
	d.Define(connect.ConfigKey{Name: TransactionBoundaryConfig, Type: connect.ConfigString, Default: "poll", Importance: connect.Medium,
		Validator: connect.OneOfIgnoreCase("poll", "interval", "connector"), Group: groupEOS, OrderInGroup: 2,
		Doc: "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from this connector provides to Connect."})
	d.Define(connect.ConfigKey{Name: TransactionBoundaryIntervalConfig, Type: connect.ConfigLong, Importance: connect.Low,
		Group: groupEOS, OrderInGroup: 3,
		Doc: "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks."})
	d.Define(connect.ConfigKey{Name: OffsetsStorageTopicConfig, Type: connect.ConfigString, Importance: connect.Low,
		Group: groupEOS, OrderInGroup: 4,
		Doc: "The name of a separate offsets topic to use for this connector."})
	return d
}

// connectorConfigDef returns the definition a connector's configuration is
// parsed with: the common keys of the plugin's kind, then the plugin's own
// keys, but for those the common keys define already.
func connectorConfigDef(info connect.PluginInfo) *connect.ConfigDef {
	def := sourceConfigDef()
	if info.Kind == connect.SinkPlugin {
		def = sinkConfigDef()
	}
	for _, k := range info.Config.Keys() {
		if _, defined := def.Key(k.Name); !defined {
			def.Define(k)
		}
	}
	return def
}

// sinkConfigDef adds the sink connector keys.
func sinkConfigDef() *connect.ConfigDef {
	d := baseConfigDef()
	d.Define(connect.ConfigKey{Name: TopicsConfig, Type: connect.ConfigList, Default: "", Importance: connect.High,
		Group: groupCommon, OrderInGroup: 4, DisplayName: "Topics",
		Doc: "List of topics to consume, separated by commas"})
	d.Define(connect.ConfigKey{Name: TopicsRegexConfig, Type: connect.ConfigString, Default: "", Importance: connect.High,
		Group: groupCommon, OrderInGroup: 4, DisplayName: "Topics regex",
		Doc: "Regular expression giving topics to consume. Only one of topics or topics.regex should be specified."})
	return d
}

// ValidateConnectorConfig checks a connector configuration without creating
// anything and returns what Kafka Connect's
// PUT /connector-plugins/{plugin}/config/validate returns for it: one entry
// per key of the common connector keys of the plugin's kind, of the
// plugin's ConfigDef and of each listed transform and predicate alias, with
// its value and errors, and error_count, the number of errors.
//
// Unknown keys, which nothing in the configuration reads (see
// RejectUnknownKeys), are listed too, where Kafka Connect lists nothing:
// each as an entry without definition (JSON null), its value null (it may
// be a secret) and its errors one message naming the nearest known key if
// one is close, such as "Unknown configuration tasks.maxx is ignored: ...
// Did you mean tasks.max?". They count in error_count only with
// RejectUnknownKeys, so that error_count is 0 exactly when the
// configuration's keys and values are ones CreateConnector accepts; a UI
// showing the errors of each entry still shows them.
//
// The checks CreateConnector makes across keys are reported too, each on
// the key it concerns, as Kafka Connect places them: topics against
// topics.regex (on both), the topic creation groups, client overrides
// that ClientOverridePolicy refuses or kconnect's client cannot honour
// (on the override key, clientpolicy.go), the connector's
// exactly-once settings (exactly.once.support, transaction.boundary), and
// building the converters (on their class key) and the transforms and
// predicates (on the alias's key at fault, else its type), which are
// closed again at once. They need the common connector keys to parse, and
// the converters and chain are built only when none of their own keys has
// an error, so an error may show only once those are fixed; either way,
// error_count is 0 exactly when CreateConnector (PutConnectorConfig) would
// accept the configuration. A password key given as [hidden] is the one
// the connector called by the name key has, as PutConnectorConfig takes
// it, and an error when it has none. The error is for a configuration
// without connector.class, or whose class names no connector plugin of the
// worker.
//
// With ConfigProviders, config's references are resolved first, and the
// response shows them, never the values: a key holding one shows its value
// as given, and a reference that cannot be resolved is that key's error.
func (w *Worker) ValidateConnectorConfig(config map[string]string) (connect.ConfigInfos, error) {
	return w.validateConnectorConfig(context.Background(), config)
}

// validateConnectorConfig is ValidateConnectorConfig.
func (w *Worker) validateConnectorConfig(ctx context.Context, given map[string]string) (connect.ConfigInfos, error) {
	res, err := w.resolve(ctx, given)
	unresolved := unresolvedByKey(err)
	if err != nil && unresolved == nil {
		return connect.ConfigInfos{}, err
	}
	infos, err := w.validateResolved(res.Config)
	if err != nil {
		return connect.ConfigInfos{}, redact(res, err)
	}
	redactInfos(&infos, given, res, unresolved)
	return infos, nil
}

// validateResolved is ValidateConnectorConfig for a configuration whose
// references are resolved.
func (w *Worker) validateResolved(config map[string]string) (connect.ConfigInfos, error) {
	class := strings.TrimSpace(config[ConnectorClassConfig])
	if class == "" {
		return connect.ConfigInfos{}, fmt.Errorf("worker: %s: missing required configuration", ConnectorClassConfig)
	}
	p, err := w.connectorPlugin(class)
	if err != nil {
		return connect.ConfigInfos{}, err
	}
	info := p.Info()
	var stored map[string]string
	if c, err := w.connector(config[NameConfig]); err == nil {
		stored = c.raw
	}
	config, hidden := w.restorePasswords(config, stored)
	def := connectorConfigDef(info)
	for _, k := range transform.EnrichConfigDef(config, w.plugins...).Keys() {
		if _, defined := def.Key(k.Name); !defined {
			def.Define(k)
		}
	}
	values := def.Validate(config)
	across := hidden
	common := sourceConfigDef()
	if info.Kind == connect.SinkPlugin {
		common = sinkConfigDef()
	}
	if cfg, err := common.Parse(config); err == nil {
		_, errs := w.checkAcrossKeys(config[NameConfig], info, cfg, config, !pluginKeysBad(values))
		across = append(across, errs...)
		across = append(across, w.eosConfigErrors(p, cfg, config)...)
	}
	values = placeErrors(values, across, config)
	unknown := w.unknownKeys(info, config)
	for _, u := range unknown {
		values = append(values, connect.ConfigValue{Name: u.key, Errors: []string{u.message(w.opts.rejectUnknown)}, Visible: true})
	}
	infos := def.Infos(info.Class, values)
	if !w.opts.rejectUnknown {
		infos.ErrorCount -= len(unknown)
	}
	return infos, nil
}

// pluginKeysBad reports whether a validated key of the converters or the
// transform chain has an error: building them would only report it again.
func pluginKeysBad(values []connect.ConfigValue) bool {
	for _, v := range values {
		if len(v.Errors) == 0 {
			continue
		}
		for _, p := range []string{KeyConverterConfig, ValueConverterConfig, HeaderConverterConfig, transform.TransformsConfig, transform.PredicatesConfig} {
			if v.Name == p || strings.HasPrefix(v.Name, p+".") {
				return true
			}
		}
	}
	return false
}

// placeErrors adds each error to the value of its key, or to a new value
// without one (a key that has no definition, whose value may be a secret)
// when values has none for it; a message already there is not repeated.
func placeErrors(values []connect.ConfigValue, errs []*connect.ConfigKeyError, config map[string]string) []connect.ConfigValue {
	for _, e := range errs {
		i := slices.IndexFunc(values, func(v connect.ConfigValue) bool { return v.Name == e.Key })
		if i < 0 {
			// A key no definition has, such as a client override: shown
			// with its value, a secret one hidden.
			v := connect.ConfigValue{Name: e.Key, Visible: true}
			if val, ok := config[e.Key]; ok {
				v.Value = val
				if secretProp(e.Key) && !isReference(val) {
					v.Value = connect.PasswordHidden
				}
			}
			values = append(values, v)
			i = len(values) - 1
		}
		// A message naming its key first, as creation's errors do, is
		// given as Kafka's validate response gives it, without the key.
		msg := strings.TrimPrefix(e.Message, e.Key+": ")
		if !slices.Contains(values[i].Errors, msg) {
			values[i].Errors = append(values[i].Errors, msg)
		}
	}
	return values
}
