package connecttest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// Defaults of the SourceSpec and SinkSpec fields.
const (
	// DefaultN is how many records the read and write checks use.
	DefaultN = 20
	// DefaultTimeout bounds how long a check waits for records, and a
	// Stop outside the PromptStop check.
	DefaultTimeout = 30 * time.Second
	// DefaultStopTimeout bounds how long Poll or Put may take to return
	// after its context is cancelled, and Stop in the PromptStop check.
	DefaultStopTimeout = 500 * time.Millisecond
)

// grace is how much longer than its context's deadline a call may take
// before the kit says it ignored the deadline.
const grace = 250 * time.Millisecond

// errNoReturn is what call returns for a call that did not return in time.
var errNoReturn = errors.New("connecttest: the call did not return in time")

// A check is one sub-test. Names are "Group/Leaf" or "Leaf".
type check struct {
	name string
	fn   func(tb testing.TB)
}

// run runs checks as sub-tests of t, nesting "Group/Leaf" names under a
// sub-test per group, and skips those skip names (an entry names a check or
// a group). A skip entry that names nothing fails t, to catch typos.
func run(t *testing.T, spec string, skip []string, checks []check) {
	t.Helper()
	if bad := unknownSkips(skip, checks); len(bad) > 0 {
		names := make([]string, len(checks))
		for i, c := range checks {
			names[i] = c.name
		}
		t.Errorf("connecttest: %s.Skip entries %q name no check; the checks are %s", spec, bad, strings.Join(names, ", "))
	}
	runOne := func(t *testing.T, c check) {
		t.Helper()
		for _, s := range skip {
			if skips(s, c.name) {
				t.Skipf("skipped by %s.Skip entry %q", spec, s)
			}
		}
		c.fn(t)
	}
	for i := 0; i < len(checks); {
		c := checks[i]
		group, _, nested := strings.Cut(c.name, "/")
		if !nested {
			t.Run(c.name, func(t *testing.T) { runOne(t, c) })
			i++
			continue
		}
		j := i
		for j < len(checks) && strings.HasPrefix(checks[j].name, group+"/") {
			j++
		}
		sub := checks[i:j]
		t.Run(group, func(t *testing.T) {
			for _, c := range sub {
				t.Run(strings.TrimPrefix(c.name, group+"/"), func(t *testing.T) { runOne(t, c) })
			}
		})
		i = j
	}
}

// skips reports whether entry skips the check called name.
func skips(entry, name string) bool {
	return name == entry || strings.HasPrefix(name, entry+"/")
}

// unknownSkips returns the skip entries that skip no check.
func unknownSkips(skip []string, checks []check) []string {
	var bad []string
	for _, s := range skip {
		if !slices.ContainsFunc(checks, func(c check) bool { return skips(s, c.name) }) {
			bad = append(bad, s)
		}
	}
	return bad
}

// within runs fn in a goroutine and waits up to d for it to return. It
// reports false if fn did not return in time; fn then keeps running.
func within(d time.Duration, fn func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		return false
	}
}

// call runs fn with a context whose deadline is d from now, and waits for
// it a little longer than that. A call that does not return in time fails
// tb, naming what, and returns errNoReturn; fn's own error is returned as
// it is, for the caller to judge.
func call(tb testing.TB, what string, d time.Duration, fn func(ctx context.Context) error) error {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var err error
	if !within(d+grace, func() { err = fn(ctx) }) {
		tb.Errorf("%s did not return within %v of being called, although its context's deadline was %v", what, d+grace, d)
		return errNoReturn
	}
	return err
}

// wait waits for d or until ctx is done, whichever comes first, for
// back-offs and bounded polling loops.
func wait(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// specChecks are the checks of a plugin's description and configuration,
// shared by sources and sinks.
type specChecks struct {
	spec     string // "SourceSpec" or "SinkSpec"
	kind     connect.PluginKind
	info     connect.PluginInfo
	hasNew   bool
	config   func(tb testing.TB) map[string]string
	required []string
	// tryStart starts a connector with config and a task with its first
	// task configuration, stops whatever started, and returns the first
	// error.
	tryStart func(tb testing.TB, config map[string]string) error
}

func (s *specChecks) checks() []check {
	return []check{
		{"Spec/Info", s.checkInfo},
		{"Spec/Parse", s.checkParse},
		{"Spec/RequiredKeys", s.checkRequired},
		{"Spec/Validate", s.checkValidate},
	}
}

func (s *specChecks) checkInfo(tb testing.TB) {
	if s.info.Class == "" {
		tb.Errorf("PluginInfo.Class is empty; it should be the Kafka Connect class name, which configs use to find the plugin")
	}
	if s.info.Kind != s.kind {
		tb.Errorf("PluginInfo.Kind is %v, want %v", s.info.Kind, s.kind)
	}
	if s.info.Config == nil {
		tb.Errorf("PluginInfo.Config is nil; define the connector's keys in a ConfigDef so that runtimes can validate and document them")
	}
	if !s.hasNew {
		tb.Errorf("%s.Plugin.New is nil", s.spec)
	}
	for _, a := range s.info.Aliases {
		if a == "" || strings.TrimSpace(a) != a {
			tb.Errorf("PluginInfo.Aliases holds %q, which cannot be used as a name", a)
		}
	}
}

func (s *specChecks) checkParse(tb testing.TB) {
	if s.info.Config == nil {
		tb.Skip("PluginInfo.Config is nil (see Spec/Info)")
	}
	cfg := s.config(tb)
	if _, err := s.info.Config.Parse(cfg); err != nil {
		tb.Errorf("ConfigDef.Parse rejects %s.Config's valid config %v: %v", s.spec, cfg, err)
	}
}

// requiredKeys returns the keys the spec lists and those the ConfigDef
// marks Required, sorted.
func (s *specChecks) requiredKeys() []string {
	keys := slices.Clone(s.required)
	if s.info.Config != nil {
		for _, k := range s.info.Config.Keys() {
			if k.Required {
				keys = append(keys, k.Name)
			}
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func (s *specChecks) checkRequired(tb testing.TB) {
	keys := s.requiredKeys()
	if len(keys) == 0 {
		tb.Skipf("no required keys: the ConfigDef marks none Required and %s.RequiredKeys is empty", s.spec)
	}
	for _, key := range keys {
		cfg := s.config(tb)
		if _, ok := cfg[key]; !ok {
			tb.Errorf("required key %q is missing from %s.Config's valid config %v", key, s.spec, cfg)
			continue
		}
		without := maps.Clone(cfg)
		delete(without, key)
		if s.info.Config != nil {
			if _, err := s.info.Config.Parse(without); err != nil {
				if !namesKey(err, key) {
					tb.Errorf("without required key %q, ConfigDef.Parse fails with an error that does not name the key: %v", key, err)
				}
				continue
			}
		}
		err := s.tryStart(tb, without)
		switch {
		case err == nil:
			tb.Errorf("without required key %q, ConfigDef.Parse, the connector's Start and the task's Start all succeed; one of them should fail naming the key", key)
		case !namesKey(err, key):
			tb.Errorf("without required key %q, starting fails with an error that does not name the key: %v", key, err)
		}
	}
}

// namesKey reports whether err names key: as a key of a connect.ConfigError,
// or in its message as a whole key (so "topic" is not found in "topics" or
// "topic.prefix", but is in `"topic".` and "topic: ...").
func namesKey(err error, key string) bool {
	var ce *connect.ConfigError
	if errors.As(err, &ce) && slices.Contains(ce.Keys(), key) {
		return true
	}
	msg := err.Error()
	for i := 0; i < len(msg); {
		j := strings.Index(msg[i:], key)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(key)
		if !continuesBefore(msg, start) && !continuesAfter(msg, end) {
			return true
		}
		i = start + 1
	}
	return false
}

// continuesBefore reports whether the key-like text before msg[i] runs into
// it: a key byte, or a dot after a key byte.
func continuesBefore(msg string, i int) bool {
	switch {
	case i == 0:
		return false
	case keyByte(msg[i-1]):
		return true
	}
	return msg[i-1] == '.' && i >= 2 && keyByte(msg[i-2])
}

// continuesAfter reports whether key-like text continues at msg[i].
func continuesAfter(msg string, i int) bool {
	switch {
	case i == len(msg):
		return false
	case keyByte(msg[i]):
		return true
	}
	return msg[i] == '.' && i+1 < len(msg) && keyByte(msg[i+1])
}

// keyByte reports whether b, other than a dot, can be part of a
// configuration key.
func keyByte(b byte) bool {
	return b == '_' || b == '-' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

func (s *specChecks) checkValidate(tb testing.TB) {
	def := s.info.Config
	if def == nil {
		tb.Skip("PluginInfo.Config is nil (see Spec/Info)")
	}
	cfg := s.config(tb)
	values := def.Validate(cfg)
	count := make(map[string]int, len(values))
	for _, v := range values {
		count[v.Name]++
		if len(v.Errors) > 0 {
			tb.Errorf("ConfigDef.Validate of %s.Config's valid config reports errors for %q: %s", s.spec, v.Name, strings.Join(v.Errors, "; "))
		}
	}
	for _, k := range def.Keys() {
		if n := count[k.Name]; n != 1 {
			tb.Errorf("ConfigDef.Validate returned %d entries for key %q, want 1", n, k.Name)
		}
	}
}

// limit caps how many problems of one kind a check reports.
const limit = 5

// summary prints at most limit+limit values of vs: the first and the last.
func summary[T any](vs []T) string {
	if len(vs) <= 2*limit {
		return fmt.Sprint(vs)
	}
	return fmt.Sprintf("%v ... (%d more) ... %v", vs[:limit], len(vs)-2*limit, vs[len(vs)-limit:])
}

func defaultDuration(d, def time.Duration) time.Duration {
	return cmp.Or(max(d, 0), def)
}
