package jdbc

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
)

// The configuration keys, Confluent's JdbcSinkConnector's.
const (
	ConnectionURLConfig      = jdbc.ConnectionURLConfig
	ConnectionUserConfig     = jdbc.ConnectionUserConfig
	ConnectionPasswordConfig = jdbc.ConnectionPasswordConfig
	InsertModeConfig         = "insert.mode"
	PKModeConfig             = "pk.mode"
	PKFieldsConfig           = "pk.fields"
	FieldsWhitelistConfig    = "fields.whitelist"
	TableNameFormatConfig    = "table.name.format"
	AutoCreateConfig         = "auto.create"
	AutoEvolveConfig         = "auto.evolve"
	BatchSizeConfig          = "batch.size"
	DeleteEnabledConfig      = "delete.enabled"
	MaxRetriesConfig         = "max.retries"
	RetryBackoffMsConfig     = "retry.backoff.ms"
	QuoteIdentifiersConfig   = "quote.sql.identifiers"
	DBTimezoneConfig         = "db.timezone"
	ConnectionAttemptsConfig = jdbc.ConnectionAttemptsConfig
	ConnectionBackoffConfig  = jdbc.ConnectionBackoffConfig
	DialectNameConfig        = jdbc.DialectNameConfig
	ReplaceNullConfig        = "replace.null.with.default"
	TableTypesConfig         = "table.types"
	DateTimezoneConfig       = "date.timezone"
	TrimSensitiveLogConfig   = "trim.sensitive.log"
)

// The kafka pk.mode's default column names, Confluent's.
var kafkaPKNames = []string{"__connect_topic", "__connect_partition", "__connect_offset"}

var configDef = jdbc.DefineConnectionKeys(connect.NewConfigDef(), "Connection").
	Define(connect.ConfigKey{Name: InsertModeConfig, Type: connect.ConfigString, Default: "insert", Importance: connect.High,
		Validator: connect.OneOfIgnoreCase("insert", "upsert", "update"), Group: "Writes", OrderInGroup: 1,
		Doc: "The insertion mode to use: insert (standard INSERT), upsert (the dialect's insert-or-update, by the " +
			"primary key), update (UPDATE by the primary key)."}).
	Define(connect.ConfigKey{Name: BatchSizeConfig, Type: connect.ConfigInt, Default: 3000, Importance: connect.Medium,
		Validator: connect.AtLeast(0), Group: "Writes", OrderInGroup: 2,
		Doc: "Specifies how many records to attempt to batch together for insertion into the destination table, when possible."}).
	Define(connect.ConfigKey{Name: DeleteEnabledConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Group: "Writes", OrderInGroup: 3,
		Doc: "Whether to treat null record values as deletes. Requires pk.mode to be record_key."}).
	Define(connect.ConfigKey{Name: TableNameFormatConfig, Type: connect.ConfigString, Default: "${topic}", Importance: connect.Medium,
		Group: "Data Mapping", OrderInGroup: 1,
		Doc: "A format string for the destination table name, which may contain '${topic}' as a placeholder for the " +
			"originating topic name."}).
	Define(connect.ConfigKey{Name: PKModeConfig, Type: connect.ConfigString, Default: "none", Importance: connect.High,
		Validator: connect.OneOfIgnoreCase("none", "kafka", "record_key", "record_value"), Group: "Data Mapping", OrderInGroup: 2,
		Doc: "The primary key mode: none, kafka (the topic, partition and offset), record_key (fields of the key), " +
			"record_value (fields of the value)."}).
	Define(connect.ConfigKey{Name: PKFieldsConfig, Type: connect.ConfigList, Default: "", Importance: connect.Medium,
		Group: "Data Mapping", OrderInGroup: 3,
		Doc: "The primary key fields, whose meaning depends on pk.mode: for kafka the three column names (default " +
			"__connect_topic,__connect_partition,__connect_offset); for record_key the key's fields (default all), or " +
			"the one column of a primitive key; for record_value the value's fields (default all)."}).
	Define(connect.ConfigKey{Name: FieldsWhitelistConfig, Type: connect.ConfigList, Default: "", Importance: connect.Medium,
		Group: "Data Mapping", OrderInGroup: 4,
		Doc: "List of comma-separated record value field names. If empty, all fields from the record value are utilized, " +
			"otherwise used to filter to the desired fields. Primary key fields are handled by pk.mode."}).
	Define(connect.ConfigKey{Name: ReplaceNullConfig, Type: connect.ConfigBoolean, Default: true, Importance: connect.Medium,
		Group: "Data Mapping", OrderInGroup: 6,
		Doc: "Whether to replace fields that have a default value and that are null to the default value. When set " +
			"to true, the default value is used, otherwise null is used."}).
	Define(connect.ConfigKey{Name: TableTypesConfig, Type: connect.ConfigList, Default: "TABLE", Importance: connect.Low,
		Validator: connect.ValidatorFunc(func(v any) error {
			for _, t := range v.([]string) {
				switch strings.ToUpper(t) {
				case "TABLE", "VIEW", "PARTITIONED_TABLE":
				default:
					return fmt.Errorf("unknown table type %q: TABLE, VIEW or PARTITIONED_TABLE", t)
				}
			}
			return nil
		}), Group: "Data Mapping", OrderInGroup: 7,
		Doc: "The comma-separated types of database tables to which the sink connector can write: TABLE, VIEW, " +
			"PARTITIONED_TABLE. kconnect writes to whatever exists under the table's name."}).
	Define(connect.ConfigKey{Name: DateTimezoneConfig, Type: connect.ConfigString, Default: "DB_TIMEZONE", Importance: connect.Low,
		Validator: connect.OneOfIgnoreCase("DB_TIMEZONE", "UTC"), Group: "Data Mapping", OrderInGroup: 8,
		Doc: "Name of the JDBC timezone that should be used in the connector when inserting DATE type values: " +
			"DB_TIMEZONE or UTC. Connect's Date values are days, which kconnect writes as those days either way."}).
	Define(connect.ConfigKey{Name: TrimSensitiveLogConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low,
		Group: "Data Mapping", OrderInGroup: 9,
		Doc: "Whether to trim sensitive information from logs. kconnect's JDBC sink never logs record values or SQL " +
			"arguments, so it is accepted and has no effect."}).
	Define(connect.ConfigKey{Name: DBTimezoneConfig, Type: connect.ConfigString, Default: "UTC", Importance: connect.Medium,
		Validator: connect.ValidatorFunc(func(v any) error {
			_, err := time.LoadLocation(v.(string))
			return err
		}), Group: "Data Mapping", OrderInGroup: 5,
		Doc: "Name of the JDBC timezone that should be used in the connector when inserting time-based values."}).
	Define(connect.ConfigKey{Name: AutoCreateConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Group: "DDL Support", OrderInGroup: 1,
		Doc: "Whether to automatically create the destination table based on record schema if it is found to be " +
			"missing by issuing CREATE."}).
	Define(connect.ConfigKey{Name: AutoEvolveConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium,
		Group: "DDL Support", OrderInGroup: 2,
		Doc: "Whether to automatically add columns in the table schema when found to be missing relative to the " +
			"record schema by issuing ALTER."}).
	Define(connect.ConfigKey{Name: QuoteIdentifiersConfig, Type: connect.ConfigString, Default: "always", Importance: connect.Medium,
		Validator: connect.OneOfIgnoreCase("always", "never"), Group: "DDL Support", OrderInGroup: 3,
		Doc: "When to quote table names, column names, and other identifiers in SQL statements. With never, a name " +
			"that is not a plain identifier is refused rather than written bare."}).
	Define(connect.ConfigKey{Name: MaxRetriesConfig, Type: connect.ConfigInt, Default: 10, Importance: connect.Medium,
		Validator: connect.AtLeast(0), Group: "Retries", OrderInGroup: 1,
		Doc: "The maximum number of times to retry on transient errors before failing the task."}).
	Define(connect.ConfigKey{Name: RetryBackoffMsConfig, Type: connect.ConfigInt, Default: 3000, Importance: connect.Medium,
		Validator: connect.AtLeast(0), Group: "Retries", OrderInGroup: 2,
		Doc: "The time in milliseconds to wait following an error before a retry attempt is made."})

// ConfigDef returns the connector's configuration definition. The result is
// shared; do not Define keys on it.
func ConfigDef() *connect.ConfigDef { return configDef }

type pkMode int

const (
	pkNone pkMode = iota
	pkKafka
	pkRecordKey
	pkRecordValue
)

type insertMode int

const (
	modeInsert insertMode = iota
	modeUpsert
	modeUpdate
)

// settings is a parsed and checked configuration.
type settings struct {
	conn        jdbc.Connection // the connection keys
	insert      insertMode
	pk          pkMode
	pkFields    []string
	whitelist   []string
	tableFormat string
	autoCreate  bool
	autoEvolve  bool
	batchSize   int
	deletes     bool
	maxRetries  int
	backoff     time.Duration
	quoting     jdbc.Quoting
	loc         *time.Location
	defaults    bool // replace.null.with.default
}

func parseSettings(config map[string]string) (*settings, error) {
	cfg, err := configDef.Parse(config)
	if err != nil {
		return nil, err
	}
	s := &settings{
		pkFields:    cfg.List(PKFieldsConfig),
		whitelist:   cfg.List(FieldsWhitelistConfig),
		tableFormat: cfg.String(TableNameFormatConfig),
		autoCreate:  cfg.Bool(AutoCreateConfig),
		autoEvolve:  cfg.Bool(AutoEvolveConfig),
		batchSize:   cfg.Int(BatchSizeConfig),
		deletes:     cfg.Bool(DeleteEnabledConfig),
		maxRetries:  cfg.Int(MaxRetriesConfig),
		backoff:     time.Duration(cfg.Int(RetryBackoffMsConfig)) * time.Millisecond,
		defaults:    cfg.Bool(ReplaceNullConfig),
	}
	s.insert = map[string]insertMode{"insert": modeInsert, "upsert": modeUpsert, "update": modeUpdate}[strings.ToLower(cfg.String(InsertModeConfig))]
	s.pk = map[string]pkMode{"none": pkNone, "kafka": pkKafka, "record_key": pkRecordKey, "record_value": pkRecordValue}[strings.ToLower(cfg.String(PKModeConfig))]
	if strings.EqualFold(cfg.String(QuoteIdentifiersConfig), "never") {
		s.quoting = jdbc.Never
	}
	s.loc, _ = time.LoadLocation(cfg.String(DBTimezoneConfig))
	problems := map[string]string{}
	if s.deletes && s.pk != pkRecordKey {
		problems[DeleteEnabledConfig] = "delete.enabled=true needs pk.mode=record_key, to find the row a tombstone deletes"
	}
	if s.insert != modeInsert && s.pk == pkNone {
		problems[PKModeConfig] = "insert.mode=" + strings.ToLower(cfg.String(InsertModeConfig)) + " needs a primary key: set pk.mode to kafka, record_key or record_value"
	}
	if s.pk == pkKafka && len(s.pkFields) != 0 && len(s.pkFields) != 3 {
		problems[PKFieldsConfig] = fmt.Sprintf("pk.mode=kafka takes three column names (topic, partition, offset), not %d", len(s.pkFields))
	}
	if s.pk == pkNone && len(s.pkFields) > 0 {
		problems[PKFieldsConfig] = "pk.fields is set but pk.mode is none"
	}
	if len(problems) > 0 {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range problems {
				if !yield(k) {
					return
				}
			}
		})
		var b strings.Builder
		for i, k := range keys {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(k + ": " + problems[k])
		}
		return nil, fmt.Errorf("invalid configuration: %s", b.String())
	}
	if s.conn, err = jdbc.ParseConnection(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// table returns the destination table of a topic.
func (s *settings) table(topic string) jdbc.TableID {
	return jdbc.ParseTableID(strings.ReplaceAll(s.tableFormat, "${topic}", topic))
}
