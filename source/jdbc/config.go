package jdbc

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
)

// The configuration keys, Confluent's JdbcSourceConnector's.
const (
	ConnectionURLConfig      = jdbc.ConnectionURLConfig
	ConnectionUserConfig     = jdbc.ConnectionUserConfig
	ConnectionPasswordConfig = jdbc.ConnectionPasswordConfig
	ConnectionAttemptsConfig = jdbc.ConnectionAttemptsConfig
	ConnectionBackoffConfig  = jdbc.ConnectionBackoffConfig
	DialectNameConfig        = jdbc.DialectNameConfig
	ModeConfig               = "mode"
	IncrementingColumnConfig = "incrementing.column.name"
	TimestampColumnConfig    = "timestamp.column.name"
	TimestampDelayConfig     = "timestamp.delay.interval.ms"
	TimestampInitialConfig   = "timestamp.initial"
	ValidateNonNullConfig    = "validate.non.null"
	QueryConfig              = "query"
	QuerySuffixConfig        = "query.suffix"
	TableWhitelistConfig     = "table.whitelist"
	TableBlacklistConfig     = "table.blacklist"
	TableIncludeListConfig   = "table.include.list"
	TableExcludeListConfig   = "table.exclude.list"
	TableTypesConfig         = "table.types"
	CatalogPatternConfig     = "catalog.pattern"
	SchemaPatternConfig      = "schema.pattern"
	TablePollIntervalConfig  = "table.poll.interval.ms"
	PollIntervalConfig       = "poll.interval.ms"
	BatchMaxRowsConfig       = "batch.max.rows"
	TopicPrefixConfig        = "topic.prefix"
	NumericMappingConfig     = "numeric.mapping"
	DBTimezoneConfig         = "db.timezone"
	QuoteIdentifiersConfig   = "quote.sql.identifiers"
	QueryRetryConfig         = "query.retry.attempts"
	QueryMaskedConfig        = "query.masked"
	TimestampGranularity     = "timestamp.granularity"
	IsolationModeConfig      = "transaction.isolation.mode"
	NumericPrecisionConfig   = "numeric.precision.mapping"
	CalendarConfig           = "date.calendar.system"
	StartupLimitConfig       = "table.monitoring.startup.polling.limit.ms"

	// tablesConfig is the task configuration's list of tables, by
	// qualified name, one per line.
	tablesConfig = "tables"
)

// The modes.
const (
	ModeBulk                  = "bulk"
	ModeIncrementing          = "incrementing"
	ModeTimestamp             = "timestamp"
	ModeTimestampIncrementing = "timestamp+incrementing"
)

func str(name string, def any, imp connect.Importance, group string, order int, doc string) connect.ConfigKey {
	return connect.ConfigKey{Name: name, Type: connect.ConfigString, Default: def, Importance: imp, Group: group, OrderInGroup: order, Doc: doc}
}

var configDef = jdbc.DefineConnectionKeys(connect.NewConfigDef(), "Database").
	Define(connect.ConfigKey{Name: TableWhitelistConfig, Type: connect.ConfigList, Default: "", Importance: connect.Medium,
		Group: "Database", OrderInGroup: 7, Doc: "List of tables to include in copying. Use a comma-separated list."}).
	Define(connect.ConfigKey{Name: TableBlacklistConfig, Type: connect.ConfigList, Default: "", Importance: connect.Medium,
		Group: "Database", OrderInGroup: 8, Doc: "List of tables to exclude from copying. Use a comma-separated list."}).
	Define(connect.ConfigKey{Name: TableIncludeListConfig, Type: connect.ConfigList, Default: "", Importance: connect.Medium,
		Group: "Database", OrderInGroup: 9, Doc: "Regular expressions matching the fully-qualified names of the tables to copy."}).
	Define(connect.ConfigKey{Name: TableExcludeListConfig, Type: connect.ConfigList, Default: "", Importance: connect.Medium,
		Group: "Database", OrderInGroup: 10, Doc: "Regular expressions matching the fully-qualified names of the tables not to copy."}).
	Define(str(CatalogPatternConfig, nil, connect.Medium, "Database", 11,
		"Catalog pattern to fetch table metadata from the database (on MySQL, the database; unset, the connection's).")).
	Define(str(SchemaPatternConfig, nil, connect.Medium, "Database", 12,
		"Schema pattern (SQL LIKE) to fetch table metadata from the database; unset, every schema.")).
	Define(connect.ConfigKey{Name: NumericMappingConfig, Type: connect.ConfigString, Default: nil, Importance: connect.Low,
		Validator: connect.ValidatorFunc(func(v any) error {
			if _, ok := numericMappings[strings.ToLower(v.(string))]; !ok {
				return fmt.Errorf("must be none, precision_only, best_fit or best_fit_eager_double")
			}
			return nil
		}), Group: "Database", OrderInGroup: 13,
		Doc: "Map NUMERIC values by precision and optionally scale to integral or decimal types: none, precision_only, " +
			"best_fit or best_fit_eager_double."}).
	Define(connect.ConfigKey{Name: TableTypesConfig, Type: connect.ConfigList, Default: "TABLE", Importance: connect.Low,
		Validator: connect.ValidatorFunc(func(v any) error {
			for _, t := range v.([]string) {
				if !strings.EqualFold(t, "TABLE") && !strings.EqualFold(t, "VIEW") {
					return fmt.Errorf("unknown table type %q: TABLE or VIEW", t)
				}
			}
			return nil
		}), Group: "Database", OrderInGroup: 14, Doc: "The types of tables to copy: TABLE, VIEW."}).
	Define(connect.ConfigKey{Name: ModeConfig, Type: connect.ConfigString, Default: "", Importance: connect.High,
		Validator: connect.OneOfIgnoreCase("", ModeBulk, ModeIncrementing, ModeTimestamp, ModeTimestampIncrementing),
		Group:     "Mode", OrderInGroup: 1,
		Doc: "The mode for updating a table each time it is polled: bulk, incrementing, timestamp or timestamp+incrementing."}).
	Define(str(IncrementingColumnConfig, "", connect.Medium, "Mode", 2,
		"The name of the strictly incrementing column to use to detect new rows. Empty, each table's auto-increment "+
			"column is used (a query needs it named).")).
	Define(connect.ConfigKey{Name: TimestampColumnConfig, Type: connect.ConfigList, Default: "", Importance: connect.Medium,
		Group: "Mode", OrderInGroup: 3,
		Doc: "Comma separated list of one or more timestamp columns to detect new or modified rows using the COALESCE " +
			"SQL function."}).
	Define(connect.ConfigKey{Name: TimestampInitialConfig, Type: connect.ConfigLong, Default: nil, Importance: connect.Low,
		Group: "Mode", OrderInGroup: 4,
		Doc: "The epoch timestamp in milliseconds to start from when no offset is stored; -1 is the current time; unset, " +
			"the beginning."}).
	Define(connect.ConfigKey{Name: ValidateNonNullConfig, Type: connect.ConfigBoolean, Default: true, Importance: connect.Low,
		Group: "Mode", OrderInGroup: 5,
		Doc: "By default, the connector checks that the incrementing and timestamp columns are NOT NULL."}).
	Define(str(QueryConfig, "", connect.Medium, "Mode", 6,
		"If specified, the query to perform to select new or updated rows; the mode's WHERE clause is appended to it.")).
	Define(str(QuerySuffixConfig, "", connect.Low, "Mode", 7, "Suffix to append at the end of the generated query.")).
	Define(connect.ConfigKey{Name: QuoteIdentifiersConfig, Type: connect.ConfigString, Default: "always", Importance: connect.Medium,
		Validator: connect.OneOfIgnoreCase("always", "never"), Group: "Mode", OrderInGroup: 8,
		Doc: "When to quote table names, column names, and other identifiers in SQL statements."}).
	Define(connect.ConfigKey{Name: PollIntervalConfig, Type: connect.ConfigInt, Default: 5000, Importance: connect.High,
		Validator: connect.AtLeast(0), Group: "Connector", OrderInGroup: 1,
		Doc: "Frequency in ms to poll for new data in each table."}).
	Define(connect.ConfigKey{Name: BatchMaxRowsConfig, Type: connect.ConfigInt, Default: 100, Importance: connect.Low,
		Validator: connect.AtLeast(1), Group: "Connector", OrderInGroup: 2,
		Doc: "Maximum number of rows to include in a single batch when polling for new data."}).
	Define(connect.ConfigKey{Name: TablePollIntervalConfig, Type: connect.ConfigLong, Default: int64(60000), Importance: connect.Low,
		Validator: connect.AtLeast(int64(1)), Group: "Connector", OrderInGroup: 3,
		Doc: "Frequency in ms to poll for new or removed tables, which may result in updated task configurations."}).
	Define(connect.ConfigKey{Name: TopicPrefixConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
		Group: "Connector", OrderInGroup: 4,
		Doc: "Prefix to prepend to table names to generate the name of the Kafka topic; with query, the topic's whole name."}).
	Define(connect.ConfigKey{Name: TimestampDelayConfig, Type: connect.ConfigLong, Default: int64(0), Importance: connect.High,
		Validator: connect.AtLeast(int64(0)), Group: "Connector", OrderInGroup: 5,
		Doc: "How long to wait after a row with certain timestamp appears before we include it in the result."}).
	Define(connect.ConfigKey{Name: DBTimezoneConfig, Type: connect.ConfigString, Default: "UTC", Importance: connect.Medium,
		Validator: connect.ValidatorFunc(func(v any) error {
			_, err := time.LoadLocation(v.(string))
			return err
		}), Group: "Connector", OrderInGroup: 6,
		Doc: "Name of the JDBC timezone used in the connector when querying with time-based criteria."}).
	Define(connect.ConfigKey{Name: QueryRetryConfig, Type: connect.ConfigInt, Default: -1, Importance: connect.Low,
		Validator: connect.AtLeast(-1), Group: "Connector", OrderInGroup: 7,
		Doc: "The number of times to retry a failing query in a row before the task fails; -1 retries for ever."}).
	Define(connect.ConfigKey{Name: QueryMaskedConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low,
		Group: "Mode", OrderInGroup: 9,
		Doc: "Whether to mask the query in logs. kconnect never logs the query, so it has no effect."}).
	Define(connect.ConfigKey{Name: TimestampGranularity, Type: connect.ConfigString, Default: "connect_logical", Importance: connect.Low,
		Validator: connect.OneOfIgnoreCase("connect_logical"), Group: "Mode", OrderInGroup: 10,
		Doc: "How timestamp columns are written in records: connect_logical (Connect's Timestamp), the only one kconnect has."}).
	Define(connect.ConfigKey{Name: IsolationModeConfig, Type: connect.ConfigString, Default: "DEFAULT", Importance: connect.Low,
		Validator: connect.OneOfIgnoreCase("DEFAULT"), Group: "Mode", OrderInGroup: 11,
		Doc: "The transaction isolation of the queries: DEFAULT (the database's), the only one kconnect has."}).
	Define(connect.ConfigKey{Name: NumericPrecisionConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low,
		Group: "Database", OrderInGroup: 15,
		Doc: "Deprecated: true is numeric.mapping=precision_only when numeric.mapping is not set."}).
	Define(connect.ConfigKey{Name: CalendarConfig, Type: connect.ConfigString, Default: "LEGACY", Importance: connect.Low,
		Validator: connect.OneOfIgnoreCase("LEGACY", "PROLEPTIC_GREGORIAN"), Group: "Connector", OrderInGroup: 8,
		Doc: "The calendar of dates: Go's is the proleptic Gregorian one either way, which differs from LEGACY only before 1582."}).
	Define(connect.ConfigKey{Name: StartupLimitConfig, Type: connect.ConfigLong, Default: int64(10000), Importance: connect.Low,
		Validator: connect.AtLeast(int64(0)), Group: "Connector", OrderInGroup: 9,
		Doc: "How long startup waits for the table list. kconnect lists the tables at start, so it has no effect."})

// ConfigDef returns the connector's configuration definition. The result is
// shared; do not Define keys on it.
func ConfigDef() *connect.ConfigDef { return configDef }

var numericMappings = map[string]jdbc.NumericMapping{
	"none": jdbc.NumericNone, "precision_only": jdbc.NumericPrecisionOnly,
	"best_fit": jdbc.NumericBestFit, "best_fit_eager_double": jdbc.NumericBestFitEagerDouble,
}

// settings is a parsed and checked configuration.
type settings struct {
	conn             jdbc.Connection // the connection keys
	target           *jdbc.Target    // conn.Target
	mode             string
	incrementing     string
	timestamps       []string
	delay            time.Duration
	initial          *int64
	validateNonNull  bool
	query, suffix    string
	whitelist        []string
	blacklist        []string
	include, exclude []*regexp.Regexp
	types            []string
	catalog, schema  string
	tablePoll        time.Duration
	poll             time.Duration
	batch            int
	prefix           string
	numeric          jdbc.NumericMapping
	loc              *time.Location
	quoting          jdbc.Quoting
	tables           []string // a task's
	queryRetries     int
}

func parseSettings(config map[string]string) (*settings, error) {
	cfg, err := configDef.Parse(config)
	if err != nil {
		return nil, err
	}
	s := &settings{
		mode:         strings.ToLower(cfg.String(ModeConfig)),
		incrementing: cfg.String(IncrementingColumnConfig), timestamps: cfg.List(TimestampColumnConfig),
		delay:           time.Duration(cfg.Long(TimestampDelayConfig)) * time.Millisecond,
		validateNonNull: cfg.Bool(ValidateNonNullConfig),
		query:           strings.TrimSpace(cfg.String(QueryConfig)), suffix: cfg.String(QuerySuffixConfig),
		whitelist: cfg.List(TableWhitelistConfig), blacklist: cfg.List(TableBlacklistConfig),
		types: cfg.List(TableTypesConfig), catalog: cfg.String(CatalogPatternConfig), schema: cfg.String(SchemaPatternConfig),
		tablePoll: time.Duration(cfg.Long(TablePollIntervalConfig)) * time.Millisecond,
		poll:      time.Duration(cfg.Int(PollIntervalConfig)) * time.Millisecond,
		batch:     cfg.Int(BatchMaxRowsConfig), prefix: cfg.String(TopicPrefixConfig),
	}
	if v := cfg.Get(TimestampInitialConfig); v != nil {
		n := cfg.Long(TimestampInitialConfig)
		s.initial = &n
	}
	if v := cfg.Get(NumericMappingConfig); v != nil {
		s.numeric = numericMappings[strings.ToLower(v.(string))]
	} else if cfg.Bool(NumericPrecisionConfig) {
		s.numeric = jdbc.NumericPrecisionOnly
	}
	s.queryRetries = cfg.Int(QueryRetryConfig)
	if strings.EqualFold(cfg.String(QuoteIdentifiersConfig), "never") {
		s.quoting = jdbc.Never
	}
	s.loc, _ = time.LoadLocation(cfg.String(DBTimezoneConfig))
	for _, p := range []struct {
		key string
		dst *[]*regexp.Regexp
	}{{TableIncludeListConfig, &s.include}, {TableExcludeListConfig, &s.exclude}} {
		for _, expr := range cfg.List(p.key) {
			re, err := regexp.Compile("^(?:" + expr + ")$")
			if err != nil {
				return nil, fmt.Errorf("invalid configuration: %s: %q: %w", p.key, expr, err)
			}
			*p.dst = append(*p.dst, re)
		}
	}
	if t, ok := config[tablesConfig]; ok && t != "" {
		s.tables = strings.Split(t, "\n")
	}
	var problems []string
	switch {
	case s.mode == "":
		problems = append(problems, ModeConfig+": Query mode must be specified: bulk, incrementing, timestamp or timestamp+incrementing")
	case (s.mode == ModeIncrementing || s.mode == ModeTimestampIncrementing) && s.incrementing == "" && s.query != "":
		problems = append(problems, IncrementingColumnConfig+": mode "+s.mode+" with a query needs the incrementing column's name")
	}
	if (s.mode == ModeTimestamp || s.mode == ModeTimestampIncrementing) && len(s.timestamps) == 0 {
		problems = append(problems, TimestampColumnConfig+": mode "+s.mode+" needs one or more timestamp columns")
	}
	if len(s.whitelist) > 0 && len(s.blacklist) > 0 {
		problems = append(problems, TableWhitelistConfig+": cannot be set with "+TableBlacklistConfig)
	}
	if (len(s.include) > 0 || len(s.exclude) > 0) && (len(s.whitelist) > 0 || len(s.blacklist) > 0) {
		problems = append(problems, TableIncludeListConfig+": cannot be set with "+TableWhitelistConfig+" or "+TableBlacklistConfig)
	}
	if s.query != "" && (len(s.whitelist) > 0 || len(s.blacklist) > 0 || len(s.include) > 0 || len(s.exclude) > 0) {
		problems = append(problems, QueryConfig+": a query cannot be combined with table lists")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("invalid configuration: %s", strings.Join(problems, "; "))
	}
	if s.conn, err = jdbc.ParseConnection(cfg); err != nil {
		return nil, err
	}
	s.target = s.conn.Target
	return s, nil
}

// wanted reports whether a listed table is to be copied.
func (s *settings) wanted(t jdbc.SourceTable) bool {
	has := func(list []string) bool {
		for _, n := range list {
			if n == t.Qualified || n == t.Name || n == t.ID.String() {
				return true
			}
		}
		return false
	}
	match := func(res []*regexp.Regexp) bool {
		for _, re := range res {
			if re.MatchString(t.Qualified) {
				return true
			}
		}
		return false
	}
	switch {
	case len(s.whitelist) > 0:
		return has(s.whitelist)
	case len(s.blacklist) > 0:
		return !has(s.blacklist)
	case len(s.include) > 0:
		return match(s.include) && !match(s.exclude)
	}
	return !match(s.exclude)
}
