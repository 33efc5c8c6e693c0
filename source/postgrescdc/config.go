package postgrescdc

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javaregex"
)

// The configuration keys, Debezium's PostgresConnector's.
const (
	HostnameConfig              = "database.hostname"
	PortConfig                  = "database.port"
	UserConfig                  = "database.user"
	PasswordConfig              = "database.password"
	DBNameConfig                = "database.dbname"
	SSLModeConfig               = "database.sslmode"
	TopicPrefixConfig           = "topic.prefix"
	PluginNameConfig            = "plugin.name"
	SlotNameConfig              = "slot.name"
	SlotDropOnStopConfig        = "slot.drop.on.stop"
	PublicationNameConfig       = "publication.name"
	PublicationAutocreateConfig = "publication.autocreate.mode"
	SchemaIncludeListConfig     = "schema.include.list"
	SchemaExcludeListConfig     = "schema.exclude.list"
	TableIncludeListConfig      = "table.include.list"
	TableExcludeListConfig      = "table.exclude.list"
	ColumnIncludeListConfig     = "column.include.list"
	ColumnExcludeListConfig     = "column.exclude.list"
	SnapshotModeConfig          = "snapshot.mode"
	SnapshotFetchSizeConfig     = "snapshot.fetch.size"
	DecimalHandlingConfig       = "decimal.handling.mode"
	TimePrecisionConfig         = "time.precision.mode"
	BinaryHandlingConfig        = "binary.handling.mode"
	IntervalHandlingConfig      = "interval.handling.mode"
	HStoreHandlingConfig        = "hstore.handling.mode"
	IncludeUnknownTypesConfig   = "include.unknown.datatypes"
	TombstonesOnDeleteConfig    = "tombstones.on.delete"
	HeartbeatIntervalConfig     = "heartbeat.interval.ms"
	HeartbeatTopicsPrefixConfig = "topic.heartbeat.prefix"
	MaxBatchSizeConfig          = "max.batch.size"
	MaxQueueSizeConfig          = "max.queue.size"
	PollIntervalConfig          = "poll.interval.ms"
	SkippedOperationsConfig     = "skipped.operations"
	TransactionMetadataConfig   = "provide.transaction.metadata"
	MessageKeyColumnsConfig     = "message.key.columns"
	StatusUpdateIntervalConfig  = "status.update.interval.ms"
	SignalDataCollectionConfig  = "signal.data.collection"
	IncrementalChunkSizeConfig  = "incremental.snapshot.chunk.size"
)

// The snapshot modes.
const (
	SnapshotInitial     = "initial"
	SnapshotInitialOnly = "initial_only"
	SnapshotNoData      = "no_data"
	SnapshotNever       = "never" // no_data's name before Debezium 2.6
	SnapshotAlways      = "always"
	SnapshotWhenNeeded  = "when_needed"
)

func key(name string, t connect.ConfigType, def any, imp connect.Importance, group string, order int, doc string) connect.ConfigKey {
	return connect.ConfigKey{Name: name, Type: t, Default: def, Importance: imp, Group: group, OrderInGroup: order, Doc: doc}
}

func oneOf(k connect.ConfigKey, values ...string) connect.ConfigKey {
	k.Validator = connect.OneOfIgnoreCase(values...)
	return k
}

func atLeast(k connect.ConfigKey, n int) connect.ConfigKey {
	k.Validator = connect.AtLeast(n)
	return k
}

var configDef = connect.NewConfigDef().
	Define(key(HostnameConfig, connect.ConfigString, nil, connect.High, "Connection", 1,
		"Resolvable hostname or IP address of the database server.")).
	Define(key(PortConfig, connect.ConfigInt, 5432, connect.High, "Connection", 2, "Port of the database server.")).
	Define(key(UserConfig, connect.ConfigString, nil, connect.High, "Connection", 3,
		"Name of the database user to be used when connecting to the database.")).
	Define(key(PasswordConfig, connect.ConfigPassword, nil, connect.High, "Connection", 4,
		"Password of the database user to be used when connecting to the database.")).
	Define(key(DBNameConfig, connect.ConfigString, nil, connect.High, "Connection", 5,
		"The name of the database from which the connector should capture changes.")).
	Define(oneOf(key(SSLModeConfig, connect.ConfigString, "prefer", connect.Medium, "Connection", 6,
		"Whether to use an encrypted connection to the server: disable, allow, prefer, require, verify-ca or verify-full."),
		"disable", "allow", "prefer", "require", "verify-ca", "verify-full")).
	Define(connect.ConfigKey{Name: TopicPrefixConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
		Validator: connect.Regex(`[a-zA-Z0-9._\-]+`), Group: "Connection", OrderInGroup: 7,
		Doc: "Topic prefix that identifies and provides a namespace for the particular database server/cluster that is " +
			"capturing changes. It names the topics and is the source partition's server."}).
	Define(key(PluginNameConfig, connect.ConfigString, "pgoutput", connect.Medium, "Replication", 1,
		"The name of the logical decoding plugin on the server. kconnect decodes pgoutput only (Debezium's default, "+
			"decoderbufs, needs a server extension).")).
	Define(key(SlotNameConfig, connect.ConfigString, "debezium", connect.Medium, "Replication", 2,
		"The name of the PostgreSQL logical decoding slot that is created for streaming changes.")).
	Define(key(SlotDropOnStopConfig, connect.ConfigBoolean, false, connect.Medium, "Replication", 3,
		"Whether to drop the logical replication slot when the connector finishes orderly. Only for tests: the "+
			"changes made while the connector is stopped are lost.")).
	Define(key(PublicationNameConfig, connect.ConfigString, "dbz_publication", connect.Medium, "Replication", 4,
		"The name of the PostgreSQL publication the pgoutput plugin streams.")).
	Define(oneOf(key(PublicationAutocreateConfig, connect.ConfigString, "all_tables", connect.Low, "Replication", 5,
		"How the publication is created when it does not exist: all_tables (FOR ALL TABLES), disabled (it must "+
			"exist) or filtered (FOR TABLE the captured tables; an existing one is altered to them, and one FOR ALL "+
			"TABLES refused)."), "all_tables", "disabled", "filtered")).
	Define(key(StatusUpdateIntervalConfig, connect.ConfigInt, 10000, connect.Low, "Replication", 6,
		"Frequency in milliseconds for sending replication connection status updates to the server.")).
	Define(key(SchemaIncludeListConfig, connect.ConfigList, "", connect.Medium, "Filters", 1,
		"Regular expressions matching the names of the schemas to capture; only these.")).
	Define(key(SchemaExcludeListConfig, connect.ConfigList, "", connect.Medium, "Filters", 2,
		"Regular expressions matching the names of the schemas not to capture.")).
	Define(key(TableIncludeListConfig, connect.ConfigList, "", connect.Medium, "Filters", 3,
		"Regular expressions matching the schema-qualified names (schema.table) of the tables to capture; only these.")).
	Define(key(TableExcludeListConfig, connect.ConfigList, "", connect.Medium, "Filters", 4,
		"Regular expressions matching the schema-qualified names of the tables not to capture.")).
	Define(key(ColumnIncludeListConfig, connect.ConfigList, "", connect.Medium, "Filters", 5,
		"Regular expressions matching the fully-qualified names (schema.table.column) of the columns to include.")).
	Define(key(ColumnExcludeListConfig, connect.ConfigList, "", connect.Medium, "Filters", 6,
		"Regular expressions matching the fully-qualified names of the columns to exclude.")).
	Define(key(MessageKeyColumnsConfig, connect.ConfigString, "", connect.Low, "Filters", 7,
		"The columns that key each table's records, instead of its primary key: "+
			"<schema.table regex>:<column>,<column>;<schema.table regex>:<column>...")).
	Define(key(SignalDataCollectionConfig, connect.ConfigString, "", connect.Low, "Snapshot", 10,
		"The signal table (schema.table, with columns id, type and data) whose execute-snapshot rows start "+
			"incremental snapshots, and whose stop-snapshot, pause-snapshot and resume-snapshot rows stop, pause "+
			"and resume them.")).
	Define(key(IncrementalChunkSizeConfig, connect.ConfigInt, 1024, connect.Low, "Snapshot", 11,
		"The rows an incremental snapshot reads at a time.")).
	Define(oneOf(key(SnapshotModeConfig, connect.ConfigString, SnapshotInitial, connect.Low, "Snapshot", 1,
		"When to take a snapshot of the captured tables: initial (when there are no offsets), initial_only (then "+
			"stop, with no slot or publication), no_data (never; never is its older name), always, or when_needed (no offsets, or the slot is gone)."),
		SnapshotInitial, SnapshotInitialOnly, SnapshotNoData, SnapshotNever, SnapshotAlways, SnapshotWhenNeeded)).
	Define(atLeast(key(SnapshotFetchSizeConfig, connect.ConfigInt, 10240, connect.Medium, "Snapshot", 2,
		"The maximum number of rows read from the database at once during a snapshot."), 1)).
	Define(oneOf(key(DecimalHandlingConfig, connect.ConfigString, "precise", connect.Medium, "Types", 1,
		"How NUMERIC and DECIMAL columns are represented: precise (Connect's Decimal), double or string."),
		"precise", "double", "string")).
	Define(oneOf(key(TimePrecisionConfig, connect.ConfigString, "adaptive", connect.Medium, "Types", 2,
		"How time, date and timestamp columns are represented: adaptive (Debezium's types, as precise as the "+
			"column), adaptive_time_microseconds (the same, times in microseconds) or connect (Connect's logical types)."),
		"adaptive", "adaptive_time_microseconds", "connect")).
	Define(oneOf(key(BinaryHandlingConfig, connect.ConfigString, "bytes", connect.Low, "Types", 3,
		"How binary columns are represented: bytes, base64, base64-url-safe or hex."),
		"bytes", "base64", "base64-url-safe", "hex")).
	Define(oneOf(key(IntervalHandlingConfig, connect.ConfigString, "numeric", connect.Low, "Types", 4,
		"How interval columns are represented: numeric (microseconds) or string (ISO 8601)."), "numeric", "string")).
	Define(oneOf(key(HStoreHandlingConfig, connect.ConfigString, "json", connect.Low, "Types", 5,
		"How hstore columns are represented: json (an io.debezium.data.Json string) or map (a map of strings)."),
		"json", "map")).
	Define(key(IncludeUnknownTypesConfig, connect.ConfigBoolean, false, connect.Low, "Types", 6,
		"Whether columns of types the connector has no mapping for (box, circle, line, lseg, path, polygon, "+
			"multiranges, other extensions' types) are written as the bytes of their text, as Debezium writes them. "+
			"When false such a column fails the task, naming it, unless column.exclude.list leaves it out.")).
	Define(key(TombstonesOnDeleteConfig, connect.ConfigBoolean, true, connect.High, "Events", 1,
		"Whether a delete is followed by a tombstone (the key and a null value), so that a compacted topic "+
			"removes the row.")).
	Define(connect.ConfigKey{Name: SkippedOperationsConfig, Type: connect.ConfigList, Default: "t", Importance: connect.Low,
		Validator: connect.ValidatorFunc(func(v any) error {
			for _, op := range v.([]string) {
				switch op {
				case "c", "u", "d", "t", "none":
				default:
					return fmt.Errorf("unknown operation %q: c, u, d, t or none", op)
				}
			}
			return nil
		}), Group: "Events", OrderInGroup: 2,
		Doc: "The operations not to stream: c (inserts), u (updates), d (deletes), t (truncates), none."}).
	Define(key(TransactionMetadataConfig, connect.ConfigBoolean, false, connect.Low, "Events", 3,
		"Whether the transaction block of each event is filled (id, total_order, data_collection_order) and BEGIN and END records are written to <topic.prefix>.transaction.")).
	Define(atLeast(key(HeartbeatIntervalConfig, connect.ConfigInt, 0, connect.Medium, "Events", 4,
		"How often, in milliseconds, a heartbeat record is sent so that the slot advances while the captured "+
			"tables are quiet; 0 sends none."), 0)).
	Define(key(HeartbeatTopicsPrefixConfig, connect.ConfigString, "__debezium-heartbeat", connect.Low, "Events", 5,
		"The prefix of the heartbeat topic: <prefix>.<topic.prefix>.")).
	Define(atLeast(key(MaxBatchSizeConfig, connect.ConfigInt, 2048, connect.Medium, "Connector", 1,
		"The maximum number of records one poll returns."), 1)).
	Define(atLeast(key(MaxQueueSizeConfig, connect.ConfigInt, 8192, connect.Medium, "Connector", 2,
		"The maximum number of records queued between the database and the poll; reading waits while it is full."), 1)).
	Define(atLeast(key(PollIntervalConfig, connect.ConfigLong, int64(500), connect.Medium, "Connector", 3,
		"How long, in milliseconds, a poll waits for records when none are queued."), 0))

// settings is the parsed configuration.
type settings struct {
	host, user, dbname, sslmode string
	password                    connect.Password
	port                        int
	prefix                      string
	slot                        string
	dropSlot                    bool
	publication                 string
	autocreate                  string
	statusInterval              time.Duration

	schemaInclude, schemaExclude []*regexp.Regexp
	tableInclude, tableExclude   []*regexp.Regexp
	columnInclude, columnExclude []*regexp.Regexp
	keyColumns                   []keyColumns

	snapshotMode string
	fetchSize    int

	decimal, timePrecision, binary, interval, hstore string
	includeUnknown                                   bool

	tombstones     bool
	skipped        map[string]bool
	txMetadata     bool
	heartbeat      time.Duration
	heartbeatTopic string
	maxBatch       int
	maxQueue       int
	poll           time.Duration
	signalTable    string // schema.table; "" for none
	chunkSize      int
}

// keyColumns is one entry of message.key.columns.
type keyColumns struct {
	table   *regexp.Regexp
	columns []string
}

func compileList(key string, exprs []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, e := range exprs {
		re, err := javaregex.CompileWhole(e)
		if err != nil {
			return nil, fmt.Errorf("invalid configuration: %s: %q is not a regular expression: %w", key, e, err)
		}
		out = append(out, re)
	}
	return out, nil
}

func parseSettings(config map[string]string) (*settings, error) {
	cfg, err := configDef.Parse(config)
	if err != nil {
		return nil, err
	}
	s := &settings{
		host: cfg.String(HostnameConfig), port: cfg.Int(PortConfig), user: cfg.String(UserConfig),
		password: cfg.Password(PasswordConfig), dbname: cfg.String(DBNameConfig), sslmode: strings.ToLower(cfg.String(SSLModeConfig)),
		prefix: cfg.String(TopicPrefixConfig), slot: cfg.String(SlotNameConfig), dropSlot: cfg.Bool(SlotDropOnStopConfig),
		publication: cfg.String(PublicationNameConfig), autocreate: strings.ToLower(cfg.String(PublicationAutocreateConfig)),
		statusInterval: time.Duration(cfg.Int(StatusUpdateIntervalConfig)) * time.Millisecond,
		snapshotMode:   strings.ToLower(cfg.String(SnapshotModeConfig)), fetchSize: cfg.Int(SnapshotFetchSizeConfig),
		decimal: strings.ToLower(cfg.String(DecimalHandlingConfig)), timePrecision: strings.ToLower(cfg.String(TimePrecisionConfig)),
		binary: strings.ToLower(cfg.String(BinaryHandlingConfig)), interval: strings.ToLower(cfg.String(IntervalHandlingConfig)),
		hstore: strings.ToLower(cfg.String(HStoreHandlingConfig)), includeUnknown: cfg.Bool(IncludeUnknownTypesConfig),
		tombstones: cfg.Bool(TombstonesOnDeleteConfig), txMetadata: cfg.Bool(TransactionMetadataConfig),
		heartbeat: time.Duration(cfg.Int(HeartbeatIntervalConfig)) * time.Millisecond,
		maxBatch:  cfg.Int(MaxBatchSizeConfig), maxQueue: cfg.Int(MaxQueueSizeConfig),
		poll:        time.Duration(cfg.Long(PollIntervalConfig)) * time.Millisecond,
		skipped:     map[string]bool{},
		signalTable: strings.TrimSpace(cfg.String(SignalDataCollectionConfig)), chunkSize: cfg.Int(IncrementalChunkSizeConfig),
	}
	if s.snapshotMode == SnapshotNever {
		s.snapshotMode = SnapshotNoData
	}
	s.heartbeatTopic = cfg.String(HeartbeatTopicsPrefixConfig) + "." + s.prefix
	var problems []string
	for _, k := range []string{HostnameConfig, UserConfig, DBNameConfig} {
		if strings.TrimSpace(cfg.String(k)) == "" {
			problems = append(problems, k+": must be set")
		}
	}
	if p := strings.ToLower(cfg.String(PluginNameConfig)); p != "pgoutput" {
		problems = append(problems, fmt.Sprintf("%s: %q is not supported: kconnect decodes pgoutput only, PostgreSQL's "+
			"built-in plugin (set %s=pgoutput)", PluginNameConfig, p, PluginNameConfig))
	}
	if !validSlotName(s.slot) {
		problems = append(problems, fmt.Sprintf("%s: %q must be lower case letters, digits and underscores, at most 63",
			SlotNameConfig, s.slot))
	}
	if s.maxQueue <= s.maxBatch {
		problems = append(problems, fmt.Sprintf("%s: %d must be larger than %s (%d)", MaxQueueSizeConfig, s.maxQueue,
			MaxBatchSizeConfig, s.maxBatch))
	}
	pairs := []struct {
		include, exclude string
	}{{SchemaIncludeListConfig, SchemaExcludeListConfig}, {TableIncludeListConfig, TableExcludeListConfig},
		{ColumnIncludeListConfig, ColumnExcludeListConfig}}
	for _, p := range pairs {
		if len(cfg.List(p.include)) > 0 && len(cfg.List(p.exclude)) > 0 {
			problems = append(problems, fmt.Sprintf("%s: cannot be set with %s", p.exclude, p.include))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("invalid configuration: %s", strings.Join(problems, "; "))
	}
	for _, l := range []struct {
		key string
		dst *[]*regexp.Regexp
	}{{SchemaIncludeListConfig, &s.schemaInclude}, {SchemaExcludeListConfig, &s.schemaExclude},
		{TableIncludeListConfig, &s.tableInclude}, {TableExcludeListConfig, &s.tableExclude},
		{ColumnIncludeListConfig, &s.columnInclude}, {ColumnExcludeListConfig, &s.columnExclude}} {
		if *l.dst, err = compileList(l.key, cfg.List(l.key)); err != nil {
			return nil, err
		}
	}
	for _, op := range cfg.List(SkippedOperationsConfig) {
		if op != "none" {
			s.skipped[op] = true
		}
	}
	if s.keyColumns, err = parseKeyColumns(cfg.String(MessageKeyColumnsConfig)); err != nil {
		return nil, err
	}
	return s, nil
}

func validSlotName(n string) bool {
	if n == "" || len(n) > 63 {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// parseKeyColumns reads message.key.columns:
// "inventory.customers:pk1,pk2;(.*).purchaseorders:pk3".
func parseKeyColumns(v string) ([]keyColumns, error) {
	var out []keyColumns
	for _, entry := range strings.Split(v, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		i := strings.LastIndexByte(entry, ':')
		if i <= 0 || i == len(entry)-1 {
			return nil, fmt.Errorf("invalid configuration: %s: %q is not <table regex>:<column>,...", MessageKeyColumnsConfig, entry)
		}
		re, err := javaregex.CompileWhole(strings.TrimSpace(entry[:i]))
		if err != nil {
			return nil, fmt.Errorf("invalid configuration: %s: %q: %w", MessageKeyColumnsConfig, entry, err)
		}
		k := keyColumns{table: re}
		for _, c := range strings.Split(entry[i+1:], ",") {
			if c = strings.TrimSpace(c); c != "" {
				k.columns = append(k.columns, c)
			}
		}
		out = append(out, k)
	}
	return out, nil
}

// captured says whether the table schema.name is captured.
func (s *settings) captured(schema, name string) bool {
	if len(s.schemaInclude) > 0 && !anyMatch(s.schemaInclude, schema) || anyMatch(s.schemaExclude, schema) {
		return false
	}
	full := schema + "." + name
	if len(s.tableInclude) > 0 {
		return anyMatch(s.tableInclude, full)
	}
	if anyMatch(s.tableExclude, full) {
		return false
	}
	// Debezium never captures the system schemas.
	return schema != "pg_catalog" && schema != "information_schema"
}

// columnWanted says whether a column's value is in the events.
func (s *settings) columnWanted(schema, table, column string) bool {
	full := schema + "." + table + "." + column
	if len(s.columnInclude) > 0 {
		return anyMatch(s.columnInclude, full)
	}
	return !anyMatch(s.columnExclude, full)
}

// keyColumnsOf returns the message.key.columns of a table, or nil.
func (s *settings) keyColumnsOf(schema, table string) []string {
	full := schema + "." + table
	for _, k := range s.keyColumns {
		if k.table.MatchString(full) {
			return k.columns
		}
	}
	return nil
}

func anyMatch(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
