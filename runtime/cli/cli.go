// Package cli is the kconnect worker program as a library: the command
// line of cmd/kconnect, a drop-in for Kafka's connect-standalone and
// connect-distributed that runs the same worker and connector properties
// files unchanged.
//
// A program over Main links only the plugins it names, as a JVM worker
// loads only what its plugin.path holds: FileStreamSource and
// FileStreamSink, Kafka's converters, and all of Kafka's single message
// transforms and predicates are built in, and everything else is added
// with Plugins. A worker with the connectors it runs compiled in is a
// main of a few lines:
//
//	func main() {
//		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//		defer stop()
//		os.Exit(cli.Main(ctx, os.Args[1:], cli.Plugins(mysource.Plugin(), sinkjdbc.Plugin())))
//	}
//
// Package runtime/cli/all adds every connector and converter that comes
// with kconnect, and the spooldir-schema command, as cmd/kconnect does.
// Each family of plugins costs its libraries' code and their package
// initialisation in every process of the program, whether a connector
// uses it or not (BENCHMARKS.md measures each).
//
// The commands (kconnect help prints them, with every worker key):
//
//	kconnect standalone worker.properties [connector.properties|connector.json]...
//	kconnect distributed worker.properties
//	kconnect status URL
//	kconnect version
//
// Run returns when its context is cancelled: the worker then stops every
// connector, bounded by its shutdown and flush timeouts
// (task.shutdown.graceful.timeout.ms, offset.flush.timeout.ms), and the
// REST listeners close.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/runtime/loglevels"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sinkfile "github.com/kconnect-go/kconnect/sink/file"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
)

// The exit codes of Main, as Kafka's connect-standalone uses them.
const (
	// ExitUsage is a command line that names no command, an unknown one,
	// or too few arguments.
	ExitUsage = 1
	// ExitConfig is a worker that could not start: a bad worker
	// properties file, a listener that cannot be bound, a cluster that
	// cannot be reached, or a command that failed.
	ExitConfig = 2
	// ExitConnector is a connector file that cannot be read, or a
	// connector the worker refused or could not start; the worker then
	// stops.
	ExitConnector = 3
)

// An Option configures the program.
type Option func(*settings)

type settings struct {
	plugins    []connect.Plugin
	workerOpts []worker.Opt
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
	log        *slog.Logger
	levels     *loglevels.Levels // the log's levels by logger name
	version    string
	onReady    func(Ready)
	commands   []Command
}

// Plugins adds connectors, converters, header converters, transforms and
// predicates to the ones built in, as jars dropped into a JVM worker's
// plugin.path: connector configurations find them by class name or alias.
func Plugins(ps ...connect.Plugin) Option {
	return func(s *settings) { s.plugins = append(s.plugins, ps...) }
}

// A Command is a command a program adds to the built-in ones, run as
// "kconnect NAME ARGS...". Its name cannot be one of the built-in
// commands'; a second command of one name is not run.
type Command struct {
	// Name is the command's word on the command line.
	Name string
	// Synopsis is its arguments as usage and help print them, after
	// "kconnect NAME": "[-json] DIR".
	Synopsis string
	// Doc is what help prints below the synopsis: lines without
	// indentation, which help indents.
	Doc string
	// Run runs the command with the arguments after its name, writing
	// its output to out (see Output). An error that wraps ErrUsage makes
	// Main return ExitUsage; any other error, ExitConfig.
	Run func(ctx context.Context, args []string, out io.Writer) error
}

// ErrUsage marks a Command's error as a command line the command cannot
// take: Main prints it and returns ExitUsage. Its text is "usage", to be
// followed by the command's usage line:
//
//	fmt.Errorf("mycommand: %w: kconnect mycommand [-v] DIR", cli.ErrUsage)
var ErrUsage = errors.New("usage")

// Commands adds commands to the program (package runtime/cli/all adds
// spooldir-schema this way).
func Commands(cs ...Command) Option {
	return func(s *settings) { s.commands = append(s.commands, cs...) }
}

// runCommand runs an added command, mapping its error to Main's exit codes.
func runCommand(ctx context.Context, c Command, args []string, s *settings) error {
	err := c.Run(ctx, args, s.stdout)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUsage):
		return exit(ExitUsage, err)
	}
	return exit(ExitConfig, err)
}

// WorkerOptions adds options to the worker, applied after those the worker
// properties file sets (worker.KafkaOpts for client settings the file
// cannot express, worker.RestartFailedTasks, ...).
func WorkerOptions(opts ...worker.Opt) Option {
	return func(s *settings) { s.workerOpts = append(s.workerOpts, opts...) }
}

// Output sets the program's standard streams: out for what a command
// prints (help, version, status), errOut for the banner and the log.
// FileStreamSource without a file reads in, and FileStreamSink without one
// writes to out. A nil one keeps its default: os.Stdin, os.Stdout,
// os.Stderr.
func Output(in io.Reader, out, errOut io.Writer) Option {
	return func(s *settings) {
		if in != nil {
			s.stdin = in
		}
		if out != nil {
			s.stdout = out
		}
		if errOut != nil {
			s.stderr = errOut
		}
	}
}

// Logger sets the logger of the program and its worker. Default: text
// lines on the error output (see Output), at level INFO.
func Logger(l *slog.Logger) Option { return func(s *settings) { s.log = l } }

// Version sets the version the program reports (the version command, the
// banner, GET /). Default: kconnect's module version from the build
// information, as go install records it ("(devel)" for a build from a
// checkout).
func Version(v string) Option { return func(s *settings) { s.version = v } }

// OnReady makes a standalone worker call f once its REST listeners serve
// and the connectors of its files are created, and a distributed one once
// its REST listeners serve (it may not have joined its group yet).
func OnReady(f func(Ready)) Option { return func(s *settings) { s.onReady = f } }

// Ready describes a worker that is ready.
type Ready struct {
	// WorkerID is the worker's id, host:port of its advertised URL.
	WorkerID string
	// URL is the advertised REST URL.
	URL string
	// Listeners are the REST listeners' URLs as bound (a port 0 in the
	// listeners key replaced by the port chosen).
	Listeners []string
	// Brokers are the Kafka cluster's bootstrap servers: those given, or
	// the embedded broker's address.
	Brokers []string
}

// exitError carries Main's exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exit(code int, err error) error { return &exitError{code: code, err: err} }

// Main runs the program with args (without the program's name) and
// returns its exit code: 0, or ExitUsage, ExitConfig or ExitConnector
// after printing the error.
func Main(ctx context.Context, args []string, opts ...Option) int {
	s := newSettings(opts)
	err := run(ctx, args, s)
	if err == nil {
		return 0
	}
	fmt.Fprintf(s.stderr, "kconnect: %v\n", err)
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return ExitConfig
}

// Run runs the program with args (without the program's name): a command
// and its arguments. It returns when the command is done; a standalone
// worker runs until ctx is cancelled, then stops within its shutdown
// timeouts. Errors name the file and key, or the connector, concerned.
func Run(ctx context.Context, args []string, opts ...Option) error {
	return run(ctx, args, newSettings(opts))
}

func newSettings(opts []Option) *settings {
	s := &settings{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(s.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	// Levels by logger name, changed through /admin/loggers, decide what
	// reaches the program's handler.
	s.levels = loglevels.New(slog.LevelInfo)
	s.log = slog.New(s.levels.Handler(s.log.Handler()))
	if s.version == "" {
		s.version = version.Kconnect()
	}
	return s
}

func run(ctx context.Context, args []string, s *settings) error {
	if len(args) == 0 {
		usage(s.stderr, s)
		return exit(ExitUsage, errors.New("no command given"))
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "standalone":
		return standalone(ctx, rest, s)
	case "distributed":
		return runDistributed(ctx, rest, s)
	case "status":
		return status(ctx, rest, s)
	case "version", "-version", "--version":
		fmt.Fprintf(s.stdout, "kconnect %s\ncommit %s, %s\n", s.version, version.Commit(), runtime.Version())
		return nil
	case "help", "-h", "-help", "--help":
		help(s.stdout, s)
		return nil
	}
	for _, c := range s.commands {
		if c.Name == cmd {
			return runCommand(ctx, c, rest, s)
		}
	}
	usage(s.stderr, s)
	return exit(ExitUsage, fmt.Errorf("unknown command %q", cmd))
}

// newFlags returns the flag set of a command, which prints its errors
// to nothing: run reports them.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// builtinPlugins are the FileStream connectors, on the program's
// standard input and output; the worker knows Kafka's converters and
// transforms itself.
func builtinPlugins(s *settings) []connect.Plugin {
	return []connect.Plugin{sourcefile.Plugin(sourcefile.Stdin(s.stdin)), sinkfile.Plugin(sinkfile.Stdout(s.stdout))}
}
