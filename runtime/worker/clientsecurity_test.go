package worker

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/syncbuf"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func jaas(module, user, pass string) string {
	return module + ` required username="` + user + `" password="` + pass + `";`
}

func TestParseJAAS(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		module   string
		options  map[string]string
		err      string
	}{
		{name: "plain", in: `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";`,
			module: plainLoginModule, options: map[string]string{"username": "alice", "password": "alice-secret"}},
		{name: "bare words and flag case", in: `org.apache.kafka.common.security.scram.ScramLoginModule REQUIRED username=bob password=s3cr3t-pw_$ tokenauth=true;`,
			module: scramLoginModule, options: map[string]string{"username": "bob", "password": "s3cr3t-pw_$", "tokenauth": "true"}},
		{name: "escapes", in: `M optional password="a\"b\\c\n\t\101\0'z" other='it"s';`,
			module: "M", options: map[string]string{"password": "a\"b\\c\n\tA\x00'z", "other": "it\"s"}},
		{name: "comments and newlines", in: "M /* c */ sufficient // line\n  username = \"u\" ;\n",
			module: "M", options: map[string]string{"username": "u"}},
		{name: "unicode", in: `M required password="pässwörd";`, module: "M", options: map[string]string{"password": "pässwörd"}},
		{name: "no semicolon", in: `M required username="u"`, err: "not terminated by ';'"},
		{name: "bad flag", in: `M mandatory username="u";`, err: "control flag must be"},
		{name: "no flag", in: `M`, err: "want a control flag"},
		{name: "no equals", in: `M required username "u";`, err: "want '=' after an option name"},
		{name: "no value", in: `M required username=;`, err: "want an option value"},
		{name: "unterminated quote", in: `M required password="secret;`, err: "quoted value not closed"},
		{name: "quote across lines", in: "M required password=\"sec\nret\";", err: "not closed before the end of the line"},
		{name: "two modules", in: `M required; N required;`, err: "has 2 login modules, want 1"},
		{name: "empty", in: ``, err: "has 0 login modules"},
		{name: "unterminated comment", in: `M required /* x`, err: "unterminated /* comment"},
		{name: "starts with a value", in: `"secret" required;`, err: "want a login module class name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := parseJAAS(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.NotContains(t, err.Error(), "secret")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.module, e.module)
			require.Equal(t, tc.options, e.options)
		})
	}
}

func FuzzParseJAAS(f *testing.F) {
	for _, s := range []string{
		jaas(plainLoginModule, "alice", "pw"), `M required a="\377\n" b=c; `, `M /* x */ required;`, `"`, `M required a='`, "M required a=\"\\",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseJAAS(s)
		if err == nil && (e.module == "" || e.flag == "") {
			t.Fatalf("parsed %q without a module or flag", s)
		}
	})
}

// clientConfigErr returns New's error for a worker with ClientConfig(props).
func clientConfigErr(t *testing.T, props map[string]string, opts ...Opt) error {
	t.Helper()
	w, err := New(append([]Opt{Brokers("127.0.0.1:1"), ClientConfig(props), Logger(nil)}, opts...)...)
	if err == nil {
		_ = w.Close()
	}
	return err
}

// ClientConfig's errors name each key it cannot honour, with or without
// prefix, and never show a secret.
func TestClientConfigErrors(t *testing.T) {
	const secret = "hunter2-secret"
	dir := t.TempDir()
	jks := filepath.Join(dir, "truststore.jks")
	require.NoError(t, os.WriteFile(jks, []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2}, 0o600))
	for _, tc := range []struct {
		name  string
		props map[string]string
		want  []string
	}{
		{"unsupported keys", map[string]string{
			"sasl.kerberos.service.name": "kafka", "producer.foo": "1", "admin.linger.ms": "5",
			"consumer.auto.offset.reset": "sideways", "bootstrap.servers": "x:9092", "reconnect.backoff.ms": "50",
		}, []string{
			"sasl.kerberos.service.name: not supported", "producer.foo: not supported", "admin.linger.ms: not supported",
			"consumer.auto.offset.reset: want earliest", "bootstrap.servers: not a client property kconnect reads here: it is the worker's Brokers option",
			"reconnect.backoff.ms: not supported",
		}},
		{"GSSAPI by default", map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.jaas.config": jaas(plainLoginModule, "u", secret)},
			[]string{"sasl.mechanism: Kafka's default, GSSAPI, is not supported"}},
		{"OAUTHBEARER", map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER", "sasl.jaas.config": secret},
			[]string{`sasl.mechanism: "OAUTHBEARER" is not supported`}},
		{"AWS_MSK_IAM for producers", map[string]string{"producer.security.protocol": "SASL_SSL", "producer.sasl.mechanism": "AWS_MSK_IAM"},
			[]string{`producer.sasl.mechanism: "AWS_MSK_IAM" is not supported`}},
		{"bad protocol", map[string]string{"security.protocol": "TLS"}, []string{`security.protocol: want PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got "TLS"`}},
		{"malformed jaas", map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
			"sasl.jaas.config": plainLoginModule + ` required username="u" password="` + secret}, []string{"sasl.jaas.config: at offset"}},
		{"wrong module", map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-512",
			"sasl.jaas.config": jaas(plainLoginModule, "u", secret)}, []string{"sasl.jaas.config: SASL mechanism SCRAM-SHA-512 needs login module " + scramLoginModule}},
		{"no jaas", map[string]string{"consumer.security.protocol": "SASL_PLAINTEXT", "consumer.sasl.mechanism": "PLAIN"},
			[]string{"consumer.sasl.jaas.config: missing"}},
		{"JKS", map[string]string{"security.protocol": "SSL", "ssl.truststore.type": "JKS", "ssl.truststore.location": jks, "ssl.truststore.password": secret},
			[]string{"ssl.truststore.type: JKS is not supported: kconnect reads truststore stores in PEM form"}},
		{"JKS file by default", map[string]string{"security.protocol": "SSL", "ssl.truststore.location": jks},
			[]string{"ssl.truststore.location: " + jks + " holds no PEM data"}},
		{"PKCS12 key store", map[string]string{"security.protocol": "SSL", "ssl.keystore.type": "PKCS12", "ssl.keystore.password": secret},
			[]string{"ssl.keystore.type: PKCS12 is not supported"}},
		{"encrypted key", map[string]string{"security.protocol": "SSL", "ssl.key.password": secret,
			"ssl.keystore.key":               "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + secret + "\n-----END ENCRYPTED PRIVATE KEY-----\n",
			"ssl.keystore.certificate.chain": "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n"},
			[]string{"ssl.key.password: encrypted private keys are not supported"}},
		{"bad key", map[string]string{"security.protocol": "SSL",
			"ssl.keystore.key":               "-----BEGIN PRIVATE KEY-----\n" + secret + "\n-----END PRIVATE KEY-----\n",
			"ssl.keystore.certificate.chain": "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n"},
			[]string{"ssl.keystore.key: "}},
		{"endpoint algorithm", map[string]string{"security.protocol": "SSL", "ssl.endpoint.identification.algorithm": "dns"},
			[]string{`ssl.endpoint.identification.algorithm: want https or empty, got "dns"`}},
		{"retry back-off", map[string]string{"retry.backoff.ms": "soon"}, []string{`retry.backoff.ms: want a non-negative number of milliseconds, got "soon"`}},
		{"old TLS", map[string]string{"security.protocol": "SSL", "ssl.enabled.protocols": "TLSv1.2,TLSv1.1"},
			[]string{`ssl.enabled.protocols: "TLSv1.1" is not supported: kconnect speaks TLSv1.2 and TLSv1.3`}},
		{"SSLv3", map[string]string{"security.protocol": "SSL", "ssl.protocol": "SSLv3"},
			[]string{`ssl.protocol: "SSLv3" is not supported`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := clientConfigErr(t, tc.props)
			require.Error(t, err)
			var ce *connect.ConfigError
			require.True(t, errors.As(err, &ce), "%v", err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.Len(t, ce.Errors, len(tc.want), "%v", err)
			require.NotContains(t, err.Error(), secret)
		})
	}

	// Settings a protocol does not use are ignored, as in Java.
	require.NoError(t, clientConfigErr(t, map[string]string{"security.protocol": "PLAINTEXT", "sasl.mechanism": "GSSAPI", "ssl.truststore.type": "JKS"}))
	require.NoError(t, clientConfigErr(t, map[string]string{
		"client.id": "w", "request.timeout.ms": "20000", "metadata.max.age.ms": "60000", "retry.backoff.ms": "50", "retry.backoff.max.ms": "500",
		"producer.linger.ms": "10", "consumer.fetch.max.wait.ms": "100", "admin.request.timeout.ms": "5000",
		"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "SCRAM-SHA-256", "sasl.jaas.config": jaas(scramLoginModule, "u", secret),
	}))
}

// secretLog is a logger whose output a test can search for secrets.
func secretLog() (*slog.Logger, *syncbuf.Buffer) {
	var b syncbuf.Buffer
	return slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}

// A worker whose clients authenticate with SASL/PLAIN from ClientConfig
// runs a source connector on a cluster that demands it; with a wrong
// password its task fails, in bounded time, saying authentication failed,
// and the password appears nowhere.
func TestClientConfigSASL(t *testing.T) {
	ac := newACLCluster(t)
	s := ac.s

	run := func(t *testing.T, password string) (*Worker, *syncbuf.Buffer, string) {
		log, buf := secretLog()
		w, err := New(Brokers(s.Brokers...), Plugins((&counterSource{}).plugin()), OffsetStore(offset.NewMemory()),
			OffsetFlushInterval(50*time.Millisecond), Logger(log), ID("sasl-worker"),
			ClientConfig(map[string]string{
				"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
				"sasl.jaas.config":   jaas(plainLoginModule, testkafka.SASLAdmin, password),
				"request.timeout.ms": "10000",
			}))
		require.NoError(t, err)
		t.Cleanup(func() { _ = w.Close() })
		topic := testkafka.Topic(t, "sasl")
		require.NoError(t, w.CreateConnector(context.Background(), "sasl", map[string]string{
			"connector.class": "test.CounterSource", "topic": topic, "limit": "30",
			"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
		}))
		return w, buf, topic
	}

	t.Run("right password", func(t *testing.T) {
		w, buf, topic := run(t, testkafka.SASLAdminPassword)
		ac.dropAtEnd(t, topic)
		require.Len(t, ac.count(t, w, "sasl", topic, 30), 30)
		require.NotContains(t, buf.String(), testkafka.SASLAdminPassword)
	})
	t.Run("wrong password", func(t *testing.T) {
		const wrong = "not-the-admin-secret"
		w, buf, topic := run(t, wrong)
		start := time.Now()
		st := waitTaskState(t, w, "sasl", Failed)
		require.Less(t, time.Since(start), time.Minute)
		if testkafka.Real() {
			require.Contains(t, strings.ToUpper(st.Trace), "SASL_AUTHENTICATION_FAILED", st.Trace)
		} // kfake closes the connection instead of answering the failed authentication
		require.Contains(t, st.Trace, topic, st.Trace)
		require.NotContains(t, st.Trace, wrong)
		require.NotContains(t, buf.String(), wrong)
	})
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key
// to dir, as PEM, and returns their paths and the TLS certificate.
func selfSigned(t *testing.T, dir, name string) (certPath, keyPath string, cert tls.Certificate) {
	t.Helper()
	return selfSignedFor(t, dir, name, []net.IP{net.ParseIP("127.0.0.1")}, []string{"localhost"})
}

// selfSignedFor is selfSigned for the given addresses and host names.
func selfSignedFor(t *testing.T, dir, name string, ips []net.IP, hosts []string) (certPath, keyPath string, cert tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: ips, DNSNames: hosts,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA:        true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	certPath, keyPath = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	require.NoError(t, os.WriteFile(certPath, certPEM, 0o600))
	require.NoError(t, os.WriteFile(keyPath, append(keyPEM, certPEM...), 0o600))
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	return certPath, keyPath, cert
}

// A worker whose ClientConfig trusts a PEM certificate, and presents one,
// runs a source connector on a broker that serves TLS and asks for client
// certificates; one that trusts another certificate cannot connect.
func TestClientConfigTLS(t *testing.T) {
	dir := t.TempDir()
	brokerCert, _, brokerPair := selfSigned(t, dir, "broker")
	clientCert, clientKeyAndCert, _ := selfSigned(t, dir, "client")
	otherCert, _, _ := selfSigned(t, dir, "other")
	clientPool := x509.NewCertPool()
	b, err := os.ReadFile(clientCert)
	require.NoError(t, err)
	require.True(t, clientPool.AppendCertsFromPEM(b))
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1), kfake.TLS(&tls.Config{
		Certificates: []tls.Certificate{brokerPair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientPool,
		MinVersion: tls.VersionTLS12,
	}))
	require.NoError(t, err)
	t.Cleanup(cluster.Close)

	newWorker := func(t *testing.T, props map[string]string) *Worker {
		w, err := New(Brokers(cluster.ListenAddrs()...), Plugins((&counterSource{}).plugin()), OffsetStore(offset.NewMemory()),
			OffsetFlushInterval(50*time.Millisecond), Logger(nil), ClientConfig(props))
		require.NoError(t, err)
		t.Cleanup(func() { _ = w.Close() })
		return w
	}
	props := map[string]string{
		"security.protocol": "SSL", "ssl.truststore.type": "PEM", "ssl.truststore.location": brokerCert,
		"ssl.keystore.type": "PEM", "ssl.keystore.location": clientKeyAndCert,
	}
	w := newWorker(t, props)
	topic := "tls-records"
	require.NoError(t, w.CreateConnector(context.Background(), "tls", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "25",
		"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
	}))
	tlsCfg, errs := tlsConfig(map[string]prop{"ssl.truststore.location": {brokerCert, "ssl.truststore.location"}, "ssl.keystore.location": {clientKeyAndCert, "ssl.keystore.location"}})
	require.Nil(t, errs)
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.DialTLSConfig(tlsCfg), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	require.NoError(t, err)
	defer cl.Close()
	got := 0
	deadline := time.Now().Add(30 * time.Second)
	for got < 25 {
		require.True(t, time.Now().Before(deadline), "got %d of 25 records", got)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		got += len(cl.PollFetches(ctx).Records())
		cancel()
	}

	t.Run("untrusted broker", func(t *testing.T) {
		bad := map[string]string{"security.protocol": "SSL", "ssl.truststore.certificates": string(mustRead(t, otherCert)),
			"ssl.keystore.location": clientKeyAndCert}
		w := newWorker(t, bad)
		require.NoError(t, w.CreateConnector(context.Background(), "tls", map[string]string{
			"connector.class": "test.CounterSource", "topic": topic, "limit": "5", "topic.creation.default.partitions": "1"}))
		st := waitTaskState(t, w, "tls", Failed)
		require.Contains(t, st.Trace, "certificate", st.Trace)
	})
	t.Run("key store given inline, TLSv1.2 only", func(t *testing.T) {
		keyAndCert := string(mustRead(t, clientKeyAndCert))
		i := strings.Index(keyAndCert, "-----BEGIN CERTIFICATE-----")
		cs, err := parseClientConfig(map[string]string{"security.protocol": "SSL", "ssl.truststore.certificates": string(mustRead(t, brokerCert)),
			"ssl.keystore.key": keyAndCert[:i], "ssl.keystore.certificate.chain": keyAndCert[i:], "ssl.protocol": "TLSv1.2"})
		require.NoError(t, err)
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cluster.ListenAddrs()...)}, cs.sec[workerClient]...)...)
		require.NoError(t, err)
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, cl.Ping(ctx))
	})
	t.Run("host name not checked", func(t *testing.T) {
		// A broker whose certificate names another host: only a worker
		// that checks no host name connects, and it still checks the chain.
		cert, _, pair := selfSignedFor(t, dir, "elsewhere", nil, []string{"broker.invalid"})
		other, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}))
		require.NoError(t, err)
		t.Cleanup(other.Close)
		for _, tc := range []struct {
			alg, trust, err string
		}{
			{"https", cert, "127.0.0.1"},
			{"", cert, ""},
			{"", otherCert, "certificate signed by unknown authority"},
		} {
			cs, err := parseClientConfig(map[string]string{"security.protocol": "SSL", "ssl.truststore.location": tc.trust,
				"ssl.endpoint.identification.algorithm": tc.alg})
			require.NoError(t, err)
			cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(other.ListenAddrs()...)}, cs.sec[workerClient]...)...)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err = cl.Ping(ctx)
			cancel()
			cl.Close()
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err, "%+v", tc)
			} else {
				require.NoError(t, err, "%+v", tc)
			}
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// Security settings given only under producer., consumer. and admin. reach
// the clients of those kinds: a source connector with topic creation
// (producer, admin) and a sink connector (consumer) run on a cluster that
// demands SASL.
func TestClientConfigPerClientKind(t *testing.T) {
	ac := newACLCluster(t)
	props := map[string]string{}
	for _, prefix := range []string{"producer.", "consumer.", "admin."} {
		props[prefix+"security.protocol"] = "SASL_PLAINTEXT"
		props[prefix+"sasl.mechanism"] = "PLAIN"
		props[prefix+"sasl.jaas.config"] = jaas(plainLoginModule, testkafka.SASLAdmin, testkafka.SASLAdminPassword)
	}
	coll := newCollector(20)
	w, err := New(Brokers(ac.s.Brokers...), Plugins((&counterSource{}).plugin(), coll.plugin()), OffsetStore(offset.NewMemory()),
		OffsetFlushInterval(50*time.Millisecond), Logger(nil), ClientConfig(props))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	topic := testkafka.Topic(t, "kinds")
	ac.dropAtEnd(t, topic)
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "src", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "20",
		"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
	}))
	require.Len(t, ac.count(t, w, "src", topic, 20), 20)
	sinkName := testkafka.Group(t, "kinds")
	require.NoError(t, w.CreateConnector(ctx, sinkName, map[string]string{"connector.class": "test.CollectorSink", "topics": topic}))
	waitOrFail(t, coll.done)
}

// A connector's admin.override.sasl.jaas.config is the principal its
// topics are created as: the worker's principal may write to the topic but
// not create it, the connector's admin principal may.
func TestConnectorAdminOverride(t *testing.T) {
	ac := newACLCluster(t)
	topic := testkafka.Topic(t, "adminov")
	ac.dropAtEnd(t, topic)
	ac.grant(t, topic)
	w, err := New(Brokers(ac.s.Brokers...), Plugins((&counterSource{}).plugin()), OffsetStore(offset.NewMemory()),
		OffsetFlushInterval(50*time.Millisecond), Logger(nil), ClientOverridePolicy("Principal"),
		ClientConfig(map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
			"sasl.jaas.config": jaas(plainLoginModule, testkafka.SASLUser, testkafka.SASLUserPassword)}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	require.NoError(t, w.CreateConnector(context.Background(), "adminov", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "10",
		"topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
		"admin.override.sasl.jaas.config": jaas(plainLoginModule, testkafka.SASLAdmin, testkafka.SASLAdminPassword),
	}))
	require.Len(t, ac.count(t, w, "adminov", topic, 10), 10)
}

// A source connector's own offsets topic is written, and created, as the
// principal of its producer.override.sasl.jaas.config, not the worker's.
func TestConnectorOwnOffsetsTopicUsesItsPrincipal(t *testing.T) {
	ac := newACLCluster(t)
	topic, offsetsTopic := testkafka.Topic(t, "ownoff"), testkafka.Topic(t, "ownoff-offsets")
	ac.createTopic(t, topic)
	ac.dropAtEnd(t, offsetsTopic)
	w, err := New(Brokers(ac.s.Brokers...), Plugins((&counterSource{}).plugin()), OffsetStore(offset.NewMemory()),
		OffsetFlushInterval(50*time.Millisecond), Logger(nil),
		ClientConfig(map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
			"sasl.jaas.config": jaas(plainLoginModule, testkafka.SASLUser, testkafka.SASLUserPassword)}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })
	require.NoError(t, w.CreateConnector(context.Background(), "ownoff", map[string]string{
		"connector.class": "test.CounterSource", "topic": topic, "limit": "10", OffsetsStorageTopicConfig: offsetsTopic,
		"producer.override.sasl.jaas.config": jaas(plainLoginModule, testkafka.SASLAdmin, testkafka.SASLAdminPassword),
	}))
	require.Len(t, ac.count(t, w, "ownoff", topic, 10), 10)
}

// ClientOptions gives a client beside the worker's the worker's own
// security settings: it reaches a SASL listener as the worker does, and
// a key it cannot honour is an error naming it, without the secret.
func TestClientOptions(t *testing.T) {
	s := testkafka.SecuredCluster(t)
	opts, err := ClientOptions(map[string]string{
		"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN",
		"sasl.jaas.config": jaas(plainLoginModule, testkafka.SASLAdmin, testkafka.SASLAdminPassword),
		"producer.acks":    "1", // another client's: not these options'
	})
	require.NoError(t, err)
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.Brokers...)}, opts...)...)
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, cl.Ping(ctx), "authenticated as the worker's clients are")

	_, err = ClientOptions(map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "GSSAPI",
		"sasl.jaas.config": jaas(plainLoginModule, testkafka.SASLAdmin, "hidden-secret")})
	var ce *connect.ConfigError
	require.ErrorAs(t, err, &ce)
	require.ErrorContains(t, err, "sasl.mechanism")
	require.NotContains(t, err.Error(), "hidden-secret")
}
