package jdbc

import (
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
)

// The configuration keys, Confluent's JdbcSourceConnector's.
const (
	ConnectionURLConfig       = jdbc.ConnectionURLConfig
	ConnectionUserConfig      = jdbc.ConnectionUserConfig
	ConnectionPasswordConfig  = jdbc.ConnectionPasswordConfig
	ConnectionAttemptsConfig  = jdbc.ConnectionAttemptsConfig
	ConnectionBackoffConfig   = jdbc.ConnectionBackoffConfig
	DialectNameConfig         = jdbc.DialectNameConfig
	ModeConfig                = "mode"
	IncrementingColumnConfig  = "incrementing.column.name"
	TimestampColumnConfig     = "timestamp.column.name"
	TimestampDelayConfig      = "timestamp.delay.interval.ms"
	TimestampInitialConfig    = "timestamp.initial"
	ValidateNonNullConfig     = "validate.non.null"
	QueryConfig               = "query"
	QuerySuffixConfig         = "query.suffix"
	TableWhitelistConfig      = "table.whitelist"
	TableBlacklistConfig      = "table.blacklist"
	TableIncludeListConfig    = "table.include.list"
	TableExcludeListConfig    = "table.exclude.list"
	TableTypesConfig          = "table.types"
	CatalogPatternConfig      = "catalog.pattern"
	SchemaPatternConfig       = "schema.pattern"
	TablePollIntervalConfig   = "table.poll.interval.ms"
	PollIntervalConfig        = "poll.interval.ms"
	BatchMaxRowsConfig        = "batch.max.rows"
	TopicPrefixConfig         = "topic.prefix"
	NumericMappingConfig      = "numeric.mapping"
	DBTimezoneConfig          = "db.timezone"
	QuoteIdentifiersConfig    = "quote.sql.identifiers"
	QueryRetryConfig          = "query.retry.attempts"
	QueryMaskedConfig         = "query.masked"
	TimestampGranularity      = "timestamp.granularity"
	IsolationModeConfig       = "transaction.isolation.mode"
	NumericPrecisionConfig    = "numeric.precision.mapping"
	CalendarConfig            = "date.calendar.system"
	StartupLimitConfig        = "table.monitoring.startup.polling.limit.ms"
	TimestampMappingConfig    = "timestamp.columns.mapping"
	IncrementingMappingConfig = "incrementing.column.mapping"
	MaxBufferSizeConfig       = "max.buffer.size"
	PollLingerConfig          = "poll.linger.ms"
	CredentialsProviderConfig = "jdbc.credentials.provider.class"

	// KeyFromPrimaryKeyConfig is kconnect's own key, not Confluent's:
	// true keys each record of a table by its primary key columns (see
	// the package documentation).
	KeyFromPrimaryKeyConfig = "kconnect.key.from.primary.key"

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
	Define(connect.ConfigKey{Name: BatchMaxRowsConfig, Type: connect.ConfigInt, Default: 1000, Importance: connect.Low,
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
	Define(connect.ConfigKey{Name: QueryMaskedConfig, Type: connect.ConfigPassword, Default: "", Importance: connect.Medium,
		Group: "Mode", OrderInGroup: 9,
		Doc: "The query, as query, kept as a secret: never shown by the REST API. It cannot be set with query."}).
	Define(connect.ConfigKey{Name: TimestampGranularity, Type: connect.ConfigString, Default: "connect_logical", Importance: connect.Low,
		Validator: connect.OneOfIgnoreCase(granularityNames...), Group: "Connector", OrderInGroup: 10,
		Doc: "How timestamp columns are written in records: connect_logical (Connect's Timestamp, the default), " +
			"micros_long, micros_string (microseconds since the epoch), micros_iso_datetime_string " +
			"(yyyy-MM-dd'T'HH:mm:ss.SSSSSS in db.timezone), nanos_long, nanos_string, nanos_iso_datetime_string."}).
	Define(connect.ConfigKey{Name: IsolationModeConfig, Type: connect.ConfigString, Default: "DEFAULT", Importance: connect.Low,
		Validator: connect.OneOf("DEFAULT", "READ_UNCOMMITTED", "READ_COMMITTED", "REPEATABLE_READ", "SERIALIZABLE", "SQL_SERVER_SNAPSHOT"),
		Group:     "Mode", OrderInGroup: 11,
		Doc: "The transaction isolation level of the queries: DEFAULT (the connection's own), READ_UNCOMMITTED, " +
			"READ_COMMITTED, REPEATABLE_READ, SERIALIZABLE; SQL_SERVER_SNAPSHOT only with SQL Server."}).
	Define(connect.ConfigKey{Name: TimestampMappingConfig, Type: connect.ConfigList, Default: "", Importance: connect.Medium,
		Validator: mappingValidator(true), Group: "Mode", OrderInGroup: 12,
		Doc: "Per table, the timestamp columns, as regex1:[col1|col2],regex2:[col3]: each table's fully-qualified " +
			"name must match exactly one regex. Used with table.include.list, instead of timestamp.column.name."}).
	Define(connect.ConfigKey{Name: IncrementingMappingConfig, Type: connect.ConfigList, Default: "", Importance: connect.Medium,
		Validator: mappingValidator(false), Group: "Mode", OrderInGroup: 13,
		Doc: "Per table, the incrementing column, as regex1:col1,regex2:col2: each table's fully-qualified name " +
			"must match exactly one regex. Used with table.include.list, instead of incrementing.column.name."}).
	Define(connect.ConfigKey{Name: MaxBufferSizeConfig, Type: connect.ConfigInt, Default: 0, Importance: connect.Low,
		Group: "Connector", OrderInGroup: 11,
		Doc: "Confluent's bound of the rows read ahead of poll; kconnect reads a batch at each poll, so it has no effect."}).
	Define(connect.ConfigKey{Name: PollLingerConfig, Type: connect.ConfigLong, Default: int64(5000), Importance: connect.Low,
		Group: "Connector", OrderInGroup: 12,
		Doc: "Confluent's wait for a fuller batch; kconnect returns each batch as it is read, so it has no effect."}).
	Define(connect.ConfigKey{Name: CredentialsProviderConfig, Type: connect.ConfigClass,
		Default: "io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider", Importance: connect.Low,
		Validator: connect.OneOf("io.confluent.connect.jdbc.util.DefaultJdbcCredentialsProvider"), Group: "Database", OrderInGroup: 16,
		Doc: "The provider of the credentials: only the default, connection.user and connection.password (a config " +
			"provider can supply those)."}).
	Define(connect.ConfigKey{Name: NumericPrecisionConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low,
		Group: "Database", OrderInGroup: 15,
		Doc: "Deprecated: true is numeric.mapping=precision_only when numeric.mapping is not set."}).
	Define(connect.ConfigKey{Name: CalendarConfig, Type: connect.ConfigString, Default: "LEGACY", Importance: connect.Low,
		Validator: connect.OneOfIgnoreCase("LEGACY", "PROLEPTIC_GREGORIAN"), Group: "Connector", OrderInGroup: 8,
		Doc: "The calendar of dates: Go's is the proleptic Gregorian one either way, which differs from LEGACY only before 1582."}).
	Define(connect.ConfigKey{Name: StartupLimitConfig, Type: connect.ConfigLong, Default: int64(10000), Importance: connect.Low,
		Validator: connect.AtLeast(int64(0)), Group: "Connector", OrderInGroup: 9,
		Doc: "How long startup waits for the table list. kconnect lists the tables at start, so it has no effect."}).
	Define(connect.ConfigKey{Name: KeyFromPrimaryKeyConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Group: "Connector", OrderInGroup: 13,
		Doc: "kconnect's own, not Confluent's: key each record by its table's primary key, a Struct of the key's columns " +
			"in key order (null for a table without one), instead of Confluent's null key. Cannot be set with query."})

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
	granularity      granularity
	isolation        sql.IsolationLevel // LevelDefault: no transaction of the task's own
	incMapping       []columnMapping    // incrementing.column.mapping
	tsMapping        []columnMapping    // timestamp.columns.mapping
	keyByPK          bool               // kconnect.key.from.primary.key
}

// columnMapping is an entry of timestamp.columns.mapping or
// incrementing.column.mapping: the columns of the tables whose qualified
// name re matches.
type columnMapping struct {
	re   *regexp.Regexp
	cols []string
}

// parseMapping splits an entry "regex:col" (bracketed, "regex:[c1|c2]",
// when multi), as Confluent's validators check it: one colon, a regex
// matching the whole name, no empty column.
func parseMapping(entry string, multi bool) (columnMapping, error) {
	parts := strings.Split(strings.TrimSpace(entry), ":")
	if len(parts) != 2 {
		if multi {
			return columnMapping{}, fmt.Errorf("%q: Invalid format. Expected 'regex:[col1|col2|...]'", entry)
		}
		return columnMapping{}, fmt.Errorf("%q: Invalid format. Expected 'regex:columnName'", entry)
	}
	re, err := regexp.Compile("^(?:" + strings.TrimSpace(parts[0]) + ")$")
	if err != nil {
		return columnMapping{}, fmt.Errorf("%q: Invalid regular expression: %w", parts[0], err)
	}
	cols := strings.TrimSpace(parts[1])
	if !multi {
		if cols == "" {
			return columnMapping{}, fmt.Errorf("%q: Column name cannot be empty", entry)
		}
		return columnMapping{re: re, cols: []string{cols}}, nil
	}
	if !strings.HasPrefix(cols, "[") || !strings.HasSuffix(cols, "]") {
		return columnMapping{}, fmt.Errorf("%q: Columns list must be enclosed in square brackets", cols)
	}
	inner := cols[1 : len(cols)-1]
	if strings.TrimSpace(inner) == "" {
		return columnMapping{}, fmt.Errorf("%q: Columns list cannot be empty", cols)
	}
	m := columnMapping{re: re}
	for _, c := range strings.Split(inner, "|") {
		if c = strings.TrimSpace(c); c == "" {
			return columnMapping{}, fmt.Errorf("%q: Every column name should be non-empty string", cols)
		}
		m.cols = append(m.cols, c)
	}
	return m, nil
}

func mappingValidator(multi bool) connect.Validator {
	return connect.ValidatorFunc(func(v any) error {
		for _, e := range v.([]string) {
			if _, err := parseMapping(e, multi); err != nil {
				return err
			}
		}
		return nil
	})
}

// mapped returns the columns of the one entry of ms matching table, or an
// error, as Confluent's task fails, when none or several match.
func mapped(ms []columnMapping, key, table string) ([]string, error) {
	var found []string
	n := 0
	for _, m := range ms {
		if m.re.MatchString(table) {
			found = m.cols
			n++
		}
	}
	switch {
	case n == 0:
		return nil, fmt.Errorf("Error while validating %s: Included table '%s' does not match any of the provided regexes", key, table)
	case n > 1:
		return nil, fmt.Errorf("Error while validating %s: Included table '%s' matches more than one of the provided regexes", key, table)
	}
	return found, nil
}

var isolationLevels = map[string]sql.IsolationLevel{
	"DEFAULT": sql.LevelDefault, "READ_UNCOMMITTED": sql.LevelReadUncommitted, "READ_COMMITTED": sql.LevelReadCommitted,
	"REPEATABLE_READ": sql.LevelRepeatableRead, "SERIALIZABLE": sql.LevelSerializable,
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
		query:           cfg.String(QueryConfig), suffix: strings.TrimSpace(cfg.String(QuerySuffixConfig)),
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
	s.keyByPK = cfg.Bool(KeyFromPrimaryKeyConfig)
	s.granularity = granularities[strings.ToLower(cfg.String(TimestampGranularity))]
	var problems []string
	if masked := cfg.Password(QueryMaskedConfig).Value(); masked != "" {
		if s.query != "" {
			problems = append(problems, "Both 'query' and 'query.masked' configs cannot be set at the same time. Please use only one of them.")
		}
		s.query = masked
	}
	s.query = strings.TrimSpace(s.query)
	iso := cfg.String(IsolationModeConfig)
	if iso == "SQL_SERVER_SNAPSHOT" {
		problems = append(problems, IsolationModeConfig+": Isolation mode of `SQL_SERVER_SNAPSHOT` can only be configured with a Sql Server Dialect")
	}
	s.isolation = isolationLevels[iso]
	for _, p := range []struct {
		key   string
		multi bool
		dst   *[]columnMapping
	}{{IncrementingMappingConfig, false, &s.incMapping}, {TimestampMappingConfig, true, &s.tsMapping}} {
		for _, e := range cfg.List(p.key) {
			m, err := parseMapping(e, p.multi)
			if err != nil {
				return nil, fmt.Errorf("invalid configuration: %s: %w", p.key, err)
			}
			*p.dst = append(*p.dst, m)
		}
	}
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
	legacy := len(s.whitelist) > 0 || len(s.blacklist) > 0 || s.incrementing != "" || len(s.timestamps) > 0
	newer := len(s.include) > 0 || len(s.exclude) > 0 || len(s.incMapping) > 0 || len(s.tsMapping) > 0
	usesInc := s.mode == ModeIncrementing || s.mode == ModeTimestampIncrementing
	usesTS := s.mode == ModeTimestamp || s.mode == ModeTimestampIncrementing
	if s.query == "" && legacy && newer {
		problems = append(problems, "Cannot mix legacy and new configuration approaches. Legacy configurations (table.whitelist, "+
			"table.blacklist, timestamp.column.name, incrementing.column.name) cannot be used together with new configurations "+
			"(table.include.list, table.exclude.list, timestamp.columns.mapping, incrementing.column.mapping).")
	}
	if newer && s.query == "" && !legacy {
		switch {
		case len(s.exclude) > 0 && len(s.include) == 0:
			problems = append(problems, TableExcludeListConfig+" cannot be used without "+TableIncludeListConfig+
				". Exclude list only applies to tables that match the include list.")
		case usesTS && len(s.tsMapping) == 0:
			problems = append(problems, ModeConfig+": Timestamp column configuration must be provided when using mode 'timestamp' "+
				"or 'timestamp+incrementing'. Provide 'timestamp.columns.mapping'.")
		case !usesTS && len(s.tsMapping) > 0:
			problems = append(problems, ModeConfig+": Timestamp column configurations should not be provided if mode is not "+
				"'timestamp' or 'timestamp+incrementing'. Remove 'timestamp.columns.mapping'.")
		case usesInc && len(s.incMapping) == 0:
			problems = append(problems, ModeConfig+": Incrementing column configuration must be provided when using mode "+
				"'incrementing' or 'timestamp+incrementing'. Provide 'incrementing.column.mapping'.")
		case !usesInc && len(s.incMapping) > 0:
			problems = append(problems, ModeConfig+": Incrementing column configurations should not be provided if mode is not "+
				"'incrementing' or 'timestamp+incrementing'. Remove 'incrementing.column.mapping'.")
		}
	}
	switch {
	case s.mode == "":
		problems = append(problems, ModeConfig+": Query mode must be specified: bulk, incrementing, timestamp or timestamp+incrementing")
	case (s.mode == ModeIncrementing || s.mode == ModeTimestampIncrementing) && s.incrementing == "" && s.query != "":
		problems = append(problems, IncrementingColumnConfig+": mode "+s.mode+" with a query needs the incrementing column's name")
	}
	if usesTS && len(s.timestamps) == 0 && len(s.tsMapping) == 0 {
		problems = append(problems, TimestampColumnConfig+": mode "+s.mode+" needs one or more timestamp columns")
	}
	if len(s.whitelist) > 0 && len(s.blacklist) > 0 {
		problems = append(problems, TableWhitelistConfig+": cannot be set with "+TableBlacklistConfig)
	}
	if s.query != "" && (len(s.whitelist) > 0 || len(s.blacklist) > 0 || len(s.include) > 0 || len(s.exclude) > 0) {
		problems = append(problems, QueryConfig+": a query cannot be combined with table lists")
	}
	if s.keyByPK && s.query != "" {
		// A query's result has no primary key to read from the catalog.
		problems = append(problems, KeyFromPrimaryKeyConfig+": a query has no primary key; it keys only the records of tables")
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
