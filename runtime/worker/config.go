package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

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
	ConnectorPluginVersionConfig = "connector.plugin.version"
	ConfigReloadActionConfig     = "config.action.reload"
	// pluginVersionSuffix follows a converter's class key to name the
	// version of that converter (KIP-891): key.converter.plugin.version.
	pluginVersionSuffix = ".plugin.version"
)

// The groups of the common keys, as Kafka Connect names them (the offsets
// topic's group is named after its key prefix there too).
const (
	groupCommon        = "Common"
	groupErrors        = "Error Handling"
	groupTopics        = "Topic Creation"
	groupEOS           = "Exactly Once Support"
	groupOffsetsTopic  = "offsets.topic"
	converterDocSuffix = " in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro."
)

// noRecommendations hides what a validator would recommend: Kafka Connect
// defines these keys with a validator and no recommender, so its validate
// answer recommends nothing for them.
func noRecommendations(v connect.Validator) connect.Validator {
	return connect.ValidatorFunc(v.Validate)
}

// connectorNameValidator refuses an empty name or one holding control
// characters, as Kafka's NonEmptyStringWithoutControlChars, with its
// messages.
type connectorNameValidator struct{}

func (connectorNameValidator) Validate(v any) error {
	s, _ := v.(string)
	if s == "" {
		return errors.New("String may not be empty")
	}
	var found []string
	for _, r := range s {
		if unicode.IsControl(r) { // Java's Character.isISOControl: U+0000-U+001F, U+007F-U+009F
			found = append(found, strconv.Itoa(int(r)))
		}
	}
	if len(found) > 0 {
		return errors.New("String may not contain control sequences but had the following ASCII chars: " + strings.Join(found, ", "))
	}
	return nil
}

func (connectorNameValidator) String() string {
	return "non-empty string without ISO control characters"
}

// baseConfigDef defines the keys every connector has, with Kafka Connect's
// ConnectorConfig's documentation, groups, positions, widths and display
// names, which GET /connector-plugins/{plugin}/config and validate show.
// Defaults that depend on the worker or the plugins (the converters and
// the versions) are not here: the runtime reads an unset key as "the
// worker's"; describedConfigDef adds them for what the REST API shows.
func baseConfigDef() *connect.ConfigDef {
	d := connect.NewConfigDef()
	order := 0
	common := func(k connect.ConfigKey) {
		order++
		if k.Group == "" {
			k.Group = groupCommon
		}
		k.OrderInGroup = order
		d.Define(k)
	}
	common(connect.ConfigKey{Name: NameConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
		Validator: connectorNameValidator{}, DisplayName: "Connector name", Width: connect.WidthMedium,
		Doc: "Globally unique name to use for this connector."})
	common(connect.ConfigKey{Name: ConnectorClassConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
		DisplayName: "Connector class", Width: connect.WidthLong,
		Doc: "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. " +
			"If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name,  " +
			"or use \"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter"})
	common(connect.ConfigKey{Name: ConnectorPluginVersionConfig, Type: connect.ConfigString, Importance: connect.Medium,
		DisplayName: "Connector version", Width: connect.WidthMedium,
		Doc: "Version of the connector."})
	common(connect.ConfigKey{Name: TasksMaxConfig, Type: connect.ConfigInt, Default: 1, Importance: connect.High,
		Validator: connect.AtLeast(1), DisplayName: "Tasks max", Width: connect.WidthShort,
		Doc: "Maximum number of tasks to use for this connector."})
	common(connect.ConfigKey{Name: TasksMaxEnforceConfig, Type: connect.ConfigBoolean, Default: true, Importance: connect.Low,
		DisplayName: "Enforce tasks max", Width: connect.WidthShort,
		Doc: "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. " +
			"By default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed the tasks.max property will also be failed. " +
			"If this property is set to false, then connectors will be allowed to generate more than the maximum number of tasks, " +
			"and existing sets of tasks that exceed the tasks.max property will be allowed to run. " +
			"This property is deprecated and will be removed in an upcoming major release."})
	converter := func(key, display, what, doc string) {
		common(connect.ConfigKey{Name: key, Type: connect.ConfigClass, Importance: connect.Low,
			DisplayName: display + " converter class", Width: connect.WidthShort, Doc: doc})
		common(connect.ConfigKey{Name: key + pluginVersionSuffix, Type: connect.ConfigString, Importance: connect.Low,
			DisplayName: display + " converter version", Width: connect.WidthShort,
			Doc: "Version of the " + what + " converter."})
	}
	converter(KeyConverterConfig, "Key", "key",
		"Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. "+
			"This controls the format of the keys"+converterDocSuffix)
	converter(ValueConverterConfig, "Value", "value",
		"Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. "+
			"This controls the format of the values"+converterDocSuffix)
	converter(HeaderConverterConfig, "Header", "header",
		"HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. "+
			"This controls the format of the header values"+converterDocSuffix+
			" By default, the SimpleHeaderConverter is used to serialize header values to strings and deserialize them by inferring the schemas.")
	for _, k := range transform.ChainConfigDef().Keys() {
		common(k) // keeps its own group, numbered on with the common keys as in Kafka Connect
	}
	common(connect.ConfigKey{Name: ConfigReloadActionConfig, Type: connect.ConfigString, Default: "restart", Importance: connect.Low,
		Validator: noRecommendations(connect.OneOfIgnoreCase("none", "restart")), DisplayName: "Reload Action", Width: connect.WidthMedium,
		Doc: "The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector's configuration properties. " +
			"A value of 'none' indicates that Connect will do nothing. " +
			"A value of 'restart' indicates that Connect should restart/reload the connector with the updated configuration properties." +
			"The restart may actually be scheduled in the future if the external configuration provider indicates that a configuration value will expire in the future."})

	order = 0
	errs := func(k connect.ConfigKey) {
		order++
		k.Group, k.OrderInGroup = groupErrors, order
		d.Define(k)
	}
	errs(connect.ConfigKey{Name: ErrorsRetryTimeoutConfig, Type: connect.ConfigLong, Default: int64(0), Importance: connect.Medium,
		Validator: connect.AtLeast(int64(-1)), DisplayName: "Retry Timeout for Errors", Width: connect.WidthMedium,
		Doc: "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries."})
	errs(connect.ConfigKey{Name: ErrorsRetryMaxDelayConfig, Type: connect.ConfigLong, Default: int64(60000), Importance: connect.Medium,
		Validator: connect.AtLeast(int64(0)), DisplayName: "Maximum Delay Between Retries for Errors", Width: connect.WidthMedium,
		Doc: "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues."})
	errs(connect.ConfigKey{Name: ErrorsToleranceConfig, Type: connect.ConfigString, Default: "none", Importance: connect.Medium,
		Validator: noRecommendations(connect.OneOfIgnoreCase("none", "all")), DisplayName: "Error Tolerance", Width: connect.WidthShort,
		Doc: "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records."})
	errs(connect.ConfigKey{Name: ErrorsLogEnableConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		DisplayName: "Log Errors", Width: connect.WidthShort,
		Doc: "If true, write each error and the details of the failed operation and problematic record to the Connect application log. " +
			"This is 'false' by default, so that only errors that are not tolerated are reported."})
	errs(connect.ConfigKey{Name: ErrorsLogIncludeMessagesConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		DisplayName: "Log Error Details", Width: connect.WidthShort,
		Doc: "Whether to include in the log the Connect record that resulted in a failure. " +
			"For sink records, the topic, partition, offset, and timestamp will be logged. " +
			"For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and source offset will be logged. " +
			"This is 'false' by default, which will prevent record keys, values, and headers from being written to log files."})
	return d
}

// defineDLQ adds the dead letter queue keys, positioned after the error
// handling keys as Kafka Connect's SinkConnectorConfig has them. Sources
// have them too in kconnect, which gives source connectors a dead letter
// queue (Kafka Connect's do not have one).
func defineDLQ(d *connect.ConfigDef, source bool) {
	what := "sink connector"
	if source {
		what = "connector"
	}
	d.Define(connect.ConfigKey{Name: DLQTopicNameConfig, Type: connect.ConfigString, Default: "", Importance: connect.Medium,
		Group: groupErrors, OrderInGroup: 6, DisplayName: "Dead Letter Queue Topic Name", Width: connect.WidthMedium,
		Doc: "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this " + what +
			", or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ."})
	// Kafka Connect types it SHORT, a type kconnect's ConfigDef does not
	// have; openDeadLetters checks the range.
	d.Define(connect.ConfigKey{Name: DLQTopicReplicationFactorConfig, Type: connect.ConfigInt, Default: 3, Importance: connect.Medium,
		Group: groupErrors, OrderInGroup: 7, DisplayName: "Dead Letter Queue Topic Replication Factor", Width: connect.WidthMedium,
		Doc: "Replication factor used to create the dead letter queue topic when it doesn't already exist."})
	d.Define(connect.ConfigKey{Name: DLQContextHeadersEnableConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Group: groupErrors, OrderInGroup: 8, DisplayName: "Enable Error Context Headers", Width: connect.WidthMedium,
		Doc: "If true, add headers containing error context to the messages written to the dead letter queue. " +
			"To avoid clashing with headers from the original record, all error context header keys, all error context header keys will start with <code>__connect.errors.</code>"})
}

// sourceConfigDef adds the source connector keys, as Kafka Connect's
// SourceConnectorConfig, and kconnect's: the dead letter queue and the
// default topic creation group's partitions and replication factor, which
// kconnect checks when the connector is configured.
func sourceConfigDef() *connect.ConfigDef {
	d := baseConfigDef()
	defineDLQ(d, true)
	d.Define(connect.ConfigKey{Name: TopicCreationGroupsConfig, Type: connect.ConfigList, Default: "", Importance: connect.Low,
		Group: groupTopics, OrderInGroup: 1, DisplayName: "Topic Creation Groups", Width: connect.WidthLong,
		Doc: "Groups of configurations for topics created by source connectors"})
	d.Define(connect.ConfigKey{Name: TopicCreationDefaultPartitionsConfig, Type: connect.ConfigInt, Default: -1, Importance: connect.Low,
		Group: groupTopics, OrderInGroup: 2,
		Doc: "The number of partitions new topics created for this connector get; -1 uses the broker's default."})
	d.Define(connect.ConfigKey{Name: TopicCreationDefaultReplicationConfig, Type: connect.ConfigInt, Default: -1, Importance: connect.Low,
		Group: groupTopics, OrderInGroup: 3,
		Doc: "The replication factor of new topics created for this connector; -1 uses the broker's default."})
	// Kafka Connect numbers these on from topic.creation.groups.
	d.Define(connect.ConfigKey{Name: ExactlyOnceSupportConfig, Type: connect.ConfigString, Default: "requested", Importance: connect.Medium,
		Validator: noRecommendations(connect.OneOfIgnoreCase("requested", "required")), Group: groupEOS, OrderInGroup: 2,
		DisplayName: "Exactly once support", Width: connect.WidthShort,
		Doc: "Permitted values are requested, required. If set to \"required\", forces a preflight check for the connector to ensure that it can provide exactly-once semantics with the given configuration. " +
			"Some connectors may be capable of providing exactly-once semantics but not signal to Connect that they support this; in that case, documentation for the connector should be consulted carefully before creating it, and the value for this property should be set to \"requested\". " +
			"Additionally, if the value is set to \"required\" but the worker that performs preflight validation does not have exactly-once support enabled for source connectors, requests to create or validate the connector will fail."})
	d.Define(connect.ConfigKey{Name: TransactionBoundaryConfig, Type: connect.ConfigString, Default: "poll", Importance: connect.Medium,
		Validator: noRecommendations(connect.OneOfIgnoreCase("poll", "interval", "connector")), Group: groupEOS, OrderInGroup: 3,
		DisplayName: "Transaction Boundary", Width: connect.WidthShort,
		Doc: "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from this connector provides to Connect. " +
			"If set to 'connector', relies on connector-defined transaction boundaries; note that not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with this value will fail. " +
			"Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed."})
	d.Define(connect.ConfigKey{Name: TransactionBoundaryIntervalConfig, Type: connect.ConfigLong, Importance: connect.Low,
		Group: groupEOS, OrderInGroup: 4, DisplayName: "Transaction boundary interval", Width: connect.WidthShort,
		Doc: "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. " +
			"If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is specified."})
	d.Define(connect.ConfigKey{Name: OffsetsStorageTopicConfig, Type: connect.ConfigString, Importance: connect.Low,
		Group: groupOffsetsTopic, OrderInGroup: 1, DisplayName: "Offsets topic", Width: connect.WidthLong,
		Doc: "The name of a separate offsets topic to use for this connector. If empty or not specified, the worker\u2019s global offsets topic name will be used. " +
			"If specified, the offsets topic will be created if it does not already exist on the Kafka cluster targeted by this connector " +
			"(which may be different from the one used for the worker's global offsets topic if the bootstrap.servers property of the connector's producer has been overridden from the worker's). " +
			"Only applicable in distributed mode; in standalone mode, setting this property will have no effect."})
	return d
}

// commonConfigDef returns the common keys of a plugin kind's connectors.
func commonConfigDef(kind connect.PluginKind) *connect.ConfigDef {
	if kind == connect.SinkPlugin {
		return sinkConfigDef()
	}
	return sourceConfigDef()
}

// connectorConfigDef returns the definition a connector's configuration is
// parsed with: the common keys of the plugin's kind, then the plugin's own
// keys, but for those the common keys define already.
func connectorConfigDef(info connect.PluginInfo) *connect.ConfigDef {
	def := commonConfigDef(info.Kind)
	for _, k := range info.Config.Keys() {
		if _, defined := def.Key(k.Name); !defined {
			def.Define(k)
		}
	}
	return def
}

// sinkConfigDef adds the sink connector keys, as Kafka Connect's
// SinkConnectorConfig.
func sinkConfigDef() *connect.ConfigDef {
	d := baseConfigDef()
	d.Define(connect.ConfigKey{Name: TopicsConfig, Type: connect.ConfigList, Default: "", Importance: connect.High,
		Group: groupCommon, OrderInGroup: 4, DisplayName: "Topics", Width: connect.WidthLong,
		Doc: "List of topics to consume, separated by commas"})
	d.Define(connect.ConfigKey{Name: TopicsRegexConfig, Type: connect.ConfigString, Default: "", Importance: connect.High,
		Group: groupCommon, OrderInGroup: 4, DisplayName: "Topics regex", Width: connect.WidthLong,
		Doc: "Regular expression giving topics to consume. Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. " +
			"Only one of topics or topics.regex should be specified."})
	defineDLQ(d, false)
	return d
}

// describedConfigDef returns def as the REST API describes it for a
// connector of plugin p: connector.plugin.version defaults to the
// plugin's version and recommends it; with converters, the converter
// keys default to the worker's converters, recommend the converter
// classes installed, and their version keys default to and recommend the
// version of the converter named (as Kafka Connect's validate answer shows
// them). def is not changed.
func (w *engine) describedConfigDef(def *connect.ConfigDef, p connect.PluginInfo, converters bool) *connect.ConfigDef {
	out := connect.NewConfigDef()
	classDefaults := map[string]string{
		KeyConverterConfig: w.opts.defaultKeyConverter, ValueConverterConfig: w.opts.defaultValConverter,
		HeaderConverterConfig: defaultHeaderConverter,
	}
	for _, k := range def.Keys() {
		switch {
		case k.Name == ConnectorPluginVersionConfig:
			if p.Version != "" {
				k.Default = p.Version
				k.Recommender = versionRecommender{w: w, kind: p.Kind, class: p.Class}
			}
		case !converters:
		case classDefaults[k.Name] != "":
			k.Default = classDefaults[k.Name]
			k.Recommender = converterRecommender{w: w, kind: converterKind(k.Name)}
		case strings.HasSuffix(k.Name, pluginVersionSuffix) && classDefaults[strings.TrimSuffix(k.Name, pluginVersionSuffix)] != "":
			classKey := strings.TrimSuffix(k.Name, pluginVersionSuffix)
			if c, err := w.findPlugin(converterKind(classKey), classDefaults[classKey]); err == nil && c.Info().Version != "" {
				k.Default = c.Info().Version
			}
			k.Recommender = versionRecommender{w: w, kind: converterKind(classKey), classKey: classKey, class: classDefaults[classKey]}
		}
		out.Define(k)
	}
	return out
}

// converterKind is the plugin kind a converter class key names.
func converterKind(classKey string) connect.PluginKind {
	if classKey == HeaderConverterConfig {
		return connect.HeaderConverterPlugin
	}
	return connect.ConverterPlugin
}

// converterRecommender recommends the classes of the installed plugins of
// a kind, sorted, as Kafka Connect recommends converters.
type converterRecommender struct {
	w    *engine
	kind connect.PluginKind
}

func (r converterRecommender) Recommend(string, map[string]any) []string {
	var out []string
	for _, p := range r.w.plugins {
		if info := p.Info(); info.Kind == r.kind && !slices.Contains(out, info.Class) {
			out = append(out, info.Class)
		}
	}
	slices.Sort(out)
	return out
}

func (converterRecommender) Visible(string, map[string]any) bool { return true }

// versionRecommender recommends the version of the plugin named by the
// value of classKey (class when that is unset or classKey is ""), as
// Kafka Connect recommends the versions installed of a plugin.
type versionRecommender struct {
	w        *engine
	kind     connect.PluginKind
	classKey string
	class    string
}

func (r versionRecommender) Recommend(_ string, parsed map[string]any) []string {
	class := r.class
	if r.classKey != "" {
		if c, ok := parsed[r.classKey].(string); ok && c != "" {
			class = c
		}
	}
	p, err := r.w.findPlugin(r.kind, class)
	if err != nil || p.Info().Version == "" {
		return nil
	}
	return []string{p.Info().Version}
}

func (versionRecommender) Visible(string, map[string]any) bool { return true }

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
	def = w.describedConfigDef(def, info, true)
	values := def.Validate(config)
	across := hidden
	if cfg, err := commonConfigDef(info.Kind).Parse(config); err == nil {
		_, errs := w.checkAcrossKeys(config[NameConfig], info, cfg, config, !pluginKeysBad(values))
		across = append(across, errs...)
		across = append(across, w.eosConfigErrors(p, cfg, config)...)
	}
	values = placeErrors(values, across, config)
	unknown := w.unknownKeys(info, config)
	for _, u := range unknown {
		values = append(values, connect.ConfigValue{Name: u.key, Errors: []string{u.message(w.opts.rejectUnknown)}, Visible: true})
	}
	// Named as the configuration names the class, as Kafka Connect does.
	infos := def.Infos(config[ConnectorClassConfig], values)
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
