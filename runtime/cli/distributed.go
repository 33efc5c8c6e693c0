package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kconnect-go/kconnect/configprovider"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/runtime/distributed"
	"github.com/kconnect-go/kconnect/runtime/prommetrics"
	"github.com/kconnect-go/kconnect/runtime/rest"
	"github.com/kconnect-go/kconnect/runtime/worker"
)

// The keys of distributed mode a distributed worker reads; the others of
// distributedKeys are warned of as not supported yet.
const (
	keyConfigTopic       = "config.storage.topic"
	keyConfigReplication = "config.storage.replication.factor"
	keyOffsetTopic       = "offset.storage.topic"
	keyOffsetPartitions  = "offset.storage.partitions"
	keyOffsetReplication = "offset.storage.replication.factor"
	keyStatusTopic       = "status.storage.topic"
	keyStatusPartitions  = "status.storage.partitions"
	keyStatusReplication = "status.storage.replication.factor"
	keyHeartbeat         = "heartbeat.interval.ms"
	keySessionTimeout    = "session.timeout.ms"
	keyRebalanceTimeout  = "rebalance.timeout.ms"
	keyConnectProtocol   = "connect.protocol"
	keyRebalanceDelay    = "scheduled.rebalance.max.delay.ms"
	keyKeyAlgorithm      = "inter.worker.key.generation.algorithm"
	keyKeySize           = "inter.worker.key.size"
	keyKeyTTL            = "inter.worker.key.ttl.ms"
	keySignAlgorithm     = "inter.worker.signature.algorithm"
	keyVerifyAlgorithms  = "inter.worker.verification.algorithms"
)

var distributedRead = []string{keyConfigTopic, keyConfigReplication, keyOffsetTopic, keyOffsetPartitions,
	keyOffsetReplication, keyStatusTopic, keyStatusPartitions, keyStatusReplication, keyHeartbeat,
	keySessionTimeout, keyRebalanceTimeout, keyConnectProtocol, keyRebalanceDelay,
	keyKeyAlgorithm, keyKeySize, keyKeyTTL, keySignAlgorithm, keyVerifyAlgorithms}

// parseDistributedConfig returns the herder's configuration from a
// distributed worker's keys, every bad one reported. Kafka's defaults
// hold for what is absent: replication factor 3, 25 offset and 5 status
// partitions, and the herder's timeouts.
func parseDistributedConfig(cfg *workerConfig, log *slog.Logger) (distributed.Config, error) {
	p := cfg.props
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", cfg.file, key, fmt.Sprintf(format, args...)))
	}
	dc := distributed.Config{GroupID: cfg.groupID, Brokers: cfg.brokers,
		ConfigTopic: strings.TrimSpace(p[keyConfigTopic]), OffsetTopic: strings.TrimSpace(p[keyOffsetTopic]),
		StatusTopic: strings.TrimSpace(p[keyStatusTopic]), ExactlyOnceSourceSupport: strings.TrimSpace(p[keyExactlyOnce])}
	if len(cfg.brokers) == 0 {
		bad(keyBootstrapServers, "missing: a distributed worker shares a Kafka cluster with the others of its group")
	}
	for _, k := range []struct {
		key string
		v   string
	}{{keyGroupID, dc.GroupID}, {keyConfigTopic, dc.ConfigTopic}, {keyOffsetTopic, dc.OffsetTopic}, {keyStatusTopic, dc.StatusTopic}} {
		if k.v == "" {
			bad(k.key, "missing: a distributed worker requires it")
		}
	}
	num := func(key string, def, lo int64) int64 {
		v, ok := p[key]
		if !ok {
			return def
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil || n < lo {
			bad(key, "want a whole number of at least %d, got %q", lo, v)
			return def
		}
		return n
	}
	rfs := map[string]int16{}
	for _, k := range []string{keyConfigReplication, keyOffsetReplication, keyStatusReplication} {
		rf := num(k, 3, -1)
		if rf == 0 {
			bad(k, "want -1 (the broker's default) or a positive number, got 0")
		}
		rfs[k] = int16(rf)
	}
	dc.ReplicationFactor = rfs[keyConfigReplication]
	dc.OffsetReplicationFactor, dc.StatusReplicationFactor = rfs[keyOffsetReplication], rfs[keyStatusReplication]
	dc.ConfigTopicSettings = topicSettings(cfg, log, "config.storage.")
	dc.OffsetTopicSettings = topicSettings(cfg, log, "offset.storage.")
	dc.StatusTopicSettings = topicSettings(cfg, log, "status.storage.")
	dc.OffsetPartitions = int32(num(keyOffsetPartitions, 25, 1))
	dc.StatusPartitions = int32(num(keyStatusPartitions, 5, 1))
	dc.HeartbeatInterval = time.Duration(num(keyHeartbeat, 3000, 1)) * time.Millisecond
	dc.SessionTimeout = time.Duration(num(keySessionTimeout, 10000, 1)) * time.Millisecond
	dc.RebalanceTimeout = time.Duration(num(keyRebalanceTimeout, 60000, 1)) * time.Millisecond
	// Kafka's default is "sessioned", and so is the program's: a worker
	// offering less would take a JVM worker's group down to it. Kafka's
	// settings name the eager protocol "eager", its JoinGroup "default":
	// both are taken.
	switch v := strings.TrimSpace(p[keyConnectProtocol]); strings.ToLower(v) {
	case "":
		dc.Protocol = "sessioned"
	case "eager":
		dc.Protocol = "default"
	case "default", "compatible", "sessioned":
		dc.Protocol = v
	default:
		bad(keyConnectProtocol, "want eager, compatible or sessioned, got %q", v)
	}
	dc.InterWorkerKeyGenerationAlgorithm = strings.TrimSpace(p[keyKeyAlgorithm])
	dc.InterWorkerSignatureAlgorithm = strings.TrimSpace(p[keySignAlgorithm])
	for _, a := range strings.Split(p[keyVerifyAlgorithms], ",") {
		if a = strings.TrimSpace(a); a != "" {
			dc.InterWorkerVerificationAlgorithms = append(dc.InterWorkerVerificationAlgorithms, a)
		}
	}
	if _, ok := p[keyKeySize]; ok {
		dc.InterWorkerKeySize = int(num(keyKeySize, 0, 8))
	}
	dc.InterWorkerKeyTTL = time.Duration(num(keyKeyTTL, 3600000, 1)) * time.Millisecond
	// Kafka's 0 reassigns a departed worker's work at once; the herder's
	// zero is Kafka's default of 5 minutes.
	if d := num(keyRebalanceDelay, 300000, 0); d == 0 {
		dc.ScheduledRebalanceMaxDelay = -1
	} else {
		dc.ScheduledRebalanceMaxDelay = time.Duration(d) * time.Millisecond
	}
	// The herder's own client (group membership, internal topics) reaches
	// the brokers as the worker's own clients do.
	copts, err := worker.ClientOptions(clientProps(p))
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", cfg.file, err))
	}
	dc.ClientOpts = copts
	return dc, errors.Join(errs...)
}

// topicSettings returns the topic configs Kafka Connect gives an internal
// topic it creates: the keys under prefix (config.storage. …) but the
// topic's name, replication factor and partitions, and cleanup.policy,
// which is always compact (a value given is warned of, as Kafka does).
func topicSettings(cfg *workerConfig, log *slog.Logger, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range cfg.props {
		name, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		switch name {
		case "topic", "replication.factor", "partitions", "file.filename": // the last, standalone's offsets file
			if name == "partitions" && prefix == "config.storage." {
				log.Warn("ignoring a setting: the config topic has always one partition", "file", cfg.file, "key", k)
			}
		case "cleanup.policy":
			log.Warn("ignoring a setting: internal topics are always compacted", "file", cfg.file, "key", k)
		default:
			out[name] = v
		}
	}
	return out
}

// runDistributed runs "kconnect distributed worker.properties": a worker
// of the group its file names, serving the REST API over the distributed
// herder until ctx is cancelled.
func runDistributed(ctx context.Context, args []string, s *settings) error {
	started := time.Now()
	fs := newFlags("distributed")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		help(s.stdout, s)
		return nil
	} else if err != nil {
		return exit(ExitUsage, fmt.Errorf("distributed: %w", err))
	}
	if fs.NArg() != 1 {
		return exit(ExitUsage, errors.New("distributed: usage: kconnect distributed worker.properties"))
	}
	log := s.log
	wp, err := readProperties(fs.Arg(0))
	if err != nil {
		return exit(ExitConfig, err)
	}
	if wp.utf8Line > 0 {
		warnLatin1(log, wp.path, wp.utf8Line)
	}
	providers, err := configprovider.FromConfig(configProviders(wp.values))
	if err != nil {
		return exit(ExitConfig, fmt.Errorf("%s: %w", wp.path, err))
	}
	defer providers.Close()
	resolved, err := providers.Resolve(ctx, wp.values)
	if err != nil {
		return exit(ExitConfig, fmt.Errorf("%s: %w", wp.path, err))
	}
	cfg, err := parseWorkerConfigFor(true, wp.path, resolved.Config, "", log)
	if err != nil {
		return exit(ExitConfig, err)
	}
	dc, err := parseDistributedConfig(cfg, log)
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
	dc.URL = restURL // with its trailing slash, as a JVM worker advertises it
	dc.Logger = log
	dc.WorkerOpts = append([]worker.Opt{
		worker.Plugins(append(builtinPlugins(s), s.plugins...)...),
		worker.ClientConfig(clientProps(cfg.props)),
		worker.WithMetrics(prommetrics.New(reg)), worker.ConfigProviders(providers),
	}, engineOptions(cfg)...)
	dc.WorkerOpts = append(dc.WorkerOpts, s.workerOpts...)
	dc.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	h, err := distributed.New(ctx, dc)
	if err != nil {
		srv.close()
		return exit(ExitConfig, fmt.Errorf("%s: %w", wp.path, err))
	}
	errc := make(chan error, len(cfg.rest.listeners))
	api := handler(leaderNoting{h}, reg, cfg.rest.auth, rest.Version(s.version, version.Commit()), rest.Loggers(s.levels), rest.Logger(log))
	mux := http.NewServeMux()
	mux.Handle("/", api)
	// Kafka Connect's internal endpoint, by which a follower hands the
	// leader the task configurations its connectors generate.
	mux.Handle("POST /connectors/{name}/tasks", h.TaskConfigsHandler())
	// And the one by which it asks the leader to fence a connector's
	// earlier exactly-once source tasks before starting a new one.
	mux.Handle("PUT /connectors/{name}/fence", h.FenceHandler())
	srv.serve(forwardToLeader(mux, &http.Client{Timeout: 90 * time.Second}), log, errc)
	stop := func() error {
		err := h.Close()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout(cfg))
		defer cancel()
		return errors.Join(err, srv.shutdown(sctx))
	}
	fmt.Fprintf(s.stderr, "kconnect %s, distributed worker %s of group %s\n", s.version, workerID, dc.GroupID)
	fmt.Fprintf(s.stderr, "  kafka:      %s\n", strings.Join(cfg.brokers, ","))
	fmt.Fprintf(s.stderr, "  rest:       %s (listening on %s; metrics at /metrics)\n", restURL, strings.Join(srv.listenURLs(), ", "))
	log.Info("worker ready", "worker_id", workerID, "group", dc.GroupID, "startup_ms", time.Since(started).Milliseconds())
	if s.onReady != nil {
		s.onReady(Ready{WorkerID: workerID, URL: restURL, Listeners: srv.listenURLs(), Brokers: cfg.brokers})
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

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error_code": code, "message": msg})
}
