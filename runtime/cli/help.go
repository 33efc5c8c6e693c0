package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

func usage(w io.Writer, s *settings) {
	fmt.Fprint(w, `usage: kconnect <command> [arguments]

  standalone [-data-dir DIR] worker.properties [connector.properties|connector.json]...
  distributed worker.properties
  status URL
`)
	for _, c := range s.commands {
		fmt.Fprintf(w, "  %s %s\n", c.Name, c.Synopsis)
	}
	fmt.Fprint(w, `  version
  help

Run "kconnect help" for the worker keys and how to add plugins.
`)
}

func help(w io.Writer, s *settings) {
	fmt.Fprintf(w, `kconnect %s: Kafka Connect's worker, in Go.

USAGE
  kconnect standalone [-data-dir DIR] worker.properties [connector.properties|connector.json]...
      Run a standalone worker, as Kafka's connect-standalone: the same worker
      and connector files run unchanged. Each connector file is a Java
      properties file, a JSON object of configuration strings, or a JSON
      create request {"name": ..., "config": {...}, "initial_state": "RUNNING"|"PAUSED"|"STOPPED"}.
      Every file is checked before anything starts. The worker serves
      Kafka Connect's REST API and Prometheus metrics (/metrics) on its
      listeners, and runs until SIGINT or SIGTERM, then stops its
      connectors within task.shutdown.graceful.timeout.ms and
      offset.flush.timeout.ms.
      -data-dir DIR  keep the embedded broker in DIR (the worker key %s)

  kconnect distributed worker.properties
      Run a worker of the group group.id names, as Kafka's
      connect-distributed: connectors and their statuses and offsets are
      kept in config.storage.topic, status.storage.topic and
      offset.storage.topic (created when missing, with
      *.replication.factor and *.partitions), shared by every worker of
      the group, JVM ones included. connect.protocol=sessioned (Kafka's
      default and the program's: incremental cooperative rebalancing, with
      the internal requests signed), compatible (cooperative, unsigned) or
      eager (every worker stops everything at each rebalance). A crashed
      worker's work moves after scheduled.rebalance.max.delay.ms under the
      cooperative protocols (5 minutes by default, as in Kafka); one that
      stopped cleanly has its work moved at once.
      A write sent to a follower is forwarded
      to the leader, a task's restart to the worker running the task.

  kconnect status URL
      Print the connectors and tasks of the Kafka Connect worker or cluster
      at URL (kconnect's or a JVM one's): state, worker and the first line
      of a failure's trace.

%s  kconnect version
      Print the version.

EXIT CODES
  0 success; 1 bad command line; 2 the worker could not start (bad worker
  file, listener, cluster) or a command failed; 3 a connector file is bad or
  its connector could not be created (the worker then stops).

WORKER KEYS (worker.properties)
`, s.version, keyDataDir, addedCommands(s))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, k := range handledKeys {
		fmt.Fprintf(tw, "  %s\t%s\n", k.key, k.help)
	}
	tw.Flush()
	fmt.Fprint(w, `
  Properties files are read as Kafka reads them: ISO-8859-1 with \uXXXX
  escapes, continuation lines, and ${provider:path:key} left as written.
  Other keys Kafka Connect defines are accepted and logged as unused; a key
  nobody defines is logged with the nearest known key.

PLUGINS
  Built in: FileStreamSource and FileStreamSink; Kafka's converters
  (JsonConverter, StringConverter, ByteArrayConverter, the number converters,
  SimpleHeaderConverter); all of Kafka's transforms and predicates.
  Connector configurations name them by class name or alias, as on a JVM
  worker. plugin.path is unused: a plugin is Go code compiled into the
  program. To add your own, write a main of a few lines:

    package main

    import (
        "context"
        "os"
        "os/signal"
        "syscall"

        "github.com/kconnect-go/kconnect/runtime/cli"
        "example.com/you/mysource"
    )

    func main() {
        ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
        defer stop()
        os.Exit(cli.Main(ctx, os.Args[1:], cli.Plugins(mysource.Plugin())))
    }

  and build it: it is this program, with your plugins beside the built-in ones.
  Package github.com/kconnect-go/kconnect/runtime/cli/all adds every plugin
  that comes with kconnect (cli.Main(ctx, os.Args[1:], all.Options()...)).
  Each plugin's libraries are in every process of the program, whether a
  connector uses them or not: name only the ones the worker runs to keep it
  small.
`)
	if len(s.plugins) > 0 {
		var names []string
		for _, p := range s.plugins {
			names = append(names, p.Info().Class)
		}
		fmt.Fprintf(w, "\n  This program adds:\n    %s\n", strings.Join(names, "\n    "))
	}
}

// addedCommands is the help of the commands the program adds.
func addedCommands(s *settings) string {
	var b strings.Builder
	for _, c := range s.commands {
		fmt.Fprintf(&b, "  kconnect %s %s\n", c.Name, c.Synopsis)
		for _, line := range strings.Split(c.Doc, "\n") {
			fmt.Fprintf(&b, "      %s\n", line)
		}
		b.WriteString("\n")
	}
	return b.String()
}
