package spooldir

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConfigKeys: every connector defines spooldir's keys with its
// defaults; the CSV characters are integer code points.
func TestConfigKeys(t *testing.T) {
	common := map[string]any{
		TopicConfig: nil, InputPathConfig: nil, InputFilePatternConfig: nil, ErrorPathConfig: nil,
		FinishedPathConfig: "", HaltOnErrorConfig: true, CleanupPolicyConfig: "MOVE", WalkRecursivelyConfig: false,
		MaintainRelativePathConfig: false, FileMinimumAgeConfig: int64(0), ProcessingFileExtensionConfig: ".PROCESSING",
		FilesSortAttributesConfig: []string{"NameAsc"}, BatchSizeConfig: 1000, EmptyPollWaitConfig: int64(500),
		TimestampModeConfig: "PROCESS_TIME", TaskPartitionerConfig: "ByName", TaskIndexConfig: 0, TaskCountConfig: 1,
		FileBufferSizeConfig: 131072, FilesNotificationsConfig: false, FilesNotificationsTopicConfig: "files_notifications",
		FilesNotificationsCreatorCfg: "com.github.jcustenborder.kafka.connect.spooldir.FileNotifierRecordCreator$DefaultFileNotifierRecordCreator",
	}
	schema := map[string]any{
		KeySchemaConfig: "", ValueSchemaConfig: "", SchemaGenerationEnabledConfig: false, SchemaGenerationKeyFieldsCfg: []string{},
		SchemaGenerationKeyNameConfig: "com.github.jcustenborder.kafka.connect.model.Key",
		SchemaGenerationValueNameCfg:  "com.github.jcustenborder.kafka.connect.model.Value", TimestampFieldConfig: "",
		ParserTimestampFormatsConfig: []string{"yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd' 'HH:mm:ss"}, ParserTimestampTimezoneConfig: "UTC",
	}
	csv := map[string]any{
		CSVSeparatorCharConfig: 44, CSVQuoteCharConfig: 34, CSVEscapeCharConfig: 92, CSVFirstRowAsHeaderConfig: false,
		CSVSkipLinesConfig: 0, CSVNullFieldIndicatorConfig: "NEITHER", CSVIgnoreLeadingWhitespaceCfg: true,
		CSVIgnoreQuotationsConfig: false, CSVStrictQuotesConfig: false, CSVKeepCarriageReturnConfig: false,
		CSVVerifyReaderConfig: true, CSVCaseSensitiveFieldNamesCfg: false, CSVRFC4180ParserEnabledConfig: false,
		CSVFileCharsetConfig: "UTF-8",
	}
	charset := map[string]any{FileCharsetConfig: "UTF-8"}
	for _, tc := range []struct {
		class string
		keys  []map[string]any
	}{
		{CsvClass, []map[string]any{common, schema, csv}},
		{JsonClass, []map[string]any{common, schema}},
		{SchemaLessJsonClass, []map[string]any{common, charset}},
		{LineDelimitedClass, []map[string]any{common, charset}},
		{BinaryFileClass, []map[string]any{common}},
		{ELFClass, []map[string]any{common}},
	} {
		var def = map[string]any{}
		for _, ks := range tc.keys {
			for k, v := range ks {
				def[k] = v
			}
		}
		var found bool
		for _, p := range Plugins() {
			if p.Class != tc.class {
				continue
			}
			found = true
			require.Equal(t, len(def), p.Config.Len(), tc.class)
			for name, want := range def {
				k, ok := p.Config.Key(name)
				require.True(t, ok, "%s: %s", tc.class, name)
				require.Equal(t, want == nil, k.Required, "%s: %s", tc.class, name)
				if want != nil {
					require.Equal(t, want, k.Default, "%s: %s", tc.class, name)
				}
			}
		}
		require.True(t, found, tc.class)
	}
	cfg, err := csvDef.Parse(map[string]string{TopicConfig: "t", InputPathConfig: "i", InputFilePatternConfig: ".*", ErrorPathConfig: "e",
		EmptyPollWaitConfig: "3000000000", KeySchemaConfig: "{}", ValueSchemaConfig: "{}"})
	require.NoError(t, err)
	require.Equal(t, int64(3000000000), cfg.Long(EmptyPollWaitConfig))
}
