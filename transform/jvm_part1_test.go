package transform

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
)

// TestJVMGoldenPart1 runs every case of testdata/part1/cases.txt through
// the Go transforms and compares with testdata/part1/golden.txt, which
// Apache Kafka 4.4.0's own transforms wrote (testdata/jvm-part1). Results
// are compared exactly; errors are compared as errors (the messages are
// logged), except field path errors, whose text is Kafka's.
func TestJVMGoldenPart1(t *testing.T) {
	cases := readLines(t, "testdata/part1/cases.txt", true)
	golden := readLines(t, "testdata/part1/golden.txt", false)
	require.Len(t, golden, len(cases), "golden.txt is stale: regenerate it (testdata/jvm-part1/README.md)")

	// Known, intended differences: Java regex constructs Go's RE2 cannot
	// run with Java's meaning are rejected at configuration time.
	rejected := map[string]bool{
		"regex\t(?=a)a\tx\ta":        true,
		"regex\t[a-z&&[^b]]+\tx\tac": true,
		"regex\tx++\ty\txx":          true,
		"matches\t(?!x).*\tabc":      true,
		"matches\t[[:alpha:]]+\tabc": true,
		"matches\t[[:alpha:]]+\ta:":  true,
	}

	for i, line := range cases {
		f := strings.Split(line, "\t")
		want := strings.SplitN(golden[i], "\t", 2)
		require.Equal(t, f[0], want[0], "golden line %d does not match case %q", i+1, line)
		t.Run(strconv.Itoa(i+1)+"_"+f[0], func(t *testing.T) {
			got := runGoldenCase(t, f)
			if rejected[line] {
				require.True(t, strings.HasPrefix(got, "ERROR"), "case %q: want a configuration error, got %q", line, got)
				return
			}
			exp := want[1]
			if strings.HasPrefix(exp, "ERROR") {
				require.True(t, strings.HasPrefix(got, "ERROR"), "case %q: Kafka fails (%s), Go gave %q", line, exp, got)
				if f[0] == "path" {
					require.Equal(t, strings.Replace(exp, "ConfigException: ", "", 1), got)
				}
				t.Logf("Kafka: %s\nGo:    %s", exp, got)
				return
			}
			require.Equal(t, exp, got, "case %q", line)
		})
	}
}

func readLines(t *testing.T, name string, skipComments bool) []string {
	t.Helper()
	fh, err := os.Open(name)
	require.NoError(t, err)
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if skipComments && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		out = append(out, l)
	}
	require.NoError(t, sc.Err())
	return out
}

// runGoldenCase returns a case's result in golden.txt's form (without the
// kind): "OK\t...", "DROP" or "ERROR\t<message>".
func runGoldenCase(t *testing.T, f []string) string {
	res, err := goldenResult(f)
	if err != nil {
		return "ERROR\t" + strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(err.Error())
	}
	return res
}

func goldenResult(f []string) (string, error) {
	switch f[0] {
	case "path":
		p, err := parseFieldPath(f[1], FieldSyntaxV2)
		if err != nil {
			return "", err
		}
		b, _ := json.Marshal(p.steps)
		return "OK\t" + string(b), nil
	case "regex":
		rr, err := NewRegexRouter(f[1], f[2])
		if err != nil {
			return "", err
		}
		r, _, err := rr.Apply(connect.Record{Topic: f[3]})
		return "OK\t" + r.Topic, err
	case "matches":
		p, err := NewTopicNameMatches(f[1])
		if err != nil {
			return "", err
		}
		return "OK\t" + strconv.FormatBool(p.Test(&connect.Record{Topic: f[2]})), nil
	case "tsroute":
		cfg := map[string]string{}
		if f[1] != "-" {
			cfg["topic.format"] = f[1]
		}
		if f[2] != "-" {
			cfg["timestamp.format"] = f[2]
		}
		tr, err := newByClass(TimestampRouterClass, cfg)
		if err != nil {
			return "", err
		}
		ms, _ := strconv.ParseInt(f[3], 10, 64)
		r, _, err := tr.Apply(connect.Record{Topic: f[4], Timestamp: time.UnixMilli(ms)})
		return "OK\t" + r.Topic, err
	case "smt":
		return goldenSMT(f[1] == "true", f[2], f[3], f[4], f[5], f[6])
	}
	return "", errors.New("unknown case kind " + f[0])
}

func newByClass(class string, cfg map[string]string) (Transformation, error) {
	p, err := connect.Plugins(Plugins()).Find(connect.TransformationPlugin, class)
	if err != nil {
		return nil, err
	}
	return p.(Plugin).New(cfg)
}

func goldenSMT(schemas bool, class, config, key, value, headers string) (string, error) {
	conv := jsonconv.New(jsonconv.SchemasEnable(schemas), jsonconv.ReplaceNullWithDefault(false))
	in := func(s string) (*connect.Schema, any, error) {
		if s == "-" {
			return nil, nil, nil
		}
		return conv.ToConnect("topic", connect.Headers{}, []byte(s))
	}
	r := connect.Record{Topic: "topic", Timestamp: time.UnixMilli(1700000000000)}
	var err error
	if r.KeySchema, r.Key, err = in(key); err != nil {
		return "", err
	}
	if r.ValueSchema, r.Value, err = in(value); err != nil {
		return "", err
	}
	// Headers in the order written (encoding/json maps do not keep it).
	dec := json.NewDecoder(strings.NewReader(headers))
	if _, err := dec.Token(); err != nil {
		return "", err
	}
	for dec.More() {
		k, _ := dec.Token()
		var v string
		if err := dec.Decode(&v); err != nil {
			return "", err
		}
		r.Headers = r.Headers.AddString(k.(string), v)
	}
	var cfg map[string]string
	if err := json.Unmarshal([]byte(config), &cfg); err != nil {
		return "", err
	}
	tr, err := newByClass(class, cfg)
	if err != nil {
		return "", err
	}
	out, keep, err := tr.Apply(r)
	if err != nil {
		return "", err
	}
	if !keep {
		return "DROP", nil
	}
	text := func(b []byte) string {
		if b == nil {
			return "-"
		}
		return string(b)
	}
	var hs []string
	for h := range out.Headers.All() {
		b, err := conv.FromConnectHeader(nil, out.Topic, h.Key, h.Schema, h.Value)
		if err != nil {
			return "", err
		}
		hs = append(hs, h.Key+"="+text(b))
	}
	kb, err := conv.FromConnect(nil, out.Topic, out.Headers, out.KeySchema, out.Key)
	if err != nil {
		return "", err
	}
	vb, err := conv.FromConnect(nil, out.Topic, out.Headers, out.ValueSchema, out.Value)
	if err != nil {
		return "", err
	}
	return "OK\t" + out.Topic + "\t" + text(kb) + "\t" + text(vb) + "\t" + strings.Join(hs, ";"), nil
}
