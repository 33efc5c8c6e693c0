package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/syncbuf"

	"github.com/kconnect-go/kconnect/internal/restgolden"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/cli"
	"github.com/stretchr/testify/require"
)

// running is a program started by start.
type running struct {
	ready  cli.Ready
	out    *syncbuf.Buffer // stdout
	logs   *syncbuf.Buffer // stderr: banner and log
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
	err    error         // Run's error, once done
}

// stop cancels the program's context, as SIGTERM does, and returns Run's
// error.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		return r.err
	case <-time.After(30 * time.Second):
		t.Fatalf("the worker did not stop; log:\n%s", r.logs)
		return nil
	}
}

// start runs the program with args until it is ready, failing the test if
// it returns first.
func start(t *testing.T, args []string, opts ...cli.Option) *running {
	t.Helper()
	r := &running{out: &syncbuf.Buffer{}, logs: &syncbuf.Buffer{}, done: make(chan struct{})}
	ready := make(chan cli.Ready, 1)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	opts = append([]cli.Option{cli.Output(strings.NewReader(""), r.out, r.logs),
		cli.OnReady(func(rd cli.Ready) { ready <- rd })}, opts...)
	go func() {
		defer close(r.done)
		r.err = cli.Run(ctx, args, opts...)
	}()
	select {
	case r.ready = <-ready:
	case <-r.done:
		cancel()
		t.Fatalf("the program returned before it was ready: %v\nlog:\n%s", r.err, r.logs)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("the program was not ready in time; log:\n%s", r.logs)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
		}
	})
	return r
}

// kafkaFile returns the text of one of Kafka's own config files
// (testdata/kafka, copied from apache/kafka's config/) with the given keys'
// lines replaced, or removed for an empty value; keys it lacks are added.
func kafkaFile(t *testing.T, dir, name string, set map[string]string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "kafka", name))
	require.NoError(t, err)
	text := string(data)
	for k, v := range set {
		line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(k) + `=.*$`)
		repl := k + "=" + v
		if v == "" {
			repl = ""
		}
		if line.MatchString(text) {
			text = line.ReplaceAllLiteralString(text, repl)
		} else if v != "" {
			text += "\n" + repl + "\n"
		}
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// waitForLines waits until the file at path holds want, in any order (the
// sink reads partitions in any order).
func waitForLines(t *testing.T, path string, want []string, logs fmt.Stringer) {
	t.Helper()
	require.Eventually(t, func() bool {
		data, _ := os.ReadFile(path)
		got := strings.Fields(string(data))
		slices.Sort(got)
		return slices.Equal(got, slices.Sorted(slices.Values(want)))
	}, 30*time.Second, 10*time.Millisecond, "sink file; log:\n%v", logs)
}

// Kafka's own sample files, config/connect-standalone.properties,
// connect-file-source.properties and connect-file-sink.properties, run
// unchanged but for the cluster, the files and the topic, and a listener
// on a free port (the sample's default, 8083, may be taken): the lines of
// the source file reach the sink file through the cluster.
func TestKafkaSampleFilesRunOnACluster(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "connect-test")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "test.txt"), filepath.Join(dir, "test.sink.txt")
	writeFile(t, in, "one\ntwo\nthree\n")
	offsets := filepath.Join(dir, "connect.offsets")
	w := kafkaFile(t, dir, "connect-standalone.properties", map[string]string{
		"bootstrap.servers": strings.Join(brokers, ","), "offset.storage.file.filename": offsets,
		"offset.flush.interval.ms": "100", "listeners": "http://127.0.0.1:0"})
	src := kafkaFile(t, dir, "connect-file-source.properties", map[string]string{"file": in, "topic": topic})
	sink := kafkaFile(t, dir, "connect-file-sink.properties", map[string]string{"file": out, "topics": topic})

	r := start(t, []string{"standalone", w, src, sink})
	require.Equal(t, brokers, r.ready.Brokers)
	waitForLines(t, out, []string{"one", "two", "three"}, r.logs)
	require.Eventually(t, func() bool {
		data, _ := os.ReadFile(offsets)
		return strings.Contains(string(data), `"connector":"local-file-source"`) &&
			strings.Contains(string(data), `"position":14`)
	}, 30*time.Second, 10*time.Millisecond, "offsets file")
	require.NoError(t, r.stop(t))
	logs := r.logs.String()
	require.Contains(t, logs, "connector=local-file-source state=RUNNING")
	require.Contains(t, logs, "connector=local-file-sink task=0 state=RUNNING")
	require.Contains(t, logs, "worker stopped")
	require.Contains(t, logs, "  kafka:      "+strings.Join(brokers, ","))
}

// Without bootstrap.servers the same files run on a broker embedded in the
// process.
func TestKafkaSampleFilesRunOnTheEmbeddedBroker(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "test.txt"), filepath.Join(dir, "test.sink.txt")
	writeFile(t, in, "one\ntwo\nthree\n")
	w := kafkaFile(t, dir, "connect-standalone.properties", map[string]string{
		"bootstrap.servers": "", "offset.storage.file.filename": filepath.Join(dir, "connect.offsets"),
		"listeners": "http://127.0.0.1:0"})
	src := kafkaFile(t, dir, "connect-file-source.properties", map[string]string{"file": in})
	sink := kafkaFile(t, dir, "connect-file-sink.properties", map[string]string{"file": out})

	r := start(t, []string{"standalone", w, src, sink})
	waitForLines(t, out, []string{"one", "two", "three"}, r.logs)
	require.NoError(t, r.stop(t))
	logs := r.logs.String()
	require.Contains(t, logs, "  kafka:      embedded broker at "+r.ready.Brokers[0]+", in memory")
	require.Contains(t, logs, "the offsets file is unused")
}

// With a data directory the embedded broker keeps records and offsets: a
// second run reads on from where the first stopped, nothing repeated.
func TestEmbeddedBrokerDataDirSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	writeFile(t, in, "one\ntwo\n")
	w := writeFile(t, filepath.Join(dir, "w.properties"),
		"listeners=http://127.0.0.1:0\nkconnect.data.dir="+filepath.Join(dir, "data")+"\n")
	src := writeFile(t, filepath.Join(dir, "src.json"),
		`{"name":"src","connector.class":"FileStreamSource","file":"`+in+`","topic":"lines"}`)
	sink := writeFile(t, filepath.Join(dir, "sink.json"),
		`{"name":"sink","config":{"connector.class":"FileStreamSink","file":"`+out+`","topics":"lines"}}`)

	r := start(t, []string{"standalone", w, src, sink})
	waitForLines(t, out, []string{"one", "two"}, r.logs)
	require.NoError(t, r.stop(t))
	require.Contains(t, r.logs.String(), "data in "+filepath.Join(dir, "data"))

	f, err := os.OpenFile(in, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("three\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	r = start(t, []string{"standalone", "-data-dir", filepath.Join(dir, "data"), w, src, sink})
	waitForLines(t, out, []string{"one", "two", "three"}, r.logs)
	require.NoError(t, r.stop(t))
}

// A bad worker or connector file is an error naming it and the key or
// line, with its exit code, and nothing starts: no broker, no listener.
func TestBadFilesStartNothing(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, filepath.Join(dir, "good.properties"), "listeners=http://127.0.0.1:0\n")
	src := writeFile(t, filepath.Join(dir, "src.properties"), "name=src\nconnector.class=FileStreamSource\ntopic=t\n")
	for _, c := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"bad worker key", []string{"standalone", writeFile(t, filepath.Join(dir, "w1.properties"),
			"listeners=http://127.0.0.1:0\noffset.flush.interval.ms=soon\n"), src},
			cli.ExitConfig, []string{"w1.properties: offset.flush.interval.ms: want a non-negative number of milliseconds"}},
		{"bad listener", []string{"standalone", writeFile(t, filepath.Join(dir, "w2.properties"), "listeners=127.0.0.1:8083\n")},
			cli.ExitConfig, []string{"w2.properties: listeners: listener \"127.0.0.1:8083\" does not have the right format"}},
		{"worker file not properties", []string{"standalone", writeFile(t, filepath.Join(dir, "w3.properties"), "a=1\nb=\\u00zz\n")},
			cli.ExitConfig, []string{"w3.properties:2: not a valid properties line"}},
		{"missing worker file", []string{"standalone", filepath.Join(dir, "nope.properties")},
			cli.ExitConfig, []string{"nope.properties: no such file or directory"}},
		{"connector file without a name", []string{"standalone", good, src, writeFile(t, filepath.Join(dir, "c1.properties"), "connector.class=FileStreamSink\n")},
			cli.ExitConnector, []string{"c1.properties: the connector configuration is missing the mandatory 'name' configuration"}},
		{"bad connector JSON", []string{"standalone", good, writeFile(t, filepath.Join(dir, "c2.json"), "{\"name\": \"x\",\n \"topic\" \"t\"}")},
			cli.ExitConnector, []string{"c2.json:2:10: invalid character"}},
		{"same connector twice", []string{"standalone", good, src, src},
			cli.ExitConnector, []string{"src.properties: connector src is also configured by"}},
		{"JVM offsets file", []string{"standalone", writeFile(t, filepath.Join(dir, "w4.properties"),
			"bootstrap.servers=localhost:1\nlisteners=http://127.0.0.1:0\noffset.storage.file.filename="+
				writeFile(t, filepath.Join(dir, "connect.offsets"), "\xac\xed\x00\x05sr\x00\x11java.util.HashMap")+"\n")},
			cli.ExitConfig, []string{"w4.properties: offset.storage.file.filename: ", "holds offsets written by a JVM Kafka Connect worker"}},
		{"unknown converter", []string{"standalone", writeFile(t, filepath.Join(dir, "w5.properties"),
			"listeners=http://127.0.0.1:0\nkey.converter=org.example.AvroConverter\n")},
			cli.ExitConfig, []string{"w5.properties: worker: default key.converter: ", "org.example.AvroConverter"}},
		{"no command", nil, cli.ExitUsage, []string{"no command given"}},
		{"unknown command", []string{"run"}, cli.ExitUsage, []string{`unknown command "run"`}},
		{"standalone without files", []string{"standalone"}, cli.ExitUsage, []string{"usage: kconnect standalone"}},
		{"distributed without its keys", []string{"distributed", good}, cli.ExitConfig,
			[]string{"good.properties: bootstrap.servers: missing", "good.properties: group.id: missing", "good.properties: config.storage.topic: missing"}},
		{"distributed keys kconnect cannot follow", []string{"distributed", writeFile(t, filepath.Join(dir, "d1.properties"),
			"bootstrap.servers=localhost:1\nlisteners=http://127.0.0.1:0\ngroup.id=g\nconfig.storage.topic=c\noffset.storage.topic=o\nstatus.storage.topic=s\n"+
				"connect.protocol=cooperative\nconfig.storage.replication.factor=1\noffset.storage.replication.factor=0\n")}, cli.ExitConfig,
			[]string{`d1.properties: connect.protocol: want eager, compatible or sessioned, got "cooperative"`,
				"d1.properties: offset.storage.replication.factor: want -1 (the broker's default) or a positive number, got 0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut syncbuf.Buffer
			ready := false
			code := cli.Main(context.Background(), c.args, cli.Output(strings.NewReader(""), &out, &errOut),
				cli.OnReady(func(cli.Ready) { ready = true }))
			require.Equal(t, c.code, code, errOut.String())
			for _, want := range c.wants {
				require.Contains(t, errOut.String(), want)
			}
			require.False(t, ready)
			require.NotContains(t, errOut.String(), "embedded")
		})
	}
}

// A connector the worker refuses stops the worker, as in Kafka's
// connect-standalone, with an error naming the file and connector.
func TestRefusedConnectorStopsTheWorker(t *testing.T) {
	dir := t.TempDir()
	w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=http://127.0.0.1:0\n")
	bad := writeFile(t, filepath.Join(dir, "bad.properties"), "name=bad\nconnector.class=NoSuchConnector\n")
	var out, errOut syncbuf.Buffer
	code := cli.Main(context.Background(), []string{"standalone", w, bad}, cli.Output(strings.NewReader(""), &out, &errOut))
	require.Equal(t, cli.ExitConnector, code)
	require.Contains(t, errOut.String(), "bad.properties: connector bad: ")
	require.Contains(t, errOut.String(), "NoSuchConnector")
}

// A secret in the worker file appears nowhere in what the program writes:
// banner, warnings and log.
func TestSecretsNeverShown(t *testing.T) {
	const secret = "s3cr3t-P4ssw0rd"
	dir := t.TempDir()
	in := writeFile(t, filepath.Join(dir, "in.txt"), "x\n")
	w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=http://127.0.0.1:0\n"+
		`sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="`+secret+"\";\n"+
		"sasl_jaas_config=password="+secret+"\n"+
		"ssl.key.password="+secret+"\n"+
		"producer.sasl.jaas.config=password="+secret+"\n")
	src := writeFile(t, filepath.Join(dir, "src.properties"), "name=src\nconnector.class=FileStreamSource\ntopic=t\nfile="+in+"\n")
	r := start(t, []string{"standalone", w, src})
	require.NoError(t, r.stop(t))
	require.Contains(t, r.logs.String(), "key=sasl_jaas_config did_you_mean=sasl.jaas.config")
	require.NotContains(t, r.logs.String(), secret)
	require.NotContains(t, r.out.String(), secret)
}

// The REST listeners serve Kafka Connect's REST API and /metrics with
// Kafka Connect's metric names, and the worker's id is its advertised host
// and port.
func TestRESTListenersServeMetrics(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, filepath.Join(dir, "in.txt"), "a\nb\n")
	w := writeFile(t, filepath.Join(dir, "w.properties"),
		"listeners=http://127.0.0.1:0, http://127.0.0.1:0\nrest.advertised.host.name=connect-1.example\n")
	src := writeFile(t, filepath.Join(dir, "src.properties"), "name=src\nconnector.class=FileStreamSource\ntopic=t\nfile="+in+"\n")
	r := start(t, []string{"standalone", w, src})
	require.Len(t, r.ready.Listeners, 2)
	port := r.ready.Listeners[0][strings.LastIndex(r.ready.Listeners[0], ":")+1 : len(r.ready.Listeners[0])-1]
	require.Equal(t, "connect-1.example:"+port, r.ready.WorkerID)
	require.Equal(t, "http://connect-1.example:"+port+"/", r.ready.URL)
	require.Contains(t, r.logs.String(), "standalone worker connect-1.example:"+port)

	for _, l := range r.ready.Listeners {
		require.Eventually(t, func() bool {
			body := get(t, l+"metrics", http.StatusOK)
			return strings.Contains(body, `kconnect_source_record_write_total{connector="src",task="0"} 2`)
		}, 30*time.Second, 20*time.Millisecond)
	}
	// Kafka Connect's REST API beside them, on every listener.
	require.JSONEq(t, `["src"]`, get(t, r.ready.Listeners[1]+"connectors", http.StatusOK))
	require.JSONEq(t, `{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}`,
		get(t, r.ready.Listeners[0]+"health", http.StatusOK))
	require.NoError(t, r.stop(t))
}

func get(t *testing.T, url string, wantStatus int) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, wantStatus, resp.StatusCode, string(body))
	return string(body)
}

// The worker is ready, its REST listener serving, soon after it is
// started: the target is 200 ms on the embedded broker.
func TestStartupIsFast(t *testing.T) {
	dir := t.TempDir()
	w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=http://127.0.0.1:0\n")
	began := time.Now()
	r := start(t, []string{"standalone", w})
	get(t, r.ready.Listeners[0]+"metrics", http.StatusOK)
	took := time.Since(began)
	t.Logf("ready and serving in %v", took)
	require.Less(t, took, 2*time.Second) // generous: the machine is shared, and -race
	require.NoError(t, r.stop(t))
}

func TestVersionAndHelp(t *testing.T) {
	var out, errOut syncbuf.Buffer
	require.Equal(t, 0, cli.Main(context.Background(), []string{"version"}, cli.Output(nil, &out, &errOut), cli.Version("1.2.3")))
	require.True(t, strings.HasPrefix(out.String(), "kconnect 1.2.3\ncommit "), out.String())

	out = syncbuf.Buffer{}
	require.Equal(t, 0, cli.Main(context.Background(), []string{"standalone", "-h"}, cli.Output(nil, &out, &errOut)))
	require.Contains(t, out.String(), "WORKER KEYS")

	out = syncbuf.Buffer{}
	require.Equal(t, 0, cli.Main(context.Background(), []string{"-h"}, cli.Output(nil, &out, &errOut),
		cli.Plugins(greeting())))
	help := out.String()
	for _, want := range []string{"kconnect standalone", "kconnect status URL", "kconnect distributed",
		"bootstrap.servers", "kconnect.data.dir", "offset.storage.file.filename", "offset.flush.interval.ms",
		"offset.flush.timeout.ms", "task.shutdown.graceful.timeout.ms", "listeners", "rest.advertised.host.name",
		"rest.advertised.port", "rest.advertised.listener", "key.converter", "value.converter", "header.converter",
		"plugin.path", "config.providers", "connector.client.config.override.policy", "cli.Plugins(",
		"rest.extension.classes", "BasicAuthSecurityRestExtension", "kconnect.rest.jaas.config.file",
		"This program adds:\n    com.example.Greeting\n"} {
		require.Contains(t, help, want)
	}
}

// A program's added command runs by its name with the arguments after
// it, writing to the program's output; its usage errors exit ExitUsage,
// other errors ExitConfig, and usage and help list it. A built-in command
// keeps its name.
func TestAddedCommand(t *testing.T) {
	var got []string
	echo := cli.Command{Name: "echo", Synopsis: "[-fail] WORD...", Doc: "Print the words.\nOne per line.",
		Run: func(_ context.Context, args []string, out io.Writer) error {
			got = args
			switch {
			case len(args) == 0:
				return fmt.Errorf("echo: %w: kconnect echo [-fail] WORD...", cli.ErrUsage)
			case args[0] == "-fail":
				return errors.New("echo: failed as asked")
			}
			_, err := fmt.Fprintln(out, strings.Join(args, "\n"))
			return err
		}}
	version := cli.Command{Name: "version", Run: func(context.Context, []string, io.Writer) error { return errors.New("shadowed") }}
	main := func(args ...string) (int, string, string) {
		var out, errOut syncbuf.Buffer
		code := cli.Main(context.Background(), args, cli.Output(nil, &out, &errOut), cli.Commands(echo, version))
		return code, out.String(), errOut.String()
	}

	code, out, errOut := main("echo", "a", "b")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "a\nb\n", out)
	require.Equal(t, []string{"a", "b"}, got)

	code, _, errOut = main("echo")
	require.Equal(t, cli.ExitUsage, code)
	require.Equal(t, "kconnect: echo: usage: kconnect echo [-fail] WORD...\n", errOut)

	code, _, errOut = main("echo", "-fail")
	require.Equal(t, cli.ExitConfig, code)
	require.Contains(t, errOut, "echo: failed as asked")

	code, out, _ = main("version")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "kconnect "), out)

	code, _, errOut = main("nope")
	require.Equal(t, cli.ExitUsage, code)
	require.Contains(t, errOut, "  echo [-fail] WORD...\n")

	code, out, _ = main("help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "  kconnect echo [-fail] WORD...\n      Print the words.\n      One per line.\n")
}

func runMain(t *testing.T, args []string, out, errOut io.Writer) int {
	t.Helper()
	return cli.Main(context.Background(), args, cli.Output(strings.NewReader(""), out, errOut))
}

// A properties file holding UTF-8 is read as ISO-8859-1, as Kafka reads
// it, with a warning naming the file and line.
func TestUTF8PropertiesWarned(t *testing.T) {
	dir := t.TempDir()
	w := writeFile(t, filepath.Join(dir, "w.properties"), "# r\xc3\xa9glages\nlisteners=http://127.0.0.1:0\n")
	src := writeFile(t, filepath.Join(dir, "src.properties"), "name=src\nconnector.class=FileStreamSource\ntopic=caf\xc3\xa9\nfile="+
		writeFile(t, filepath.Join(dir, "in.txt"), "")+"\n")
	r := start(t, []string{"standalone", w, src})
	require.NoError(t, r.stop(t))
	require.Contains(t, r.logs.String(), "read as ISO-8859-1 as Kafka Connect reads it")
	require.Contains(t, r.logs.String(), "file="+src+" line=3")
	require.NotContains(t, r.logs.String(), "file="+w+" line=")
}

// config.providers in the worker configuration resolve references in its
// own values and in every connector's; the REST API shows the references,
// never what they resolve to.
func TestConfigProvidersInWorkerAndConnectorFiles(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	writeFile(t, in, "one\ntwo\n")
	secrets := writeFile(t, filepath.Join(dir, "secrets.properties"),
		"input="+in+"\noutput="+out+"\nflush=100\n")
	w := writeFile(t, filepath.Join(dir, "w.properties"),
		"listeners=http://127.0.0.1:0\n"+
			"config.providers=file\n"+
			"config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n"+
			"config.providers.file.param.allowed.paths="+dir+"\n"+
			"offset.flush.interval.ms=${file:"+secrets+":flush}\n")
	src := writeFile(t, filepath.Join(dir, "src.properties"),
		"name=src\nconnector.class=FileStreamSource\ntopic=lines\nfile=${file:"+secrets+":input}\n")
	sink := writeFile(t, filepath.Join(dir, "sink.properties"),
		"name=sink\nconnector.class=FileStreamSink\ntopics=lines\nfile=${file:"+secrets+":output}\n")

	r := start(t, []string{"standalone", w, src, sink})
	waitForLines(t, out, []string{"one", "two"}, r.logs)
	config := get(t, r.ready.Listeners[0]+"connectors/src/config", http.StatusOK)
	require.Contains(t, config, `"file":"${file:`+secrets+`:input}"`)
	require.NotContains(t, config, in)
	tasks := get(t, r.ready.Listeners[0]+"connectors/sink/tasks", http.StatusOK)
	require.NotContains(t, tasks, out)
	require.NoError(t, r.stop(t))

	// A reference that cannot be resolved in the worker configuration is
	// an error naming the key, not its value.
	bad := writeFile(t, filepath.Join(dir, "bad.properties"),
		"listeners=http://127.0.0.1:0\nconfig.providers=file\n"+
			"config.providers.file.class=FileConfigProvider\n"+
			"offset.flush.interval.ms=${file:"+secrets+":missing}\n")
	var errOut bytes.Buffer
	code := runMain(t, []string{"standalone", bad}, io.Discard, &errOut)
	require.NotZero(t, code)
	require.Contains(t, errOut.String(), "offset.flush.interval.ms")
}

// The worker program, started from Kafka's own connect-standalone.properties,
// answers every step of internal/restgolden's scenario as JVM Kafka Connect
// 4.4 answered it (runtime/rest/testdata/jvm-4.4), but for the differences
// the scenario names with their reasons.
func TestProgramAnswersAsJVMConnect(t *testing.T) {
	golden, err := restgolden.ReadGolden(filepath.Join("..", "rest", "testdata", "jvm-4.4", "responses.json"))
	require.NoError(t, err)
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "golden")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	dir := t.TempDir()
	w := kafkaFile(t, dir, "connect-standalone.properties", map[string]string{
		"bootstrap.servers": strings.Join(brokers, ","), "offset.storage.file.filename": filepath.Join(dir, "connect.offsets"),
		"offset.flush.interval.ms": "100", "listeners": "http://127.0.0.1:0"})
	r := start(t, []string{"standalone", w})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	base := strings.TrimSuffix(r.ready.Listeners[0], "/")
	got, err := restgolden.Run(ctx, base, map[string]string{"dir": t.TempDir(), "topic": topic})
	require.NoError(t, err)
	require.Len(t, got, len(golden.Responses))
	for _, d := range restgolden.CompareAll(golden.Responses, got) {
		t.Error(d)
	}
	require.NoError(t, r.stop(t))
}
