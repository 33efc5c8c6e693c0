package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
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
func parseDistributedConfig(cfg *workerConfig) (distributed.Config, error) {
	p := cfg.props
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", cfg.file, key, fmt.Sprintf(format, args...)))
	}
	dc := distributed.Config{GroupID: cfg.groupID, Brokers: cfg.brokers,
		ConfigTopic: strings.TrimSpace(p[keyConfigTopic]), OffsetTopic: strings.TrimSpace(p[keyOffsetTopic]),
		StatusTopic: strings.TrimSpace(p[keyStatusTopic])}
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
	// The herder creates its three topics with one replication factor.
	rf := num(keyConfigReplication, 3, -1)
	for _, k := range []string{keyOffsetReplication, keyStatusReplication} {
		if n := num(k, 3, -1); n != rf {
			bad(k, "is %d, %s is %d: kconnect creates its topics with one replication factor", n, keyConfigReplication, rf)
		}
	}
	if rf == 0 {
		bad(keyConfigReplication, "want -1 (the broker's default) or a positive number, got 0")
	}
	dc.ReplicationFactor = int16(rf)
	dc.OffsetPartitions = int32(num(keyOffsetPartitions, 25, 1))
	dc.StatusPartitions = int32(num(keyStatusPartitions, 5, 1))
	dc.HeartbeatInterval = time.Duration(num(keyHeartbeat, 3000, 1)) * time.Millisecond
	dc.SessionTimeout = time.Duration(num(keySessionTimeout, 10000, 1)) * time.Millisecond
	dc.RebalanceTimeout = time.Duration(num(keyRebalanceTimeout, 60000, 1)) * time.Millisecond
	// Kafka's default is "sessioned"; kconnect's stays "default", eager.
	switch v := strings.TrimSpace(p[keyConnectProtocol]); strings.ToLower(v) {
	case "", "default", "compatible", "sessioned":
		dc.Protocol = v
	default:
		bad(keyConnectProtocol, "want default, compatible or sessioned, got %q", v)
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
	// The herder's own client, which reads and writes the internal
	// topics, takes no security settings yet.
	if v := strings.TrimSpace(p["security.protocol"]); v != "" && !strings.EqualFold(v, "PLAINTEXT") {
		bad("security.protocol", "only PLAINTEXT is supported by a distributed worker yet, got %q", v)
	}
	return dc, errors.Join(errs...)
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
	dc, err := parseDistributedConfig(cfg)
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
