package restgolden

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func resp(step string, status int, body string) Response {
	r := Response{Step: step, Request: "GET /x", Status: status,
		Headers: map[string]string{"Content-Type": "application/json"}}
	if body != "" {
		r.Body = json.RawMessage(body)
	}
	return r
}

// compareRules compares with the given rules, failing the test if they do
// not compile.
func compareRules(t *testing.T, d Differ, want, got Response) []string {
	t.Helper()
	diffs, err := CompareWith(d, want, got)
	require.NoError(t, err)
	return diffs
}

func TestCompareReportsEachKindOfDifference(t *testing.T) {
	const want = `{"name":"src","config":{"a":"1","b":"2"},"tasks":[{"connector":"src","task":0}],"type":"source"}`
	cases := []struct {
		name string
		got  string
		diff string // the one difference expected
	}{
		{"field missing", `{"name":"src","config":{"a":"1"},"tasks":[{"connector":"src","task":0}],"type":"source"}`,
			`s: $.config.b: field missing: want "2"`},
		{"extra field", `{"name":"src","config":{"a":"1","b":"2","c":"3"},"tasks":[{"connector":"src","task":0}],"type":"source"}`,
			`s: $.config.c: extra field: got "3"`},
		{"type differs", `{"name":"src","config":{"a":"1","b":"2"},"tasks":[{"connector":"src","task":"0"}],"type":"source"}`,
			`s: $.tasks[0].task: type differs: want number 0, got string "0"`},
		{"value differs", `{"name":"src","config":{"a":"1","b":"2"},"tasks":[{"connector":"src","task":0}],"type":"sink"}`,
			`s: $.type: value differs: want "source", got "sink"`},
		{"field order differs", `{"name":"src","config":{"b":"2","a":"1"},"tasks":[{"connector":"src","task":0}],"type":"source"}`,
			`s: $.config: field order differs: want a,b, got b,a`},
		{"top-level order differs", `{"config":{"a":"1","b":"2"},"name":"src","tasks":[{"connector":"src","task":0}],"type":"source"}`,
			`s: $: field order differs: want name,config,tasks,type, got config,name,tasks,type`},
		{"array length differs", `{"name":"src","config":{"a":"1","b":"2"},"tasks":[],"type":"source"}`,
			`s: $.tasks: length differs: want 1, got 0 (want [{"connector":"src","task":0}], got [])`},
		{"number literal differs", `{"name":"src","config":{"a":"1","b":"2"},"tasks":[{"connector":"src","task":0.0}],"type":"source"}`,
			`s: $.tasks[0].task: value differs: want 0, got 0.0`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			diffs := compareRules(t, Differ{}, resp("s", 200, want), resp("s", 200, tc.got))
			assert.Equal(t, []string{tc.diff}, diffs)
		})
	}
}

func TestCompareStatusHeadersAndBodyKinds(t *testing.T) {
	w := resp("s", 201, `{"a":1}`)
	w.Headers["Location"] = "{{base}}/connectors/src"

	g := resp("s", 200, `{"a":1}`)
	g.Headers["Content-Type"] = "application/json; charset=utf-8"
	assert.Equal(t, []string{
		"s: status differs: want 201, got 200",
		`s: header Content-Type differs: want "application/json", got "application/json; charset=utf-8"`,
		`s: header Location missing: want "{{base}}/connectors/src"`,
	}, compareRules(t, Differ{}, w, g))

	noBody := resp("s", 204, "")
	assert.Equal(t, []string{`s: $: body missing: want {"a":1}`},
		compareRules(t, Differ{}, resp("s", 204, `{"a":1}`), noBody))
	assert.Equal(t, []string{`s: $: extra body: got {"a":1}`},
		compareRules(t, Differ{}, noBody, resp("s", 204, `{"a":1}`)))

	text := resp("s", 404, "")
	text.Text = "<html>not found</html>"
	assert.Equal(t, []string{`s: $: type differs: want object {"error_code":404}, got string "<html>not found</html>"`},
		compareRules(t, Differ{}, resp("s", 404, `{"error_code":404}`), text))

	req := resp("s", 200, `{}`)
	req.Request = "PUT /x"
	assert.Equal(t, []string{`s: request differs: want "GET /x", got "PUT /x"`},
		compareRules(t, Differ{}, resp("s", 200, `{}`), req))
}

func TestCompareIgnoresWhatDiffersByNature(t *testing.T) {
	want := resp("get-status", 200, `{"name":"src","connector":{"state":"RUNNING","worker_id":"{{hostport}}","version":"4.4.0"},`+
		`"tasks":[{"id":0,"state":"RUNNING","worker_id":"{{hostport}}","version":"4.4.0"}],"type":"source"}`)
	got := resp("get-status", 200, `{"name":"src","connector":{"state":"RUNNING","worker_id":"host:1","version":"0.1.0"},`+
		`"tasks":[{"id":0,"state":"RUNNING","worker_id":"host:1","version":"0.1.0"}],"type":"source"}`)
	assert.Empty(t, Compare(want, got), "worker_id and version differ by nature")

	// Ignoring a value still needs it present, with its type.
	missing := resp("get-status", 200, `{"name":"src","connector":{"state":"RUNNING","version":"0.1.0"},`+
		`"tasks":[{"id":0,"state":"RUNNING","worker_id":7,"version":"0.1.0"}],"type":"source"}`)
	assert.Equal(t, []string{
		`get-status: $.connector.worker_id: field missing: want "{{hostport}}"`,
		`get-status: $.tasks[0].worker_id: type differs: want string "{{hostport}}", got number 7`,
	}, Compare(want, missing))

	// What is not declared is still compared.
	state := resp("get-status", 200, strings.Replace(string(got.Body), `"RUNNING"`, `"PAUSED"`, 1))
	assert.Equal(t, []string{`get-status: $.connector.state: value differs: want "RUNNING", got "PAUSED"`}, Compare(want, state))

	logger := resp("logger-get", 200, `{"level":"DEBUG","last_modified":1796630688279}`)
	assert.Empty(t, Compare(logger, resp("logger-get", 200, `{"level":"DEBUG","last_modified":12}`)))
	assert.Equal(t, []string{`logger-get: $.last_modified: type differs: want number 1796630688279, got null`},
		Compare(logger, resp("logger-get", 200, `{"level":"DEBUG","last_modified":null}`)))

	// A Java exception's text is not compared where the step says so, but
	// the error body's shape is.
	npe := resp("post-empty", 500, `{"error_code":500,"message":"Cannot invoke \"x\" because \"y\" is null"}`)
	assert.Empty(t, Compare(npe, resp("post-empty", 500, `{"error_code":500,"message":"request body is empty"}`)))
	assert.Equal(t, []string{`post-empty: $.error_code: value differs: want 500, got 400`, "post-empty: status differs: want 500, got 400"},
		sortedDiffs(Compare(npe, resp("post-empty", 400, `{"error_code":400,"message":"request body is empty"}`))))
}

func sortedDiffs(d []string) []string {
	slices.Sort(d)
	return d
}

func TestCompareMembers(t *testing.T) {
	want := resp("plugins", 200, `[{"class":"a.Sink","type":"sink","version":"4.4.0"},{"class":"a.Source","type":"source","version":"4.4.0"},{"class":"m.Mirror","type":"source","version":"4.4.0"}]`)
	got := resp("plugins", 200, `[{"class":"a.Sink","type":"sink","version":"0.1"},{"class":"a.Source","type":"source","version":"0.1"},{"class":"k.Extra","type":"sink","version":"0.1"}]`)
	assert.Empty(t, Compare(want, got), "entries only one side has are not differences")

	badType := resp("plugins", 200, `[{"class":"a.Source","type":"sink","version":"0.1"}]`)
	assert.Equal(t, []string{`plugins: $[1].type: value differs: want "source", got "sink"`}, Compare(want, badType))

	swapped := resp("plugins", 200, `[{"class":"a.Source","type":"source","version":"0.1"},{"class":"a.Sink","type":"sink","version":"0.1"}]`)
	assert.Equal(t, []string{`plugins: $: element order differs: want "a.Sink","a.Source", got "a.Source","a.Sink"`}, Compare(want, swapped))

	// A class listed under two types pairs with the same class in order.
	twice := resp("plugins", 200, `[{"class":"J","type":"converter"},{"class":"J","type":"header_converter"}]`)
	assert.Empty(t, Compare(twice, twice))
	assert.Equal(t, []string{
		`plugins: $[0].type: value differs: want "converter", got "header_converter"`,
		`plugins: $[1].type: value differs: want "header_converter", got "converter"`,
	}, Compare(twice, resp("plugins", 200, `[{"class":"J","type":"header_converter"},{"class":"J","type":"converter"}]`)))

	// Object members: the loggers' map.
	loggers := resp("loggers", 200, `{"org.a":{"level":"INFO","last_modified":null},"root":{"level":"INFO","last_modified":null}}`)
	assert.Empty(t, Compare(loggers, resp("loggers", 200, `{"root":{"level":"INFO","last_modified":null},"z":{"level":"WARN","last_modified":null}}`)))
	assert.Equal(t, []string{`loggers: $.root.level: value differs: want "INFO", got "WARN"`},
		Compare(loggers, resp("loggers", 200, `{"root":{"level":"WARN","last_modified":null}}`)))
}

func TestCompareExtraRule(t *testing.T) {
	d := Differ{Extra: []Extra{
		{At: "configs", By: "value.name", Names: []string{"x.extra"}, Why: "test"},
		{At: "offset", Names: []string{"hash"}, Why: "test"},
	}}
	want := resp("s", 200, `{"configs":[{"value":{"name":"a"}},{"value":{"name":"b"}}],"offset":{"position":1}}`)
	got := resp("s", 200, `{"configs":[{"value":{"name":"a"}},{"value":{"name":"x.extra"}},{"value":{"name":"b"}}],"offset":{"position":1,"hash":"h"}}`)
	assert.Empty(t, compareRules(t, d, want, got), "named extras are not differences")

	// Only the named members may be extra; the rest is compared strictly.
	other := resp("s", 200, `{"configs":[{"value":{"name":"a"}},{"value":{"name":"y"}},{"value":{"name":"b"}}],"offset":{"hash":"h","position":1,"more":2}}`)
	assert.Equal(t, []string{
		`s: $.configs: length differs: want 2, got 3 (want [{"value":{"name":"a"}},{"value":{"name":"b"}}], got [{"value":{"name":"a"}},{"value":{"name":"y"}},{"value":{"name":"b"}}])`,
		`s: $.configs[1].value.name: value differs: want "b", got "y"`,
		`s: $.offset.more: extra field: got 2`,
	}, compareRules(t, d, want, other))

	// A named member the golden has too is compared as usual.
	both := resp("s", 200, `{"configs":[{"value":{"name":"a"}}],"offset":{"position":1,"hash":"g"}}`)
	assert.Equal(t, []string{`s: $.offset.hash: value differs: want "g", got "h"`},
		compareRules(t, d, both, resp("s", 200, `{"configs":[{"value":{"name":"a"}}],"offset":{"position":1,"hash":"h"}}`)))

	// Missing: what only the golden has.
	missing := Differ{Extra: []Extra{{At: "config", Names: []string{"task.class"}, Missing: true, Why: "test"}}}
	assert.Empty(t, compareRules(t, missing, resp("s", 200, `{"config":{"a":"1","task.class":"T"}}`), resp("s", 200, `{"config":{"a":"1"}}`)))
	assert.Equal(t, []string{`s: $.config.b: field missing: want "2"`},
		compareRules(t, missing, resp("s", 200, `{"config":{"a":"1","task.class":"T","b":"2"}}`), resp("s", 200, `{"config":{"a":"1"}}`)))

	_, err := CompareWith(Differ{Extra: []Extra{{At: "x", Names: []string{"y"}}}}, want, got)
	assert.Error(t, err, "an extra without a reason")
}

func TestCompareContainsRule(t *testing.T) {
	d := Differ{Contains: []string{"message"}}
	want := resp("s", 500, `{"error_code":500,"message":"The value must be positive"}`)
	assert.Empty(t, compareRules(t, d, want, resp("s", 500, `{"error_code":500,"message":"worker: connector c: the value must be positive"}`)))
	assert.Equal(t, []string{`s: $.message: value does not contain the golden's: want "The value must be positive" within, got "worker: no"`},
		compareRules(t, d, want, resp("s", 500, `{"error_code":500,"message":"worker: no"}`)))
	assert.Equal(t, []string{`s: $.message: type differs: want string "The value must be positive", got number 1`},
		compareRules(t, d, want, resp("s", 500, `{"error_code":500,"message":1}`)))
}

func TestCompareOrderRule(t *testing.T) {
	d := Differ{Order: []string{"$", "names"}}
	want := resp("s", 200, `{"names":["a","b"],"n":1}`)
	assert.Empty(t, compareRules(t, d, want, resp("s", 200, `{"n":1,"names":["b","a"]}`)))
	assert.Equal(t, []string{`s: $.names[1]: value differs: want "b", got "c"`},
		compareRules(t, d, want, resp("s", 200, `{"n":1,"names":["c","a"]}`)))
}

func TestCompareAll(t *testing.T) {
	want := []Response{resp("a", 200, `[]`), resp("b", 200, `[]`)}
	got := []Response{resp("a", 200, `["x"]`), resp("c", 200, `[]`)}
	assert.Equal(t, []string{
		`a: $: length differs: want 0, got 1 (want [], got ["x"])`,
		"b: no response (step not run)",
		"c: unexpected step",
	}, CompareAll(want, got))
}

func TestPatterns(t *testing.T) {
	p := path{}.key("tasks").idx(0).key("worker_id")
	assert.Equal(t, "$.tasks[0].worker_id", p.String())
	assert.Equal(t, `$["org.apache.kafka"].level`, path{}.key("org.apache.kafka").key("level").String())
	for _, tc := range []struct {
		pat   string
		match bool
	}{
		{"tasks[0].worker_id", true}, {"$.tasks[0].worker_id", true}, {"tasks[*].worker_id", true},
		{"**.worker_id", true}, {"**", true}, {"*[*].*", true}, {"tasks.*.worker_id", false},
		{"tasks[1].worker_id", false}, {"worker_id", false}, {`["tasks"][0]["worker_id"]`, true},
	} {
		pat, err := parsePattern(tc.pat)
		require.NoError(t, err, tc.pat)
		assert.Equal(t, tc.match, pat.matches(p), tc.pat)
	}
	dotted, err := parsePattern(`$["org.apache.kafka"].level`)
	require.NoError(t, err)
	assert.True(t, dotted.matches(path{}.key("org.apache.kafka").key("level")))
	for _, bad := range []string{"a..b", "a[x]", "a[", `a["x`} {
		_, err := parsePattern(bad)
		assert.Error(t, err, bad)
	}
}

func TestScenarioIsWellFormed(t *testing.T) {
	r := &runner{vars: map[string]string{"dir": `/tmp/a "quoted" dir`, "topic": "t"}}
	names := map[string]bool{}
	for _, s := range Scenario() {
		assert.False(t, names[s.Name], "step name %s repeated", s.Name)
		names[s.Name] = true
		_, err := compileDiffer(Common, s.Differ)
		assert.NoError(t, err, s.Name)
		if s.Body.Set() && strings.HasPrefix(s.Name, "post-") && (strings.Contains(s.Name, "malformed") || strings.Contains(s.Name, "empty")) {
			continue
		}
		if s.Body.Set() {
			b, err := r.expand(s.Body.Text(), jsonEscape)
			require.NoError(t, err, s.Name)
			assert.True(t, json.Valid([]byte(b)), "step %s: body %s is not JSON", s.Name, b)
		}
		for _, a := range s.Await {
			for k := range a.Want {
				_, err := parsePattern(k)
				assert.NoError(t, err, s.Name)
			}
		}
	}
	_, err := scenarioDiffers()
	require.NoError(t, err)
}

func TestPlaceholders(t *testing.T) {
	vars := map[string]string{"dir": `/tmp/d"x`, "topic": "restgolden-1"}
	r := &runner{vars: vars, back: backSubstitutions("http://127.0.0.1:8083", "127.0.0.1:8083", vars)}
	body, err := r.expand(`{"file":"{{dir}}/in.txt","topic":"{{topic}}"}`, jsonEscape)
	require.NoError(t, err)
	assert.Equal(t, `{"file":"/tmp/d\"x/in.txt","topic":"restgolden-1"}`, body)
	assert.Equal(t, `{"file":"{{dir}}/in.txt","topic":"{{topic}}","w":"{{hostport}}","u":"{{base}}/connectors/a"}`,
		r.restore(body[:len(body)-1]+`,"w":"127.0.0.1:8083","u":"http://127.0.0.1:8083/connectors/a"}`))
	_, err = r.expand("/connectors/{{nope}}", jsonEscape)
	assert.ErrorContains(t, err, `var "nope" is not set`)
}

// TestGoldenAgreesWithItself reads the JVM golden and checks that the
// comparer finds nothing between it and itself, and finds a change made to
// it: a guard against rules so broad they hide everything.
func TestGoldenAgreesWithItself(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	g, err := ReadGolden(filepath.Join(filepath.Dir(file), "..", "..", "runtime", "rest", "testdata", "jvm-4.4", "responses.json"))
	require.NoError(t, err)
	require.Len(t, g.Responses, len(Scenario()), "the golden is stale: record it again (runtime/rest/testdata/jvm/README.md)")
	assert.Empty(t, CompareAll(g.Responses, g.Responses))

	changed := slices.Clone(g.Responses)
	for i, r := range changed {
		if r.Step == "get-connector" {
			var buf bytes.Buffer
			require.NoError(t, json.Compact(&buf, r.Body))
			r.Body = json.RawMessage(strings.Replace(buf.String(), `"type":"source"`, `"type":"sink"`, 1))
			changed[i] = r
		}
	}
	assert.Equal(t, []string{`get-connector: $.type: value differs: want "source", got "sink"`}, CompareAll(g.Responses, changed))
}
