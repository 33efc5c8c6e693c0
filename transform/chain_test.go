package transform_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

// p1Rename is a transform that appends suffix to the topic.
func p1Rename(suffix string) transform.Func {
	return func(r connect.Record) (connect.Record, bool, error) {
		r.Topic += suffix
		return r, true, nil
	}
}

// p1Closer counts Close calls.
type p1Closer struct {
	transform.Func
	closed *atomic.Int32
	err    error
}

func (c *p1Closer) Close() error { c.closed.Add(1); return c.err }

type p1ClosingPredicate struct {
	transform.PredicateFunc
	closed *atomic.Int32
}

func (c *p1ClosingPredicate) Close() error { c.closed.Add(1); return nil }

func TestChainApply(t *testing.T) {
	isA := transform.PredicateFunc(func(r *connect.Record) bool { return strings.HasPrefix(r.Topic, "a") })
	tests := []struct {
		name  string
		steps []transform.Step
		topic string
		want  string
		keep  bool
	}{
		{"empty", nil, "t", "t", true},
		{"in order", []transform.Step{{Transform: p1Rename("-1")}, {Transform: p1Rename("-2")}}, "t", "t-1-2", true},
		{"predicate true", []transform.Step{{Transform: p1Rename("-x"), When: isA}}, "abc", "abc-x", true},
		{"predicate false", []transform.Step{{Transform: p1Rename("-x"), When: isA}}, "bcd", "bcd", true},
		{"negated true", []transform.Step{{Transform: p1Rename("-x"), When: isA, Negate: true}}, "abc", "abc", true},
		{"negated false", []transform.Step{{Transform: p1Rename("-x"), When: isA, Negate: true}}, "bcd", "bcd-x", true},
		{"drop stops", []transform.Step{{Transform: p1Rename("-1")}, {Transform: transform.Filter{}}, {Transform: p1Rename("-2")}}, "t", "t-1", false},
		{"drop skipped by predicate", []transform.Step{{Transform: transform.Filter{}, When: isA}, {Transform: p1Rename("-2")}}, "t", "t-2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := transform.NewChain(tt.steps...)
			require.NoError(t, err)
			require.Equal(t, len(tt.steps), c.Len())
			out, keep, err := c.Apply(connect.Record{Topic: tt.topic})
			require.NoError(t, err)
			require.Equal(t, tt.keep, keep)
			require.Equal(t, tt.want, out.Topic)
		})
	}
}

func TestChainNil(t *testing.T) {
	var c *transform.Chain
	r, keep, err := c.Apply(connect.Record{Topic: "t"})
	require.NoError(t, err)
	require.True(t, keep)
	require.Equal(t, "t", r.Topic)
	require.Zero(t, c.Len())
	require.Nil(t, c.Steps())
	require.NoError(t, c.Close())
}

func TestNewChainErrors(t *testing.T) {
	_, err := transform.NewChain(transform.Step{Name: "x"})
	require.ErrorContains(t, err, "transform x: no Transformation")
	_, err = transform.NewChain(transform.Step{Transform: transform.Filter{}, Negate: true})
	require.ErrorContains(t, err, "transform #1 (transform.Filter): Negate is set but there is no predicate")
}

func TestChainErrors(t *testing.T) {
	dataErr := transform.Func(func(r connect.Record) (connect.Record, bool, error) {
		return r, false, connect.Errorf("address.zip", "bad zip")
	})
	plainErr := transform.Func(func(r connect.Record) (connect.Record, bool, error) {
		return r, false, fmt.Errorf("wrapped: %w", connect.ErrRetriable)
	})
	c, err := transform.NewChain(transform.Step{Name: "first", Transform: p1Rename("-1")}, transform.Step{Name: "check", Transform: dataErr})
	require.NoError(t, err)
	out, keep, err := c.Apply(connect.Record{Topic: "t"})
	require.False(t, keep)
	require.Equal(t, "t-1", out.Topic, "the failing step's input is returned")
	var de *connect.DataError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "address.zip", de.Path)
	require.EqualError(t, err, "connect: address.zip: transform check: bad zip")
	// The runtime adds the position; the step name survives.
	withPos := connect.WithPosition(err, connect.Position{Topic: "in", Partition: 1, Offset: 5})
	require.EqualError(t, withPos, "connect: record at topic in partition 1 offset 5: address.zip: transform check: bad zip")

	c, err = transform.NewChain(transform.Step{Transform: plainErr})
	require.NoError(t, err)
	_, _, err = c.Apply(connect.Record{})
	require.ErrorIs(t, err, connect.ErrRetriable)
	require.EqualError(t, err, "transform #1 (transform.Func): wrapped: retriable")

	panicky := transform.Func(func(r connect.Record) (connect.Record, bool, error) { panic("boom") })
	c, err = transform.NewChain(transform.Step{Name: "p", Transform: panicky})
	require.NoError(t, err)
	_, keep, err = c.Apply(connect.Record{})
	require.False(t, keep)
	require.EqualError(t, err, "transform p: panic: boom")
}

func TestChainClose(t *testing.T) {
	var n, pn atomic.Int32
	shared := &p1Closer{Func: p1Rename(""), closed: &n}
	failing := &p1Closer{Func: p1Rename(""), closed: &n, err: errors.New("close failed")}
	pred := &p1ClosingPredicate{PredicateFunc: func(*connect.Record) bool { return true }, closed: &pn}
	c, err := transform.NewChain(
		transform.Step{Transform: shared, When: pred},
		transform.Step{Transform: shared, When: pred},
		transform.Step{Transform: failing},
		transform.Step{Transform: transform.Filter{}},
	)
	require.NoError(t, err)
	const want = "transform #3 (*transform_test.p1Closer): closing: close failed"
	require.EqualError(t, c.Close(), want, "the error names the step")
	require.EqualError(t, c.Close(), want, "later calls return the same result")
	require.Equal(t, int32(2), n.Load(), "each closer closed once")
	require.Equal(t, int32(1), pn.Load())
}

// A Close error of a parsed chain names the alias's keys.
func TestParseChainCloseErrorNamesAlias(t *testing.T) {
	var n atomic.Int32
	failing := transform.Plugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.Failing", Kind: connect.TransformationPlugin},
		New: func(map[string]string) (transform.Transformation, error) {
			return &p1Closer{Func: p1Rename(""), closed: &n, err: errors.New("close failed")}, nil
		},
	}
	pred := transform.PredicatePlugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.Closing", Kind: connect.PredicatePlugin},
		New: func(map[string]string) (transform.Predicate, error) {
			return &p1ClosingPredicate{PredicateFunc: func(*connect.Record) bool { return true }, closed: &n}, nil
		},
	}
	c, err := transform.ParseChain(p1Config("transforms", "f", "transforms.f.type", "com.example.Failing",
		"transforms.f.predicate", "p", "predicates", "p", "predicates.p.type", "com.example.Closing"), failing, pred)
	require.NoError(t, err)
	require.EqualError(t, c.Close(), "transforms.f: closing: close failed")
	require.Equal(t, int32(2), n.Load(), "the transform and the predicate closed")
}

// p1Config builds a connector config from alternating keys and values.
func p1Config(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestParseChain(t *testing.T) {
	cfg := p1Config(
		"name", "my-connector",
		"transforms", " route , dropTombstones,onlyA ",
		"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter",
		"transforms.route.regex", "(.*)-raw",
		"transforms.route.replacement", "$1",
		"transforms.dropTombstones.type", "Filter",
		"transforms.dropTombstones.predicate", "isTombstone",
		"transforms.onlyA.type", "org.apache.kafka.connect.transforms.Filter",
		"transforms.onlyA.predicate", "startsWithA",
		"transforms.onlyA.negate", "TRUE",
		"transforms.unlisted.type", "NoSuchThing",
		"predicates", "isTombstone,startsWithA",
		"predicates.isTombstone.type", "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
		"predicates.startsWithA.type", "TopicNameMatches",
		"predicates.startsWithA.pattern", "a.*",
	)
	c, err := transform.ParseChain(cfg)
	require.NoError(t, err)
	defer c.Close()
	steps := c.Steps()
	require.Len(t, steps, 3)
	require.Equal(t, []string{"route", "dropTombstones", "onlyA"}, []string{steps[0].Name, steps[1].Name, steps[2].Name})
	require.True(t, steps[2].Negate)
	require.Nil(t, steps[0].When)

	tests := []struct {
		topic string
		value any
		want  string
		keep  bool
	}{
		{"abc-raw", "v", "abc", true},
		{"abc", "v", "abc", true},
		{"abc-raw", nil, "abc", false}, // a tombstone
		{"bcd-raw", "v", "bcd", false}, // does not start with a: dropped
	}
	for _, tt := range tests {
		out, keep, err := c.Apply(connect.Record{Topic: tt.topic, Value: tt.value})
		require.NoError(t, err)
		require.Equal(t, tt.keep, keep, tt.topic)
		if keep {
			require.Equal(t, tt.want, out.Topic)
		}
	}
}

func TestParseChainEmpty(t *testing.T) {
	for _, cfg := range []map[string]string{nil, {}, {"transforms": ""}, {"transforms": "  "}, {"transforms": "", "predicates": ""}} {
		c, err := transform.ParseChain(cfg)
		require.NoError(t, err)
		require.Zero(t, c.Len())
		r, keep, err := c.Apply(connect.Record{Topic: "t"})
		require.NoError(t, err)
		require.True(t, keep)
		require.Equal(t, "t", r.Topic)
	}
}

func TestParseChainErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  map[string]string
		want []string // substrings of the error
	}{
		{"duplicate transform alias", p1Config("transforms", "a,a", "transforms.a.type", "Filter"),
			[]string{"Invalid value [a, a] for configuration transforms: Duplicate alias provided."}},
		{"duplicate predicate alias", p1Config("predicates", "p, p"),
			[]string{"Invalid value [p, p] for configuration predicates: Duplicate alias provided."}},
		{"missing type", p1Config("transforms", "route"),
			[]string{`transforms.route: Missing required configuration "transforms.route.type" which has no default value.`}},
		{"unknown type", p1Config("transforms", "route", "transforms.route.type", "com.example.Nope"),
			[]string{`transforms.route: type: connect: no transformation plugin called "com.example.Nope"`}},
		{"predicate class as transform", p1Config("transforms", "x", "transforms.x.type", "RecordIsTombstone"),
			[]string{`transforms.x: type: connect: no transformation plugin called "RecordIsTombstone"`}},
		{"missing key", p1Config("transforms", "route", "transforms.route.type", "RegexRouter", "transforms.route.replacement", "x"),
			[]string{`transforms.route: Missing required configuration "regex" which has no default value.`}},
		{"bad value", p1Config("transforms", "route", "transforms.route.type", "RegexRouter",
			"transforms.route.regex", "(", "transforms.route.replacement", "x"),
			[]string{"transforms.route: Invalid value ( for configuration regex: Invalid regex:"}},
		{"negate without predicate", p1Config("transforms", "f", "transforms.f.type", "Filter", "transforms.f.negate", "true"),
			[]string{"transforms.f: Config 'transforms.f.negate' was provided but there is no config 'transforms.f.predicate' defining a predicate to be negated."}},
		{"bad negate", p1Config("transforms", "f", "transforms.f.type", "Filter", "transforms.f.predicate", "p",
			"transforms.f.negate", "yes", "predicates", "p", "predicates.p.type", "RecordIsTombstone"),
			[]string{"transforms.f: Invalid value yes for configuration negate: Expected value to be either true or false"}},
		{"predicate not listed", p1Config("transforms", "f", "transforms.f.type", "Filter", "transforms.f.predicate", "p"),
			[]string{`transforms.f: predicate: predicate "p" is not listed in predicates`}},
		{"predicate missing type", p1Config("transforms", "f", "transforms.f.type", "Filter", "transforms.f.predicate", "p", "predicates", "p"),
			[]string{`predicates.p: Missing required configuration "predicates.p.type" which has no default value.`,
				`transforms.f: predicate: predicate "p" could not be created`}},
		{"predicate bad config", p1Config("predicates", "p", "predicates.p.type", "TopicNameMatches"),
			[]string{`predicates.p: Missing required configuration "pattern" which has no default value.`}},
		{"unused predicate still checked", p1Config("predicates", "p", "predicates.p.type", "HasHeaderKey", "predicates.p.name", ""),
			[]string{"predicates.p: Invalid value  for configuration name: String must be non-empty"}},
		{"several at once", p1Config("transforms", "a,b", "transforms.a.type", "Nope", "transforms.b.type", "HoistField$Value"),
			[]string{`transforms.a: type:`, `transforms.b: HoistField$Value: Missing required configuration "field"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := transform.ParseChain(tt.cfg)
			require.Nil(t, c)
			require.Error(t, err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestParseChainConfigErrorIsTyped(t *testing.T) {
	_, err := transform.ParseChain(p1Config("transforms", "route", "transforms.route.type", "RegexRouter"))
	var ce *connect.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []string{"regex", "replacement"}, ce.Keys())
}

func TestParseChainClosesOnError(t *testing.T) {
	var n atomic.Int32
	good := transform.Plugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.Good", Kind: connect.TransformationPlugin},
		New: func(map[string]string) (transform.Transformation, error) {
			return &p1Closer{Func: p1Rename(""), closed: &n}, nil
		},
	}
	_, err := transform.ParseChain(p1Config("transforms", "g,bad", "transforms.g.type", "Good", "transforms.bad.type", "Bad"), good)
	require.Error(t, err)
	require.Equal(t, int32(1), n.Load())
}

func TestParseChainCustomPlugins(t *testing.T) {
	var got map[string]string
	custom := &transform.Plugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.Upper", Aliases: []string{"Up"}, Kind: connect.TransformationPlugin},
		New: func(cfg map[string]string) (transform.Transformation, error) {
			got = cfg
			return p1Rename("!"), nil
		},
	}
	pred := transform.PredicatePlugin{
		PluginInfo: connect.PluginInfo{Class: "com.example.Always", Kind: connect.PredicatePlugin},
		New: func(map[string]string) (transform.Predicate, error) {
			return transform.PredicateFunc(func(*connect.Record) bool { return true }), nil
		},
	}
	cfg := p1Config("transforms", "u", "transforms.u.type", "Up", "transforms.u.level", "3",
		"transforms.u.plugin.version", "1.0", "transforms.u.predicate", "al", "transforms.u.negate", "false",
		"predicates", "al", "predicates.al.type", "com.example.Always")
	c, err := transform.ParseChain(cfg, custom, pred)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"type": "Up", "level": "3", "plugin.version": "1.0"}, got,
		"the plugin gets its keys without the prefix, predicate and negate")
	r, keep, err := c.Apply(connect.Record{Topic: "t"})
	require.NoError(t, err)
	require.True(t, keep)
	require.Equal(t, "t!", r.Topic)

	// Given plugins replace the built-ins.
	_, err = transform.ParseChain(p1Config("transforms", "f", "transforms.f.type", "Filter"), custom)
	require.ErrorContains(t, err, `no transformation plugin called "Filter"; available: com.example.Upper`)
	// A plugin of the right kind but the wrong Go type.
	odd := oddPlugin{}
	_, err = transform.ParseChain(p1Config("transforms", "o", "transforms.o.type", "com.example.Odd"), odd)
	require.ErrorContains(t, err, "transforms.o: type: plugin com.example.Odd is a transform_test.oddPlugin, not a transform.Plugin")
}

type oddPlugin struct{}

func (oddPlugin) Info() connect.PluginInfo {
	return connect.PluginInfo{Class: "com.example.Odd", Kind: connect.TransformationPlugin}
}

func TestParseChainKeyValueAliases(t *testing.T) {
	cfg := p1Config("transforms", "a,b",
		"transforms.a.type", "HoistField$Value", "transforms.a.field", "wrapped",
		"transforms.b.type", "org.apache.kafka.connect.transforms.ExtractField$Value", "transforms.b.field", "wrapped")
	c, err := transform.ParseChain(cfg)
	require.NoError(t, err)
	r, keep, err := c.Apply(connect.Record{Value: int64(5)})
	require.NoError(t, err)
	require.True(t, keep)
	require.Equal(t, int64(5), r.Value)
}

func TestChainConfigDef(t *testing.T) {
	def := transform.ChainConfigDef()
	cfg, err := def.Parse(p1Config("transforms", "a, b"))
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, cfg.List(transform.TransformsConfig))
	require.Empty(t, cfg.List(transform.PredicatesConfig))
	vals := def.Validate(p1Config("transforms", "a,a"))
	require.Equal(t, []string{"Invalid value [a, a] for configuration transforms: Duplicate alias provided."}, vals[0].Errors)
}

func TestChainConcurrent(t *testing.T) {
	c, err := transform.ParseChain(p1Config(
		"transforms", "route,hoist,meta",
		"transforms.route.type", "RegexRouter", "transforms.route.regex", "(.*)-raw", "transforms.route.replacement", "$1",
		"transforms.hoist.type", "HoistField$Value", "transforms.hoist.field", "v",
		"transforms.meta.type", "SetSchemaMetadata$Value", "transforms.meta.schema.name", "Wrapped",
	))
	require.NoError(t, err)
	schemas := []*connect.Schema{connect.Int64Schema, connect.StringSchema, connect.OptionalBooleanSchema}
	values := []any{int64(1), "s", true}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				k := (g + i) % len(schemas)
				out, keep, err := c.Apply(connect.Record{Topic: "x-raw", ValueSchema: schemas[k], Value: values[k]})
				if err != nil || !keep || out.Topic != "x" || out.ValueSchema.Name != "Wrapped" {
					t.Errorf("got %v %v %v", out, keep, err)
					return
				}
				if got := out.Value.(*connect.Struct).Get("v"); got != values[k] {
					t.Errorf("got %v, want %v", got, values[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkChainEmpty(b *testing.B) {
	c, _ := transform.ParseChain(nil)
	r := connect.Record{Topic: "t"}
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = c.Apply(r)
	}
}

func BenchmarkChainPredicateSkip(b *testing.B) {
	c, err := transform.ParseChain(p1Config("transforms", "f", "transforms.f.type", "Filter",
		"transforms.f.predicate", "t", "predicates", "t", "predicates.t.type", "RecordIsTombstone"))
	if err != nil {
		b.Fatal(err)
	}
	r := connect.Record{Topic: "t", Value: "v"}
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = c.Apply(r)
	}
}

func BenchmarkChainRegexRouterNoMatch(b *testing.B) {
	c, err := transform.ParseChain(p1Config("transforms", "r", "transforms.r.type", "RegexRouter",
		"transforms.r.regex", "(.*)-raw", "transforms.r.replacement", "$1"))
	if err != nil {
		b.Fatal(err)
	}
	r := connect.Record{Topic: "orders", Value: "v"}
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = c.Apply(r)
	}
}

func TestEnrichConfigDef(t *testing.T) {
	cfg := p1Config(
		"transforms", "route,bad,neg",
		"transforms.route.type", "RegexRouter",
		"transforms.route.regex", "(",
		"transforms.bad.type", "com.example.Missing",
		"transforms.neg.type", "Filter",
		"transforms.neg.negate", "true",
		"predicates", "p",
		"predicates.p.type", "TopicNameMatches",
	)
	def := transform.EnrichConfigDef(cfg)
	var names []string
	for _, k := range def.Keys() {
		names = append(names, k.Name)
	}
	require.Equal(t, []string{
		"transforms.route.type", "transforms.route.plugin.version", "transforms.route.predicate", "transforms.route.negate",
		"transforms.route.regex", "transforms.route.replacement",
		"transforms.bad.type", "transforms.bad.plugin.version", "transforms.bad.predicate", "transforms.bad.negate",
		"transforms.neg.type", "transforms.neg.plugin.version", "transforms.neg.predicate", "transforms.neg.negate",
		"predicates.p.type", "predicates.p.plugin.version", "predicates.p.pattern",
	}, names)
	require.Equal(t, []string{"Transforms: route", "Transforms: bad", "Transforms: neg", "Predicates: p"}, def.Groups())
	k, _ := def.Key("transforms.route.regex")
	require.Equal(t, "Transforms: route", k.Group)
	require.Equal(t, 4, k.OrderInGroup)

	errs := map[string][]string{}
	for _, v := range def.Validate(cfg) {
		if len(v.Errors) > 0 {
			errs[v.Name] = v.Errors
		}
	}
	require.Len(t, errs, 5, "%v", errs)
	require.Contains(t, errs["transforms.route.regex"][0], "Invalid value ( for configuration transforms.route.regex: Invalid regex:")
	require.Equal(t, []string{`Missing required configuration "transforms.route.replacement" which has no default value.`}, errs["transforms.route.replacement"])
	require.Contains(t, errs["transforms.bad.type"][0], `no transformation plugin called "com.example.Missing"`)
	require.Contains(t, errs["transforms.neg.type"][0], "Config 'transforms.neg.negate' was provided but there is no config 'transforms.neg.predicate'")
	require.Equal(t, []string{`Missing required configuration "predicates.p.pattern" which has no default value.`}, errs["predicates.p.pattern"])

	for _, v := range def.Validate(cfg) {
		if v.Name == "predicates.p.type" {
			require.Equal(t, []string{
				"org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
				"org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
				"org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
			}, v.RecommendedValues)
		}
	}
	require.Zero(t, transform.EnrichConfigDef(nil).Len())
}
