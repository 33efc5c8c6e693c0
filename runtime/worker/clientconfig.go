package worker

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/twmb/franz-go/pkg/kgo"
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
	"client.id":           func(v string) (kgo.Opt, error) { return kgo.ClientID(v), nil },
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
	"client.id":                 func(v string) (kgo.Opt, error) { return kgo.ClientID(v), nil },
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

// clientOverrides translates a connector's producer.override.* or
// consumer.override.* keys into franz-go options, applied after the
// worker's own. The error names every key it cannot honour.
func clientOverrides(cfg *connect.Config, prefix string, props map[string]clientProp) ([]kgo.Opt, error) {
	overrides := cfg.OriginalsWithPrefix(prefix, true)
	var opts []kgo.Opt
	var bad []string
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		conv, ok := props[k]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s%s: not supported by kconnect's client", prefix, k))
			continue
		}
		opt, err := conv(overrides[k])
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s%s: %v", prefix, k, err))
			continue
		}
		if opt != nil {
			opts = append(opts, opt)
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("invalid client overrides: %s", strings.Join(bad, "; "))
	}
	return opts, nil
}
