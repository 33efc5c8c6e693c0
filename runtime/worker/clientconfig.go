package worker

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Connector-level client overrides, as Kafka Connect names them.
const (
	ProducerOverridePrefix = "producer.override."
	ConsumerOverridePrefix = "consumer.override."
)

// Java Kafka client properties are translated to franz-go options; a
// property kconnect cannot honour is an error naming the connector key,
// rather than being silently ignored.

type clientProp func(v string) (kgo.Opt, error)

func msProp(f func(time.Duration) kgo.Opt) clientProp {
	return func(v string) (kgo.Opt, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("want a non-negative number of milliseconds, got %q", v)
		}
		return f(time.Duration(n) * time.Millisecond), nil
	}
}

func int32Prop(f func(int32) kgo.Opt) clientProp {
	return func(v string) (kgo.Opt, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("want a non-negative integer, got %q", v)
		}
		return f(int32(n)), nil
	}
}

var producerProps = map[string]clientProp{
	"linger.ms":           msProp(func(d time.Duration) kgo.Opt { return kgo.ProducerLinger(d) }),
	"batch.size":          int32Prop(func(n int32) kgo.Opt { return kgo.ProducerBatchMaxBytes(n) }),
	"max.request.size":    int32Prop(func(n int32) kgo.Opt { return kgo.ProducerBatchMaxBytes(n) }),
	"request.timeout.ms":  msProp(func(d time.Duration) kgo.Opt { return kgo.ProduceRequestTimeout(d) }),
	"delivery.timeout.ms": msProp(func(d time.Duration) kgo.Opt { return kgo.RecordDeliveryTimeout(d) }),
	"compression.type": func(v string) (kgo.Opt, error) {
		var c kgo.CompressionCodec
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "none":
			c = kgo.NoCompression()
		case "gzip":
			c = kgo.GzipCompression()
		case "snappy":
			c = kgo.SnappyCompression()
		case "lz4":
			c = kgo.Lz4Compression()
		case "zstd":
			c = kgo.ZstdCompression()
		default:
			return nil, fmt.Errorf("unknown compression type %q", v)
		}
		return kgo.ProducerBatchCompression(c), nil
	},
	"acks": func(v string) (kgo.Opt, error) {
		switch strings.TrimSpace(v) {
		case "all", "-1":
			return kgo.RequiredAcks(kgo.AllISRAcks()), nil
		case "1":
			return kgo.RequiredAcks(kgo.LeaderAck()), nil
		case "0":
			return kgo.RequiredAcks(kgo.NoAck()), nil
		}
		return nil, fmt.Errorf("want all, -1, 0 or 1, got %q", v)
	},
	"enable.idempotence": func(v string) (kgo.Opt, error) {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return nil, nil // franz-go producers are idempotent by default
		case "false":
			return kgo.DisableIdempotentWrite(), nil
		}
		return nil, fmt.Errorf("want true or false, got %q", v)
	},
}

var consumerProps = map[string]clientProp{
	// max.poll.records is the runtime's, not franz-go's: it bounds the
	// batch a sink task's Put gets (maxPollRecords reads it).
	"max.poll.records": func(v string) (kgo.Opt, error) {
		_, err := parseMaxPollRecords(v)
		return nil, err
	},
	"fetch.max.bytes":           int32Prop(func(n int32) kgo.Opt { return kgo.FetchMaxBytes(n) }),
	"fetch.min.bytes":           int32Prop(func(n int32) kgo.Opt { return kgo.FetchMinBytes(n) }),
	"max.partition.fetch.bytes": int32Prop(func(n int32) kgo.Opt { return kgo.FetchMaxPartitionBytes(n) }),
	"fetch.max.wait.ms":         msProp(func(d time.Duration) kgo.Opt { return kgo.FetchMaxWait(d) }),
	"session.timeout.ms":        msProp(func(d time.Duration) kgo.Opt { return kgo.SessionTimeout(d) }),
	"heartbeat.interval.ms":     msProp(func(d time.Duration) kgo.Opt { return kgo.HeartbeatInterval(d) }),
	"max.poll.interval.ms":      msProp(func(d time.Duration) kgo.Opt { return kgo.RebalanceTimeout(d) }),
	"group.instance.id":         func(v string) (kgo.Opt, error) { return kgo.InstanceID(v), nil },
	"isolation.level": func(v string) (kgo.Opt, error) {
		switch strings.TrimSpace(v) {
		case "read_committed":
			return kgo.FetchIsolationLevel(kgo.ReadCommitted()), nil
		case "read_uncommitted":
			return kgo.FetchIsolationLevel(kgo.ReadUncommitted()), nil
		}
		return nil, fmt.Errorf("want read_committed or read_uncommitted, got %q", v)
	},
	"auto.offset.reset": func(v string) (kgo.Opt, error) {
		switch strings.TrimSpace(v) {
		case "earliest":
			return kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), nil
		case "latest":
			return kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()), nil
		case "none":
			return kgo.ConsumeResetOffset(kgo.NoResetOffset()), nil
		}
		return nil, fmt.Errorf("want earliest, latest or none, got %q", v)
	},
}

// commonProps are the properties every Java client has.
var commonProps = map[string]clientProp{
	"client.id":                          func(v string) (kgo.Opt, error) { return kgo.ClientID(v), nil },
	"request.timeout.ms":                 msProp(func(d time.Duration) kgo.Opt { return kgo.RequestTimeoutOverhead(d) }),
	"metadata.max.age.ms":                msProp(func(d time.Duration) kgo.Opt { return kgo.MetadataMaxAge(d) }),
	"connections.max.idle.ms":            msProp(func(d time.Duration) kgo.Opt { return kgo.ConnIdleTimeout(d) }),
	"socket.connection.setup.timeout.ms": msProp(func(d time.Duration) kgo.Opt { return kgo.DialTimeout(d) }),
	// franz-go has no client-wide bound of an API call: parseClientConfig
	// keeps the admin client's as clientSettings.apiTimeout, which bounds
	// the worker's admin calls; other clients accept it, as Java's
	// consumer does, and bound their calls with the worker's own timeouts.
	keyAPITimeout: msProp(func(time.Duration) kgo.Opt { return nil }),
}

// keyAPITimeout is Java's default.api.timeout.ms, and defaultAPITimeout its
// default.
const (
	keyAPITimeout     = "default.api.timeout.ms"
	defaultAPITimeout = 60 * time.Second
)

// groupedProps are read together, from the merged properties of one
// client (the worker's top-level ones, its client-prefixed ones, the
// connector's overrides): a connector that overrides sasl.jaas.config
// keeps the worker's security.protocol and trust store, as in Kafka.
var groupedProps = map[string]bool{
	"security.protocol": true, "sasl.mechanism": true, "sasl.jaas.config": true,
	"ssl.truststore.type": true, "ssl.truststore.location": true, "ssl.truststore.certificates": true,
	"ssl.truststore.password": true, "ssl.keystore.type": true, "ssl.keystore.location": true,
	"ssl.keystore.key": true, "ssl.keystore.certificate.chain": true, "ssl.keystore.password": true,
	"ssl.key.password": true, "ssl.endpoint.identification.algorithm": true,
	"ssl.protocol": true, "ssl.enabled.protocols": true,
	"retry.backoff.ms": true, "retry.backoff.max.ms": true,
}

// secretProp reports whether a client property's value is a secret, never
// to be shown in an error, a log line or a validate response.
// The name may carry a prefix (producer.override. …).
func secretProp(name string) bool {
	return strings.HasSuffix(name, "sasl.jaas.config") || strings.HasSuffix(name, "ssl.keystore.key") || strings.Contains(name, "password")
}

// A clientKind says which of ClientConfig's prefixes a client reads.
type clientKind int

const (
	workerClient   clientKind = iota // the worker's offsets store: top-level keys only
	producerClient                   // task and dead letter queue producers
	consumerClient                   // sink task consumers
	adminClient                      // the worker's admin client
	numClientKinds
)

var clientPrefixes = [numClientKinds]string{"", "producer.", "consumer.", "admin."}

// clientTable is the properties a client of kind k translates one by one.
func clientTable(k clientKind, name string) (clientProp, bool) {
	var own map[string]clientProp
	switch k {
	case producerClient:
		own = producerProps
	case consumerClient:
		own = consumerProps
	}
	if conv, ok := own[name]; ok {
		return conv, true
	}
	conv, ok := commonProps[name]
	return conv, ok
}

// defaultMaxPollRecords is Java's consumer default for max.poll.records,
// the most records a sink task's Put gets.
const defaultMaxPollRecords = 500

func parseMaxPollRecords(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("want a positive integer, got %q", v)
	}
	return n, nil
}

// maxPollRecords returns the max.poll.records of a client's properties
// (without prefix), or def when they have none or a bad one (which
// translate reports).
func maxPollRecords(props map[string]string, def int) int {
	if v, ok := props["max.poll.records"]; ok {
		if n, err := parseMaxPollRecords(v); err == nil {
			return n
		}
	}
	return def
}

// prop is a client property with the key it was given under.
type prop struct{ value, key string }

// clientSettings is ClientConfig, as New parses it.
type clientSettings struct {
	common  []kgo.Opt                       // top-level keys: every client, before the runtime's own settings
	opts    [numClientKinds][]kgo.Opt       // a kind's prefixed keys, after the runtime's own settings
	grouped [numClientKinds]map[string]prop // groupedProps, top-level then prefixed, per kind
	sec     [numClientKinds][]kgo.Opt       // built from grouped
	// maxPollRecords is consumer.max.poll.records: the most records a
	// sink task's Put gets, unless its connector overrides it.
	maxPollRecords int
	// apiTimeout is admin.default.api.timeout.ms, else
	// default.api.timeout.ms: the bound of each of the worker's admin
	// calls (apiContext).
	apiTimeout time.Duration
}

// ClientConfig sets the worker's Kafka clients from Java Kafka client
// properties, as a Kafka Connect worker.properties gives them (given more
// than once, the later values of a key win). New parses them and returns a
// *connect.ConfigError (wrapped) naming every key it cannot honour, before
// connecting to anything.
//
// A key without prefix applies to every client the worker makes: the
// admin client, the offsets store's, the task producers and consumers
// (also those of exactly-once sources) and the dead letter queue
// producers. A key prefixed with producer., consumer. or admin. applies
// to producers, consumers or the admin client only, over the key without
// prefix. (Kafka Connect's task clients read only the prefixed keys, so a
// worker.properties that repeats its security settings under producer.
// and consumer., as Kafka Connect needs, means the same here.) Runtime
// settings come between the two: the runtime's client ids override a
// top-level client.id, and producer.acks overrides the task producers'
// acks=all.
//
// The keys, with or without prefix:
//   - security.protocol: PLAINTEXT (default), SSL, SASL_PLAINTEXT or
//     SASL_SSL;
//   - sasl.mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (GSSAPI, Kafka's
//     default, OAUTHBEARER and AWS_MSK_IAM are errors), with
//     sasl.jaas.config naming PlainLoginModule or ScramLoginModule with
//     username and password options (and tokenauth for SCRAM delegation
//     tokens), in Java's JAAS syntax;
//   - TLS in PEM form: ssl.truststore.location or ssl.truststore.certificates
//     (without either, the system's roots), ssl.keystore.location (key and
//     certificate chain in one file) or ssl.keystore.key with
//     ssl.keystore.certificate.chain, with ssl.truststore.type and
//     ssl.keystore.type PEM or unset; a store whose type is JKS or PKCS12,
//     or a file that is not PEM, is an error; so is an encrypted private
//     key (ssl.key.password): give it unencrypted, in PKCS #8;
//     ssl.endpoint.identification.algorithm https (default) checks the
//     broker's host name, empty does not (the chain is still verified);
//     ssl.protocol and ssl.enabled.protocols may name TLSv1.2 and TLSv1.3;
//   - client.id, request.timeout.ms, metadata.max.age.ms,
//     connections.max.idle.ms, socket.connection.setup.timeout.ms,
//     retry.backoff.ms and retry.backoff.max.ms (exponential, as Java's);
//   - default.api.timeout.ms (60000 by default; admin. over the key
//     without prefix): the most each of the worker's admin calls waits
//     (ClusterID, the sink offsets calls of the REST API), each ending
//     with an error when it passes; franz-go has no client-wide
//     equivalent, so producers and consumers accept the key and keep the
//     worker's own bounds (offset.flush.timeout.ms…);
//   - with producer.: linger.ms, batch.size, max.request.size,
//     request.timeout.ms (the produce request's), delivery.timeout.ms,
//     compression.type, acks, enable.idempotence;
//   - with consumer.: fetch.max.bytes, fetch.min.bytes,
//     max.partition.fetch.bytes, fetch.max.wait.ms, session.timeout.ms,
//     heartbeat.interval.ms, max.poll.interval.ms, group.instance.id,
//     isolation.level, auto.offset.reset, and max.poll.records (the most
//     records a sink task's Put gets, 500 by default, as Java's consumer
//     returns from one poll).
//
// Any other key is an error naming it, Kafka Connect's worker keys
// (bootstrap.servers, group.id, offset.flush.interval.ms…) included: those
// are the worker's other options. The same properties, under
// producer.override., consumer.override. and admin.override., are what a
// connector may override, within ClientOverridePolicy.
//
// Values of secrets (sasl.jaas.config, ssl.keystore.key and every key
// naming a password) appear in no error and no log line. Do not also give
// SASL or TLS options through KafkaOpts: franz-go would try both.
func ClientConfig(props map[string]string) Opt {
	return func(o *options) {
		if o.clientProps == nil {
			o.clientProps = map[string]string{}
		}
		maps.Copy(o.clientProps, props)
	}
}

// parseClientConfig parses ClientConfig's properties.
func parseClientConfig(props map[string]string) (clientSettings, error) {
	var cs clientSettings
	var bad []*connect.ConfigKeyError
	flat := map[string]string{}
	prefixed := [numClientKinds]map[string]string{}
	for k := range numClientKinds {
		prefixed[k] = map[string]string{}
	}
	for key, v := range props {
		kind, name := workerClient, key
		for k := producerClient; k < numClientKinds; k++ {
			if n, ok := strings.CutPrefix(key, clientPrefixes[k]); ok {
				kind, name = k, n
			}
		}
		if kind == workerClient {
			flat[name] = v
		} else {
			prefixed[kind][name] = v
		}
	}
	cs.maxPollRecords = maxPollRecords(prefixed[consumerClient], defaultMaxPollRecords)
	cs.apiTimeout = defaultAPITimeout
	for _, p := range []map[string]string{flat, prefixed[adminClient]} {
		if v, ok := p[keyAPITimeout]; ok {
			// A bad value is reported by translate.
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 {
				cs.apiTimeout = time.Duration(n) * time.Millisecond
			}
		}
	}
	var errs []*connect.ConfigKeyError
	cs.common, errs = translate(flat, "", workerClient)
	bad = append(bad, errs...)
	for k := producerClient; k < numClientKinds; k++ {
		cs.opts[k], errs = translate(prefixed[k], clientPrefixes[k], k)
		bad = append(bad, errs...)
	}
	for k := range numClientKinds {
		g := map[string]prop{}
		for name, v := range flat {
			if groupedProps[name] {
				g[name] = prop{v, name}
			}
		}
		for name, v := range prefixed[k] {
			if groupedProps[name] {
				g[name] = prop{v, clientPrefixes[k] + name}
			}
		}
		cs.grouped[k] = g
		cs.sec[k], errs = groupedOpts(g, "")
		bad = append(bad, errs...)
	}
	if len(bad) > 0 {
		return cs, &connect.ConfigError{Errors: uniqueKeyErrors(bad)}
	}
	return cs, nil
}

// uniqueKeyErrors sorts errors by key and drops repeats: a bad top-level
// key is found once per client kind.
func uniqueKeyErrors(errs []*connect.ConfigKeyError) []*connect.ConfigKeyError {
	slices.SortStableFunc(errs, func(a, b *connect.ConfigKeyError) int { return strings.Compare(a.Key, b.Key) })
	return slices.CompactFunc(errs, func(a, b *connect.ConfigKeyError) bool { return a.Key == b.Key && a.Message == b.Message })
}

// workerKeys are Kafka Connect worker keys that a caller may pass to
// ClientConfig by mistake; their errors say where they belong.
var workerKeys = map[string]string{
	"bootstrap.servers": "the worker's Brokers option",
}

// translate turns the properties of a client of kind k, given under
// prefix, into franz-go options, in key order; grouped properties are
// left to groupedOpts.
func translate(props map[string]string, prefix string, k clientKind) ([]kgo.Opt, []*connect.ConfigKeyError) {
	var opts []kgo.Opt
	var bad []*connect.ConfigKeyError
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if groupedProps[name] {
			continue
		}
		key := prefix + name
		conv, ok := clientTable(k, name)
		if !ok {
			msg := "not supported by kconnect's client"
			if where, ok := workerKeys[name]; ok {
				msg = "not a client property kconnect reads here: it is " + where
			}
			bad = append(bad, keyError(key, msg))
			continue
		}
		opt, err := conv(props[name])
		if err != nil {
			bad = append(bad, keyError(key, err.Error()))
			continue
		}
		if opt != nil {
			opts = append(opts, opt)
		}
	}
	return opts, bad
}

func keyError(key, msg string) *connect.ConfigKeyError {
	return &connect.ConfigKeyError{Key: key, Message: key + ": " + msg}
}

// clientOverrides translates a connector's overrides (without prefix) of
// the properties of a client of kind k, given under prefix
// (producer.override. …), into franz-go options: the worker's prefixed
// settings for the kind, then the connector's, both to apply after the
// runtime's own settings; and the kind's security options, from the
// worker's grouped properties with the connector's over them. The errors
// name every key it cannot honour.
func (w *engine) clientOverrides(overrides map[string]string, prefix string, k clientKind) (opts, sec []kgo.Opt, bad []*connect.ConfigKeyError) {
	cs := &w.clients
	own, bad := translate(overrides, prefix, k)
	opts = append(slices.Clip(cs.opts[k]), own...)
	sec = cs.sec[k]
	var grouped map[string]prop
	for name, v := range overrides {
		if groupedProps[name] {
			if grouped == nil {
				grouped = map[string]prop{}
				maps.Copy(grouped, cs.grouped[k])
			}
			grouped[name] = prop{v, prefix + name}
		}
	}
	if grouped != nil {
		var errs []*connect.ConfigKeyError
		sec, errs = groupedOpts(grouped, prefix)
		bad = append(bad, errs...)
	}
	return opts, sec, bad
}

// groupedOpts builds a client's TLS, SASL and retry back-off options from
// its grouped properties. A property that is missing is named with prefix
// or, if that is empty, with the prefix security.protocol was given with.
// Secrets' values appear in no error.
func groupedOpts(p map[string]prop, prefix string) ([]kgo.Opt, []*connect.ConfigKeyError) {
	var opts []kgo.Opt
	var bad []*connect.ConfigKeyError
	if prefix == "" {
		prefix = strings.TrimSuffix(p["security.protocol"].key, "security.protocol")
	}
	fail := func(name, format string, args ...any) {
		key := prefix + name
		if v, ok := p[name]; ok {
			key = v.key
		}
		bad = append(bad, keyError(key, fmt.Sprintf(format, args...)))
	}
	get := func(name string) (string, bool) {
		v, ok := p[name]
		return strings.TrimSpace(v.value), ok
	}

	protocol, _ := get("security.protocol")
	protocol = strings.ToUpper(protocol)
	var useTLS, useSASL bool
	switch protocol {
	case "", "PLAINTEXT":
	case "SSL":
		useTLS = true
	case "SASL_PLAINTEXT":
		useSASL = true
	case "SASL_SSL":
		useTLS, useSASL = true, true
	default:
		fail("security.protocol", "want PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got %q", p["security.protocol"].value)
	}
	// As in Java, SASL and SSL settings that the protocol does not use are
	// ignored, so that a connector can override security.protocol alone.
	if useSASL {
		if m, err := saslMechanism(p); err != nil {
			fail(err.key, "%s", err.msg)
		} else {
			opts = append(opts, kgo.SASL(m))
		}
	}
	if useTLS {
		if c, err := tlsConfig(p); err != nil {
			fail(err.key, "%s", err.msg)
		} else {
			opts = append(opts, kgo.DialTLSConfig(c))
		}
	}

	_, hasBase := p["retry.backoff.ms"]
	_, hasMax := p["retry.backoff.max.ms"]
	if hasBase || hasMax {
		base, maxBackoff := 100*time.Millisecond, time.Second // Java's defaults
		ms := func(name string, d *time.Duration) bool {
			v, ok := get(name)
			if !ok {
				return true
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				fail(name, "want a non-negative number of milliseconds, got %q", p[name].value)
				return false
			}
			*d = time.Duration(n) * time.Millisecond
			return true
		}
		if ms("retry.backoff.ms", &base) && ms("retry.backoff.max.ms", &maxBackoff) {
			opts = append(opts, kgo.RetryBackoffFn(exponentialBackoff(base, maxBackoff)))
		}
	}
	return opts, bad
}

// exponentialBackoff is Java's client back-off (KIP-580): base doubled
// with each try, up to maxBackoff (but never below base), with 20% jitter.
func exponentialBackoff(base, maxBackoff time.Duration) func(int) time.Duration {
	maxBackoff = max(base, maxBackoff)
	return func(tries int) time.Duration {
		d := base
		for i := 1; i < tries && d < maxBackoff; i++ {
			d *= 2
		}
		d = min(d, maxBackoff)
		return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	}
}

// groupedError is an error about one grouped property, by name.
type groupedError struct{ key, msg string }

func groupedErr(key, format string, args ...any) *groupedError {
	return &groupedError{key, fmt.Sprintf(format, args...)}
}

// The JAAS login modules of the supported mechanisms.
const (
	plainLoginModule = "org.apache.kafka.common.security.plain.PlainLoginModule"
	scramLoginModule = "org.apache.kafka.common.security.scram.ScramLoginModule"
)

// saslMechanism builds the SASL mechanism of a client's properties.
func saslMechanism(p map[string]prop) (sasl.Mechanism, *groupedError) {
	mech := strings.TrimSpace(p["sasl.mechanism"].value)
	if mech == "" {
		return nil, groupedErr("sasl.mechanism", "Kafka's default, GSSAPI, is not supported: set PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	}
	module := scramLoginModule
	switch mech {
	case "PLAIN":
		module = plainLoginModule
	case "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		return nil, groupedErr("sasl.mechanism", "%q is not supported: kconnect supports PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512", mech)
	}
	jaas, ok := p["sasl.jaas.config"]
	if !ok {
		return nil, groupedErr("sasl.jaas.config", "missing: SASL mechanism %s needs a %s", mech, module)
	}
	e, err := parseJAAS(jaas.value)
	if err != nil {
		return nil, groupedErr("sasl.jaas.config", "%v", err)
	}
	if e.module != module {
		return nil, groupedErr("sasl.jaas.config", "SASL mechanism %s needs login module %s", mech, module)
	}
	user, pass := e.options["username"], e.options["password"]
	if user == "" || pass == "" {
		return nil, groupedErr("sasl.jaas.config", "%s needs the options username and password", module)
	}
	if mech == "PLAIN" {
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	}
	a := scram.Auth{User: user, Pass: pass, IsToken: strings.EqualFold(e.options["tokenauth"], "true")}
	if mech == "SCRAM-SHA-256" {
		return a.AsSha256Mechanism(), nil
	}
	return a.AsSha512Mechanism(), nil
}

// tlsConfig builds the TLS configuration of a client's properties.
func tlsConfig(p map[string]prop) (*tls.Config, *groupedError) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	roots, err := trustStore(p)
	if err != nil {
		return nil, err
	}
	c.RootCAs = roots
	if cert, err := keyStore(p); err != nil {
		return nil, err
	} else if cert != nil {
		c.Certificates = []tls.Certificate{*cert}
	}
	if err := tlsVersions(p, c); err != nil {
		return nil, err
	}
	switch alg := strings.TrimSpace(p["ssl.endpoint.identification.algorithm"].value); {
	case strings.EqualFold(alg, "https"):
	case alg == "" && hasProp(p, "ssl.endpoint.identification.algorithm"):
		// The chain is verified, the host name not, as Java does with
		// no endpoint identification.
		c.InsecureSkipVerify = true
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the broker sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, ic := range cs.PeerCertificates[1:] {
				inter.AddCert(ic)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	case alg == "":
	default:
		return nil, groupedErr("ssl.endpoint.identification.algorithm", "want https or empty, got %q", alg)
	}
	return c, nil
}

// tlsVersions sets the TLS versions c may use from ssl.enabled.protocols
// or, without it, ssl.protocol (Java enables that version and, for
// TLSv1.3 or TLS, TLSv1.2 too). kconnect speaks TLSv1.2 and TLSv1.3.
func tlsVersions(p map[string]prop, c *tls.Config) *groupedError {
	versions := map[string]uint16{"TLSV1.2": tls.VersionTLS12, "TLSV1.3": tls.VersionTLS13}
	if list, ok := p["ssl.enabled.protocols"]; ok {
		c.MinVersion, c.MaxVersion = 0, 0
		for _, v := range strings.Split(list.value, ",") {
			v = strings.TrimSpace(v)
			n, ok := versions[strings.ToUpper(v)]
			if !ok {
				return groupedErr("ssl.enabled.protocols", "%q is not supported: kconnect speaks TLSv1.2 and TLSv1.3", v)
			}
			if c.MinVersion == 0 || n < c.MinVersion {
				c.MinVersion = n
			}
			c.MaxVersion = max(c.MaxVersion, n)
		}
		if c.MinVersion == 0 {
			return groupedErr("ssl.enabled.protocols", "empty: name TLSv1.2, TLSv1.3 or both")
		}
		return nil
	}
	switch v := strings.TrimSpace(p["ssl.protocol"].value); strings.ToUpper(v) {
	case "", "TLS", "TLSV1.3":
	case "TLSV1.2":
		c.MaxVersion = tls.VersionTLS12
	default:
		return groupedErr("ssl.protocol", "%q is not supported: kconnect speaks TLSv1.2 and TLSv1.3", v)
	}
	return nil
}

func hasProp(p map[string]prop, name string) bool {
	_, ok := p[name]
	return ok
}

// storeType checks a store's type: PEM, or unset.
func storeType(p map[string]prop, store string) *groupedError {
	name := "ssl." + store + ".type"
	t := strings.ToUpper(strings.TrimSpace(p[name].value))
	switch t {
	case "", "PEM":
		return nil
	case "JKS", "PKCS12":
		return groupedErr(name, "%s is not supported: kconnect reads %s stores in PEM form (%s=PEM); convert it with keytool and openssl", t, store, name)
	}
	return groupedErr(name, "%q is not supported: kconnect reads %s stores in PEM form (%s=PEM)", p[name].value, store, name)
}

// readPEMFile reads a store's file, which must hold PEM.
func readPEMFile(p map[string]prop, name string) ([]byte, *groupedError) {
	path := strings.TrimSpace(p[name].value)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, groupedErr(name, "%v", err)
	}
	if !bytes.Contains(b, []byte("-----BEGIN ")) {
		return nil, groupedErr(name, "%s holds no PEM data: kconnect reads stores in PEM form, not JKS or PKCS12 (Kafka's default type JKS); convert it with keytool and openssl", path)
	}
	return b, nil
}

// trustStore returns the CA certificates of a client's properties, or nil
// for the system's.
func trustStore(p map[string]prop) (*x509.CertPool, *groupedError) {
	if err := storeType(p, "truststore"); err != nil {
		return nil, err
	}
	if _, ok := p["ssl.truststore.password"]; ok {
		return nil, groupedErr("ssl.truststore.password", "not used with PEM trust stores: remove it")
	}
	loc, hasLoc := p["ssl.truststore.location"]
	certs, hasCerts := p["ssl.truststore.certificates"]
	var pemBytes []byte
	from := "ssl.truststore.certificates"
	switch {
	case hasLoc && hasCerts:
		return nil, groupedErr("ssl.truststore.certificates", "give ssl.truststore.location or ssl.truststore.certificates, not both (%s is set too)", loc.key)
	case hasLoc:
		var err *groupedError
		if pemBytes, err = readPEMFile(p, "ssl.truststore.location"); err != nil {
			return nil, err
		}
		from = "ssl.truststore.location"
	case hasCerts:
		pemBytes = []byte(certs.value)
	default:
		return nil, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, groupedErr(from, "holds no PEM certificate")
	}
	return pool, nil
}

// keyStore returns the client certificate of a client's properties, or
// nil for none.
func keyStore(p map[string]prop) (*tls.Certificate, *groupedError) {
	if err := storeType(p, "keystore"); err != nil {
		return nil, err
	}
	if _, ok := p["ssl.keystore.password"]; ok {
		return nil, groupedErr("ssl.keystore.password", "not used with PEM key stores: an encrypted key's password is ssl.key.password")
	}
	_, hasLoc := p["ssl.keystore.location"]
	_, hasKey := p["ssl.keystore.key"]
	_, hasChain := p["ssl.keystore.certificate.chain"]
	var certPEM, keyPEM []byte
	keyFrom := "ssl.keystore.key"
	switch {
	case hasLoc && (hasKey || hasChain):
		return nil, groupedErr("ssl.keystore.location", "give ssl.keystore.location or ssl.keystore.key and ssl.keystore.certificate.chain, not both")
	case hasLoc:
		b, err := readPEMFile(p, "ssl.keystore.location")
		if err != nil {
			return nil, err
		}
		certPEM, keyPEM, keyFrom = b, b, "ssl.keystore.location"
	case hasKey != hasChain:
		if hasKey {
			return nil, groupedErr("ssl.keystore.certificate.chain", "missing: ssl.keystore.key needs its certificate chain")
		}
		return nil, groupedErr("ssl.keystore.key", "missing: ssl.keystore.certificate.chain needs its private key")
	case hasKey:
		certPEM, keyPEM = []byte(p["ssl.keystore.certificate.chain"].value), []byte(p["ssl.keystore.key"].value)
	default:
		if _, ok := p["ssl.key.password"]; ok {
			return nil, groupedErr("ssl.key.password", "set without a key store")
		}
		return nil, nil
	}
	encrypted := bytes.Contains(keyPEM, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----")) || bytes.Contains(keyPEM, []byte("Proc-Type: 4,ENCRYPTED"))
	_, hasPassword := p["ssl.key.password"]
	switch {
	case encrypted:
		return nil, groupedErr("ssl.key.password", "encrypted private keys are not supported: give the key unencrypted, in PKCS #8 (openssl pkcs8 -nocrypt)")
	case hasPassword:
		return nil, groupedErr("ssl.key.password", "set, but the private key is not encrypted")
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// crypto/tls's messages say what is missing, never the key.
		return nil, groupedErr(keyFrom, "%v", err)
	}
	return &cert, nil
}

// ClientOptions returns the franz-go options of a client of a worker's
// own, from ClientConfig's properties: the top-level keys (security.protocol,
// sasl.*, ssl.*, client.id, timeouts …), as the worker's offsets store
// reads them, prefixed keys aside. A herder that keeps its own clients
// beside the worker's (a distributed worker's group membership and
// internal topics) gives them these, so that they reach the brokers as
// the worker's do. The error is a *connect.ConfigError (wrapped) naming
// every key it cannot honour, secrets' values left out.
func ClientOptions(props map[string]string) ([]kgo.Opt, error) {
	cs, err := parseClientConfig(props)
	if err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	return append(slices.Clone(cs.sec[workerClient]), cs.common...), nil
}
