package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/internal/suggest"
)

// The worker keys kconnect reads, as Kafka Connect names them, and its own.
const (
	keyBootstrapServers   = "bootstrap.servers"
	keyKeyConverter       = "key.converter"
	keyValueConverter     = "value.converter"
	keyHeaderConverter    = "header.converter"
	keyOffsetFile         = "offset.storage.file.filename"
	keyFlushInterval      = "offset.flush.interval.ms"
	keyFlushTimeout       = "offset.flush.timeout.ms"
	keyShutdownTimeout    = "task.shutdown.graceful.timeout.ms"
	keyListeners          = "listeners"
	keyAdvertisedHost     = "rest.advertised.host.name"
	keyAdvertisedPort     = "rest.advertised.port"
	keyAdvertisedListener = "rest.advertised.listener"
	keyPluginPath         = "plugin.path"
	keyPluginDiscovery    = "plugin.discovery"
	keyConfigProviders    = "config.providers"
	keyOverridePolicy     = "connector.client.config.override.policy"
	keyOverrideAllowlist  = "connector.client.config.override.allowlist"
	keyExactlyOnce        = "exactly.once.source.support"
	keyGroupID            = "group.id"
	// keyDataDir is kconnect's own: the directory of the embedded broker.
	keyDataDir = "kconnect.data.dir"

	httpsPrefix      = "listeners.https."
	adminHTTPSPrefix = "admin.listeners.https."
)

// handledKeys are the worker keys kconnect reads itself, with a line of
// help each, in the order help lists them.
var handledKeys = []struct{ key, help string }{
	{keyBootstrapServers, "the Kafka cluster; absent or empty: a broker embedded in the worker's process"},
	{keyDataDir, "kconnect's own: keep the embedded broker (records, groups, source offsets) in this directory; without it the embedded broker lives in memory"},
	{keyKeyConverter, "converter of connectors that name none (default JsonConverter); key.converter.* are its settings"},
	{keyValueConverter, "likewise for values; value.converter.* are its settings"},
	{keyHeaderConverter, "header converter of connectors that name none (default SimpleHeaderConverter); header.converter.* are its settings"},
	{keyOffsetFile, "source offsets file, in kconnect's own format (offset/FORMAT.md); required with bootstrap.servers, unused with the embedded broker"},
	{keyFlushInterval, "how often tasks commit offsets (default 60000)"},
	{keyFlushTimeout, "bound of one offset commit (default 5000)"},
	{keyShutdownTimeout, "how long a stopping task may take (default 5000)"},
	{keyListeners, "REST listeners, http:// or https://host:port, comma-separated (default http://:8083)"},
	{keyAdvertisedHost, "host name in the worker's id and advertised URL (default: the listener's host, else this host's name)"},
	{keyAdvertisedPort, "port in the worker's id and advertised URL (default: the listener's)"},
	{keyAdvertisedListener, "http or https: which listener to advertise"},
	{keyRESTExtensions, "REST extensions: " + basicAuthExtension + " (basic auth, its JAAS file given by -Djava.security.auth.login.config=FILE in the KAFKA_OPTS environment variable, as Kafka reads it, or by " + keyJAASFile + ")"},
	{keyJAASFile, "kconnect's own: the JAAS file of basic auth, whose KafkaConnect entry names PropertyFileLoginModule credentials files (user: password lines), read at start"},
	{httpsPrefix + "ssl.*", "TLS of https listeners, PEM only (ssl.keystore.type=PEM: ssl.keystore.location, or ssl.keystore.certificate.chain and ssl.keystore.key; ssl.truststore.* and ssl.client.auth for client certificates); without them the unprefixed ssl.* keys"},
	{keyExactlyOnce, "enabled: exactly-once source delivery (needs an offsets topic: the embedded broker with kconnect.data.dir); distributed, preparing too"},
	{keyGroupID, "the prefix of exactly-once transactional ids"},
	{keyConfigProviders, "configuration providers for ${provider:path:key} in this file's values and in connector configurations (file, dir, env: Kafka's FileConfigProvider, DirectoryConfigProvider, EnvVarConfigProvider); config.providers.<name>.class and .param.* their settings"},
	{keyOverridePolicy, "which client settings connectors may override: All (default), None, Principal or Allowlist"},
	{keyOverrideAllowlist, "with Allowlist: the client settings connectors may override, comma-separated"},
	{"security.protocol, sasl.*, ssl.*, client.id, …", "Kafka client settings of every client of the worker"},
	{"producer.*, consumer.*, admin.*", "Kafka client settings of the worker's producers, consumers or admin clients"},
	{keyPluginPath + ", " + keyPluginDiscovery, "accepted and unused: kconnect's plugins are compiled into the program"},
}

// clientKeys are the Kafka client settings of a worker configuration that
// go to every client as they are; clientPrefixes start more.
var (
	clientKeys = []string{
		"security.protocol", "client.id", "client.dns.lookup", "client.rack",
		"request.timeout.ms", "default.api.timeout.ms", "retries", "retry.backoff.ms", "retry.backoff.max.ms",
		"reconnect.backoff.ms", "reconnect.backoff.max.ms", "connections.max.idle.ms", "metadata.max.age.ms",
		"metadata.recovery.strategy", "metadata.recovery.rebootstrap.trigger.ms",
		"socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.max.ms",
		"send.buffer.bytes", "receive.buffer.bytes", "enable.metrics.push",
	}
	clientPrefixes = []string{"sasl.", "ssl.", "producer.", "consumer.", "admin."}
)

// kafkaUnsupportedKeys are worker keys Kafka Connect defines for a
// standalone worker that kconnect does not support: each is a warning.
var kafkaUnsupportedKeys = map[string]string{
	"metrics.sample.window.ms":     "kconnect's metrics are Prometheus metrics at /metrics",
	"metrics.num.samples":          "kconnect's metrics are Prometheus metrics at /metrics",
	"metrics.recording.level":      "kconnect's metrics are Prometheus metrics at /metrics",
	"metric.reporters":             "kconnect's metrics are Prometheus metrics at /metrics",
	"auto.include.jmx.reporter":    "kconnect's metrics are Prometheus metrics at /metrics",
	"topic.creation.enable":        "connectors with topic.creation.* keys always create their topics",
	"topic.tracking.enable":        "kconnect does not track connectors' topics",
	"topic.tracking.allow.reset":   "kconnect does not track connectors' topics",
	"access.control.allow.origin":  "the REST API sends no CORS headers",
	"access.control.allow.methods": "the REST API sends no CORS headers",
	"admin.listeners":              "the admin endpoints are served on the listeners",
	"response.http.headers.config": "the REST API adds no configured headers",
}

// distributedKeys are Kafka Connect's keys of distributed mode, which a
// standalone worker does not read (Kafka warns that they are unused).
var distributedKeys = []string{
	"config.storage.topic", "config.storage.replication.factor", "offset.storage.topic",
	"offset.storage.partitions", "offset.storage.replication.factor", "status.storage.topic",
	"status.storage.partitions", "status.storage.replication.factor", "heartbeat.interval.ms",
	"session.timeout.ms", "rebalance.timeout.ms", "worker.sync.timeout.ms", "worker.unsync.backoff.ms",
	"scheduled.rebalance.max.delay.ms", "connect.protocol", "inter.worker.key.generation.algorithm",
	"inter.worker.key.size", "inter.worker.key.ttl.ms", "inter.worker.signature.algorithm",
	"inter.worker.verification.algorithms", "exactly.once.source.support.preparing",
}

// workerConfig is what a worker properties file asks for.
type workerConfig struct {
	file    string
	props   map[string]string // every key, for clientProps, overridePolicy and configProviders
	brokers []string          // empty: the embedded broker
	dataDir string

	keyConv, valueConv, headerConv          string
	keyConvCfg, valueConvCfg, headerConvCfg map[string]string

	offsetFile                                   string
	flushInterval, flushTimeout, shutdownTimeout time.Duration // 0: the worker's default
	exactlyOnce                                  bool
	groupID                                      string

	rest restConfig
}

// parseWorkerConfig reads the keys of a worker properties file. Every bad
// key is reported, each naming the file and key; values are not shown, as
// they may be secrets, except where a bad one is a number or a listener.
// Keys kconnect does not read are logged once each.
func parseWorkerConfig(file string, props map[string]string, dataDirFlag string, log *slog.Logger) (*workerConfig, error) {
	return parseWorkerConfigFor(false, file, props, dataDirFlag, log)
}

// parseWorkerConfigFor is parseWorkerConfig for a standalone worker or,
// with distributed, a distributed one, which keeps its offsets in a topic
// and reads distributedKeys (see parseDistributedConfig).
func parseWorkerConfigFor(distributed bool, file string, props map[string]string, dataDirFlag string, log *slog.Logger) (*workerConfig, error) {
	c := &workerConfig{file: file, props: props}
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", file, key, fmt.Sprintf(format, args...)))
	}
	for s := range strings.SplitSeq(props[keyBootstrapServers], ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.brokers = append(c.brokers, s)
		}
	}
	c.dataDir = strings.TrimSpace(props[keyDataDir])
	if dataDirFlag != "" {
		c.dataDir = dataDirFlag
	}
	if c.dataDir != "" && len(c.brokers) > 0 {
		bad(keyDataDir, "is the directory of the embedded broker, which %s replaces: give one or the other", keyBootstrapServers)
	}

	c.keyConv, c.keyConvCfg = strings.TrimSpace(props[keyKeyConverter]), withPrefix(props, keyKeyConverter+".")
	c.valueConv, c.valueConvCfg = strings.TrimSpace(props[keyValueConverter]), withPrefix(props, keyValueConverter+".")
	c.headerConv, c.headerConvCfg = strings.TrimSpace(props[keyHeaderConverter]), withPrefix(props, keyHeaderConverter+".")

	c.offsetFile = strings.TrimSpace(props[keyOffsetFile])
	if len(c.brokers) > 0 && c.offsetFile == "" && !distributed {
		bad(keyOffsetFile, "missing: a standalone worker with %s keeps its source offsets in this file, as Kafka Connect's requires", keyBootstrapServers)
	}
	for _, d := range []struct {
		key string
		to  *time.Duration
	}{{keyFlushInterval, &c.flushInterval}, {keyFlushTimeout, &c.flushTimeout}, {keyShutdownTimeout, &c.shutdownTimeout}} {
		v, ok := props[d.key]
		if !ok {
			continue
		}
		ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || ms < 0 {
			bad(d.key, "want a non-negative number of milliseconds, got %q", v)
			continue
		}
		*d.to = time.Duration(ms) * time.Millisecond
	}
	if v, ok := props[keyExactlyOnce]; ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "enabled":
			c.exactlyOnce = true
		case "disabled", "preparing":
		default:
			bad(keyExactlyOnce, "want enabled or disabled, got %q", v)
		}
	}
	c.groupID = strings.TrimSpace(props[keyGroupID])

	rest, err := parseRESTConfig(file, props)
	if err != nil {
		errs = append(errs, err)
	}
	c.rest = rest
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	warnUnreadKeys(file, props, distributed, log)
	return c, nil
}

// withPrefix returns the keys of props below prefix, without it.
func withPrefix(props map[string]string, prefix string) map[string]string {
	var out map[string]string
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			if out == nil {
				out = map[string]string{}
			}
			out[rest] = v
		}
	}
	return out
}

// clientProps returns the Kafka client settings of a worker configuration
// (security.protocol, sasl.*, ssl.*, client.id and the other settings
// common to Kafka's clients, and producer.*, consumer.*, admin.*), which
// configure every client the worker creates, as a Kafka Connect worker
// passes them on.
func clientProps(props map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		if isClientKey(k) {
			out[k] = v
		}
	}
	return out
}

func isClientKey(k string) bool {
	if kafkaUnsupportedKeys[k] != "" || strings.HasPrefix(k, adminHTTPSPrefix) {
		return false // admin.listeners is the REST server's, not the admin client's
	}
	if slices.Contains(clientKeys, k) {
		return true
	}
	for _, p := range clientPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// overridePolicy returns the worker's
// connector.client.config.override.policy, "" when not set.
func overridePolicy(props map[string]string) string {
	return strings.TrimSpace(props[keyOverridePolicy])
}

// configProviders returns the worker's config.providers key and its
// config.providers.<name>.* settings, as given.
func configProviders(props map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		if k == keyConfigProviders || strings.HasPrefix(k, keyConfigProviders+".") {
			out[k] = v
		}
	}
	return out
}

// warnUnreadKeys logs, once each, the keys of a worker configuration
// that kconnect does not read: Kafka Connect's keys it does not support,
// distributed mode's keys, and keys nobody defines, with the nearest known
// key. Values are never logged.
func warnUnreadKeys(file string, props map[string]string, distributed bool, log *slog.Logger) {
	var pluginKeys []string
	for _, k := range slices.Sorted(maps.Keys(props)) {
		switch {
		case k == keyPluginPath || k == keyPluginDiscovery:
			pluginKeys = append(pluginKeys, k)
		case k == "topic.creation.enable" && strings.EqualFold(strings.TrimSpace(props[k]), "true"):
			// Kafka's default, which is how kconnect behaves.
		case knownWorkerKey(k):
		case kafkaUnsupportedKeys[k] != "":
			log.Warn("worker key not supported, ignored", "file", file, "key", k, "why", kafkaUnsupportedKeys[k])
		case strings.HasPrefix(k, adminHTTPSPrefix):
			log.Warn("worker key not supported, ignored", "file", file, "key", k, "why", kafkaUnsupportedKeys["admin.listeners"])
		case strings.HasPrefix(k, "internal.key.converter") || strings.HasPrefix(k, "internal.value.converter"):
			log.Warn("worker key removed from Kafka Connect in 3.0, ignored", "file", file, "key", k)
		case distributed && slices.Contains(distributedRead, k):
		case distributed && k != keyOffsetFile && (strings.HasPrefix(k, "config.storage.") ||
			strings.HasPrefix(k, "offset.storage.") || strings.HasPrefix(k, "status.storage.")):
			// An internal topic's settings (topicSettings).
		case slices.Contains(distributedKeys, k) && distributed:
			log.Warn("worker key of distributed mode not supported yet, ignored", "file", file, "key", k)
		case slices.Contains(distributedKeys, k):
			log.Warn("worker key of distributed mode, unused by a standalone worker", "file", file, "key", k)
		default:
			attrs := []any{"file", file, "key", k}
			if s := suggest.Nearest(k, knownKeyNames()); s != "" {
				attrs = append(attrs, "did_you_mean", s)
			}
			log.Warn("unknown worker key ignored", attrs...)
		}
	}
	if len(pluginKeys) > 0 {
		log.Info("plugins are compiled into this program: the worker keys are unused", "file", file, "keys", strings.Join(pluginKeys, ","))
	}
}

// knownWorkerKey reports whether kconnect reads k, or hands it on.
func knownWorkerKey(k string) bool {
	switch k {
	case keyBootstrapServers, keyDataDir, keyKeyConverter, keyValueConverter, keyHeaderConverter,
		keyOffsetFile, keyFlushInterval, keyFlushTimeout, keyShutdownTimeout, keyListeners,
		keyAdvertisedHost, keyAdvertisedPort, keyAdvertisedListener, keyExactlyOnce, keyGroupID,
		keyConfigProviders, keyOverridePolicy, keyOverrideAllowlist, keyRESTExtensions, keyJAASFile:
		return true
	}
	for _, p := range []string{keyKeyConverter + ".", keyValueConverter + ".", keyHeaderConverter + ".",
		keyConfigProviders + ".", httpsPrefix} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return isClientKey(k)
}

// knownKeyNames lists the keys to suggest in place of an unknown one.
func knownKeyNames() []string {
	out := []string{keyBootstrapServers, keyDataDir, keyKeyConverter, keyValueConverter, keyHeaderConverter,
		keyOffsetFile, keyFlushInterval, keyFlushTimeout, keyShutdownTimeout, keyListeners,
		keyAdvertisedHost, keyAdvertisedPort, keyAdvertisedListener, keyExactlyOnce, keyGroupID,
		keyConfigProviders, keyOverridePolicy, keyOverrideAllowlist, keyPluginPath, keyPluginDiscovery,
		keyRESTExtensions, keyJAASFile, "sasl.mechanism", "sasl.jaas.config", "ssl.keystore.location", "ssl.truststore.location"}
	out = append(out, clientKeys...)
	for k := range kafkaUnsupportedKeys {
		out = append(out, k)
	}
	return append(out, distributedKeys...)
}

// javaSerializedFile reports whether the file at path is a Java
// serialization stream (it starts with 0xACED), as a JVM standalone
// worker's offsets file is.
func javaSerializedFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [2]byte
	n, _ := f.Read(magic[:])
	return n == 2 && magic[0] == 0xAC && magic[1] == 0xED
}
