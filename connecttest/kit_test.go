package connecttest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/sink"
	"github.com/stretchr/testify/require"
)

// release returns a channel closed when the test ends, for fakes that
// block or leak on purpose.
func release(t *testing.T) <-chan struct{} {
	ch := make(chan struct{})
	t.Cleanup(func() { close(ch) })
	return ch
}

func TestSourceConforming(t *testing.T) {
	for _, tc := range []struct {
		name       string
		partitions int
		maxTasks   int
	}{
		{"OnePartition", 1, 1},
		{"ThreePartitionsTwoTasks", 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := memSourceSpec(tc.partitions)
			spec.Plugin = memSourcePlugin(memSourceBugs{}, release(t))
			spec.MaxTasks = tc.maxTasks
			Source(t, spec)
		})
	}
}

func TestSourceFindsBugs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bugs  memSourceBugs
		spec  func(*SourceSpec)
		check string
		want  string
	}{
		{name: "PollIgnoresCtx", bugs: memSourceBugs{ignoreCtx: true}, check: "PromptStop", want: "Poll did not return within 300ms of its context being cancelled"},
		{name: "IgnoresOffsets", bugs: memSourceBugs{ignoreOffsets: true}, check: "Resume", want: "after resuming from offset"},
		{name: "ResumesEarly", bugs: memSourceBugs{offByOne: true}, check: "Resume", want: "the tasks returned 1 records [p0-9], want the 0 records after it []"},
		{name: "NoOffset", bugs: memSourceBugs{noOffset: true}, check: "ReadAll", want: "has [no source offset]"},
		{name: "Leak", bugs: memSourceBugs{leak: true}, check: "NoGoroutineLeak", want: "goroutine(s) started during the run were still running"},
		{name: "TooManyTasks", bugs: memSourceBugs{tooManyTasks: true}, check: "TaskConfigs", want: "TaskConfigs(3) returned 4 task configurations"},
		{name: "RequiredNotChecked", bugs: memSourceBugs{noRequired: true}, spec: func(s *SourceSpec) { s.RequiredKeys = []string{"topic"} },
			check: "Spec/RequiredKeys", want: `without required key "topic", ConfigDef.Parse, the connector's Start and the task's Start all succeed`},
		{name: "RequiredKeyNotInConfig", spec: func(s *SourceSpec) { s.RequiredKeys = []string{"table"} },
			check: "Spec/RequiredKeys", want: `required key "table" is missing from SourceSpec.Config's valid config`},
		{name: "RaisesError", bugs: memSourceBugs{raise: true}, check: "ReadAll", want: "the connector raised an error through its ConnectorContext: memory source: lost the store"},
		{name: "PollFails", bugs: memSourceBugs{pollErr: true}, check: "ReadAll", want: "task 0: Poll failed: memory source: broken"},
		{name: "PollFailsWhenEmpty", bugs: memSourceBugs{pollErr: true}, check: "PromptStop", want: "Poll on an empty source failed"},
		{name: "NoProduce", spec: func(s *SourceSpec) { s.Produce = nil }, check: "Resume", want: "SourceSpec.Produce is nil"},
		{name: "NoConfig", spec: func(s *SourceSpec) { s.Config = nil }, check: "Spec/Parse", want: "SourceSpec.Config is nil"},
		{name: "WrongKind", spec: func(s *SourceSpec) { s.Plugin.Kind = connect.SinkPlugin }, check: "Spec/Info", want: "PluginInfo.Kind is sink, want source"},
		{name: "NoConfigDef", spec: func(s *SourceSpec) { s.Plugin.Config = nil }, check: "Spec/Info", want: "PluginInfo.Config is nil"},
		{name: "NoNew", spec: func(s *SourceSpec) { s.Plugin.New = nil }, check: "ReadAll", want: "SourceSpec.Plugin.New is nil"},
		{name: "InvalidConfig", spec: func(s *SourceSpec) {
			s.Config = func(testing.TB) map[string]string {
				return map[string]string{"name": "x", "topic": "t", "partitions": "many"}
			}
		}, check: "Spec/Validate", want: `ConfigDef.Validate of SourceSpec.Config's valid config reports errors for "partitions"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := memSourceSpec(2)
			spec.Plugin = memSourcePlugin(tc.bugs, release(t))
			if tc.spec != nil {
				tc.spec(&spec)
			}
			fn := findCheck(t, newSourceKit(spec).checks(), tc.check)
			r := runCheck(t, fn)
			require.True(t, r.Failed(), "the check passed")
			require.Contains(t, r.text(), tc.want)
		})
	}
}

func TestSinkConforming(t *testing.T) {
	for _, tc := range []struct {
		name string
		bugs memSinkBugs
	}{
		{"Sync", memSinkBugs{}},
		{"Flusher", memSinkBugs{mode: flushed}},
		{"FlusherKeepingBatches", memSinkBugs{mode: keepsSlice}}, // Put's slice is the task's own
		{"SyncBorrowing", memSinkBugs{borrows: true}},
		{"FlusherBorrowing", memSinkBugs{mode: flushed, borrows: true}}, // keeps copies of the records
		{"AsyncPreCommitter", memSinkBugs{mode: async}},
		{"PartitionHandler", memSinkBugs{handler: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := memSinkSpec()
			spec.Plugin = memSinkPlugin(tc.bugs, release(t))
			Sink(t, spec)
		})
	}
	t.Run("CustomRecords", func(t *testing.T) {
		spec := memSinkSpec()
		spec.Plugin = memSinkPlugin(memSinkBugs{}, release(t))
		spec.Records = func(_ testing.TB, n int) []connect.Record {
			recs := make([]connect.Record, n)
			for i := range recs {
				recs[i].Value = int64(i)
				recs[i].SetOrigin(connect.KafkaPosition{Topic: "t", Partition: 7, Offset: int64(1000 + i)})
			}
			return recs
		}
		spec.Expect = func(r connect.Record) any { return fmt.Sprint(r.Value) }
		spec.ReadBack = func(_ testing.TB, cfg map[string]string) []any {
			var out []any
			for _, v := range sinkRead(cfg["name"]) {
				out = append(out, fmt.Sprint(v))
			}
			return out
		}
		spec.Skip = []string{"Spec", "PromptStop"}
		Sink(t, spec)
	})
}

func TestSinkFindsBugs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bugs  memSinkBugs
		spec  func(*SinkSpec)
		check string
		want  string
	}{
		{name: "PreCommitTooFar", bugs: memSinkBugs{mode: tooFar}, check: "WriteReadBack", want: "PreCommit returned offset 11 for partition connecttest-0, beyond the 10 given"},
		{name: "PreCommitStranger", bugs: memSinkBugs{mode: strangers}, check: "WriteReadBack", want: "PreCommit returned an offset for partition elsewhere-0, which it was not given"},
		{name: "NeverDurable", bugs: memSinkBugs{mode: neverDone}, check: "WriteReadBack", want: "the records Put never became durable"},
		{name: "Reordered", bugs: memSinkBugs{reverse: true}, check: "WriteReadBack", want: "read back value 2, value-7, of partition connecttest-1, after later records of that partition: out of order"},
		{name: "Dropped", bugs: memSinkBugs{drop: true}, check: "WriteReadBack", want: "partition connecttest-1: 2 record(s) written were not read back: [value-9 value-19]"},
		{name: "Duplicated", bugs: memSinkBugs{dup: true}, check: "WriteReadBack", want: "read back value 1, value-0, of partition connecttest-0, again: repeated"},
		{name: "Reported", bugs: memSinkBugs{report: true}, check: "WriteReadBack", want: "the task reported record topic connecttest partition 0 offset 0"},
		{name: "KeepsBorrowedBatch", bugs: memSinkBugs{mode: keepsSlice, borrows: true}, check: "WriteReadBack", want: "read back value 0, connecttest: this record overwrote a batch after Put returned, and the task claimed to borrow its batches"},
		{name: "PutIgnoresCtx", bugs: memSinkBugs{hangPut: true}, check: "PromptStop", want: "Put with a cancelled context did not return within 300ms"},
		{name: "Leak", bugs: memSinkBugs{leak: true}, check: "NoGoroutineLeak", want: "goroutine(s) started during the run were still running"},
		{name: "NoReadBack", spec: func(s *SinkSpec) { s.ReadBack = nil }, check: "WriteReadBack", want: "SinkSpec.ReadBack is nil"},
		{name: "NoOrigin", spec: func(s *SinkSpec) {
			s.Records = func(testing.TB, int) []connect.Record { return []connect.Record{{Value: "x"}} }
		}, check: "WriteReadBack", want: "record 0 has no Origin"},
		{name: "WrongKind", spec: func(s *SinkSpec) { s.Plugin.Kind = connect.SourcePlugin }, check: "Spec/Info", want: "PluginInfo.Kind is source, want sink"},
		{name: "RequiredKeyAccepted", spec: func(s *SinkSpec) {
			s.RequiredKeys = []string{"topics"}
			s.Config = func(testing.TB) map[string]string { return map[string]string{"name": newStoreName(), "topics": "a"} }
		}, check: "Spec/RequiredKeys", want: `without required key "topics", ConfigDef.Parse, the connector's Start and the task's Start all succeed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := memSinkSpec()
			spec.Plugin = memSinkPlugin(tc.bugs, release(t))
			if tc.spec != nil {
				tc.spec(&spec)
			}
			fn := findCheck(t, newSinkKit(spec).checks(), tc.check)
			r := runCheck(t, fn)
			require.True(t, r.Failed(), "the check passed")
			require.Contains(t, r.text(), tc.want)
		})
	}
}

// A sink whose required key is missing fails Parse naming it: the check
// passes.
func TestSinkRequiredKeyFromConfigDef(t *testing.T) {
	spec := memSinkSpec()
	spec.Plugin = memSinkPlugin(memSinkBugs{}, release(t))
	r := runCheck(t, findCheck(t, newSinkKit(spec).checks(), "Spec/RequiredKeys"))
	require.False(t, r.Failed(), r.text())
}

func TestUnknownSkips(t *testing.T) {
	checks := newSourceKit(SourceSpec{}).checks()
	require.Empty(t, unknownSkips([]string{"Spec", "Spec/Validate", "Resume", "NoGoroutineLeak"}, checks))
	require.Equal(t, []string{"Spe", "Spec/", "resume", "WriteReadBack"},
		unknownSkips([]string{"Spe", "Spec/", "resume", "WriteReadBack", "ReadAll"}, checks))
}

func TestNamesKey(t *testing.T) {
	missing := &connect.ConfigError{Errors: []*connect.ConfigKeyError{{Key: "topic", Message: "Missing required configuration"}}}
	for _, tc := range []struct {
		err  error
		key  string
		want bool
	}{
		{missing, "topic", true},
		{fmt.Errorf("start: %w", missing), "topic", true},
		{errors.New(`Missing required configuration "topic" which has no default value.`), "topic", true},
		{errors.New("topic: must be set"), "topic", true},
		{errors.New("no topic."), "topic", true},
		{errors.New("no topics given"), "topic", false},
		{errors.New("bad topic.prefix"), "topic", false},
		{errors.New("bad my.topic"), "topic", false},
		{errors.New("bad my_topic"), "topic", false},
		{errors.New("topics, then topic"), "topic", true},
		{errors.New("connection.url is missing"), "connection.url", true},
		{errors.New("nothing here"), "topic", false},
		{errors.New(""), "topic", false},
	} {
		require.Equal(t, tc.want, namesKey(tc.err, tc.key), "%q in %q", tc.key, tc.err)
	}
}

func TestSummary(t *testing.T) {
	require.Equal(t, "[1 2 3]", summary([]int{1, 2, 3}))
	long := make([]int, 25)
	for i := range long {
		long[i] = i
	}
	require.Equal(t, "[0 1 2 3 4] ... (15 more) ... [20 21 22 23 24]", summary(long))
}

func TestOffsets(t *testing.T) {
	ctx := context.Background()
	a := connect.NewSourcePartition("file", "a")
	b := connect.NewSourcePartition("file", "b")
	var o Offsets // the zero value is ready
	got, err := o.Offset(ctx, a)
	require.NoError(t, err)
	require.True(t, got.IsZero())

	o.CommitRecords([]connect.Record{
		{SourcePartition: a, SourceOffset: connect.Int64Offset("position", 1)},
		{SourcePartition: b, SourceOffset: connect.Int64Offset("position", 7)},
		{Value: "no partition"},
		{SourcePartition: a, SourceOffset: connect.Int64Offset("position", 2)},
	})
	require.Equal(t, 2, o.Len())
	// A partition rebuilt from the same keys and values finds its offset.
	got, err = o.Offset(ctx, connect.NewSourcePartition("file", "a"))
	require.NoError(t, err)
	require.Equal(t, `{"position":2}`, got.String())

	c := connect.NewSourcePartition("file", "c")
	all, err := o.Offsets(ctx, []connect.SourcePartition{a, c})
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.Equal(t, `{"position":2}`, all[a].String())

	o.Commit(a, connect.Offset{}) // a tombstone
	require.Equal(t, 1, o.Len())

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = o.Offset(cancelled, b)
	require.ErrorIs(t, err, context.Canceled)
	_, err = o.Offsets(cancelled, []connect.SourcePartition{b})
	require.ErrorIs(t, err, context.Canceled)
}

func TestConnectorContext(t *testing.T) {
	offsets := NewOffsets()
	cc := NewConnectorContext(offsets)
	require.Same(t, offsets, cc.Offsets())
	cc.RequestTaskReconfiguration()
	cc.RequestTaskReconfiguration()
	boom := errors.New("boom")
	cc.RaiseError(boom)
	require.Equal(t, 2, cc.Reconfigurations())
	require.Equal(t, []error{boom}, cc.Errors())
	require.NotNil(t, NewConnectorContext(nil).Offsets())

	tc := SourceTaskContext(map[string]string{"k": "v"}, nil)
	require.Equal(t, map[string]string{"k": "v"}, tc.Config())
	require.NotNil(t, tc.Offsets())
	require.Nil(t, tc.Transaction())

	// Fakes made outside the kit, the zero ConnectorContext too, have a
	// logger, which discards.
	for _, l := range []*slog.Logger{cc.Logger(), (&ConnectorContext{}).Logger(), tc.Logger(),
		NewSinkTaskContext(nil).Logger(), (&SinkTaskContext{}).Logger()} {
		require.NotNil(t, l)
		require.False(t, l.Enabled(context.Background(), slog.LevelError))
	}
}

// The kit hands connectors and tasks a logger that writes to the test's
// log, a task's naming it, and that drops what is logged once the test has
// ended rather than panic.
func TestKitLogsToTest(t *testing.T) {
	spec := memSourceSpec(2)
	spec.Plugin = memSourcePlugin(memSourceBugs{}, release(t))
	spec.MaxTasks = 2
	r := runCheck(t, findCheck(t, newSourceKit(spec).checks(), "ReadAll"))
	require.False(t, r.Failed(), r.text())
	logs := r.logText()
	require.Contains(t, logs, "level=INFO msg=\"memory source started\" partitions=2")
	require.Contains(t, logs, "level=DEBUG msg=\"memory source task started\" task=0 partitions=0")
	require.Contains(t, logs, "level=DEBUG msg=\"memory source task started\" task=1 partitions=1")
	require.NotContains(t, logs, "time=")

	sspec := memSinkSpec()
	sspec.Plugin = memSinkPlugin(memSinkBugs{}, release(t))
	r = runCheck(t, findCheck(t, newSinkKit(sspec).checks(), "WriteReadBack"))
	require.False(t, r.Failed(), r.text())
	require.Contains(t, r.logText(), "level=DEBUG msg=\"memory sink task started\" task=0 store=")

	var log *slog.Logger
	r = runCheck(t, func(tb testing.TB) { log = testLogger(tb) })
	log.Info("after the end") // r's cleanups have run: dropped
	require.NotContains(t, r.logText(), "after the end")
}

func TestSinkTaskContext(t *testing.T) {
	p0 := sink.TopicPartition{Topic: "t", Partition: 0}
	p1 := sink.TopicPartition{Topic: "t", Partition: 1}
	assigned := []sink.TopicPartition{p0, p1}
	c := NewSinkTaskContext(map[string]string{"k": "v"}, assigned...)
	assigned[0].Topic = "changed" // the context keeps its own copy
	require.Equal(t, []sink.TopicPartition{p0, p1}, c.Assignment())
	require.Equal(t, "v", c.Config()["k"])

	c.Pause(p1, p0)
	c.Resume(p0)
	require.Equal(t, []sink.TopicPartition{p1}, c.Paused())
	c.ResetOffsets(map[sink.TopicPartition]int64{p0: 5})
	c.ResetOffsets(map[sink.TopicPartition]int64{p0: 7, p1: 1})
	require.Equal(t, map[sink.TopicPartition]int64{p0: 7, p1: 1}, c.Resets())
	c.SetRetryBackoff(time.Second)
	require.Equal(t, time.Second, c.RetryBackoff())
	c.RequestCommit()
	require.Equal(t, 1, c.CommitRequests())

	bad := connect.Record{Value: "x"}
	require.NoError(t, c.Reporter().Report(context.Background(), bad, errors.New("cannot write")))
	rep := c.Reported()
	require.Len(t, rep, 1)
	require.Equal(t, "x", rep[0].Record.Value)
	require.EqualError(t, rep[0].Err, "cannot write")
}

func TestDefaultRecords(t *testing.T) {
	recs := defaultRecords(5)
	require.Len(t, recs, 5)
	require.Equal(t, map[sink.TopicPartition]int64{{Topic: DefaultTopic, Partition: 0}: 3, {Topic: DefaultTopic, Partition: 1}: 2}, nextOffsets(recs))
	for i, r := range recs {
		o, ok := r.Origin()
		require.True(t, ok)
		p, _ := r.Partition()
		require.Equal(t, o.Partition, p)
		require.Equal(t, fmt.Sprintf("value-%d", i), r.Value)
	}
}

func TestCompare(t *testing.T) {
	recs := defaultRecords(6) // partition 0: value-0, 2, 4; partition 1: value-1, 3, 5
	k := newSinkKit(SinkSpec{})
	for _, tc := range []struct {
		name string
		got  []any
		want []string // messages, in order; none for a pass
	}{
		{"InOrder", []any{"value-0", "value-1", "value-2", "value-3", "value-4", "value-5"}, nil},
		{"Interleaved", []any{"value-1", "value-3", "value-0", "value-5", "value-2", "value-4"}, nil},
		{"Lost", []any{"value-0", "value-1", "value-4", "value-5"}, []string{
			"partition connecttest-0: 1 record(s) written were not read back: [value-2]",
			"partition connecttest-1: 1 record(s) written were not read back: [value-3]",
		}},
		{"OutOfOrder", []any{"value-0", "value-4", "value-2", "value-1", "value-3", "value-5"}, []string{
			"read back value 2, value-2, of partition connecttest-0, after later records of that partition: out of order",
		}},
		{"Repeated", []any{"value-0", "value-1", "value-2", "value-3", "value-4", "value-5", "value-1"}, []string{
			"read back value 6, value-1, of partition connecttest-1, again: repeated",
		}},
		{"Unknown", []any{"value-0", "value-1", "value-2", "value-3", "value-4", "value-5", 42}, []string{
			"read back value 6, 42, which was never written",
		}},
		{"Nothing", nil, []string{
			"partition connecttest-0: 3 record(s) written were not read back: [value-0 value-2 value-4]",
			"partition connecttest-1: 3 record(s) written were not read back: [value-1 value-3 value-5]",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCheck(t, func(tb testing.TB) { k.compare(tb, recs, tc.got) })
			require.Equal(t, tc.want, r.errs)
		})
	}
}
