package cli

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/suggest"
	"github.com/stretchr/testify/require"
)

func TestWorkerConfigKeys(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	c, err := parseWorkerConfig("w.properties", map[string]string{
		"bootstrap.servers":                 " k1:9092, k2:9092 ,",
		"offset.storage.file.filename":      "/tmp/x.offsets",
		"offset.flush.interval.ms":          "10000",
		"offset.flush.timeout.ms":           "7000",
		"task.shutdown.graceful.timeout.ms": "3000",
		"key.converter":                     "org.apache.kafka.connect.storage.StringConverter",
		"value.converter":                   "JsonConverter",
		"value.converter.schemas.enable":    "false",
		"listeners":                         "http://127.0.0.1:0, HTTP://[::1]:8084",
		"rest.advertised.host.name":         "connect-1",
		"rest.advertised.port":              "9083",
		"plugin.path":                       "/usr/share/java",
	}, "", log)
	require.NoError(t, err)
	require.Equal(t, []string{"k1:9092", "k2:9092"}, c.brokers)
	require.Equal(t, 10*time.Second, c.flushInterval)
	require.Equal(t, 7*time.Second, c.flushTimeout)
	require.Equal(t, 3*time.Second, c.shutdownTimeout)
	require.Equal(t, "org.apache.kafka.connect.storage.StringConverter", c.keyConv)
	require.Nil(t, c.keyConvCfg)
	require.Equal(t, map[string]string{"schemas.enable": "false"}, c.valueConvCfg)
	require.Equal(t, []listener{{"http", "127.0.0.1", 0}, {"http", "::1", 8084}}, c.rest.listeners)
	require.Equal(t, "connect-1", c.rest.advertisedHost)
	require.Equal(t, 9083, c.rest.advertisedPort)
	require.Contains(t, logs.String(), "keys=plugin.path")
	require.NotContains(t, logs.String(), "unknown")
}

// Every bad key is reported at once, each naming the file and key.
func TestWorkerConfigErrorsNameFileAndKey(t *testing.T) {
	_, err := parseWorkerConfig("w.properties", map[string]string{
		"bootstrap.servers":           "k:9092",
		"offset.flush.interval.ms":    "ten",
		"listeners":                   "http://:8083,ftp://:21,localhost:80",
		"rest.advertised.port":        "x",
		"exactly.once.source.support": "maybe",
		"kconnect.data.dir":           "/data",
	}, "", slog.New(slog.DiscardHandler))
	require.Error(t, err)
	for _, want := range []string{
		`w.properties: offset.flush.interval.ms: want a non-negative number of milliseconds, got "ten"`,
		`w.properties: listeners: listener "ftp://:21": the protocol must be http or https`,
		`w.properties: listeners: listener "localhost:80" does not have the right format`,
		`w.properties: rest.advertised.port: want a port number`,
		`w.properties: exactly.once.source.support: want enabled or disabled`,
		`w.properties: kconnect.data.dir: is the directory of the embedded broker`,
		`w.properties: offset.storage.file.filename: missing`,
	} {
		require.ErrorContains(t, err, want)
	}
}

// Keys kconnect does not read are logged once each, by name only: an
// unknown key with the nearest known one, Kafka's unsupported and
// distributed-mode keys with why.
func TestWorkerConfigWarnsOfUnreadKeys(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	_, err := parseWorkerConfig("w.properties", map[string]string{
		"bootstrp.servers":                        "k:9092",
		"ofset.flush.interval.ms":                 "1",
		"sasl_jaas.config":                        `PlainLoginModule required username="u" password="hunter2";`,
		"metric.reporters":                        "x",
		"config.storage.topic":                    "c",
		"internal.key.converter":                  "x",
		"security.protocol":                       "SASL_SSL",
		"producer.linger.ms":                      "5",
		"config.providers":                        "file",
		"config.providers.file.class":             "org.apache.kafka.common.config.provider.FileConfigProvider",
		"connector.client.config.override.policy": "None",
		"admin.listeners":                         "http://:8084",
		"admin.listeners.https.ssl.keystore.type": "PEM",
		"topic.creation.enable":                   "true",
	}, "", log)
	require.NoError(t, err)
	out := logs.String()
	require.Contains(t, out, "key=bootstrp.servers did_you_mean=bootstrap.servers")
	require.Contains(t, out, "key=ofset.flush.interval.ms did_you_mean=offset.flush.interval.ms")
	// The value of an unknown key, which may be a secret, is never shown.
	require.Contains(t, out, "key=sasl_jaas.config did_you_mean=sasl.jaas.config")
	require.NotContains(t, out, "hunter2")
	require.Contains(t, out, `key=metric.reporters why="kconnect's metrics are Prometheus metrics at /metrics"`)
	require.Contains(t, out, `msg="worker key of distributed mode, unused by a standalone worker" file=w.properties key=config.storage.topic`)
	require.Contains(t, out, "key=internal.key.converter")
	require.Contains(t, out, "key=admin.listeners why=")
	require.Contains(t, out, "key=admin.listeners.https.ssl.keystore.type why=")
	require.NotContains(t, out, "topic.creation.enable")
	for _, k := range []string{"security.protocol", "producer.linger.ms", "config.providers", "connector.client.config.override.policy"} {
		require.NotContains(t, out, "key="+k)
	}
}

func TestClientPropsAndSeams(t *testing.T) {
	props := map[string]string{
		"bootstrap.servers": "k:9092", "security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN",
		"sasl.jaas.config": "x", "ssl.truststore.location": "/t", "client.id": "c",
		"producer.linger.ms": "5", "consumer.max.poll.records": "10", "admin.request.timeout.ms": "1",
		"request.timeout.ms": "1000", "key.converter": "JsonConverter", "listeners": "http://:8083",
		"config.providers": "file", "config.providers.file.class": "F",
		"connector.client.config.override.policy": "Principal",
		"admin.listeners":                         "http://:8084", "admin.listeners.https.ssl.keystore.type": "PEM",
	}
	require.Equal(t, map[string]string{
		"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN", "sasl.jaas.config": "x",
		"ssl.truststore.location": "/t", "client.id": "c", "producer.linger.ms": "5",
		"consumer.max.poll.records": "10", "admin.request.timeout.ms": "1", "request.timeout.ms": "1000",
	}, clientProps(props))
	require.Equal(t, "Principal", overridePolicy(props))
	require.Equal(t, map[string]string{"config.providers": "file", "config.providers.file.class": "F"}, configProviders(props))
}

func TestNearestKey(t *testing.T) {
	known := knownKeyNames()
	require.Equal(t, "offset.flush.timeout.ms", suggest.Nearest("offset.flush.timout.ms", known))
	require.Equal(t, "listeners", suggest.Nearest("listners", known))
	require.Equal(t, "", suggest.Nearest("something.else.entirely", known))
}

func TestJavaSerializedOffsetsFile(t *testing.T) {
	dir := t.TempDir()
	jvm := filepath.Join(dir, "connect.offsets")
	require.NoError(t, os.WriteFile(jvm, []byte{0xAC, 0xED, 0x00, 0x05, 0x73, 0x72}, 0o600))
	require.True(t, javaSerializedFile(jvm))
	ours := filepath.Join(dir, "ours.offsets")
	require.NoError(t, os.WriteFile(ours, []byte(`{"version":1,"offsets":[]}`), 0o600))
	require.False(t, javaSerializedFile(ours))
	require.False(t, javaSerializedFile(filepath.Join(dir, "missing")))
}

func TestDistributedExactlyOnceSourceSupport(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, v := range []string{"disabled", "preparing", "enabled"} {
		c, err := parseWorkerConfigFor(true, "w.properties", map[string]string{
			"bootstrap.servers": "k1:9092", "group.id": "g", "config.storage.topic": "c",
			"offset.storage.topic": "o", "status.storage.topic": "s", "exactly.once.source.support": v,
		}, "", log)
		require.NoError(t, err)
		dc, err := parseDistributedConfig(c, log)
		require.NoError(t, err)
		require.Equal(t, v, dc.ExactlyOnceSourceSupport)
	}
}

// TestDistributedConnectProtocol: connect.protocol takes Kafka's values
// ("eager", "compatible", "sessioned", any case) and the eager protocol's
// JoinGroup name, "default"; unset, it is "sessioned", as in Kafka.
func TestDistributedConnectProtocol(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for v, want := range map[string]string{"eager": "default", "EAGER": "default", "default": "default", "compatible": "compatible", "sessioned": "sessioned", "": "sessioned"} {
		c, err := parseWorkerConfigFor(true, "w.properties", map[string]string{
			"bootstrap.servers": "k1:9092", "group.id": "g", "config.storage.topic": "c",
			"offset.storage.topic": "o", "status.storage.topic": "s", "connect.protocol": v,
		}, "", log)
		require.NoError(t, err)
		dc, err := parseDistributedConfig(c, log)
		require.NoError(t, err, v)
		require.Equal(t, want, dc.Protocol, v)
	}
}
