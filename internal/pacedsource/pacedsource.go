// Package pacedsource is a source connector for tests that interrupt a
// pipeline (kill -9, a frozen broker, a stop) at a random point: it counts
// at a steady pace and resumes after its committed offset, so a test can
// tell from the numbers in a topic what was lost or repeated.
package pacedsource

import (
	"context"
	"strconv"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/source"
)

// Class is the connector's class name.
const Class = "test.PacedCounterSource"

// Partition is the one source partition of the connector called
// connector: {"counter": connector}.
func Partition(connector string) connect.SourcePartition {
	return connect.NewSourcePartition("counter", connector)
}

// Plugin is a source that writes the numbers from the committed offset + 1
// up to limit-1, "batch" records per poll and at most one poll per
// "interval.ms", each record's value the decimal number and its offset
// {"n": number}. The pace keeps a run long enough to be interrupted at a
// random point; it is not used to synchronise anything. Once it reaches
// limit it waits for its context.
func Plugin() source.Plugin {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "topic", Type: connect.ConfigString, Required: true, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "limit", Type: connect.ConfigLong, Default: int64(1000), Importance: connect.High}).
		Define(connect.ConfigKey{Name: "batch", Type: connect.ConfigLong, Default: int64(10), Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "interval.ms", Type: connect.ConfigLong, Default: int64(0), Importance: connect.Low})
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: Class, Kind: connect.SourcePlugin, Config: def},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task { return &task{} })
		},
	}
}

// Config is the connector config for numbers 0..limit-1 into topic, with
// StringConverter for keys and values.
func Config(topic string, limit, batch int, interval time.Duration) map[string]string {
	return map[string]string{
		"connector.class": Class, "topic": topic,
		"limit": strconv.Itoa(limit), "batch": strconv.Itoa(batch),
		"interval.ms":   strconv.FormatInt(interval.Milliseconds(), 10),
		"key.converter": "StringConverter", "value.converter": "StringConverter",
	}
}

type task struct {
	topic       string
	next, limit int64
	batch       int64
	partition   connect.SourcePartition
	tick        *time.Ticker
}

func (t *task) Start(ctx context.Context, cfg map[string]string, tc source.TaskContext) error {
	t.topic = cfg["topic"]
	t.limit, _ = strconv.ParseInt(cfg["limit"], 10, 64)
	t.batch, _ = strconv.ParseInt(cfg["batch"], 10, 64)
	t.batch = max(t.batch, 1)
	if ms, _ := strconv.ParseInt(cfg["interval.ms"], 10, 64); ms > 0 {
		t.tick = time.NewTicker(time.Duration(ms) * time.Millisecond)
	}
	t.partition = Partition(cfg["name"])
	o, err := tc.Offsets().Offset(ctx, t.partition)
	if err != nil {
		return err
	}
	if n, ok := o.Int64("n"); ok {
		t.next = n + 1
	}
	return nil
}

func (t *task) Poll(ctx context.Context) ([]connect.Record, error) {
	if t.next >= t.limit {
		<-ctx.Done()
		return nil, nil
	}
	if t.tick != nil {
		select {
		case <-ctx.Done():
			return nil, nil
		case <-t.tick.C:
		}
	}
	out := make([]connect.Record, 0, t.batch)
	for ; t.next < t.limit && int64(len(out)) < t.batch; t.next++ {
		out = append(out, connect.Record{
			Topic: t.topic, ValueSchema: connect.StringSchema, Value: strconv.FormatInt(t.next, 10),
			SourcePartition: t.partition, SourceOffset: connect.Int64Offset("n", t.next),
		})
	}
	return out, nil
}

func (t *task) Stop(context.Context) error {
	if t.tick != nil {
		t.tick.Stop()
	}
	return nil
}
