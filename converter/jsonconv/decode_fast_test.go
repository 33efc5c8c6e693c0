package jsonconv

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jsonparse"
	"github.com/stretchr/testify/require"
)

// sameDecode checks that decodeFast, where it takes a payload, reads it as
// the general path (toValue) does, and that ToConnect with and without the
// fast path (schemas.cache.size=0) gives the same schema, value or error:
// the first time, when the schema is parsed, and the second, when it is the
// one cached last and the payload is decoded as the envelope is read. It
// returns whether decodeFast took the payload.
func sameDecode(t testing.TB, data []byte) (fast bool) {
	c := New()
	general := New(SchemasCacheSize(0))
	s2, v2, err2 := general.ToConnect("t", connect.Headers{}, data)
	for _, call := range []string{"first", "second"} {
		s1, v1, err1 := c.ToConnect("t", connect.Headers{}, data)
		if err2 != nil {
			require.EqualError(t, err1, err2.Error(), "%s call: %s", call, data)
			continue
		}
		require.NoError(t, err1, "%s call: %s", call, data)
		require.True(t, s1 == s2 || s1.Equal(s2), "%s call: %s: schema %v, want %v", call, data, s1, s2)
		requireSameValue(t, v2, v1, "%s call: %s", call, data)
		// The fast path sets fields unchecked: what it built passes the checks.
		require.NoError(t, connecttest.Recheck(v1), "%s call: %s", call, data)
	}
	if err2 != nil {
		return false
	}

	env, err := c.parseEnvelope(data)
	require.NoError(t, err)
	schemaSpan, payloadSpan := env.schemaSpan, env.payloadSpan
	if raw := data[schemaSpan[0]:schemaSpan[1]]; string(raw) == "null" {
		return false
	}
	schema, err := c.parseSchema(data[schemaSpan[0]:schemaSpan[1]])
	require.NoError(t, err)
	payload := data[payloadSpan[0]:payloadSpan[1]]
	v, ok := c.decodeFast(payload, schema)
	if schemaSpan[0] < payloadSpan[0] { // the schema, cached last, came first
		require.Equal(t, ok, env.decoded, "payload decoded as the envelope was read, or not, as decodeFast takes it: %s", data)
	}
	if !ok {
		return false
	}
	n, err := jsonparse.Parse(payload)
	require.NoError(t, err)
	want, err := c.toValue(schema, &n)
	require.NoError(t, err, "decodeFast read %s, which the general path rejects", payload)
	requireSameValue(t, want.Any(), v.Any(), "%s", payload)
	return true
}

// requireSameValue compares values strictly (Go types and all), except
// that NaN equals NaN.
func requireSameValue(t testing.TB, want, got any, msg string, args ...any) {
	if reflect.DeepEqual(want, got) {
		return
	}
	if connect.ValuesEqual(want, got) && strings.Contains(fmt.Sprint(want), "NaN") {
		return
	}
	require.Failf(t, "values differ", "want %#v\ngot  %#v\n%s", want, got, fmt.Sprintf(msg, args...))
}

// fastCases are payloads around the edges of what decodeFast takes, in an
// envelope whose struct has a field of each kind it reads.
func fastCases() []fastCase {
	const schema = `{"type":"struct","fields":[` +
		`{"type":"int8","optional":false,"field":"i8"},` +
		`{"type":"int32","optional":true,"field":"i32"},` +
		`{"type":"int64","optional":false,"field":"i64"},` +
		`{"type":"float","optional":true,"field":"f32"},` +
		`{"type":"double","optional":false,"field":"f64"},` +
		`{"type":"boolean","optional":true,"field":"b"},` +
		`{"type":"string","optional":true,"field":"s"},` +
		`{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"},` +
		`{"type":"array","items":{"type":"string","optional":true},"optional":true,"field":"tags"},` +
		`{"type":"struct","fields":[{"type":"int16","optional":false,"field":"n"}],"optional":true,"field":"in"},` +
		`{"type":"int32","optional":true,"default":7,"field":"def"}` +
		`],"optional":false,"name":"Edge"}`
	payloads := []struct {
		payload string
		fast    bool // decodeFast takes it
	}{
		{`{"i8":1,"i32":2,"i64":3,"f32":4.5,"f64":6.25,"b":true,"s":"x","ts":1700000000123,"tags":["a",null],"in":{"n":5},"def":9}`, true},
		{`{"i8":-128,"i64":-9223372036854775808,"f64":0}`, true},                                       // missing optional fields
		{`{"i8":127,"i64":9223372036854775807,"f64":-0.0,"def":null}`, true},                           // null with a default
		{`{"i64":1,"f64":1,"i8":1}`, true},                                                             // out of order
		{`{"i8":1,"i64":1,"f64":1,"extra":{"deep":[1,2,{"x":"y"}]},"more":-1.5e3}`, true},              // unknown members
		{`{"i8":1,"i8":2,"i64":1,"f64":1}`, false},                                                     // repeated key: the last wins
		{`{"i\u0038":1,"i64":1,"f64":1}`, false},                                                       // escaped name
		{` { "i8" : 1 , "i64" : 1 , "f64" : 1 , "tags" : [ "a" , "b" ] , "in" : { "n" : 1 } } `, true}, // white space
		{`{"i8":1.0,"i64":1e2,"f64":1}`, false},                                                        // integral floats
		{`{"i8":1.5,"i64":1,"f64":1}`, false},                                                          // a fraction
		{`{"i8":128,"i64":1,"f64":1}`, false},                                                          // out of range
		{`{"i8":1,"i64":12345678901234567890,"f64":1}`, false},                                         // int64 overflow
		{`{"i8":1,"i64":1,"f64":"NaN","f32":"-Infinity"}`, false},                                      // Jackson's special floats
		{`{"i8":1,"i64":1,"f64":1e400}`, false},                                                        // out of a double's range
		{`{"i8":1,"i64":1,"f64":1,"f32":3.4e39}`, false},                                               // out of a float's range
		{`{"i8":null,"i64":1,"f64":1}`, false},                                                         // null for a required field
		{`{"i64":1,"f64":1}`, false},                                                                   // a required field missing
		{`{"i8":"1","i64":1,"f64":1}`, false},                                                          // a string for a number
		{`{"i8":1,"i64":1,"f64":1,"b":"true","s":5}`, false},                                           // wrong kinds
		{`{"i8":1,"i64":1,"f64":1,"tags":"a"}`, false},                                                 // not an array
		{`{"i8":1,"i64":1,"f64":1,"tags":[1]}`, false},                                                 // wrong element
		{`{"i8":1,"i64":1,"f64":1,"in":{}}`, false},                                                    // nested required missing
		{`{"i8":1,"i64":1,"f64":1,"s":"esc\"aped\\ \u00e9 \ud83d\ude00"}`, true},                       // escapes in a value
		{`{"i8":01,"i64":1,"f64":1}`, false},                                                           // not JSON
		{`{"i8":-,"i64":1,"f64":1}`, false},                                                            // not JSON
		{`{"i8":1,"i64":1,"f64":1,}`, false},                                                           // not JSON
		{`[1]`, false},
		{`null`, false},
		{`{}`, false},
		{`"s"`, false},
	}
	var out []fastCase
	for _, p := range payloads {
		out = append(out, fastCase{[]byte(`{"schema":` + schema + `,"payload":` + p.payload + `}`), p.fast})
	}
	return out
}

type fastCase struct {
	data []byte
	fast bool
}

func TestDecodeFastMatchesGeneral(t *testing.T) {
	for _, c := range fastCases() {
		require.Equal(t, c.fast, sameDecode(t, c.data), "decodeFast taking %s", c.data)
	}

	// Kafka's goldens: the same either way, and some on the fast path.
	fast := 0
	files, err := filepath.Glob("testdata/golden/*.envelope.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		if sameDecode(t, data) {
			fast++
		}
	}
	require.Positive(t, fast)
	enc := New()
	schema, value := benchRecord()
	data, err := enc.FromConnect(nil, "t", connect.Headers{}, schema, value)
	require.NoError(t, err)
	require.True(t, sameDecode(t, data), "the benchmark's record takes the fast path")
}

func FuzzDecodeFastMatchesGeneral(f *testing.F) {
	for _, c := range fastCases() {
		f.Add(c.data)
	}
	files, _ := filepath.Glob("testdata/golden/*.envelope.json")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameDecode(t, data) })
}
