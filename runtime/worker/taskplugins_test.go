package worker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/converter/simpleheader"
	"github.com/kconnect-go/kconnect/converter/stringconv"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/offset"
	"github.com/kconnect-go/kconnect/source"
	"github.com/kconnect-go/kconnect/transform"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The kinds of plugin a task builds, by the config key that names them.
var ledgerKinds = []string{"transform", "predicate", KeyConverterConfig, ValueConverterConfig, HeaderConverterConfig}

// pluginLedger counts the instances its plugins (plugins) build and close,
// by kind, and records misuse: an instance closed twice, or used after its
// Close. It can make a construction fail (failAfter).
type pluginLedger struct {
	mu      sync.Mutex
	built   map[string]int
	closed  map[string]int
	failIn  map[string]int // kind: constructions that succeed before one fails
	misuses []string
}

func newPluginLedger() *pluginLedger {
	return &pluginLedger{built: map[string]int{}, closed: map[string]int{}, failIn: map[string]int{}}
}

// failAfter makes the construction of a plugin of kind that follows the
// next n fail, once.
func (l *pluginLedger) failAfter(kind string, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failIn[kind] = n
}

// construct records a new instance of kind, or fails as failAfter said.
func (l *pluginLedger) construct(kind string) (*ledgerEntry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n, ok := l.failIn[kind]; ok {
		if n == 0 {
			delete(l.failIn, kind)
			return nil, fmt.Errorf("%s fails to build on purpose", kind)
		}
		l.failIn[kind] = n - 1
	}
	l.built[kind]++
	return &ledgerEntry{l: l, kind: kind}, nil
}

func (l *pluginLedger) misuse(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.misuses = append(l.misuses, fmt.Sprintf(format, args...))
}

// counts returns, per kind, how many were built and how many closed.
func (l *pluginLedger) counts() (built, closed map[string]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.built), maps.Clone(l.closed)
}

// requireOpen checks that, of every kind, exactly n instances are open
// and built were built in all, and that none was misused.
func (l *pluginLedger) requireOpen(t *testing.T, n, built int, msgAndArgs ...any) {
	t.Helper()
	b, c := l.counts()
	for _, k := range ledgerKinds {
		require.Equal(t, built, b[k], "%s built: %v", k, fmt.Sprint(msgAndArgs...))
		require.Equal(t, n, b[k]-c[k], "%s open (built %d, closed %d): %v", k, b[k], c[k], fmt.Sprint(msgAndArgs...))
	}
	l.requireNoMisuse(t)
}

// awaitOpen waits until requireOpen would pass.
func (l *pluginLedger) awaitOpen(t *testing.T, n, built int, msgAndArgs ...any) {
	t.Helper()
	require.Eventually(t, func() bool {
		b, c := l.counts()
		for _, k := range ledgerKinds {
			if b[k] != built || b[k]-c[k] != n {
				return false
			}
		}
		return true
	}, 30*time.Second, 5*time.Millisecond, msgAndArgs...)
	l.requireOpen(t, n, built, msgAndArgs...)
}

func (l *pluginLedger) requireNoMisuse(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	require.Empty(t, l.misuses)
}

// ledgerEntry is one plugin instance of a ledger.
type ledgerEntry struct {
	l      *pluginLedger
	kind   string
	closed atomic.Bool
}

// use records a call of the instance's what, a misuse after Close.
func (e *ledgerEntry) use(what string) {
	if e.closed.Load() {
		e.l.misuse("%s: %s called after Close", e.kind, what)
	}
}

func (e *ledgerEntry) Close() error {
	if e.closed.Swap(true) {
		e.l.misuse("%s: closed twice", e.kind)
		return errors.New("closed twice")
	}
	e.l.mu.Lock()
	e.l.closed[e.kind]++
	e.l.mu.Unlock()
	return nil
}

type ledgerTransform struct{ *ledgerEntry }

func (t ledgerTransform) Apply(r connect.Record) (connect.Record, bool, error) {
	t.use("Apply")
	return r, true, nil
}

type ledgerPredicate struct{ *ledgerEntry }

func (p ledgerPredicate) Test(*connect.Record) bool { p.use("Test"); return true }

// ledgerConverter is a StringConverter that counts itself; "bad" does not
// convert to Connect.
type ledgerConverter struct {
	*ledgerEntry
	conv *stringconv.Converter
}

func (c ledgerConverter) FromConnect(dst []byte, topic string, h connect.Headers, s *connect.Schema, v any) ([]byte, error) {
	c.use("FromConnect")
	return c.conv.FromConnect(dst, topic, h, s, v)
}

func (c ledgerConverter) ToConnect(topic string, h connect.Headers, data []byte) (*connect.Schema, any, error) {
	c.use("ToConnect")
	if string(data) == "bad" {
		return nil, nil, errors.New("bad data")
	}
	return c.conv.ToConnect(topic, h, data)
}

type ledgerHeaderConverter struct {
	*ledgerEntry
	conv *simpleheader.Converter
}

func (c ledgerHeaderConverter) FromConnectHeader(dst []byte, topic, key string, s *connect.Schema, v any) ([]byte, error) {
	c.use("FromConnectHeader")
	return c.conv.FromConnectHeader(dst, topic, key, s, v)
}

func (c ledgerHeaderConverter) ToConnectHeader(topic, key string, data []byte) (*connect.Schema, any, error) {
	c.use("ToConnectHeader")
	return c.conv.ToConnectHeader(topic, key, data)
}

// plugins are a transformation, a predicate, a converter and a header
// converter that count themselves in l.
func (l *pluginLedger) plugins() []connect.Plugin {
	return []connect.Plugin{
		transform.Plugin{
			PluginInfo: connect.PluginInfo{Class: "test.LedgerTransform", Kind: connect.TransformationPlugin},
			New: func(map[string]string) (transform.Transformation, error) {
				e, err := l.construct("transform")
				if err != nil {
					return nil, err
				}
				return ledgerTransform{e}, nil
			},
		},
		transform.PredicatePlugin{
			PluginInfo: connect.PluginInfo{Class: "test.LedgerPredicate", Kind: connect.PredicatePlugin},
			New: func(map[string]string) (transform.Predicate, error) {
				e, err := l.construct("predicate")
				if err != nil {
					return nil, err
				}
				return ledgerPredicate{e}, nil
			},
		},
		converter.Plugin{
			PluginInfo: connect.PluginInfo{Class: "test.LedgerConverter", Kind: connect.ConverterPlugin},
			New: func(_ map[string]string, isKey bool) (converter.Converter, error) {
				kind := ValueConverterConfig
				if isKey {
					kind = KeyConverterConfig
				}
				e, err := l.construct(kind)
				if err != nil {
					return nil, err
				}
				return ledgerConverter{e, stringconv.New()}, nil
			},
		},
		converter.HeaderPlugin{
			PluginInfo: connect.PluginInfo{Class: "test.LedgerHeaderConverter", Kind: connect.HeaderConverterPlugin},
			New: func(map[string]string) (converter.HeaderConverter, error) {
				e, err := l.construct(HeaderConverterConfig)
				if err != nil {
					return nil, err
				}
				return ledgerHeaderConverter{e, simpleheader.New()}, nil
			},
		},
	}
}

// ledgerConfig adds to cfg the ledger's converters and a transform under
// its predicate.
func ledgerConfig(cfg map[string]string) map[string]string {
	out := maps.Clone(cfg)
	maps.Copy(out, map[string]string{
		"key.converter": "test.LedgerConverter", "value.converter": "test.LedgerConverter",
		"header.converter": "test.LedgerHeaderConverter",
		"transforms":       "t", "transforms.t.type": "test.LedgerTransform", "transforms.t.predicate": "p",
		"predicates": "p", "predicates.p.type": "test.LedgerPredicate",
	})
	return out
}

// reconfiguringSource is counterSource behind a connector whose task
// configs carry a generation; reconfigure changes it and asks the runtime
// to reconfigure the tasks.
type reconfiguringSource struct {
	cs  counterSource
	gen atomic.Int32
	cc  atomic.Pointer[source.ConnectorContext]
}

func (r *reconfiguringSource) plugin() source.Plugin {
	p := r.cs.plugin()
	return source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.ReconfiguringSource", Kind: connect.SourcePlugin, Config: p.Config},
		New:        func() source.Connector { return &reconfiguringConnector{Connector: p.New(), r: r} },
	}
}

func (r *reconfiguringSource) reconfigure() {
	r.gen.Add(1)
	(*r.cc.Load()).RequestTaskReconfiguration()
}

type reconfiguringConnector struct {
	source.Connector
	r *reconfiguringSource
}

func (c *reconfiguringConnector) Start(ctx context.Context, cfg map[string]string, cc source.ConnectorContext) error {
	c.r.cc.Store(&cc)
	return c.Connector.Start(ctx, cfg, cc)
}

func (c *reconfiguringConnector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	configs, err := c.Connector.TaskConfigs(maxTasks)
	for _, tc := range configs {
		tc["generation"] = fmt.Sprint(c.r.gen.Load())
	}
	return configs, err
}

// Every transformation, predicate and converter the runtime builds for a
// task is closed once when the task stops, whatever stops it, and those
// built only to check a configuration at once; none is used after its
// Close.
func TestTaskPluginsClosedWhenTasksStop(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "plugins")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	l := newPluginLedger()
	rs := &reconfiguringSource{}
	w := newTestWorker(t, brokers, offset.NewMemory(), append(l.plugins(), rs.plugin())...)
	defer w.Close()
	ctx := context.Background()
	const name = "plugins"
	cfg := ledgerConfig(map[string]string{"connector.class": "test.ReconfiguringSource", "topic": topic, "limit": "20"})

	require.NoError(t, w.CreateConnector(ctx, name, cfg))
	// The task's records went through its chain and converters.
	require.Equal(t, "record-19", consumeValues(t, brokers, topic, 20)[19])
	l.requireOpen(t, 1, 2, "create: the task's open, those that checked the configuration closed")

	require.NoError(t, w.RestartTask(ctx, name, 0))
	l.requireOpen(t, 1, 3, "task restart")

	require.NoError(t, w.RestartConnector(ctx, name, true, false))
	l.requireOpen(t, 1, 4, "connector restart with its tasks")

	rs.reconfigure()
	l.awaitOpen(t, 1, 5, "task reconfiguration")

	require.NoError(t, w.PauseConnector(ctx, name))
	l.requireOpen(t, 0, 5, "pause")
	require.NoError(t, w.ResumeConnector(ctx, name))
	l.requireOpen(t, 1, 6, "resume")

	cfg["limit"] = "30"
	require.NoError(t, w.UpdateConnector(ctx, name, cfg))
	l.requireOpen(t, 1, 8, "update: the new configuration checked, the new task open")

	require.NoError(t, w.StopConnector(ctx, name))
	l.requireOpen(t, 0, 8, "stop")
	require.NoError(t, w.ResumeConnector(ctx, name))
	l.requireOpen(t, 1, 9, "resume after stop")

	require.NoError(t, w.DeleteConnector(ctx, name))
	l.requireOpen(t, 0, 9, "delete")

	require.NoError(t, w.CreateConnector(ctx, name, cfg))
	l.requireOpen(t, 1, 11, "create again")
	require.NoError(t, w.Close())
	l.requireOpen(t, 0, 11, "worker close")
}

// Converters and chains are closed on the paths where something fails to
// start: a task whose Start fails, a connector whose Start fails, and a
// converter or chain that fails to build half-way, in a task or in
// checking a configuration, closing what was built before it.
func TestTaskPluginsClosedWhenStartFails(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "plugins-fail")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	l := newPluginLedger()
	cs := &counterSource{failStarts: 1}
	fs := &flakySource{}
	fs.failStarts.Store(1)
	w := newTestWorker(t, brokers, offset.NewMemory(), append(l.plugins(), cs.plugin(), fs.plugin())...)
	defer w.Close()
	ctx := context.Background()
	const name = "plugins-fail"
	cfg := ledgerConfig(map[string]string{"connector.class": "test.CounterSource", "topic": topic, "limit": "5"})

	require.NoError(t, w.CreateConnector(ctx, name, cfg))
	require.Contains(t, waitTaskState(t, w, name, Failed).Trace, "start 1 fails on purpose")
	l.awaitOpen(t, 0, 2, "a task whose Start failed")

	require.NoError(t, w.RestartTask(ctx, name, 0))
	waitTaskState(t, w, name, Running)
	l.requireOpen(t, 1, 3, "the task restarted")

	// The value converter of the next task fails to build: the key
	// converter built before it is closed.
	l.failAfter(ValueConverterConfig, 0)
	require.ErrorContains(t, w.RestartTask(ctx, name, 0), "value.converter: value.converter fails to build on purpose")
	require.Equal(t, Failed, waitTaskState(t, w, name, Failed).State)
	b, c := l.counts()
	require.Equal(t, map[string]int{"transform": 3, "predicate": 3, KeyConverterConfig: 4, ValueConverterConfig: 3, HeaderConverterConfig: 3}, b)
	require.Equal(t, b, c, "everything built is closed")
	l.requireNoMisuse(t)

	// The second transform of the next task fails to build: the first,
	// its predicate and the converters are closed.
	two := maps.Clone(cfg)
	two["transforms"] = "t,u"
	two["transforms.u.type"] = "test.LedgerTransform"
	require.NoError(t, w.UpdateConnector(ctx, name, two))
	waitTaskState(t, w, name, Running)
	l.failAfter("transform", 1)
	require.ErrorContains(t, w.RestartTask(ctx, name, 0), "transforms.u: transform fails to build on purpose")
	require.Equal(t, Failed, waitTaskState(t, w, name, Failed).State)
	b, c = l.counts()
	require.Equal(t, map[string]int{"transform": 3 + 4 + 1, "predicate": 3 + 2 + 1, KeyConverterConfig: 4 + 2 + 1, ValueConverterConfig: 3 + 2 + 1, HeaderConverterConfig: 3 + 2 + 1}, b)
	require.Equal(t, b, c, "everything built is closed")

	// The header converter fails to build in checking a configuration:
	// the key and value converters are closed and nothing is created.
	l.failAfter(HeaderConverterConfig, 0)
	err := w.CreateConnector(ctx, "other", cfg)
	require.ErrorContains(t, err, "header.converter: header.converter fails to build on purpose")
	require.NotErrorIs(t, err, ErrConnectorFailed)
	b2, c2 := l.counts()
	require.Equal(t, b[KeyConverterConfig]+1, b2[KeyConverterConfig])
	require.Equal(t, b2, c2, "everything built is closed")

	require.NoError(t, w.DeleteConnector(ctx, name))

	// A connector whose Start fails has no task: only the converters and
	// chain that checked its configuration were built, and are closed.
	before, _ := l.counts()
	err = w.CreateConnector(ctx, "flaky", ledgerConfig(map[string]string{"connector.class": "test.FlakySource", "topic": topic}))
	require.ErrorIs(t, err, ErrConnectorFailed)
	after, closed := l.counts()
	for _, k := range ledgerKinds {
		require.Equal(t, before[k]+1, after[k], k)
	}
	require.Equal(t, after, closed)
	l.requireNoMisuse(t)
}

// A task abandoned for ignoring its context keeps its converters and chain
// open while its stuck goroutine may still use them; they are closed when
// the goroutine returns.
func TestAbandonedTaskPluginsClosedWhenItReturns(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "plugins-stuck")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	l := newPluginLedger()
	ss := newStuckSource(1)
	w := newStuckWorker(t, brokers, offset.NewMemory(), time.Hour, append(l.plugins(), ss.plugin())...)
	defer func() { ss.free(); _ = w.Close() }()
	ctx := context.Background()
	const name = "plugins-stuck"
	require.NoError(t, w.CreateConnector(ctx, name, ledgerConfig(map[string]string{"connector.class": "test.StuckSource", "topic": topic})))
	receive(t, ss.stuck, "the task to get stuck")

	err := within(t, stuckBound, "DeleteConnector", func() error { return w.DeleteConnector(ctx, name) })
	requireAbandoned(t, err, name, 0)
	require.NoError(t, w.Close())
	l.requireOpen(t, 1, 2, "abandoned: its goroutine may still use them")

	ss.free()
	receive(t, ss.zombieStopped, "the abandoned task to stop")
	l.awaitOpen(t, 0, 2, "the abandoned task's goroutine returned")
}

// A sink task's converters and chain are closed when it stops, on the
// path of a record its converter rejects into the dead-letter queue too.
func TestSinkTaskPluginsClosed(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "plugins-sink")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	dlqTopic := testkafka.Topic(t, "plugins-dlq")
	testkafka.DeleteTopicAtCleanup(t, brokers, dlqTopic)
	cl := testkafka.Client(t, brokers, kgo.DefaultProduceTopic(topic))
	require.NoError(t, cl.ProduceSync(context.Background(),
		&kgo.Record{Value: []byte("a"), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("1")}}},
		&kgo.Record{Value: []byte("bad")},
		&kgo.Record{Value: []byte("c")}).FirstErr())

	l := newPluginLedger()
	c := newCollector(2)
	w := newTestWorker(t, brokers, offset.NewMemory(), append(l.plugins(), c.plugin())...)
	defer w.Close()
	ctx := context.Background()
	name := testkafka.Group(t, "plugins-sink")
	require.NoError(t, w.CreateConnector(ctx, name, ledgerConfig(dlqConfig(dlqTopic, map[string]string{
		"connector.class": "test.CollectorSink", "topics": topic}))))
	waitOrFail(t, c.done)
	dead := consumeRecords(t, brokers, dlqTopic, 1)
	require.Equal(t, []byte("bad"), dead[0].Value)
	l.requireOpen(t, 1, 2, "running")

	require.NoError(t, w.RestartTask(ctx, name, 0))
	l.requireOpen(t, 1, 3, "sink task restart")
	require.NoError(t, w.DeleteConnector(ctx, name))
	l.requireOpen(t, 0, 3, "sink delete")
}

// schemaIDConverter stands for a schema-registry converter that keeps the
// schema id in a header rather than in the payload (Confluent's converters
// can): FromConnect writes a value's string and adds a header
// __key_schema_id or __value_schema_id with the id of its schema in a
// binary form; ToConnect reads the id from that header and fails without
// it. It also records the Kafka headers each call was given.
type schemaIDConverter struct {
	*ledgerEntry
	header string
	conv   *stringconv.Converter

	mu   sync.Mutex
	seen [][]string // header keys each FromConnectWithHeaders or ToConnectWithHeaders saw
}

// The registry: schema ids by schema, and back.
var testSchemaIDs = map[*connect.Schema]byte{connect.StringSchema: 7, connect.Int64Schema: 9}

func schemaIDBytes(id byte) []byte { return []byte{0, 0, 0, 0, id} }

func (c *schemaIDConverter) saw(hs []kgo.RecordHeader) {
	keys := []string{}
	for _, h := range hs {
		keys = append(keys, h.Key)
	}
	c.mu.Lock()
	c.seen = append(c.seen, keys)
	c.mu.Unlock()
}

func (c *schemaIDConverter) FromConnect([]byte, string, connect.Headers, *connect.Schema, any) ([]byte, error) {
	return nil, errors.New("FromConnect called: the runtime should have called FromConnectWithHeaders")
}

func (c *schemaIDConverter) ToConnect(string, connect.Headers, []byte) (*connect.Schema, any, error) {
	return nil, nil, errors.New("ToConnect called: the runtime should have called ToConnectWithHeaders")
}

func (c *schemaIDConverter) FromConnectWithHeaders(dst []byte, topic string, headers *[]converter.KafkaHeader, s *connect.Schema, v any) ([]byte, error) {
	c.use("FromConnectWithHeaders")
	c.saw(*headers)
	id, ok := testSchemaIDs[s]
	if !ok {
		return nil, fmt.Errorf("no schema id for %v", s)
	}
	*headers = append(*headers, converter.KafkaHeader{Key: c.header, Value: schemaIDBytes(id)})
	return c.conv.FromConnect(dst, topic, connect.Headers{}, s, v)
}

func (c *schemaIDConverter) ToConnectWithHeaders(topic string, headers []converter.KafkaHeader, data []byte) (*connect.Schema, any, error) {
	c.use("ToConnectWithHeaders")
	c.saw(headers)
	var schema *connect.Schema
	for _, h := range headers {
		if h.Key != c.header {
			continue
		}
		for s, id := range testSchemaIDs {
			if string(h.Value) == string(schemaIDBytes(id)) {
				schema = s
			}
		}
	}
	if schema == nil {
		return nil, nil, fmt.Errorf("no %s header with a known schema id", c.header)
	}
	_, v, err := c.conv.ToConnect(topic, connect.Headers{}, data)
	if err != nil || schema != connect.Int64Schema {
		return schema, v, err
	}
	var n int64
	_, err = fmt.Sscan(v.(string), &n)
	return schema, n, err
}

// headerSeeingConverter is a StringConverter that records the Connect
// headers each ToConnect was given.
type headerSeeingConverter struct {
	*stringconv.Converter
	mu   sync.Mutex
	seen []connect.Headers
}

func (c *headerSeeingConverter) ToConnect(topic string, h connect.Headers, data []byte) (*connect.Schema, any, error) {
	c.mu.Lock()
	c.seen = append(c.seen, h)
	c.mu.Unlock()
	return c.Converter.ToConnect(topic, h, data)
}

// A converter that keeps schema ids in headers works through the worker
// with no more than its own code: the headers its FromConnect adds, after
// the record's own converted headers, are in the record written to Kafka;
// a sink's converter is given the consumed record's headers and reads the
// id back, the sink task gets every header, and a converter that does not
// read Kafka headers is given the record's headers in Connect form. Every
// such converter is closed.
func TestConverterSchemaIDHeadersRoundTrip(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "schema-ids")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)
	l := newPluginLedger()
	var mu sync.Mutex
	var schemaConvs []*schemaIDConverter
	idPlugin := converter.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.SchemaIDConverter", Kind: connect.ConverterPlugin},
		New: func(_ map[string]string, isKey bool) (converter.Converter, error) {
			kind, header := ValueConverterConfig, "__value_schema_id"
			if isKey {
				kind, header = KeyConverterConfig, "__key_schema_id"
			}
			e, err := l.construct(kind)
			if err != nil {
				return nil, err
			}
			c := &schemaIDConverter{ledgerEntry: e, header: header, conv: stringconv.New()}
			mu.Lock()
			schemaConvs = append(schemaConvs, c)
			mu.Unlock()
			return c, nil
		},
	}
	seeing := &headerSeeingConverter{Converter: stringconv.New()}
	seeingPlugin := converter.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.HeaderSeeingConverter", Kind: connect.ConverterPlugin},
		New:        func(map[string]string, bool) (converter.Converter, error) { return seeing, nil },
	}
	const n = 5
	src := source.Plugin{
		PluginInfo: connect.PluginInfo{Class: "test.HeaderedSource", Kind: connect.SourcePlugin},
		New: func() source.Connector {
			return source.SimpleConnector(func() source.Task {
				sent := false
				return source.TaskFunc(func(ctx context.Context) ([]connect.Record, error) {
					if sent {
						<-ctx.Done()
						return nil, nil
					}
					sent = true
					var out []connect.Record
					for i := range n {
						out = append(out, connect.Record{Topic: topic,
							KeySchema: connect.Int64Schema, Key: int64(i),
							ValueSchema: connect.StringSchema, Value: fmt.Sprintf("v-%d", i),
							Headers: connect.Headers{}.AddString("trace", fmt.Sprintf("t-%d", i))})
					}
					return out, nil
				})
			})
		},
	}
	c := newCollector(n)
	w := newTestWorker(t, brokers, offset.NewMemory(), idPlugin, seeingPlugin, src, c.plugin())
	defer w.Close()
	ctx := context.Background()
	require.NoError(t, w.CreateConnector(ctx, "ids-source", map[string]string{"connector.class": "test.HeaderedSource",
		"key.converter": "test.SchemaIDConverter", "value.converter": "test.SchemaIDConverter"}))
	sinkName := testkafka.Group(t, "ids-sink")
	require.NoError(t, w.CreateConnector(ctx, sinkName, map[string]string{"connector.class": "test.CollectorSink", "topics": topic,
		"key.converter": "test.HeaderSeeingConverter", "value.converter": "test.SchemaIDConverter"}))
	waitOrFail(t, c.done)

	// In Kafka: the record's own header, then the key's and the value's
	// schema ids, as the converters wrote them.
	for i, r := range consumeRecords(t, brokers, topic, n) {
		require.Equal(t, []kgo.RecordHeader{
			{Key: "trace", Value: fmt.Appendf(nil, "t-%d", i)},
			{Key: "__key_schema_id", Value: schemaIDBytes(9)},
			{Key: "__value_schema_id", Value: schemaIDBytes(7)},
		}, r.Headers, "record %d", i)
	}

	// The sink task got the values, typed by their schema ids, and every
	// header, through the header converter.
	c.mu.Lock()
	for i, r := range c.records {
		require.Equal(t, connect.StringSchema, r.ValueSchema)
		require.Equal(t, fmt.Sprintf("v-%d", i), r.Value)
		require.Equal(t, []string{"trace", "__key_schema_id", "__value_schema_id"}, headerKeys(r.Headers))
		tr, _ := r.Headers.Last("trace")
		require.Equal(t, fmt.Sprintf("t-%d", i), tr.Value)
	}
	c.mu.Unlock()

	// What each converter saw: on the source, the value converter the
	// record's header and the key's schema id; on the sink, the consumed
	// headers, as consumed and in Connect form.
	mu.Lock()
	var saw [][]string
	for _, sc := range schemaConvs {
		sc.mu.Lock()
		saw = append(saw, sc.seen...)
		sc.mu.Unlock()
	}
	mu.Unlock()
	all := []string{"trace", "__key_schema_id", "__value_schema_id"}
	require.Contains(t, saw, []string{"trace"}, "the source key converter")
	require.Contains(t, saw, []string{"trace", "__key_schema_id"}, "the source value converter")
	require.Contains(t, saw, all, "the sink value converter")
	for _, s := range saw {
		require.True(t, slices.Equal(s, []string{"trace"}) || slices.Equal(s, all[:2]) || slices.Equal(s, all), "%v", s)
	}
	seeing.mu.Lock()
	require.Len(t, seeing.seen, n)
	for _, h := range seeing.seen {
		require.Equal(t, all, headerKeys(h), "the sink key converter")
	}
	seeing.mu.Unlock()

	require.NoError(t, w.Close())
	b, closed := l.counts()
	require.Equal(t, map[string]int{KeyConverterConfig: 2, ValueConverterConfig: 4}, b,
		"the source's key and value converters, and the sink's value converter, each for the check and for the task")
	require.Equal(t, b, closed)
	l.requireNoMisuse(t)
}

func headerKeys(h connect.Headers) []string {
	keys := []string{}
	for x := range h.All() {
		keys = append(keys, x.Key)
	}
	return keys
}
