package connect_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

func cfgTestValidateDef() *connect.ConfigDef {
	return connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "file", Type: connect.ConfigString, Required: true, Importance: connect.High,
			Doc: "Source filename.", Group: "File", OrderInGroup: 1, Width: connect.WidthLong, DisplayName: "File", Validator: connect.NonEmpty()}).
		Define(connect.ConfigKey{Name: "mode", Type: connect.ConfigString, Default: "append", Importance: connect.Medium,
			Doc: "Write mode.", Group: "File", OrderInGroup: 2, Width: connect.WidthShort, Validator: connect.OneOf("append", "overwrite")}).
		Define(connect.ConfigKey{Name: "batch.size", Type: connect.ConfigInt, Default: 2000, Importance: connect.Low,
			Doc: "Records per poll.", Validator: connect.AtLeast(1)}).
		Define(connect.ConfigKey{Name: "db.password", Type: connect.ConfigPassword, Required: true, Importance: connect.High,
			Doc: "Database password.", Group: "Auth", OrderInGroup: 1}).
		Define(connect.ConfigKey{Name: "api.key", Type: connect.ConfigPassword, Default: "dflt-secret", Importance: connect.Low,
			Doc: "API key.", Group: "Auth", OrderInGroup: 2, Dependents: []string{"ratio"}}).
		Define(connect.ConfigKey{Name: "topics", Type: connect.ConfigList, Default: "", Importance: connect.High,
			Doc: "Topics.", Group: "Common", OrderInGroup: 4, Width: connect.WidthLong, DisplayName: "Topics"}).
		Define(connect.ConfigKey{Name: "ratio", Type: connect.ConfigDouble, Default: 1, Importance: connect.Low, Doc: "Ratio."}).
		Define(connect.ConfigKey{Name: "poll.interval", Type: connect.ConfigDuration, Default: 5 * time.Second, Importance: connect.Low, Doc: "Poll interval."}).
		Define(connect.ConfigKey{Name: "converter", Type: connect.ConfigClass, Importance: connect.Low, Doc: "Converter class."})
}

func TestConfigValidateJSON(t *testing.T) {
	def := cfgTestValidateDef()
	raw := map[string]string{
		"mode":          "sideways",
		"batch.size":    "0",
		"db.password":   "hunter2",
		"topics":        "a, b",
		"poll.interval": "1m",
		"ratio":         "x",
		"unknown":       "ignored",
	}
	got, err := json.Marshal(def.Infos("org.example.FileSource", def.Validate(raw)))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "name": "org.example.FileSource",
  "error_count": 4,
  "groups": ["File", "Auth", "Common"],
  "configs": [
    {"definition": {"name": "file", "type": "STRING", "required": true, "default_value": null, "importance": "HIGH",
       "documentation": "Source filename.", "group": "File", "order_in_group": 1, "width": "LONG", "display_name": "File", "dependents": []},
     "value": {"name": "file", "value": null, "recommended_values": [],
       "errors": ["Missing required configuration \"file\" which has no default value."], "visible": true}},
    {"definition": {"name": "mode", "type": "STRING", "required": false, "default_value": "append", "importance": "MEDIUM",
       "documentation": "Write mode.", "group": "File", "order_in_group": 2, "width": "SHORT", "display_name": "mode", "dependents": []},
     "value": {"name": "mode", "value": "sideways", "recommended_values": ["append", "overwrite"],
       "errors": ["Invalid value sideways for configuration mode: String must be one of: append, overwrite"], "visible": true}},
    {"definition": {"name": "batch.size", "type": "INT", "required": false, "default_value": "2000", "importance": "LOW",
       "documentation": "Records per poll.", "group": null, "order_in_group": -1, "width": "NONE", "display_name": "batch.size", "dependents": []},
     "value": {"name": "batch.size", "value": "0", "recommended_values": [],
       "errors": ["Invalid value 0 for configuration batch.size: Value must be at least 1"], "visible": true}},
    {"definition": {"name": "db.password", "type": "PASSWORD", "required": true, "default_value": null, "importance": "HIGH",
       "documentation": "Database password.", "group": "Auth", "order_in_group": 1, "width": "NONE", "display_name": "db.password", "dependents": []},
     "value": {"name": "db.password", "value": "[hidden]", "recommended_values": [], "errors": [], "visible": true}},
    {"definition": {"name": "api.key", "type": "PASSWORD", "required": false, "default_value": "[hidden]", "importance": "LOW",
       "documentation": "API key.", "group": "Auth", "order_in_group": 2, "width": "NONE", "display_name": "api.key", "dependents": ["ratio"]},
     "value": {"name": "api.key", "value": "[hidden]", "recommended_values": [], "errors": [], "visible": true}},
    {"definition": {"name": "topics", "type": "LIST", "required": false, "default_value": "", "importance": "HIGH",
       "documentation": "Topics.", "group": "Common", "order_in_group": 4, "width": "LONG", "display_name": "Topics", "dependents": []},
     "value": {"name": "topics", "value": "a,b", "recommended_values": [], "errors": [], "visible": true}},
    {"definition": {"name": "ratio", "type": "DOUBLE", "required": false, "default_value": "1.0", "importance": "LOW",
       "documentation": "Ratio.", "group": null, "order_in_group": -1, "width": "NONE", "display_name": "ratio", "dependents": []},
     "value": {"name": "ratio", "value": null, "recommended_values": [],
       "errors": ["Invalid value x for configuration ratio: Not a number of type DOUBLE"], "visible": true}},
    {"definition": {"name": "poll.interval", "type": "LONG", "required": false, "default_value": "5000", "importance": "LOW",
       "documentation": "Poll interval.", "group": null, "order_in_group": -1, "width": "NONE", "display_name": "poll.interval", "dependents": []},
     "value": {"name": "poll.interval", "value": "60000", "recommended_values": [], "errors": [], "visible": true}},
    {"definition": {"name": "converter", "type": "CLASS", "required": false, "default_value": null, "importance": "LOW",
       "documentation": "Converter class.", "group": null, "order_in_group": -1, "width": "NONE", "display_name": "converter", "dependents": []},
     "value": {"name": "converter", "value": null, "recommended_values": [], "errors": [], "visible": true}}
  ]
}`
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(want)); err != nil {
		t.Fatal(err)
	}
	if string(got) != buf.String() {
		t.Fatalf("JSON mismatch\n got %s\nwant %s", got, buf.String())
	}
	for _, secret := range []string{"hunter2", "dflt-secret"} {
		if strings.Contains(string(got), secret) {
			t.Fatalf("validate output reveals %q", secret)
		}
	}
}

func TestConfigInfosStrayAndMissingValues(t *testing.T) {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "a", Type: connect.ConfigString, Importance: connect.High, Dependents: []string{"ghost"}}).
		Define(connect.ConfigKey{Name: "b", Type: connect.ConfigPassword, Importance: connect.High})
	values := def.Validate(map[string]string{"a": "x"})
	if len(values) != 3 || values[2].Name != "ghost" || values[2].Visible {
		t.Fatalf("Validate = %+v", values)
	}
	// A connector's own check: adds an error, drops b, and (wrongly) stores a raw secret.
	values[0].Errors = append(values[0].Errors, "a must name an existing file")
	values = append(values[:1], values[2], connect.ConfigValue{Name: "extra", Value: "v", Errors: []string{"e1", "e2"}})
	values = append(values, connect.ConfigValue{Name: "b", Value: "raw-secret"})
	got, err := json.Marshal(def.Infos("C", values))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"C","error_count":4,"groups":[],"configs":[` +
		`{"definition":null,"value":{"name":"ghost","value":null,"recommended_values":[],"errors":["ghost is referred in the dependents, but not defined."],"visible":false}},` +
		`{"definition":null,"value":{"name":"extra","value":"v","recommended_values":[],"errors":["e1","e2"],"visible":false}},` +
		`{"definition":{"name":"a","type":"STRING","required":false,"default_value":null,"importance":"HIGH","documentation":"","group":null,"order_in_group":-1,"width":"NONE","display_name":"a","dependents":["ghost"]},` +
		`"value":{"name":"a","value":"x","recommended_values":[],"errors":["a must name an existing file"],"visible":true}},` +
		`{"definition":{"name":"b","type":"PASSWORD","required":false,"default_value":null,"importance":"HIGH","documentation":"","group":null,"order_in_group":-1,"width":"NONE","display_name":"b","dependents":[]},` +
		`"value":{"name":"b","value":"[hidden]","recommended_values":[],"errors":[],"visible":false}}]}`
	if string(got) != want {
		t.Fatalf("JSON mismatch\n got %s\nwant %s", got, want)
	}

	// A key without any value entry has "value": null.
	got, _ = json.Marshal(def.Infos("C", nil))
	if !strings.Contains(string(got), `"dependents":[]},"value":null}`) {
		t.Fatalf("missing value not null: %s", got)
	}
}

// cfgTestRecommender shows "path" only when mode=file and suggests modes.
type cfgTestRecommender struct{}

func (cfgTestRecommender) Recommend(name string, parsed map[string]any) []string {
	if name == "path" && parsed["mode"] == "file" {
		return []string{"/tmp", "/var"}
	}
	return nil
}

func (cfgTestRecommender) Visible(name string, parsed map[string]any) bool {
	return name != "path" || parsed["mode"] == "file"
}

func TestConfigValidateRecommender(t *testing.T) {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "mode", Type: connect.ConfigString, Default: "memory", Importance: connect.High,
			Validator: connect.OneOf("memory", "file"), Dependents: []string{"path"}}).
		Define(connect.ConfigKey{Name: "path", Type: connect.ConfigString, Importance: connect.High,
			Recommender: cfgTestRecommender{}, Validator: connect.OneOf("/tmp", "/var", "/opt")})
	v := def.Validate(nil)
	if v[1].Visible || v[1].RecommendedValues != nil {
		t.Fatalf("path with mode=memory: %+v", v[1])
	}
	if !reflect.DeepEqual(v[0].RecommendedValues, []string{"memory", "file"}) || !v[0].Visible {
		t.Fatalf("mode: %+v", v[0])
	}
	v = def.Validate(map[string]string{"mode": "file"})
	if !v[1].Visible || !reflect.DeepEqual(v[1].RecommendedValues, []string{"/tmp", "/var"}) {
		t.Fatalf("path with mode=file: %+v", v[1])
	}
}

func TestConfigValidateJavaDoubleStrings(t *testing.T) {
	tests := []struct {
		def  any
		want string
	}{
		{1, "1.0"}, {0.5, "0.5"}, {-2.25, "-2.25"}, {1e7, "1.0E7"}, {12345678.9, "1.23456789E7"},
		{1e-3, "0.001"}, {1e-4, "1.0E-4"}, {123456.789, "123456.789"}, {0.0, "0.0"}, {"-0", "-0.0"},
		{"NaN", "NaN"}, {"-Infinity", "-Infinity"}, {1.5e300, "1.5E300"},
	}
	for _, tt := range tests {
		def := connect.NewConfigDef().Define(connect.ConfigKey{Name: "d", Type: connect.ConfigDouble, Default: tt.def, Importance: connect.Low})
		info := def.Infos("x", def.Validate(nil))
		if got := *info.Configs[0].Definition.DefaultValue; got != tt.want {
			t.Errorf("default %v: %q, want %q", tt.def, got, tt.want)
		}
		if got := *info.Configs[0].Value.Value; got != tt.want {
			t.Errorf("value %v: %q, want %q", tt.def, got, tt.want)
		}
	}
}

func TestConfigValidateDoesNotShareDefaults(t *testing.T) {
	def := connect.NewConfigDef().Define(connect.ConfigKey{Name: "l", Type: connect.ConfigList, Default: "a,b", Importance: connect.Low})
	def.Validate(nil)[0].Value.([]string)[0] = "mutated"
	if k, _ := def.Key("l"); k.Default.([]string)[0] != "a" {
		t.Fatal("Validate exposed the definition's default list")
	}
}
