package connect_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
)

const pwTestSecret = "hunter2-S3CRET"

func pwTestNoLeak(t *testing.T, what, out string) {
	t.Helper()
	if strings.Contains(out, pwTestSecret) || strings.Contains(out, fmt.Sprintf("%x", pwTestSecret)) {
		t.Fatalf("%s leaks the secret: %s", what, out)
	}
}

func TestPasswordValue(t *testing.T) {
	p := connect.NewPassword(pwTestSecret)
	if p.Value() != pwTestSecret {
		t.Fatalf("Value() = %q", p.Value())
	}
	var zero connect.Password
	if zero.Value() != "" || zero.String() != "[hidden]" {
		t.Fatal("zero Password misbehaves")
	}
	if !p.Equal(connect.NewPassword(pwTestSecret)) || p.Equal(connect.NewPassword("other")) || !zero.Equal(connect.NewPassword("")) {
		t.Fatal("Equal misbehaves")
	}
}

func TestPasswordFmtVerbs(t *testing.T) {
	p := connect.NewPassword(pwTestSecret)
	tests := []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", p, "[hidden]"},
		{"%+v", p, "[hidden]"},
		{"%#v", p, "[hidden]"},
		{"%s", p, "[hidden]"},
		{"%q", p, `"[hidden]"`},
		{"%x", p, "5b68696464656e5d"},
		{"%X", p, "5B68696464656E5D"},
		{"%10.3s", p, "       [hi"},
		{"%-10s|", p, "[hidden]  |"},
		{"%v", &p, "[hidden]"},
		{"%d", p, "%!d(string=[hidden])"},
		{"%v", []connect.Password{p, p}, "[[hidden] [hidden]]"},
		{"%v", map[string]connect.Password{"k": p}, "map[k:[hidden]]"},
		{"%+v", struct{ Pass connect.Password }{p}, "{Pass:[hidden]}"},
		{"%#v", map[string]any{"k": p}, `map[string]interface {}{"k":[hidden]}`},
	}
	for _, tt := range tests {
		got := fmt.Sprintf(tt.format, tt.arg)
		pwTestNoLeak(t, tt.format, got)
		if got != tt.want {
			t.Errorf("Sprintf(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
	if p.String() != "[hidden]" || p.GoString() != "[hidden]" {
		t.Error("String/GoString")
	}
	for _, out := range []string{fmt.Sprint(p), fmt.Sprintln(p), fmt.Sprint(&p)} {
		pwTestNoLeak(t, "Sprint", out)
	}
}

func TestPasswordUnexportedField(t *testing.T) {
	// fmt cannot call methods on unexported fields; the secret must still not show.
	type holder struct {
		name string
		pw   connect.Password
		pws  []connect.Password
		any  any
		cfg  connect.Config
		pcfg *connect.Config
	}
	def := connect.NewConfigDef().Define(connect.ConfigKey{Name: "p", Type: connect.ConfigPassword, Importance: connect.High})
	c, err := def.Parse(map[string]string{"p": pwTestSecret, "undefined.secret": pwTestSecret})
	if err != nil {
		t.Fatal(err)
	}
	p := connect.NewPassword(pwTestSecret)
	h := holder{name: "db", pw: p, pws: []connect.Password{p}, any: p, cfg: *c, pcfg: c}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d", "%p", "%t", "%o", "%b", "%e", "%c", "%U", "%T"} {
		pwTestNoLeak(t, f, fmt.Sprintf(f, h))
		pwTestNoLeak(t, f+" pointer", fmt.Sprintf(f, &h))
	}
}

func TestPasswordSlog(t *testing.T) {
	p := connect.NewPassword(pwTestSecret)
	type withPw struct{ Pass connect.Password }
	var text, js bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&text, nil), slog.NewJSONHandler(&js, nil)} {
		l := slog.New(h)
		l.Info("connect", "password", p, "ptr", &p, "nested", withPw{p}, slog.Group("g", "pw", p))
	}
	pwTestNoLeak(t, "slog text", text.String())
	pwTestNoLeak(t, "slog json", js.String())
	if !strings.Contains(text.String(), "password=[hidden]") || !strings.Contains(text.String(), "g.pw=[hidden]") {
		t.Fatalf("text handler output: %s", text.String())
	}
	if !strings.Contains(js.String(), `"password":"[hidden]"`) || !strings.Contains(js.String(), `"nested":{"Pass":"[hidden]"}`) {
		t.Fatalf("json handler output: %s", js.String())
	}
}

func TestPasswordJSONAndText(t *testing.T) {
	p := connect.NewPassword(pwTestSecret)
	got, err := json.Marshal(map[string]any{"p": p, "s": struct {
		P  connect.Password  `json:"pw"`
		PP *connect.Password `json:"ptr"`
	}{p, &p}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"p":"[hidden]","s":{"pw":"[hidden]","ptr":"[hidden]"}}`; string(got) != want {
		t.Fatalf("json = %s, want %s", got, want)
	}
	txt, _ := p.MarshalText()
	if string(txt) != "[hidden]" {
		t.Fatalf("MarshalText = %s", txt)
	}
	// Decoding reads the secret (text unmarshalling, used by encoding/json for strings).
	var in struct{ P connect.Password }
	if err := json.Unmarshal([]byte(`{"P":"from-json"}`), &in); err != nil {
		t.Fatal(err)
	}
	if in.P.Value() != "from-json" {
		t.Fatalf("UnmarshalText: %q", in.P.Value())
	}
}

func TestConfigPrintingMasksPasswords(t *testing.T) {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "user", Type: connect.ConfigString, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "password", Type: connect.ConfigPassword, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "hosts", Type: connect.ConfigList, Default: "a,b", Importance: connect.High}).
		Define(connect.ConfigKey{Name: "unset", Type: connect.ConfigInt, Importance: connect.Low})
	c, err := def.Parse(map[string]string{"user": "bob", "password": pwTestSecret, "other.secret": pwTestSecret})
	if err != nil {
		t.Fatal(err)
	}
	want := "{user=bob, password=[hidden], hosts=a,b, unset=null}"
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, arg := range []any{c, *c} {
			got := fmt.Sprintf(f, arg)
			pwTestNoLeak(t, "Config "+f, got)
			if got != want {
				t.Errorf("Sprintf(%q, %T) = %q, want %q", f, arg, got, want)
			}
		}
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("started", "config", c)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("started", "config", c)
	pwTestNoLeak(t, "Config slog text", text.String())
	pwTestNoLeak(t, "Config slog json", js.String())
	if !strings.Contains(text.String(), "config.user=bob config.password=[hidden] config.hosts=\"[a b]\"") {
		t.Errorf("text: %s", text.String())
	}
	if !strings.Contains(js.String(), `"config":{"user":"bob","password":"[hidden]","hosts":["a","b"]}`) {
		t.Errorf("json: %s", js.String())
	}
	if v := def.Validate(map[string]string{"password": pwTestSecret}); true {
		pwTestNoLeak(t, "ConfigValue", fmt.Sprintf("%+v %#v", v, v))
	}
	k, _ := connect.NewConfigDef().Define(connect.ConfigKey{Name: "p", Type: connect.ConfigPassword, Default: pwTestSecret, Importance: connect.Low}).Key("p")
	pwTestNoLeak(t, "ConfigKey default", fmt.Sprintf("%+v %#v", k, k))
}
