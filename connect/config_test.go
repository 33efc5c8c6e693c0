package connect_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// cfgTestParseOne defines a single key "k" of type t and parses raw (absent when nil).
func cfgTestParseOne(t *testing.T, typ connect.ConfigType, raw *string) (any, error) {
	t.Helper()
	def := connect.NewConfigDef().Define(connect.ConfigKey{Name: "k", Type: typ, Importance: connect.High})
	m := map[string]string{}
	if raw != nil {
		m["k"] = *raw
	}
	c, err := def.Parse(m)
	if err != nil {
		return nil, err
	}
	return c.Get("k"), nil
}

func TestConfigParseTypes(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		typ     connect.ConfigType
		raw     string
		want    any
		wantErr string // full message when not ""
	}{
		{connect.ConfigString, " hello world ", "hello world", ""},
		{connect.ConfigString, "", "", ""},
		{connect.ConfigString, "\t\n x \r", "x", ""},
		{connect.ConfigString, "\u00a0x\u00a0", "\u00a0x\u00a0", ""}, // Java's trim keeps U+00A0

		{connect.ConfigInt, "42", 42, ""},
		{connect.ConfigInt, " -7 ", -7, ""},
		{connect.ConfigInt, "+5", 5, ""},
		{connect.ConfigInt, "2147483647", 2147483647, ""},
		{connect.ConfigInt, "-2147483648", -2147483648, ""},
		{connect.ConfigInt, "2147483648", nil, "Invalid value 2147483648 for configuration k: Not a number of type INT"},
		{connect.ConfigInt, "1.5", nil, "Invalid value 1.5 for configuration k: Not a number of type INT"},
		{connect.ConfigInt, "abc", nil, "Invalid value abc for configuration k: Not a number of type INT"},
		{connect.ConfigInt, "", nil, "Invalid value  for configuration k: Not a number of type INT"},
		{connect.ConfigInt, "1_000", nil, "Invalid value 1_000 for configuration k: Not a number of type INT"},
		{connect.ConfigInt, "0x10", nil, "Invalid value 0x10 for configuration k: Not a number of type INT"},

		{connect.ConfigLong, "9223372036854775807", int64(math.MaxInt64), ""},
		{connect.ConfigLong, " -9223372036854775808 ", int64(math.MinInt64), ""},
		{connect.ConfigLong, "9223372036854775808", nil, "Invalid value 9223372036854775808 for configuration k: Not a number of type LONG"},
		{connect.ConfigLong, "12L", nil, "Invalid value 12L for configuration k: Not a number of type LONG"},

		{connect.ConfigDouble, "1.5", 1.5, ""},
		{connect.ConfigDouble, " 1e3 ", 1000.0, ""},
		{connect.ConfigDouble, "-2", -2.0, ""},
		{connect.ConfigDouble, ".5", 0.5, ""},
		{connect.ConfigDouble, "1.5d", 1.5, ""},
		{connect.ConfigDouble, "2F", 2.0, ""},
		{connect.ConfigDouble, "0x1p3", 8.0, ""},
		{connect.ConfigDouble, "Infinity", math.Inf(1), ""},
		{connect.ConfigDouble, "-Infinity", math.Inf(-1), ""},
		{connect.ConfigDouble, "inf", nil, "Invalid value inf for configuration k: Not a number of type DOUBLE"},
		{connect.ConfigDouble, "nan", nil, "Invalid value nan for configuration k: Not a number of type DOUBLE"},
		{connect.ConfigDouble, "1_0.0", nil, "Invalid value 1_0.0 for configuration k: Not a number of type DOUBLE"},
		{connect.ConfigDouble, "--1", nil, "Invalid value --1 for configuration k: Not a number of type DOUBLE"},
		{connect.ConfigDouble, "d", nil, "Invalid value d for configuration k: Not a number of type DOUBLE"},
		{connect.ConfigDouble, "", nil, "Invalid value  for configuration k: Not a number of type DOUBLE"},

		{connect.ConfigBoolean, "true", true, ""},
		{connect.ConfigBoolean, "TRUE", true, ""},
		{connect.ConfigBoolean, " False ", false, ""},
		{connect.ConfigBoolean, "yes", nil, "Invalid value yes for configuration k: Expected value to be either true or false"},
		{connect.ConfigBoolean, "1", nil, "Invalid value 1 for configuration k: Expected value to be either true or false"},
		{connect.ConfigBoolean, "", nil, "Invalid value  for configuration k: Expected value to be either true or false"},

		{connect.ConfigList, "a,b", []string{"a", "b"}, ""},
		{connect.ConfigList, " a , b ,c", []string{"a", "b", "c"}, ""},
		{connect.ConfigList, "", []string{}, ""},
		{connect.ConfigList, "   ", []string{}, ""},
		{connect.ConfigList, "a,,b", []string{"a", "", "b"}, ""},
		{connect.ConfigList, "a,", []string{"a", ""}, ""},
		{connect.ConfigList, ",", []string{"", ""}, ""},
		{connect.ConfigList, "single", []string{"single"}, ""},

		{connect.ConfigClass, " org.example.MySource ", "org.example.MySource", ""},
		{connect.ConfigClass, "FileStreamSource", "FileStreamSource", ""},

		{connect.ConfigDuration, "5000", 5 * time.Second, ""},
		{connect.ConfigDuration, " 5 ", 5 * time.Millisecond, ""},
		{connect.ConfigDuration, "-1", -time.Millisecond, ""},
		{connect.ConfigDuration, "5s", 5 * time.Second, ""},
		{connect.ConfigDuration, " 1m30s ", 90 * time.Second, ""},
		{connect.ConfigDuration, "250us", 250 * time.Microsecond, ""},
		{connect.ConfigDuration, "1.5", nil, "Invalid value 1.5 for configuration k: Expected a number of milliseconds or a duration such as 1m30s"},
		{connect.ConfigDuration, "abc", nil, "Invalid value abc for configuration k: Expected a number of milliseconds or a duration such as 1m30s"},
		{connect.ConfigDuration, "9223372036854775", nil, "Invalid value 9223372036854775 for configuration k: Duration out of range"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%q", tt.typ, tt.raw), func(t *testing.T) {
			got, err := cfgTestParseOne(t, tt.typ, s(tt.raw))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("got value %#v, want error %q", got, tt.wantErr)
				}
				if err.Error() != tt.wantErr {
					t.Fatalf("error\n got %q\nwant %q", err.Error(), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v (%T), want %#v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
}

func TestConfigParseNaN(t *testing.T) {
	for _, raw := range []string{"NaN", "-NaN", " NaN "} {
		got, err := cfgTestParseOne(t, connect.ConfigDouble, &raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if f, ok := got.(float64); !ok || !math.IsNaN(f) {
			t.Fatalf("%q: got %#v, want NaN", raw, got)
		}
	}
}

func TestConfigParsePasswordTrimmed(t *testing.T) {
	raw := "  s3cret \t"
	got, err := cfgTestParseOne(t, connect.ConfigPassword, &raw)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := got.(connect.Password)
	if !ok {
		t.Fatalf("got %T, want connect.Password", got)
	}
	if p.Value() != "s3cret" {
		t.Fatalf("Value() = %q, want %q (trimmed, like Kafka)", p.Value(), "s3cret")
	}
}

func TestConfigDefaults(t *testing.T) {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "req", Type: connect.ConfigString, Required: true, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "opt", Type: connect.ConfigInt, Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "int.typed", Type: connect.ConfigInt, Default: 7, Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "int.str", Type: connect.ConfigInt, Default: " 8 ", Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "long", Type: connect.ConfigLong, Default: int32(9), Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "double", Type: connect.ConfigDouble, Default: 2, Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "bool", Type: connect.ConfigBoolean, Default: false, Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "list", Type: connect.ConfigList, Default: "x, y", Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "list.typed", Type: connect.ConfigList, Default: []string{}, Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "dur", Type: connect.ConfigDuration, Default: "30s", Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "dur.ms", Type: connect.ConfigDuration, Default: 1500, Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "dur.typed", Type: connect.ConfigDuration, Default: time.Minute, Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "pw", Type: connect.ConfigPassword, Default: "changeit", Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "zero", Type: connect.ConfigInt, Default: 0, Importance: connect.Low})

	_, err := def.Parse(nil)
	var ce *connect.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("Parse(nil) error = %v, want *ConfigError", err)
	}
	if want := `Missing required configuration "req" which has no default value.`; err.Error() != want {
		t.Fatalf("error %q, want %q", err.Error(), want)
	}

	c, err := def.Parse(map[string]string{"req": "r"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"req", c.String("req"), "r"},
		{"opt Get", c.Get("opt"), nil},
		{"opt Int", c.Int("opt"), 0},
		{"int.typed", c.Int("int.typed"), 7},
		{"int.str", c.Int("int.str"), 8},
		{"long", c.Long("long"), int64(9)},
		{"double", c.Double("double"), 2.0},
		{"bool", c.Bool("bool"), false},
		{"bool Get", c.Get("bool"), false},
		{"list", c.List("list"), []string{"x", "y"}},
		{"list.typed", c.List("list.typed"), []string{}},
		{"dur", c.Duration("dur"), 30 * time.Second},
		{"dur.ms", c.Duration("dur.ms"), 1500 * time.Millisecond},
		{"dur.typed", c.Duration("dur.typed"), time.Minute},
		{"pw", c.Password("pw").Value(), "changeit"},
		{"zero Get", c.Get("zero"), 0},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}

	// A configured value wins over the default.
	c, err = def.Parse(map[string]string{"req": "r", "int.typed": "70", "list": ""})
	if err != nil {
		t.Fatal(err)
	}
	if c.Int("int.typed") != 70 || len(c.List("list")) != 0 {
		t.Fatalf("configured values not used: %d %q", c.Int("int.typed"), c.List("list"))
	}

	// Key reports the normalized default, and the definition cannot be altered through it.
	k, ok := def.Key("list")
	if !ok || !reflect.DeepEqual(k.Default, []string{"x", "y"}) {
		t.Fatalf("Key(list) = %#v, %v", k.Default, ok)
	}
	k.Default.([]string)[0] = "mutated"
	c, _ = def.Parse(map[string]string{"req": "r"})
	c.List("list")[0] = "mutated"
	c.Get("list").([]string)[1] = "mutated"
	if got := c.List("list"); !reflect.DeepEqual(got, []string{"x", "y"}) {
		t.Fatalf("Config modified through List/Get: %q", got)
	}
	if k2, _ := def.Key("list"); k2.Default.([]string)[0] != "x" {
		t.Fatal("definition default was modified through Key")
	}
	if k, _ := def.Key("int.str"); k.Default != 8 {
		t.Fatalf("Key(int.str).Default = %#v, want int 8", k.Default)
	}
	if k, _ := def.Key("long"); k.Default != int64(9) {
		t.Fatalf("Key(long).Default = %#v, want int64 9", k.Default)
	}
	if _, ok := def.Key("nope"); ok {
		t.Fatal("Key(nope) reported defined")
	}
}

func TestConfigDefinePanics(t *testing.T) {
	base := func() *connect.ConfigDef {
		return connect.NewConfigDef().Define(connect.ConfigKey{Name: "a", Type: connect.ConfigInt, Importance: connect.High})
	}
	tests := []struct {
		name string
		key  connect.ConfigKey
		want string
	}{
		{"duplicate", connect.ConfigKey{Name: "a", Type: connect.ConfigInt, Importance: connect.High}, `configuration "a" is defined twice`},
		{"empty name", connect.ConfigKey{Type: connect.ConfigInt, Importance: connect.High}, "empty configuration key name"},
		{"no type", connect.ConfigKey{Name: "b", Importance: connect.High}, "invalid type ConfigType(0)"},
		{"no importance", connect.ConfigKey{Name: "b", Type: connect.ConfigInt}, "invalid importance Importance(0)"},
		{"bad width", connect.ConfigKey{Name: "b", Type: connect.ConfigInt, Importance: connect.High, Width: 9}, "invalid width Width(9)"},
		{"required with default", connect.ConfigKey{Name: "b", Type: connect.ConfigInt, Importance: connect.High, Required: true, Default: 1}, "is Required and has a Default"},
		{"default wrong Go type", connect.ConfigKey{Name: "b", Type: connect.ConfigInt, Importance: connect.High, Default: 1.5}, "a float64 cannot be the default of a INT key"},
		{"default unparsable", connect.ConfigKey{Name: "b", Type: connect.ConfigInt, Importance: connect.High, Default: "x"}, "invalid default: Not a number of type INT"},
		{"default out of INT range", connect.ConfigKey{Name: "b", Type: connect.ConfigInt, Importance: connect.High, Default: int64(1) << 40}, "out of the INT range"},
		{"default fails validator", connect.ConfigKey{Name: "b", Type: connect.ConfigInt, Importance: connect.High, Default: 0, Validator: connect.AtLeast(1)},
			"Invalid value 0 for configuration b: Value must be at least 1"},
		{"password default fails validator, hidden", connect.ConfigKey{Name: "b", Type: connect.ConfigPassword, Importance: connect.High, Default: "short", Validator: connect.Regex(".{8,}")},
			"Invalid value [hidden] for configuration b: Value must match the regular expression .{8,}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("Define did not panic")
				}
				msg := fmt.Sprint(r)
				if !strings.Contains(msg, tt.want) {
					t.Fatalf("panic %q does not contain %q", msg, tt.want)
				}
				if strings.Contains(msg, "short") {
					t.Fatalf("panic %q reveals the password", msg)
				}
			}()
			base().Define(tt.key)
		})
	}
}

func TestConfigParseReportsEveryBadKeyInDefinitionOrder(t *testing.T) {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "ok", Type: connect.ConfigString, Default: "fine", Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "tasks.max", Type: connect.ConfigInt, Default: 1, Validator: connect.AtLeast(1), Importance: connect.High}).
		Define(connect.ConfigKey{Name: "db.password", Type: connect.ConfigPassword, Required: true, Validator: connect.Regex(`\S{12,}`), Importance: connect.High}).
		Define(connect.ConfigKey{Name: "batch.size", Type: connect.ConfigInt, Default: 100, Importance: connect.Medium})

	raw := map[string]string{
		"batch.size":  "lots",
		"db.password": "hunter2",
		"tasks.max":   "0",
		"unknown.key": "kept",
	}
	c, err := def.Parse(raw)
	if c != nil {
		t.Fatal("Parse returned a Config together with an error")
	}
	var ce *connect.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v, want *ConfigError", err, err)
	}
	if got, want := ce.Keys(), []string{"topic", "tasks.max", "db.password", "batch.size"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Keys() = %q, want %q", got, want)
	}
	want := `4 configuration errors: ` +
		`Missing required configuration "topic" which has no default value.; ` +
		`Invalid value 0 for configuration tasks.max: Value must be at least 1; ` +
		`Invalid value [hidden] for configuration db.password: Value must match the regular expression \S{12,}; ` +
		`Invalid value lots for configuration batch.size: Not a number of type INT`
	if err.Error() != want {
		t.Fatalf("error\n got %s\nwant %s", err, want)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatal("error reveals the password")
	}
	var ke *connect.ConfigKeyError
	if !errors.As(err, &ke) || ke.Key != "topic" {
		t.Fatalf("errors.As(*ConfigKeyError) = %v", ke)
	}
	if n := len(ce.Unwrap()); n != 4 {
		t.Fatalf("Unwrap has %d errors, want 4", n)
	}
	if raw["tasks.max"] != "0" || len(raw) != 4 {
		t.Fatal("Parse modified its input")
	}
}

func TestConfigParseThreeBadKeys(t *testing.T) {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "c", Type: connect.ConfigBoolean, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "a", Type: connect.ConfigInt, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "b", Type: connect.ConfigString, Validator: connect.OneOf("x", "y"), Importance: connect.High})
	_, err := def.Parse(map[string]string{"a": "1x", "b": "z", "c": "maybe"})
	want := "3 configuration errors: " +
		"Invalid value maybe for configuration c: Expected value to be either true or false; " +
		"Invalid value 1x for configuration a: Not a number of type INT; " +
		"Invalid value z for configuration b: String must be one of: x, y"
	if err == nil || err.Error() != want {
		t.Fatalf("error\n got %v\nwant %s", err, want)
	}
}

func TestConfigUndefinedDependent(t *testing.T) {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "a", Type: connect.ConfigString, Importance: connect.High, Dependents: []string{"ghost"}})
	_, err := def.Parse(nil)
	if err == nil || err.Error() != "ghost is referred in the dependents, but not defined." {
		t.Fatalf("error = %v", err)
	}
}

func TestConfigGetterPanics(t *testing.T) {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "n", Type: connect.ConfigInt, Default: 1, Importance: connect.High})
	c, err := def.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"undefined", func() { c.Int("missing") }, `connect: Config.Int: configuration "missing" is not defined`},
		{"undefined Get", func() { c.Get("missing") }, `connect: Config.Get: configuration "missing" is not defined`},
		{"wrong type", func() { c.String("n") }, `connect: Config.String: configuration "n" is INT, not STRING`},
		{"wrong type long", func() { c.Long("n") }, `connect: Config.Long: configuration "n" is INT, not LONG`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); fmt.Sprint(r) != tt.want {
					t.Fatalf("panic %v, want %q", r, tt.want)
				}
			}()
			tt.call()
		})
	}
	// Later Define calls do not affect an existing Config.
	def.Define(connect.ConfigKey{Name: "later", Type: connect.ConfigInt, Importance: connect.High})
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("reading a key defined after Parse did not panic")
			}
		}()
		c.Int("later")
	}()
	if c.Int("n") != 1 {
		t.Fatal("existing value changed")
	}
}

func TestConfigOriginals(t *testing.T) {
	def := connect.NewConfigDef().Define(connect.ConfigKey{Name: "name", Type: connect.ConfigString, Importance: connect.High})
	raw := map[string]string{
		"name":                         "c1",
		"producer.override.acks":       "all",
		"producer.override.linger.ms":  "5",
		"producer.override.":           "exact prefix is excluded",
		"key.converter":                "JsonConverter",
		"key.converter.schemas.enable": "false",
	}
	c, err := def.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	orig := c.Originals()
	if !reflect.DeepEqual(orig, raw) {
		t.Fatalf("Originals() = %v", orig)
	}
	orig["name"] = "changed"
	raw["name"] = "changed too"
	if c.Originals()["name"] != "c1" {
		t.Fatal("Originals is not an independent copy")
	}
	if got, want := c.OriginalsWithPrefix("producer.override.", true), map[string]string{"acks": "all", "linger.ms": "5"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("OriginalsWithPrefix strip = %v, want %v", got, want)
	}
	if got, want := c.OriginalsWithPrefix("key.converter.", false), map[string]string{"key.converter.schemas.enable": "false"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("OriginalsWithPrefix no strip = %v, want %v", got, want)
	}
	if got := c.OriginalsWithPrefix("nothing.", true); got == nil || len(got) != 0 {
		t.Fatalf("OriginalsWithPrefix(nothing) = %#v, want empty non-nil map", got)
	}
}

func TestConfigDefWith(t *testing.T) {
	runtime := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "name", Type: connect.ConfigString, Required: true, Importance: connect.High, Group: "Common"}).
		Define(connect.ConfigKey{Name: "tasks.max", Type: connect.ConfigInt, Default: 1, Importance: connect.High, Group: "Common"})
	conn := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "file", Type: connect.ConfigString, Importance: connect.High, Group: "File"}).
		Define(connect.ConfigKey{Name: "batch", Type: connect.ConfigInt, Default: 10, Importance: connect.Low, Group: "Common"})
	all := runtime.With(conn, nil)
	var names []string
	for _, k := range all.Keys() {
		names = append(names, k.Name)
	}
	if want := []string{"name", "tasks.max", "file", "batch"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("keys %q, want %q", names, want)
	}
	if got, want := all.Groups(), []string{"Common", "File"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("groups %q, want %q", got, want)
	}
	if runtime.Len() != 2 || conn.Len() != 2 || all.Len() != 4 {
		t.Fatal("With modified its inputs")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `"name" is defined twice`) {
			t.Fatalf("With duplicate: panic %v", r)
		}
	}()
	runtime.With(connect.NewConfigDef().Define(connect.ConfigKey{Name: "name", Type: connect.ConfigString, Importance: connect.High}))
}

func TestConfigNilDef(t *testing.T) {
	var def *connect.ConfigDef
	c, err := def.Parse(map[string]string{"x": "y"})
	if err != nil || c.Originals()["x"] != "y" {
		t.Fatalf("nil def Parse: %v %v", c, err)
	}
	if def.Len() != 0 || def.Keys() != nil || len(def.Validate(nil)) != 0 {
		t.Fatal("nil def not empty")
	}
}

func TestConfigZeroDef(t *testing.T) {
	var def connect.ConfigDef
	def.Define(connect.ConfigKey{Name: "a", Type: connect.ConfigInt, Default: 2, Importance: connect.Low})
	c, err := def.Parse(nil)
	if err != nil || c.Int("a") != 2 {
		t.Fatalf("zero ConfigDef: %v %v", c, err)
	}
}

func TestConfigTypeStrings(t *testing.T) {
	got := []string{
		connect.ConfigString.String(), connect.ConfigInt.String(), connect.ConfigLong.String(),
		connect.ConfigDouble.String(), connect.ConfigBoolean.String(), connect.ConfigList.String(),
		connect.ConfigPassword.String(), connect.ConfigClass.String(), connect.ConfigDuration.String(),
		connect.High.String(), connect.Medium.String(), connect.Low.String(),
		connect.WidthNone.String(), connect.WidthShort.String(), connect.WidthMedium.String(), connect.WidthLong.String(),
	}
	want := []string{"STRING", "INT", "LONG", "DOUBLE", "BOOLEAN", "LIST", "PASSWORD", "CLASS", "DURATION",
		"HIGH", "MEDIUM", "LOW", "NONE", "SHORT", "MEDIUM", "LONG"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestConfigConcurrentParse(t *testing.T) {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "a", Type: connect.ConfigList, Default: "x,y", Importance: connect.High}).
		Define(connect.ConfigKey{Name: "b", Type: connect.ConfigInt, Default: 3, Validator: connect.Range(1, 5), Importance: connect.High})
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				c, err := def.Parse(map[string]string{"b": "4"})
				if err != nil || c.Int("b") != 4 || len(c.List("a")) != 2 {
					t.Error("concurrent parse failed", err)
					return
				}
				_ = def.Infos("x", def.Validate(nil))
			}
		}()
	}
	for range 8 {
		<-done
	}
}

// TestConfigInvalidValueHidesSecrets: a rejected value is quoted in the
// message, but neither a password nor the credentials of a URL are.
func TestConfigInvalidValueHidesSecrets(t *testing.T) {
	reject := connect.ValidatorFunc(func(any) error { return errors.New("rejected") })
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "urls", Type: connect.ConfigList, Importance: connect.High, Validator: reject}).
		Define(connect.ConfigKey{Name: "port", Type: connect.ConfigInt, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "pw", Type: connect.ConfigPassword, Importance: connect.High, Validator: reject}).
		Define(connect.ConfigKey{Name: "token", Type: connect.ConfigString, Importance: connect.High, Validator: reject})
	_, err := def.Parse(map[string]string{
		"urls":  "https://elastic:s3cret1@es1:9200/,http://es2:9200,http://u:s3cret2@[::1]:9200?x=1",
		"port":  "http://admin:s3cret3@host",
		"pw":    "s3cret4",
		"token": "https://s3cret5@api.example.com/path",
	})
	if err == nil {
		t.Fatal("Parse accepted rejected values")
	}
	msg := err.Error()
	for _, s := range []string{"s3cret1", "s3cret2", "s3cret3", "s3cret4", "s3cret5"} {
		if strings.Contains(msg, s) {
			t.Errorf("the message shows %s: %s", s, msg)
		}
	}
	for _, want := range []string{"https://elastic:[hidden]@es1:9200/", "http://es2:9200", "http://u:[hidden]@[::1]:9200?x=1",
		"Invalid value http://admin:[hidden]@host for configuration port", "Invalid value [hidden] for configuration pw",
		"https://[hidden]@api.example.com/path"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message lacks %q: %s", want, msg)
		}
	}
}
