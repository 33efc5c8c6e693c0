package spooldir

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/encoding"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/javaregex"
)

// The configuration keys every spooldir connector takes, as
// kafka-connect-spooldir's AbstractSourceConnectorConfig names them.
const (
	TopicConfig                    = "topic"
	InputPathConfig                = "input.path"
	InputFilePatternConfig         = "input.file.pattern"
	WalkRecursivelyConfig          = "input.path.walk.recursively"
	MaintainRelativePathConfig     = "cleanup.policy.maintain.relative.path"
	FinishedPathConfig             = "finished.path"
	ErrorPathConfig                = "error.path"
	HaltOnErrorConfig              = "halt.on.error"
	CleanupPolicyConfig            = "cleanup.policy"
	FileMinimumAgeConfig           = "file.minimum.age.ms"
	ProcessingFileExtensionConfig  = "processing.file.extension"
	FilesSortAttributesConfig      = "files.sort.attributes"
	BatchSizeConfig                = "batch.size"
	EmptyPollWaitConfig            = "empty.poll.wait.ms"
	TimestampModeConfig            = "timestamp.mode"
	TaskPartitionerConfig          = "task.partitioner"
	TaskIndexConfig                = "task.index"
	TaskCountConfig                = "task.count"
	FileBufferSizeConfig           = "file.buffer.size.bytes"
	FileCharsetConfig              = "file.charset"
	KeySchemaConfig                = "key.schema"
	ValueSchemaConfig              = "value.schema"
	SchemaGenerationEnabledConfig  = "schema.generation.enabled"
	SchemaGenerationKeyFieldsCfg   = "schema.generation.key.fields"
	SchemaGenerationKeyNameConfig  = "schema.generation.key.name"
	SchemaGenerationValueNameCfg   = "schema.generation.value.name"
	TimestampFieldConfig           = "timestamp.field"
	ParserTimestampFormatsConfig   = "parser.timestamp.date.formats"
	ParserTimestampTimezoneConfig  = "parser.timestamp.timezone"
	CSVSeparatorCharConfig         = "csv.separator.char"
	CSVQuoteCharConfig             = "csv.quote.char"
	CSVEscapeCharConfig            = "csv.escape.char"
	CSVFirstRowAsHeaderConfig      = "csv.first.row.as.header"
	CSVSkipLinesConfig             = "csv.skip.lines"
	CSVNullFieldIndicatorConfig    = "csv.null.field.indicator"
	CSVIgnoreLeadingWhitespaceCfg  = "csv.ignore.leading.whitespace"
	CSVIgnoreQuotationsConfig      = "csv.ignore.quotations"
	CSVStrictQuotesConfig          = "csv.strict.quotes"
	CSVKeepCarriageReturnConfig    = "csv.keep.carriage.return"
	CSVVerifyReaderConfig          = "csv.verify.reader"
	CSVCaseSensitiveFieldNamesCfg  = "csv.case.sensitive.field.names"
	CSVRFC4180ParserEnabledConfig  = "csv.rfc.4180.parser.enabled"
	CSVFileCharsetConfig           = "csv.file.charset"
	FilesNotificationsConfig       = "files.notifications.enabled"
	FilesNotificationsTopicConfig  = "files.notifications.topic"
	FilesNotificationsCreatorCfg   = "files.notifications.record.creator.class"
	defaultNotificationCreator     = "com.github.jcustenborder.kafka.connect.spooldir.FileNotifierRecordCreator$DefaultFileNotifierRecordCreator"
	defaultSchemaGenerationKeyName = "com.github.jcustenborder.kafka.connect.model.Key"
	defaultSchemaGenerationValName = "com.github.jcustenborder.kafka.connect.model.Value"
)

// The values of cleanup.policy.
const (
	CleanupNone       = "NONE"
	CleanupDelete     = "DELETE"
	CleanupMove       = "MOVE"
	CleanupMoveByDate = "MOVEBYDATE"
)

// The values of timestamp.mode.
const (
	TimestampProcessTime = "PROCESS_TIME"
	TimestampFileTime    = "FILE_TIME"
	TimestampField       = "FIELD"
)

var sortAttributes = []string{"NameAsc", "NameDesc", "LengthAsc", "LengthDesc", "LastModifiedAsc", "LastModifiedDesc"}

// commonKeys defines the keys of AbstractSourceConnectorConfig with
// spooldir's defaults and documentation.
func commonKeys(d *connect.ConfigDef) *connect.ConfigDef {
	const g = "File System"
	return d.
		Define(connect.ConfigKey{Name: TopicConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
			Validator: connect.NonEmpty(), Group: "General", Doc: "The Kafka topic to write the data to."}).
		Define(connect.ConfigKey{Name: BatchSizeConfig, Type: connect.ConfigInt, Default: 1000, Importance: connect.Low,
			Validator: connect.AtLeast(1), Group: "General", Doc: "The number of records that should be returned with each batch."}).
		Define(connect.ConfigKey{Name: EmptyPollWaitConfig, Type: connect.ConfigLong, Default: int64(500), Importance: connect.Low,
			Validator: connect.Range(int64(1), int64(math.MaxInt64)), Group: "General",
			Doc: "The amount of time to wait if a poll returns an empty list of records."}).
		Define(connect.ConfigKey{Name: FileBufferSizeConfig, Type: connect.ConfigInt, Default: 128 * 1024, Importance: connect.Low,
			Validator: connect.AtLeast(1), Group: "General", Doc: "The size of buffer for the BufferedInputStream that will be used to interact with the file system."}).
		Define(connect.ConfigKey{Name: TimestampModeConfig, Type: connect.ConfigString, Default: TimestampProcessTime, Importance: connect.Medium,
			Validator: connect.OneOf(TimestampFileTime, TimestampField, TimestampProcessTime), Group: "Timestamps",
			Doc: "Determines how the connector will set the timestamp for the ConnectRecord. If set to `Field` then the timestamp will be read from a field in the value. " +
				"This field cannot be optional and must be a Timestamp. Specify the field  in `timestamp.field`. If set to `FILE_TIME` then the last modified time of the file will be used. " +
				"If set to `PROCESS_TIME` the time the record is read will be used."}).
		Define(connect.ConfigKey{Name: InputPathConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
			Validator: connect.NonEmpty(), Group: g, Doc: "The directory to read files that will be processed. This directory must exist and be writable by the user running Kafka Connect."}).
		Define(connect.ConfigKey{Name: FinishedPathConfig, Type: connect.ConfigString, Default: "", Importance: connect.High, Group: g,
			Doc: "The directory to place files that have been successfully processed. This directory must exist and be writable by the user running Kafka Connect."}).
		Define(connect.ConfigKey{Name: ErrorPathConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
			Validator: connect.NonEmpty(), Group: g, Doc: "The directory to place files in which have error(s). This directory must exist and be writable by the user running Kafka Connect."}).
		Define(connect.ConfigKey{Name: InputFilePatternConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
			Validator: connect.ValidatorFunc(validPattern), Group: g, Doc: "Regular expression to check input file names against. This expression must match the entire filename. The equivalent of Matcher.matches()."}).
		Define(connect.ConfigKey{Name: WalkRecursivelyConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low, Group: g,
			Doc: "If enabled, any sub-directories dropped under `input.path` will be recursively walked looking for files matching the configured `input.file.pattern`. " +
				"After processing is complete the discovered sub directory structure (as well as files within them) will handled according to the configured `cleanup.policy` " +
				"(i.e. moved or deleted etc). For each discovered file, the walked sub-directory path will be set as a header named `file.relative.path`"}).
		Define(connect.ConfigKey{Name: MaintainRelativePathConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low, Group: g,
			Doc: "If `input.path.walk.recursively` is enabled in combination with this flag being `true`, the walked sub-directories which contained files will be retained as-is " +
				"under the `input.path`. The actual files within the sub-directories will moved (with a copy of the sub-dir structure) or deleted as per the `cleanup.policy` defined, " +
				"but the parent sub-directory structure will remain."}).
		Define(connect.ConfigKey{Name: HaltOnErrorConfig, Type: connect.ConfigBoolean, Default: true, Importance: connect.High, Group: g,
			Doc: "Should the task halt when it encounters an error or continue to the next file."}).
		Define(connect.ConfigKey{Name: CleanupPolicyConfig, Type: connect.ConfigString, Default: CleanupMove, Importance: connect.Medium,
			Validator: connect.OneOf(CleanupNone, CleanupDelete, CleanupMove, CleanupMoveByDate), Group: g,
			Doc: "Determines how the connector should cleanup the files that have been successfully processed. NONE leaves the files in place which could cause them to be reprocessed " +
				"if the connector is restarted. DELETE removes the file from the filesystem. MOVE will move the file to a finished directory. MOVEBYDATE will move the file to a " +
				"finished directory with subdirectories by date"}).
		Define(connect.ConfigKey{Name: FileMinimumAgeConfig, Type: connect.ConfigLong, Default: int64(0), Importance: connect.Low,
			Validator: connect.AtLeast(int64(0)), Group: g,
			Doc: "The amount of time in milliseconds after the file was last written to before the file can be processed."}).
		Define(connect.ConfigKey{Name: ProcessingFileExtensionConfig, Type: connect.ConfigString, Default: ".PROCESSING", Importance: connect.Low,
			Validator: connect.Regex(`^.*\..+$`), Group: g, Doc: "Before a file is processed, a flag is created in its directory to indicate the file is being handled. " +
				"The flag file has the same name as the file, but with this property appended as a suffix."}).
		Define(connect.ConfigKey{Name: FilesSortAttributesConfig, Type: connect.ConfigList, Default: []string{"NameAsc"}, Importance: connect.Low,
			Validator: connect.ValidatorFunc(validSortAttributes), Group: g,
			Doc: "The attributes each file will use to determine the sort order. `Name` is name of the file. `Length` is the length of the file preferring larger files first. " +
				"`LastModified` is the LastModified attribute of the file preferring older files first."}).
		Define(connect.ConfigKey{Name: TaskPartitionerConfig, Type: connect.ConfigString, Default: "ByName", Importance: connect.Medium,
			Validator: connect.OneOf("ByName"), Group: g, Doc: "The task partitioner implementation is used when the connector is configured to use more than one task. " +
				"This is used by each task to identify which files will be processed by that task. This ensures that each file is only assigned to one task."}).
		Define(connect.ConfigKey{Name: FilesNotificationsConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Low, Group: "General",
			Doc: "Should the task produce a message to notify when a file is started or finished."}).
		Define(connect.ConfigKey{Name: FilesNotificationsTopicConfig, Type: connect.ConfigString, Default: "files_notifications", Importance: connect.Low,
			Group: "General", Doc: "Topic name for files notifications"}).
		Define(connect.ConfigKey{Name: FilesNotificationsCreatorCfg, Type: connect.ConfigString, Default: defaultNotificationCreator, Importance: connect.Low,
			Validator: connect.OneOf(defaultNotificationCreator), Group: "General", Doc: "The implementation to create notification messages"}).
		Define(connect.ConfigKey{Name: TaskIndexConfig, Type: connect.ConfigInt, Default: 0, Importance: connect.Low,
			Validator: connect.AtLeast(0), Group: "Internal", Doc: "Internal setting to the connector used to instruct a task on which files to select. The connector will override this setting."}).
		Define(connect.ConfigKey{Name: TaskCountConfig, Type: connect.ConfigInt, Default: 1, Importance: connect.Low,
			Validator: connect.AtLeast(1), Group: "Internal", Doc: "Internal setting to the connector used to instruct a task on which files to select. The connector will override this setting."})
}

// schemaKeys defines the keys of AbstractSpoolDirSourceConnectorConfig,
// which the CSV and JSON connectors add.
func schemaKeys(d *connect.ConfigDef) *connect.ConfigDef {
	return d.
		Define(connect.ConfigKey{Name: KeySchemaConfig, Type: connect.ConfigString, Default: "", Importance: connect.High, Group: "Schema",
			Doc: "The schema for the key written to Kafka."}).
		Define(connect.ConfigKey{Name: ValueSchemaConfig, Type: connect.ConfigString, Default: "", Importance: connect.High, Group: "Schema",
			Doc: "The schema for the value written to Kafka."}).
		Define(connect.ConfigKey{Name: SchemaGenerationEnabledConfig, Type: connect.ConfigBoolean, Default: false, Importance: connect.Medium, Group: "Schema Generation",
			Doc: "Flag to determine if schemas should be dynamically generated. If set  to true, `key.schema` and `value.schema` can be omitted, " +
				"but `schema.generation.key.name` and `schema.generation.value.name` must be set."}).
		Define(connect.ConfigKey{Name: SchemaGenerationKeyFieldsCfg, Type: connect.ConfigList, Default: []string{}, Importance: connect.Medium, Group: "Schema Generation",
			Doc: "The field(s) to use to build a key schema. This is only used during schema generation."}).
		Define(connect.ConfigKey{Name: SchemaGenerationKeyNameConfig, Type: connect.ConfigString, Default: defaultSchemaGenerationKeyName, Importance: connect.Medium,
			Group: "Schema Generation", Doc: "The name of the generated key schema."}).
		Define(connect.ConfigKey{Name: SchemaGenerationValueNameCfg, Type: connect.ConfigString, Default: defaultSchemaGenerationValName, Importance: connect.Medium,
			Group: "Schema Generation", Doc: "The name of the generated value schema."}).
		Define(connect.ConfigKey{Name: TimestampFieldConfig, Type: connect.ConfigString, Default: "", Importance: connect.Medium, Group: "Timestamps",
			Doc: "The field in the value schema that will contain the parsed timestamp for the record. This field cannot be marked as optional and must be a " +
				"[Timestamp](https://kafka.apache.org/0102/javadoc/org/apache/kafka/connect/data/Schema.html)"}).
		Define(connect.ConfigKey{Name: ParserTimestampFormatsConfig, Type: connect.ConfigList,
			Default: []string{"yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd' 'HH:mm:ss"}, Importance: connect.Low, Group: "Timestamps",
			Doc: "The date formats that are expected in the file. This is a list of strings that will be used to parse the date fields in order. " +
				"The most accurate date format should be the first in the list. Take a look at the Java documentation for more info. " +
				"https://docs.oracle.com/javase/6/docs/api/java/text/SimpleDateFormat.html"}).
		Define(connect.ConfigKey{Name: ParserTimestampTimezoneConfig, Type: connect.ConfigString, Default: "UTC", Importance: connect.Low, Group: "Timestamps",
			Validator: connect.ValidatorFunc(validZone), Doc: "The timezone that all of the dates will be parsed with."})
}

// charsetKey defines the charset key the line and schemaless JSON
// connectors take, or the CSV connector under its own name.
func charsetKey(d *connect.ConfigDef, name string) *connect.ConfigDef {
	return d.Define(connect.ConfigKey{Name: name, Type: connect.ConfigString, Default: "UTF-8", Importance: connect.Low,
		Validator: connect.ValidatorFunc(validCharset), Group: "General",
		Doc: "Character set to read the file with."})
}

// csvKeys defines SpoolDirCsvSourceConnectorConfig's keys; characters are
// integer code points, as spooldir takes them (44 is ',', 9 a tab).
func csvKeys(d *connect.ConfigDef) *connect.ConfigDef {
	const g = "CSV Parsing"
	char := func(name string, def int, doc string) connect.ConfigKey {
		return connect.ConfigKey{Name: name, Type: connect.ConfigInt, Default: def, Importance: connect.Low, Group: g,
			Validator: connect.Range(0, 0xFFFF), Doc: doc}
	}
	boolean := func(name string, def bool, doc string) connect.ConfigKey {
		return connect.ConfigKey{Name: name, Type: connect.ConfigBoolean, Default: def, Importance: connect.Low, Group: g, Doc: doc}
	}
	d = d.
		Define(char(CSVSeparatorCharConfig, ',', "The character that separates each field in the form of an integer. Typically in a CSV this is a ,(44) character. A TSV would use a tab(9) character. "+
			"If `csv.separator.char` is defined as a null(0), then the RFC 4180 parser must be utilized by default. This is the equivalent of `csv.rfc.4180.parser.enabled = true`.")).
		Define(char(CSVQuoteCharConfig, '"', "The character that is used to quote a field. This typically happens when the csv.separator.char character is within the data.")).
		Define(char(CSVEscapeCharConfig, '\\', "The character as an integer to use when a special character is encountered. The default escape character is typically a \\(92)")).
		Define(boolean(CSVFirstRowAsHeaderConfig, false, "Flag to indicate if the fist row of data contains the header of the file. If true the position of the columns will be determined "+
			"by the first row to the CSV. The column position will be inferred from the position of the schema supplied in `value.schema`. If set to true the number of columns "+
			"must be greater than or equal to the number of fields in the schema.")).
		Define(connect.ConfigKey{Name: CSVSkipLinesConfig, Type: connect.ConfigInt, Default: 0, Importance: connect.Low, Group: g,
			Validator: connect.AtLeast(0), Doc: "Number of lines to skip in the beginning of the file."}).
		Define(connect.ConfigKey{Name: CSVNullFieldIndicatorConfig, Type: connect.ConfigString, Default: "NEITHER", Importance: connect.Low, Group: g,
			Validator: connect.OneOf("EMPTY_SEPARATORS", "EMPTY_QUOTES", "BOTH", "NEITHER"),
			Doc:       "Indicator to determine how the CSV Reader can determine if a field is null. Valid values are EMPTY_SEPARATORS, EMPTY_QUOTES, BOTH, NEITHER."}).
		Define(boolean(CSVIgnoreLeadingWhitespaceCfg, true, "Sets the ignore leading whitespace setting - if true, white space in front of a quote in a field is ignored.")).
		Define(boolean(CSVIgnoreQuotationsConfig, false, "Sets the ignore quotations mode - if true, quotations are ignored.")).
		Define(boolean(CSVStrictQuotesConfig, false, "Sets the strict quotes setting - if true, characters outside the quotes are ignored.")).
		Define(boolean(CSVKeepCarriageReturnConfig, false, "Flag to determine if the carriage return at the end of the line should be maintained.")).
		Define(boolean(CSVVerifyReaderConfig, true, "Flag to determine if the reader should be verified.")).
		Define(boolean(CSVCaseSensitiveFieldNamesCfg, false, "Flag to determine if the field names in the header row should be treated as case sensitive.")).
		Define(boolean(CSVRFC4180ParserEnabledConfig, false, "Flag to determine if the RFC 4180 parser should be used instead of the default parser."))
	return charsetKey(d, CSVFileCharsetConfig)
}

func validPattern(v any) error {
	s, _ := v.(string)
	if s == "" {
		return errors.New("must not be empty")
	}
	_, err := javaregex.CompileWhole(s)
	return err
}

func validSortAttributes(v any) error {
	l, _ := v.([]string)
	for _, a := range l {
		if !contains(sortAttributes, a) {
			return fmt.Errorf("%q is not one of %s", a, strings.Join(sortAttributes, ", "))
		}
	}
	return nil
}

func validZone(v any) error {
	s, _ := v.(string)
	_, err := loadZone(s)
	return err
}

// loadZone reads a Java time zone id as Go does, with Java's short
// fixed-offset names.
func loadZone(s string) (*time.Location, error) {
	switch s {
	case "UTC", "GMT", "Z", "":
		return time.UTC, nil
	}
	return time.LoadLocation(s)
}

// validCharset accepts the Java charset names lookupCharset knows.
func validCharset(v any) error {
	s, _ := v.(string)
	_, err := lookupCharset(s)
	return err
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// common is the parsed form of the keys every connector takes.
type common struct {
	topic          string
	inputPath      string
	pattern        *regexp.Regexp
	recursive      bool
	maintainRel    bool
	finishedPath   string
	errorPath      string
	haltOnError    bool
	cleanup        string
	minAge         time.Duration
	processingExt  string
	sortBy         []string
	batchSize      int
	emptyPollWait  time.Duration
	timestampMode  string
	taskIndex      int
	taskCount      int
	bufferSize     int
	timestampField string
	dateFormats    []string
	zone           *time.Location
	notifyTopic    string // files.notifications.topic when notifications are enabled

	charset encoding.Encoding // of text files (set by their formats); nil for UTF-8
	local   *time.Location    // the zone of MOVEBYDATE's dates
}

// parseCommon reads the common keys and checks what spooldir's task checks
// at start: the directories exist, and finished.path is set when the
// cleanup policy moves files. Errors name the key.
func parseCommon(cfg *connect.Config, schemaKeys bool) (common, error) {
	c := common{
		topic:         cfg.String(TopicConfig),
		inputPath:     cfg.String(InputPathConfig),
		recursive:     cfg.Bool(WalkRecursivelyConfig),
		maintainRel:   cfg.Bool(MaintainRelativePathConfig),
		finishedPath:  cfg.String(FinishedPathConfig),
		errorPath:     cfg.String(ErrorPathConfig),
		haltOnError:   cfg.Bool(HaltOnErrorConfig),
		cleanup:       cfg.String(CleanupPolicyConfig),
		minAge:        time.Duration(cfg.Long(FileMinimumAgeConfig)) * time.Millisecond,
		processingExt: cfg.String(ProcessingFileExtensionConfig),
		sortBy:        cfg.List(FilesSortAttributesConfig),
		batchSize:     cfg.Int(BatchSizeConfig),
		emptyPollWait: time.Duration(cfg.Long(EmptyPollWaitConfig)) * time.Millisecond,
		timestampMode: cfg.String(TimestampModeConfig),
		taskIndex:     cfg.Int(TaskIndexConfig),
		taskCount:     cfg.Int(TaskCountConfig),
		bufferSize:    cfg.Int(FileBufferSizeConfig),
		local:         time.Local,
	}
	if cfg.Bool(FilesNotificationsConfig) {
		c.notifyTopic = cfg.String(FilesNotificationsTopicConfig)
	}
	var err error
	if c.pattern, err = javaregex.CompileWhole(cfg.String(InputFilePatternConfig)); err != nil {
		return c, fmt.Errorf("%s: %w", InputFilePatternConfig, err)
	}
	if c.taskIndex >= c.taskCount {
		return c, fmt.Errorf("%s %d must be below %s %d", TaskIndexConfig, c.taskIndex, TaskCountConfig, c.taskCount)
	}
	if err := checkDir(InputPathConfig, c.inputPath); err != nil {
		return c, err
	}
	if err := checkDir(ErrorPathConfig, c.errorPath); err != nil {
		return c, err
	}
	if c.cleanup == CleanupMove || c.cleanup == CleanupMoveByDate {
		if c.finishedPath == "" {
			return c, fmt.Errorf("%s must be set when %s is %s", FinishedPathConfig, CleanupPolicyConfig, c.cleanup)
		}
		if err := checkDir(FinishedPathConfig, c.finishedPath); err != nil {
			return c, err
		}
	}
	for _, p := range []*string{&c.inputPath, &c.errorPath, &c.finishedPath} {
		if *p != "" {
			if *p, err = filepath.Abs(*p); err != nil {
				return c, err
			}
		}
	}
	if c.timestampMode == TimestampField && !schemaKeys {
		return c, fmt.Errorf("%s %s needs a value schema: this connector has none", TimestampModeConfig, TimestampField)
	}
	if schemaKeys {
		c.timestampField = cfg.String(TimestampFieldConfig)
		c.dateFormats = cfg.List(ParserTimestampFormatsConfig)
		c.zone, _ = loadZone(cfg.String(ParserTimestampTimezoneConfig))
	}
	return c, nil
}

// checkDir checks that dir names a directory, naming key when it does not.
func checkDir(key, dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %s is not a directory", key, dir)
	}
	return nil
}
