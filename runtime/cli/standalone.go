package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kconnect-go/kconnect/configprovider"
	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/prommetrics"
	"github.com/kconnect-go/kconnect/runtime/rest"
	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// standalone runs "kconnect standalone worker.properties [connector files]":
// every file is read and checked before anything starts.
func standalone(ctx context.Context, args []string, s *settings) error {
	started := time.Now()
	fs := newFlags("standalone")
	dataDir := fs.String("data-dir", "", "keep the embedded broker in this directory (the worker key "+keyDataDir+")")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		help(s.stdout, s)
		return nil
	} else if err != nil {
		return exit(ExitUsage, fmt.Errorf("standalone: %w", err))
	}
	args = fs.Args()
	if len(args) == 0 {
		return exit(ExitUsage, errors.New("standalone: usage: kconnect standalone [-data-dir DIR] worker.properties [connector.properties|connector.json]..."))
	}
	log := s.log
	wp, err := readProperties(args[0])
	if err != nil {
		return exit(ExitConfig, err)
	}
	if wp.utf8Line > 0 {
		warnLatin1(log, wp.path, wp.utf8Line)
	}
	var files []*connectorFile
	names := map[string]string{}
	for _, path := range args[1:] {
		f, err := readConnectorFile(path)
		if err != nil {
			return exit(ExitConnector, err)
		}
		if other, ok := names[f.req.Name]; ok {
			return exit(ExitConnector, fmt.Errorf("%s: connector %s is also configured by %s", path, f.req.Name, other))
		}
		names[f.req.Name] = path
		files = append(files, f)
		if f.utf8Line > 0 {
			warnLatin1(log, path, f.utf8Line)
		}
	}
	// Kafka resolves a worker configuration's own ${provider:path:key}
	// references with the providers it declares, and then every
	// connector's.
	providers, err := configprovider.FromConfig(configProviders(wp.values))
	if err != nil {
		return exit(ExitConfig, fmt.Errorf("%s: %w", wp.path, err))
	}
	defer providers.Close()
	resolved, err := providers.Resolve(ctx, wp.values)
	if err != nil {
		return exit(ExitConfig, fmt.Errorf("%s: %w", wp.path, err))
	}
	cfg, err := parseWorkerConfig(wp.path, resolved.Config, *dataDir, log)
	if err != nil {
		return exit(ExitConfig, err)
	}

	srv, err := listen(cfg.rest)
	if err != nil {
		return exit(ExitConfig, fmt.Errorf("%s: %s: %w", wp.path, keyListeners, err))
	}
	restURL, workerID := srv.advertised()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	opts, closeStore, err := workerOptions(cfg, s, log)
	if err != nil {
		srv.close()
		return exit(ExitConfig, err)
	}
	opts = append(opts, worker.ID(workerID), worker.WithMetrics(prommetrics.New(reg)), worker.ConfigProviders(providers))
	opts = append(opts, s.workerOpts...)
	w, err := worker.New(opts...)
	if err != nil {
		srv.close()
		return exit(ExitConfig, errors.Join(fmt.Errorf("%s: %w", wp.path, err), closeStore()))
	}
	// The worker closes the offset store it was given.

	// Kafka Connect learns the cluster's id at start, for GET /, and does
	// not start without an answer within its admin client's
	// default.api.timeout.ms (60 s by default), which bounds ClusterID.
	clusterID, err := w.ClusterID(ctx)
	if err != nil {
		srv.close()
		return exit(ExitConfig, errors.Join(fmt.Errorf("%s: %s: %w", wp.path, keyBootstrapServers, err), w.Close()))
	}
	errc := make(chan error, len(cfg.rest.listeners))
	// GET /health answers 503 until the connector files are created.
	var ready atomic.Bool
	if a := cfg.rest.auth; a != nil {
		log.Info("the REST API requires basic authentication", "jaas_file", a.jaasFile,
			"credentials_files", strings.Join(a.credentialFiles, ","), "users", a.users)
	}
	srv.serve(handler(w, reg, cfg.rest.auth,
		rest.Version(s.version, version.Commit()), rest.Loggers(s.levels), rest.Logger(log), rest.KafkaClusterID(clusterID),
		rest.HealthCheck(func(context.Context) error {
			if !ready.Load() {
				return rest.ErrStarting
			}
			return nil
		})), log, errc)
	stop := func() error {
		err := w.Close()
		// Requests still running (a status, a metrics scrape) get as long
		// as a task has to stop.
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout(cfg))
		defer cancel()
		return errors.Join(err, srv.shutdown(sctx))
	}
	banner(s, cfg, w, clusterID, workerID, restURL, srv.listenURLs())

	for _, f := range files {
		log.Info("creating connector", "connector", f.req.Name, "file", f.path)
		if _, _, err := w.PutConnectorConfig(ctx, f.req.Name, f.req.Config,
			herder.PutOptions{CreateOnly: true, InitialState: f.state}); err != nil {
			return exit(ExitConnector, errors.Join(fmt.Errorf("%s: connector %s: %w", f.path, f.req.Name, err), stop()))
		}
	}
	ready.Store(true)
	log.Info("worker ready", "worker_id", workerID, "connectors", len(files),
		"startup_ms", time.Since(started).Milliseconds())
	if s.onReady != nil {
		s.onReady(Ready{WorkerID: workerID, URL: restURL, Listeners: srv.listenURLs(), Brokers: w.Brokers()})
	}

	select {
	case <-ctx.Done():
		log.Info("stopping the worker")
	case err := <-errc:
		return exit(ExitConfig, errors.Join(err, stop()))
	}
	if err := stop(); err != nil {
		return exit(ExitConfig, err)
	}
	log.Info("worker stopped")
	return nil
}

// shutdownTimeout is the worker's task.shutdown.graceful.timeout.ms.
func shutdownTimeout(cfg *workerConfig) time.Duration {
	if cfg.shutdownTimeout > 0 {
		return cfg.shutdownTimeout
	}
	return 5 * time.Second
}

// workerOptions turns a worker configuration into worker options. It
// returns the function that closes the offset store it opened, for when
// the worker is not made.
func workerOptions(cfg *workerConfig, s *settings, log *slog.Logger) ([]worker.Opt, func() error, error) {
	closeStore := func() error { return nil }
	opts := []worker.Opt{
		worker.Logger(log),
		worker.Plugins(append(builtinPlugins(s), s.plugins...)...),
		worker.OnStateChange(logStateChange(log)),
	}
	switch {
	case len(cfg.brokers) > 0:
		// The embedded broker speaks neither TLS nor SASL: client
		// settings are for a real cluster.
		opts = append(opts, worker.Brokers(cfg.brokers...), worker.ClientConfig(clientProps(cfg.props)))
		if javaSerializedFile(cfg.offsetFile) {
			return nil, nil, fmt.Errorf("%s: %s: %s holds offsets written by a JVM Kafka Connect worker (a Java-serialized map), which kconnect cannot read: "+
				"kconnect keeps offsets in its own format (offset/FORMAT.md). Point the key at a new file; to keep the offsets, read them from the JVM worker "+
				"(GET /connectors/<name>/offsets) and write them to kconnect (PATCH /connectors/<name>/offsets, the connector STOPPED)",
				cfg.file, keyOffsetFile, cfg.offsetFile)
		}
		store, err := offset.OpenFile(cfg.offsetFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", cfg.file, keyOffsetFile, err)
		}
		closeStore = store.Close
		opts = append(opts, worker.OffsetStore(store))
	case cfg.dataDir != "":
		opts = append(opts, embedded.Broker(embedded.Dir(cfg.dataDir)))
	default:
		opts = append(opts, embedded.Broker())
	}
	if len(cfg.brokers) == 0 && cfg.offsetFile != "" {
		where := "in memory, with the embedded broker's records"
		if cfg.dataDir != "" {
			where = "in the embedded broker's " + embedded.OffsetsTopic + " topic, beside its records"
		}
		log.Info("source offsets are kept "+where+": the offsets file is unused", "key", keyOffsetFile)
	}
	return append(opts, engineOptions(cfg)...), closeStore, nil
}

// engineOptions are the worker options of a configuration's keys that a
// standalone and a distributed worker share: converters, timeouts,
// exactly-once, client overrides.
func engineOptions(cfg *workerConfig) []worker.Opt {
	var opts []worker.Opt
	if cfg.keyConv != "" || cfg.keyConvCfg != nil {
		opts = append(opts, worker.DefaultKeyConverter(orDefault(cfg.keyConv, "JsonConverter"), cfg.keyConvCfg))
	}
	if cfg.valueConv != "" || cfg.valueConvCfg != nil {
		opts = append(opts, worker.DefaultValueConverter(orDefault(cfg.valueConv, "JsonConverter"), cfg.valueConvCfg))
	}
	if cfg.headerConv != "" || cfg.headerConvCfg != nil {
		opts = append(opts, worker.DefaultHeaderConverter(cfg.headerConv, cfg.headerConvCfg))
	}
	if cfg.flushInterval > 0 {
		opts = append(opts, worker.OffsetFlushInterval(cfg.flushInterval))
	}
	if cfg.flushTimeout > 0 {
		opts = append(opts, worker.OffsetFlushTimeout(cfg.flushTimeout))
	}
	if cfg.shutdownTimeout > 0 {
		opts = append(opts, worker.TaskShutdownTimeout(cfg.shutdownTimeout))
	}
	if cfg.exactlyOnce {
		opts = append(opts, worker.ExactlyOnceSource(true))
	}
	if cfg.groupID != "" {
		opts = append(opts, worker.WorkerGroupID(cfg.groupID))
	}
	if policy := overridePolicy(cfg.props); policy != "" {
		var allow []string
		if v := strings.TrimSpace(cfg.props[keyOverrideAllowlist]); v != "" {
			allow = strings.Split(v, ",")
		}
		opts = append(opts, worker.ClientOverridePolicy(policy, allow...))
	}
	return opts
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// logStateChange logs each new state of a connector or task: the
// progress a user of the program watches.
func logStateChange(log *slog.Logger) func(worker.StateChange) {
	return func(c worker.StateChange) {
		attrs := []any{"connector", c.Connector}
		what := "connector"
		if c.Task >= 0 {
			attrs = append(attrs, "task", c.Task)
			what = "task"
		}
		attrs = append(attrs, "state", string(c.State))
		if c.Trace != "" {
			trace, _, _ := strings.Cut(c.Trace, "\n")
			attrs = append(attrs, "trace", trace)
			log.Warn(what+" "+string(c.State), attrs...)
			return
		}
		log.Info(what+" "+string(c.State), attrs...)
	}
}

// warnLatin1 warns that a properties file holds UTF-8, which Kafka, and
// kconnect with it, reads as ISO-8859-1.
func warnLatin1(log *slog.Logger, path string, line int) {
	log.Warn("properties file holds non-ASCII UTF-8, read as ISO-8859-1 as Kafka Connect reads it: write such characters as \\uXXXX",
		"file", path, "line", line)
}

// banner prints what the worker is: its version and id, the cluster, the
// REST URL and the plugins.
func banner(s *settings, cfg *workerConfig, w *worker.Worker, clusterID, id, url string, listeners []string) {
	cluster := strings.Join(cfg.brokers, ",")
	switch {
	case len(cfg.brokers) > 0:
	case cfg.dataDir != "":
		cluster = "embedded broker at " + strings.Join(w.Brokers(), ",") + ", data in " + cfg.dataDir
	default:
		cluster = "embedded broker at " + strings.Join(w.Brokers(), ",") + ", in memory"
	}
	plugins, _ := w.ConnectorPlugins(context.Background(), false)
	var connectors []string
	counts := map[string]int{}
	for _, p := range plugins {
		counts[p.Type]++
		if p.Type == connect.SourcePlugin.String() || p.Type == connect.SinkPlugin.String() {
			connectors = append(connectors, shortName(p.Class))
		}
	}
	slices.Sort(connectors)
	fmt.Fprintf(s.stderr, "kconnect %s, standalone worker %s\n", s.version, id)
	if clusterID != "" {
		cluster += ", cluster id " + clusterID
	}
	fmt.Fprintf(s.stderr, "  kafka:      %s\n", cluster)
	fmt.Fprintf(s.stderr, "  rest:       %s (listening on %s; metrics at /metrics)\n", url, strings.Join(listeners, ", "))
	fmt.Fprintf(s.stderr, "  connectors: %s\n", strings.Join(connectors, ", "))
	fmt.Fprintf(s.stderr, "  plus %d converters, %d header converters, %d transforms, %d predicates\n",
		counts["converter"], counts["header_converter"], counts["transformation"], counts["predicate"])
}

// shortName returns a class name without its package.
func shortName(class string) string {
	if i := strings.LastIndexByte(class, '.'); i >= 0 {
		return class[i+1:]
	}
	return class
}
