package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
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
)

var distributedRead = []string{keyConfigTopic, keyConfigReplication, keyOffsetTopic, keyOffsetPartitions,
	keyOffsetReplication, keyStatusTopic, keyStatusPartitions, keyStatusReplication, keyHeartbeat,
	keySessionTimeout, keyRebalanceTimeout, keyConnectProtocol, keyRebalanceDelay}

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
	// The herder does not sign internal requests yet: offering
	// "sessioned" would let the group choose a protocol it cannot follow.
	// Kafka's default is "sessioned"; kconnect's stays "default".
	switch v := strings.TrimSpace(p[keyConnectProtocol]); strings.ToLower(v) {
	case "", "default", "compatible":
		dc.Protocol = v
	default:
		bad(keyConnectProtocol, "only \"default\" (eager) and \"compatible\" (incremental cooperative rebalancing) are supported yet, got %q", v)
	}
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
	dc.ForwardTaskConfigs = forwardTaskConfigs(&http.Client{Timeout: 30 * time.Second})
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
	mux.Handle("POST /connectors/{name}/tasks", taskConfigsHandler(h))
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

// taskConfigsHandler serves POST /connectors/{name}/tasks: a JSON array
// of task configurations for the leader to write, 204 once written.
func taskConfigsHandler(h *distributed.Herder) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var configs []map[string]string
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&configs); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("task configurations of connector %s: %v", r.PathValue("name"), err))
			return
		}
		err := h.PutTaskConfigs(r.Context(), r.PathValue("name"), configs)
		var nl *distributed.NotLeaderError
		switch {
		case err == nil:
			w.WriteHeader(http.StatusNoContent)
		case errors.As(err, &nl):
			writeError(w, http.StatusConflict, err.Error())
		default:
			writeError(w, http.StatusInternalServerError, err.Error())
		}
	})
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error_code": code, "message": msg})
}

// forwardTaskConfigs hands task configurations to the leader over its
// REST API; a 409 (the leader is no longer one) is the herder's
// NotLeaderError, for it to try again after the rebalance.
func forwardTaskConfigs(c *http.Client) func(ctx context.Context, leaderURL, connector string, configs []map[string]string) error {
	return func(ctx context.Context, leaderURL, connector string, configs []map[string]string) error {
		body, err := json.Marshal(configs)
		if err != nil {
			return err
		}
		u := strings.TrimSuffix(leaderURL, "/") + "/connectors/" + url.PathEscape(connector) + "/tasks?forward=false"
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return fmt.Errorf("forwarding task configurations of connector %s to the leader %s: %w", connector, leaderURL, err)
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		switch {
		case resp.StatusCode < 300:
			return nil
		case resp.StatusCode == http.StatusConflict:
			return &distributed.NotLeaderError{}
		}
		return fmt.Errorf("forwarding task configurations of connector %s to the leader %s: %s: %s", connector, leaderURL, resp.Status, bytes.TrimSpace(msg))
	}
}
