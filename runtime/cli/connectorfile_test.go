package cli

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/stretchr/testify/require"
)

// The three forms Kafka's ConnectStandalone accepts.
func TestConnectorFileForms(t *testing.T) {
	want := map[string]string{"name": "src", "connector.class": "FileStreamSource", "tasks.max": "1", "topic": "t"}
	for _, c := range []struct {
		name, in string
		state    herder.TargetState
	}{
		{"properties", "name=src\nconnector.class=FileStreamSource\ntasks.max=1\ntopic=t\n", herder.TargetStarted},
		{"JSON object", `{"name":"src","connector.class":"FileStreamSource","tasks.max":"1","topic":"t"}`, herder.TargetStarted},
		// Jackson reads numbers and booleans into strings as their text.
		{"JSON object with a number", "\xef\xbb\xbf\n {\"name\":\"src\",\"connector.class\":\"FileStreamSource\",\"tasks.max\":1,\"topic\":\"t\"}\n", herder.TargetStarted},
		{"create request", `{"name":"src","config":{"connector.class":"FileStreamSource","tasks.max":"1","topic":"t"}}`, herder.TargetStarted},
		{"create request with its name in config, initial state and unknown fields",
			`{"name":"src","config":{"name":"src","connector.class":"FileStreamSource","tasks.max":1,"topic":"t"},"initial_state":"paused","extra":[1]}`,
			herder.TargetPaused},
		{"create request stopped", `{"name":"src","initial_state":"STOPPED","config":{"connector.class":"FileStreamSource","tasks.max":"1","topic":"t"}}`, herder.TargetStopped},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := parseConnectorFile("c.json", []byte(c.in))
			require.NoError(t, err)
			require.Equal(t, "src", f.req.Name)
			require.Equal(t, want, f.req.Config)
			require.Equal(t, c.state, f.state)
		})
	}
}

// A bad file is an error naming the file, and the line and column or the
// key at fault.
func TestConnectorFileErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"connector.class=FileStreamSource\n", "c.json: the connector configuration is missing the mandatory 'name' configuration"},
		{`{"connector.class":"FileStreamSource"}`, "missing the mandatory 'name'"},
		{"{\n  \"name\": \"x\",\n  \"topic\": \"t\"\n  \"file\": \"f\"\n}", "c.json:4:3: invalid character '\"' after object key:value pair"},
		{`{"name":"x"`, "c.json:1:12: unexpected end of JSON input"},
		{`{"name":"x"} {}`, "c.json:1:14: unexpected data after the JSON object"},
		{`{"name":"x","tasks.max":null}`, `key "tasks.max" is null`},
		{`{"name":"x","config":{"topic":["a"]}}`, `c.json: "config": key "topic" is not a string`},
		{`{"name":"x","config":{"name":"y"}}`, `the connector name in 'config' ("y") does not match the one in 'name' ("x")`},
		{`{"config":{"topic":"t"}}`, `c.json: the create request has no "name"`},
		{`{"name":"x","config":{},"initial_state":"RUNNIN"}`, `c.json: initial_state "RUNNIN": must be RUNNING, PAUSED or STOPPED`},
		{`{"name":"x","topics":["a"]}`, `c.json: key "topics" is not a string, and the object has no "config" field`},
		{`[]`, "c.json: the connector configuration is missing the mandatory 'name'"},
		{"name=x\nbad=\\u00zz\n", "c.json:2:"},
	} {
		_, err := parseConnectorFile("c.json", []byte(c.in))
		require.Error(t, err, c.in)
		require.ErrorContains(t, err, c.want, c.in)
	}
}

// Whatever the bytes, reading a connector file returns a configuration
// with a name, or an error naming the file; it never panics.
func FuzzConnectorFile(f *testing.F) {
	for _, s := range []string{
		"name=src\nconnector.class=FileStreamSource\n",
		`{"name":"src","connector.class":"FileStreamSource","tasks.max":1}`,
		`{"name":"src","config":{"connector.class":"FileStreamSource"},"initial_state":"PAUSED"}`,
		"a=b\\\n  c\\", `{"name":"x"} {}`, "\xef\xbb\xbf{\"name\":\"\\u00e9\"}", "k\\u00zz=1",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseConnectorFile("fuzz.properties", data)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), "fuzz.properties"), "error does not name the file: %v", err)
			return
		}
		require.NotEmpty(t, strings.TrimSpace(c.req.Name))
		require.Equal(t, c.req.Name, c.req.Config["name"])
		for k, v := range c.req.Config {
			require.True(t, utf8.ValidString(k) && utf8.ValidString(v), "%q=%q", k, v)
		}
	})
}
