package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// idleRSSBenchEnv, set to a number of runs, turns TestIdleRSSByPlugins on.
const idleRSSBenchEnv = "KCONNECT_BENCH_IDLE_RSS"

// pluginBuild is a worker program over runtime/cli naming some of
// kconnect's plugins: the imports and the options its main passes to
// cli.Main.
type pluginBuild struct {
	name    string
	imports []string
	opts    string
}

const pkg = "github.com/kconnect-go/kconnect/"

var pluginBuilds = []pluginBuild{
	{"FileStream only (runtime/cli)", nil, ""},
	{"+ JDBC source and sink", []string{pkg + "source/jdbc", "sinkjdbc " + pkg + "sink/jdbc"}, "cli.Plugins(jdbc.Plugin(), sinkjdbc.Plugin())"},
	{"+ PostgreSQL CDC", []string{pkg + "source/postgrescdc"}, "cli.Plugins(postgrescdc.Plugin())"},
	{"+ MongoDB source and sink", []string{pkg + "source/mongodb", "sinkmongodb " + pkg + "sink/mongodb"}, "cli.Plugins(mongodb.Plugin(), sinkmongodb.Plugin())"},
	{"+ Elasticsearch sink", []string{pkg + "sink/elasticsearch"}, "cli.Plugins(elasticsearch.Plugin())"},
	{"+ spooldir sources", []string{pkg + "source/spooldir"}, "each(spooldir.Plugins())"},
	{"+ AvroConverter", []string{pkg + "converter/avro"}, "cli.Plugins(avro.Plugin())"},
	{"+ JsonSchemaConverter", []string{pkg + "converter/jsonschema"}, "cli.Plugins(jsonschema.Plugin())"},
	{"+ ProtobufConverter", []string{pkg + "converter/protobuf"}, "cli.Plugins(protobuf.Plugin())"},
	{"+ spooldir, JDBC and AvroConverter (files to a database, Avro on Kafka)", []string{pkg + "source/spooldir", pkg + "sink/jdbc", pkg + "converter/avro"},
		"each(spooldir.Plugins()), cli.Plugins(jdbc.Plugin(), avro.Plugin())"},
	{"everything (runtime/cli/all, as cmd/kconnect)", []string{pkg + "runtime/cli/all"}, "all.Options()..."},
}

// mainSource is the main of a pluginBuild: cmd/kconnect's, with b's
// options.
func (b pluginBuild) mainSource() string {
	var imports strings.Builder
	for _, imp := range b.imports {
		name, path, ok := strings.Cut(imp, " ")
		if !ok {
			name, path = "", imp
		}
		fmt.Fprintf(&imports, "\t%s %q\n", name, path)
	}
	args := "os.Args[1:]"
	if b.opts != "" {
		args += ", " + b.opts
	}
	return `package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/cli"
` + imports.String() + `)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli.Main(ctx, ` + args + `))
}

// each adds a family's plugins of one kind.
func each[P connect.Plugin](ps []P) cli.Option {
	var all []connect.Plugin
	for _, p := range ps {
		all = append(all, p)
	}
	return cli.Plugins(all...)
}
`
}

// TestIdleRSSByPlugins measures what linking each family of kconnect's
// plugins costs a distributed worker at idle: a program over runtime/cli
// naming no plugin (FileStream, Kafka's converters and transforms), one
// naming each family in turn, one naming the three a pipeline from files
// to a database with Avro on Kafka runs, and one naming them all as
// cmd/kconnect does. Each is built, its pages dropped from the page cache before every
// start (dropPageCache), and run alone as a distributed worker with no
// connectors on the broker; its VmRSS and RssAnon are read 3 s after it
// answers GET /health, as TestRebalanceTimes reads its idle RSS. The
// builds take turns within each run. It runs only when
// KCONNECT_BENCH_IDLE_RSS is set to the number of runs (with
// KCONNECT_KAFKA_BROKERS), and logs a table.
func TestIdleRSSByPlugins(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv(idleRSSBenchEnv))
	if runs <= 0 {
		t.Skipf("benchmark: set %s to a number of runs (with %s) to run it", idleRSSBenchEnv, testkafka.BrokersEnv)
	}
	brokers := testkafka.Brokers(t)
	bins := make([]string, len(pluginBuilds))
	for i, b := range pluginBuilds {
		dir := t.TempDir()
		src := filepath.Join(dir, "main.go")
		if err := os.WriteFile(src, []byte(b.mainSource()), 0o644); err != nil {
			t.Fatal(err)
		}
		bins[i] = filepath.Join(dir, "worker")
		if out, err := exec.Command("go", "build", "-o", bins[i], src).CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", b.name, err, out)
		}
	}
	rss := make([][]float64, len(pluginBuilds))
	anon := make([][]float64, len(pluginBuilds))
	for run := range runs {
		for i, b := range pluginBuilds {
			dropPageCache(t, bins[i])
			group := testkafka.Group(t, fmt.Sprintf("idle-rss-r%d-b%d", run, i))
			props := map[string]string{"group.id": group,
				"config.storage.topic": group + "-configs", "offset.storage.topic": group + "-offsets", "status.storage.topic": group + "-status"}
			for _, k := range []string{"config.storage.topic", "offset.storage.topic", "status.storage.topic"} {
				testkafka.DeleteTopicAtCleanup(t, brokers, props[k])
			}
			w := startKconnect(t, bins[i], brokers, props, nil)
			time.Sleep(3 * time.Second) // idle: the RSS a worker settles at
			rss[i] = append(rss[i], rssMiB(t, w.pid))
			anon[i] = append(anon[i], procStatusMiB(t, w.pid, "RssAnon"))
			w.stop()
			t.Logf("run %d, %s: RSS %.1f MiB, of which anonymous %.1f", run, b.name, rss[i][run], anon[i][run])
		}
	}
	var table strings.Builder
	table.WriteString("| worker program over runtime/cli | RSS idle (MiB) | of which anonymous (MiB) |\n|---|---:|---:|\n")
	for i, b := range pluginBuilds {
		fmt.Fprintf(&table, "| %s | %s | %s |\n", b.name, spread(rss[i], 1), spread(anon[i], 1))
	}
	t.Logf("%d runs:\n%s", runs, table.String())
}
