package transform

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/kconnect-go/kconnect/connect"
)

// Step is one stage of a Chain: a transformation, and optionally the
// predicate that decides, record by record, whether it applies.
type Step struct {
	// Name names the step in errors; ParseChain uses the alias from the
	// transforms list. Empty means "#<position> (<Go type>)".
	Name string
	// Transform is the transformation; it must not be nil.
	Transform Transformation
	// When, if not nil, is tested on each record: Transform applies only
	// when it returns true (or false, with Negate). A record the step skips
	// goes on to the next step unchanged.
	When Predicate
	// Negate inverts When. Setting it without When is an error, as in
	// Kafka Connect.
	Negate bool
}

// Chain applies transformations in order, each under its predicate, as
// Kafka Connect's TransformationChain does. It is itself a Transformation,
// so chains nest.
//
// Build one from a connector configuration with ParseChain, or from Go
// values with NewChain. A Chain is immutable and safe for concurrent use
// as long as its steps are (the built-in ones are). A nil or empty Chain
// passes every record through unchanged at the cost of a nil check.
//
// The built-in ReplaceField, InsertField, Cast and RegexRouter are applied
// to the record in place, without the copies of it that Apply's signature
// costs. A map one of them has just built is changed in place by the next
// rather than copied again (unless a predicate sees it in between), and in
// a chain without predicates consecutive ReplaceField, InsertField and
// Cast steps on the same side build only the last of their structs. The
// records and errors are exactly those of the steps applied one after
// another; the caller's keys and values are never modified.
type Chain struct {
	steps      []Step
	fast       []freshApplier // per step: its Transform if built in, else nil
	runs       []*structRun   // per step: the fused run starting there, or nil
	closers    []namedCloser
	predicates bool // some step has a predicate

	closeOnce sync.Once
	closeErr  error
}

// NewChain returns a Chain of the given steps. It fails if a step has no
// Transform, or sets Negate without When. Close closes every Transform and
// predicate that implements Closer (each once, even if several steps share
// it), so the Chain takes ownership of them.
func NewChain(steps ...Step) (*Chain, error) {
	c := &Chain{steps: slices.Clone(steps)}
	var errs []error
	for i := range c.steps {
		s := &c.steps[i]
		if s.Transform == nil {
			errs = append(errs, fmt.Errorf("transform %s: no Transformation", s.name(i)))
		}
		if s.Negate && s.When == nil {
			errs = append(errs, fmt.Errorf("transform %s: Negate is set but there is no predicate to negate", s.name(i)))
		}
		c.own(s.Transform, "transform "+s.name(i))
		c.own(s.When, "predicate of transform "+s.name(i))
		c.predicates = c.predicates || s.When != nil
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.findFast()
	return c, nil
}

// findFast records, for each step, whether its Transform is a built-in
// one that the chain applies in place (see freshApplier).
func (c *Chain) findFast() {
	c.fast = make([]freshApplier, len(c.steps))
	for i, s := range c.steps {
		switch s.Transform.(type) {
		case *ReplaceField, *InsertField, *Cast, *RegexRouter:
			c.fast[i], _ = s.Transform.(freshApplier)
		}
	}
	c.runs = findRuns(c.steps)
}

// fresh says which of a record's key and value a step of a Chain built
// during the current Apply and shares with nobody: no caller, no other
// record, no cache. The next step may then change that map in place rather
// than copy it, since nothing else can observe the change.
type fresh uint8

const (
	freshKey fresh = 1 << iota
	freshValue
)

// side reports whether f marks the key (key true) or the value fresh.
func (f fresh) side(key bool) bool {
	if key {
		return f&freshKey != 0
	}
	return f&freshValue != 0
}

// freshBit returns the fresh bit of the key (key true) or the value.
func freshBit(key bool) fresh {
	if key {
		return freshKey
	}
	return freshValue
}

// freshApplier is implemented by the built-in transformations a Chain
// applies in place, saving the copies of the record that Apply's
// signature costs and, with the fresh hints, copies of maps.
// applyTo(r, f) must do what Apply(*r) does, with these liberties and
// duties:
//
//   - it changes *r only when it succeeds (the Chain returns the step's
//     input on error), and keeps no reference to r;
//   - it may change in place a map that f marks fresh, but must leave it
//     untouched when it fails;
//   - it returns, besides Apply's results, which parts of its output are
//     fresh: those it built, and those of f it passed on or changed in
//     place. Anything else must be reported as not fresh.
//
// The Chain calls applyTo through a type switch on the concrete types
// (applyFast), so that r, on the Chain's stack, does not escape to the
// heap as it would through an interface call.
type freshApplier interface {
	applyTo(r *connect.Record, f fresh) (bool, fresh, error)
}

// applyFast calls the applyTo of fa, a built-in transformation, through
// its concrete type.
func applyFast(fa freshApplier, r *connect.Record, f fresh) (bool, fresh, error) {
	switch t := fa.(type) {
	case *ReplaceField:
		return t.applyTo(r, f)
	case *InsertField:
		return t.applyTo(r, f)
	case *Cast:
		return t.applyTo(r, f)
	case *RegexRouter:
		return t.applyTo(r, f)
	}
	return false, 0, fmt.Errorf("transform: %T is not applied in place", fa) // unreachable: see findFast
}

// namedCloser is a Closer of a chain, with what its Close error is to name.
type namedCloser struct {
	Closer
	name string
}

// own records x, named name in its Close error, for Close if it is a
// Closer not yet recorded.
func (c *Chain) own(x any, name string) {
	cl, ok := x.(Closer)
	if !ok {
		return
	}
	if reflect.TypeOf(cl).Comparable() {
		for _, o := range c.closers {
			if reflect.TypeOf(o.Closer) == reflect.TypeOf(cl) && o.Closer == cl {
				return
			}
		}
	}
	c.closers = append(c.closers, namedCloser{cl, name})
}

func (s *Step) name(i int) string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("#%d (%T)", i+1, s.Transform)
}

// Len returns the number of steps.
func (c *Chain) Len() int {
	if c == nil {
		return 0
	}
	return len(c.steps)
}

// Steps returns a copy of the chain's steps, in order.
func (c *Chain) Steps() []Step {
	if c == nil {
		return nil
	}
	return slices.Clone(c.steps)
}

// Apply runs r through every step in order. A step whose predicate says no
// is skipped. Apply stops at the first step that drops the record,
// returning that step's input and false, and at the first error, returning
// that step's input, false and the error.
//
// The error names the step: a *connect.DataError keeps its type, path and
// position with "transform <name>: " put before its cause; any other error
// is wrapped as "transform <name>: <error>". A panic in a step is recovered
// and returned, with the zero Record, as an error (not a DataError: it is
// a bug, not bad data).
func (c *Chain) Apply(r connect.Record) (connect.Record, bool, error) {
	if c == nil || len(c.steps) == 0 {
		return r, true, nil
	}
	if !c.predicates {
		return c.applyAll(r)
	}
	return c.applyWhen(r)
}

// applyWhen is Apply for a chain with predicates. Predicates take the
// record by pointer, which moves r to the heap: one allocation per record.
func (c *Chain) applyWhen(r connect.Record) (out connect.Record, keep bool, err error) {
	i := 0
	defer func() {
		if p := recover(); p != nil {
			out, keep = connect.Record{}, false
			err = fmt.Errorf("transform %s: panic: %v", c.steps[min(i, len(c.steps)-1)].name(i), p)
		}
	}()
	var f fresh
	for ; i < len(c.steps); i++ {
		s := &c.steps[i]
		if s.When != nil {
			// The predicate has seen the record and might keep it.
			f = 0
			if s.When.Test(&r) == s.Negate {
				continue
			}
		}
		if ok, err := c.applyStep(i, &r, &f); !ok || err != nil {
			return r, false, err
		}
	}
	return r, true, nil
}

// applyAll is apply for a chain without predicates; it never takes r's
// address, so r stays on the stack.
func (c *Chain) applyAll(r connect.Record) (out connect.Record, keep bool, err error) {
	i := 0
	defer func() {
		if p := recover(); p != nil {
			out, keep = connect.Record{}, false
			err = fmt.Errorf("transform %s: panic: %v", c.steps[min(i, len(c.steps)-1)].name(i), p)
		}
	}()
	var f fresh
	for ; i < len(c.steps); i++ {
		if c.runs != nil && c.runs[i] != nil && c.runs[i].apply(&r) {
			f |= freshBit(c.runs[i].key)
			i = c.runs[i].end - 1
			continue
		}
		if ok, err := c.applyStep(i, &r, &f); !ok || err != nil {
			return r, false, err
		}
	}
	return r, true, nil
}

// applyStep applies step i's transformation (its predicate already
// tested) to *r, in place for the built-in ones (freshApplier), tracking in
// *f what the chain built and may change in place. false means the record
// was dropped or, with an error, that the step failed; *r is then the
// step's input.
func (c *Chain) applyStep(i int, r *connect.Record, f *fresh) (bool, error) {
	s := &c.steps[i]
	if fa := c.fast[i]; fa != nil {
		ok, nf, err := applyFast(fa, r, *f)
		if err != nil {
			return false, stepError(s.name(i), err)
		}
		*f = nf
		return ok, nil
	}
	next, ok, err := s.Transform.Apply(*r)
	if err != nil {
		return false, stepError(s.name(i), err)
	}
	if ok {
		*r, *f = next, 0
	}
	return ok, nil
}

// stepError puts the step name into err.
func stepError(name string, err error) error {
	if de, ok := err.(*connect.DataError); ok {
		c := *de
		if c.Err == nil {
			c.Err = errors.New("invalid data")
		}
		c.Err = fmt.Errorf("transform %s: %w", name, c.Err)
		return &c
	}
	return fmt.Errorf("transform %s: %w", name, err)
}

// Close closes every transformation and predicate of the chain that
// implements Closer, each once, and returns their errors joined, each
// naming its step or predicate (for a chain ParseChain built, by its keys:
// "transforms.<alias>: closing: ..." or "predicates.<alias>: ..."). Later
// calls return the same result.
// The chain must not be used afterwards.
func (c *Chain) Close() error {
	if c == nil {
		return nil
	}
	c.closeOnce.Do(func() {
		var errs []error
		for _, cl := range c.closers {
			if err := cl.Close(); err != nil {
				errs = append(errs, fmt.Errorf("%s: closing: %w", cl.name, err))
			}
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// The connector configuration keys of a chain.
const (
	TransformsConfig = "transforms"
	PredicatesConfig = "predicates"

	transformsPrefix = TransformsConfig + "."
	predicatesPrefix = PredicatesConfig + "."
	typeKey          = "type"
	predicateKey     = "predicate"
	negateKey        = "negate"
	pluginVersionKey = "plugin.version"
)

// ChainConfigDef returns the definitions of the transforms and predicates
// keys as Kafka Connect's ConnectorConfig defines them: comma-separated
// lists of aliases, empty by default, without duplicates. A runtime adds
// them to its connector ConfigDef (with ConfigDef.With), and the keys of
// each alias with EnrichConfigDef.
func ChainConfigDef() *connect.ConfigDef {
	return connect.NewConfigDef().
		Define(connect.ConfigKey{Name: TransformsConfig, Type: connect.ConfigList, Default: []string{},
			Validator: uniqueAliases{"transformation"}, Importance: connect.Low,
			Doc:   "Aliases for the transformations to be applied to records.",
			Group: "Transforms", OrderInGroup: 1, Width: connect.WidthLong, DisplayName: "Transforms"}).
		Define(connect.ConfigKey{Name: PredicatesConfig, Type: connect.ConfigList, Default: []string{},
			Validator: uniqueAliases{"predicate"}, Importance: connect.Low,
			Doc:   "Aliases for the predicates used by transformations.",
			Group: "Predicates", OrderInGroup: 1, Width: connect.WidthLong, DisplayName: "Predicates"})
}

// uniqueAliases rejects a list with a repeated alias, as Kafka's
// ConnectorConfig.aliasValidator.
type uniqueAliases struct{ kind string }

func (u uniqueAliases) Validate(v any) error {
	l, _ := v.([]string)
	for i, a := range l {
		if slices.Contains(l[:i], a) {
			return errors.New("Duplicate alias provided.")
		}
	}
	return nil
}

func (u uniqueAliases) String() string { return "unique " + u.kind + " aliases" }

var chainDef = ChainConfigDef()

// ParseChain builds a Chain from a connector configuration, with Kafka
// Connect's syntax:
//
//	transforms=route,drop
//	transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
//	transforms.route.regex=(.*)-raw
//	transforms.route.replacement=$1
//	transforms.drop.type=Filter
//	transforms.drop.predicate=isTombstone
//	transforms.drop.negate=false
//	predicates=isTombstone
//	predicates.isTombstone.type=RecordIsTombstone
//
// transforms and predicates are comma-separated alias lists (whitespace
// around aliases is ignored; a missing or blank key means none; an alias
// may appear once). Each alias's type is a class name or alias that
// connect.Plugins.Find resolves among plugins, of kind
// connect.TransformationPlugin or connect.PredicatePlugin; with no plugins
// given, the built-in ones (Plugins()) are used. The alias's other keys are
// passed, prefix removed, to the plugin's New; predicate and negate are
// kept by the chain (negate without predicate is an error, as in Kafka).
// plugin.version is accepted and passed on: the chain does not check it
// (a runtime does; runtime/worker holds it against the plugin's version). Keys under aliases that are not listed are
// ignored.
//
// Every listed predicate is created, even if no transform uses it (Kafka
// validates those too), and shared by the transforms that name it.
//
// Errors name the alias and key, e.g.
//
//	transforms.route: Missing required configuration "regex" which has no default value.
//
// and wrap the plugin's error (often a *connect.ConfigError); problems with
// several aliases are joined. On error, whatever was created is closed.
func ParseChain(config map[string]string, plugins ...connect.Plugin) (*Chain, error) {
	cfg, err := chainDef.Parse(config)
	if err != nil {
		return nil, err
	}
	ps := connect.Plugins(plugins)
	if len(ps) == 0 {
		ps = builtinPlugins
	}
	c := &Chain{}
	var errs []error
	preds := make(map[string]Predicate)
	for _, alias := range cfg.List(PredicatesConfig) {
		p, err := newPredicate(ps, config, alias)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		preds[alias] = p
		c.own(p, predicatesPrefix+alias)
	}
	listed := cfg.List(PredicatesConfig)
	for _, alias := range cfg.List(TransformsConfig) {
		step, err := newStep(ps, config, alias, preds, listed)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.steps = append(c.steps, step)
		c.own(step.Transform, transformsPrefix+alias)
		c.predicates = c.predicates || step.When != nil
	}
	if len(errs) > 0 {
		_ = c.Close()
		return nil, errors.Join(errs...)
	}
	c.findFast()
	return c, nil
}

// subConfig returns the keys of config under prefix, with prefix removed.
func subConfig(config map[string]string, prefix string) map[string]string {
	out := make(map[string]string)
	for k, v := range config {
		if len(k) > len(prefix) && strings.HasPrefix(k, prefix) {
			out[k[len(prefix):]] = v
		}
	}
	return out
}

// missingType is Kafka's message for an alias without a type.
func missingType(key string) error {
	return &connect.ConfigError{Errors: []*connect.ConfigKeyError{{Key: key,
		Message: `Missing required configuration "` + key + `" which has no default value.`}}}
}

func newPredicate(ps connect.Plugins, config map[string]string, alias string) (Predicate, error) {
	prefix := predicatesPrefix + alias + "."
	where := predicatesPrefix + alias
	sub := subConfig(config, prefix)
	typ, ok := sub[typeKey]
	if !ok {
		return nil, fmt.Errorf("%s: %w", where, missingType(prefix+typeKey))
	}
	typ = strings.TrimSpace(typ)
	found, err := ps.Find(connect.PredicatePlugin, typ)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", where, typeKey, err)
	}
	var newFn func(map[string]string) (Predicate, error)
	switch p := found.(type) {
	case PredicatePlugin:
		newFn = p.New
	case *PredicatePlugin:
		newFn = p.New
	default:
		return nil, fmt.Errorf("%s: %s: plugin %s is a %T, not a transform.PredicatePlugin", where, typeKey, typ, found)
	}
	if newFn == nil {
		return nil, fmt.Errorf("%s: %s: plugin %s has no constructor", where, typeKey, typ)
	}
	p, err := newFn(sub)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if p == nil {
		return nil, fmt.Errorf("%s: plugin %s returned no predicate", where, typ)
	}
	return p, nil
}

func newStep(ps connect.Plugins, config map[string]string, alias string, preds map[string]Predicate, listed []string) (Step, error) {
	prefix := transformsPrefix + alias + "."
	where := transformsPrefix + alias
	sub := subConfig(config, prefix)
	predAlias, hasPred := sub[predicateKey]
	negRaw, hasNeg := sub[negateKey]
	delete(sub, predicateKey)
	delete(sub, negateKey)
	step := Step{Name: alias}
	if hasNeg {
		if !hasPred {
			return step, fmt.Errorf("%s: Config '%s' was provided but there is no config '%s' defining a predicate to be negated.",
				where, prefix+negateKey, prefix+predicateKey)
		}
		switch strings.ToLower(strings.TrimSpace(negRaw)) {
		case "true":
			step.Negate = true
		case "false":
		default:
			return step, fmt.Errorf("%s: Invalid value %s for configuration %s: Expected value to be either true or false", where, negRaw, negateKey)
		}
	}
	typ, ok := sub[typeKey]
	if !ok {
		return step, fmt.Errorf("%s: %w", where, missingType(prefix+typeKey))
	}
	typ = strings.TrimSpace(typ)
	found, err := ps.Find(connect.TransformationPlugin, typ)
	if err != nil {
		return step, fmt.Errorf("%s: %s: %w", where, typeKey, err)
	}
	var newFn func(map[string]string) (Transformation, error)
	switch p := found.(type) {
	case Plugin:
		newFn = p.New
	case *Plugin:
		newFn = p.New
	default:
		return step, fmt.Errorf("%s: %s: plugin %s is a %T, not a transform.Plugin", where, typeKey, typ, found)
	}
	if newFn == nil {
		return step, fmt.Errorf("%s: %s: plugin %s has no constructor", where, typeKey, typ)
	}
	if hasPred {
		predAlias = strings.TrimSpace(predAlias)
		p, ok := preds[predAlias]
		if !ok {
			if slices.Contains(listed, predAlias) {
				// The predicate failed to build; that error is reported.
				return step, fmt.Errorf("%s: %s: predicate %q could not be created", where, predicateKey, predAlias)
			}
			return step, fmt.Errorf("%s: %s: predicate %q is not listed in %s", where, predicateKey, predAlias, PredicatesConfig)
		}
		step.When = p
	}
	t, err := newFn(sub)
	if err != nil {
		return step, fmt.Errorf("%s: %w", where, err)
	}
	if t == nil {
		return step, fmt.Errorf("%s: plugin %s returned no transformation", where, typ)
	}
	step.Transform = t
	return step, nil
}

// EnrichConfigDef returns the definitions of the keys of every transform
// and predicate alias that config lists, named with their prefixes, as
// Kafka Connect's ConnectorConfig.enrich adds them to a connector's
// ConfigDef for validation (the REST validate endpoint). For each alias,
// in a group "Transforms: <alias>" or "Predicates: <alias>":
//
//   - <prefix>type, required, checked to name a plugin of the right kind
//     (and, for a transform, that negate is not set without predicate),
//     recommending the class names of those plugins;
//   - <prefix>plugin.version, accepted for compatibility;
//   - for a transform, <prefix>predicate and <prefix>negate;
//   - the keys of the plugin's ConfigDef, when type names a known plugin.
//
// Plugins are looked up as ParseChain does (the built-in ones when none are
// given). Lists that do not parse are skipped: ChainConfigDef's keys
// report them. Pass the result, with the connector's own definition, to
// ConfigDef.Validate.
func EnrichConfigDef(config map[string]string, plugins ...connect.Plugin) *connect.ConfigDef {
	ps := connect.Plugins(plugins)
	if len(ps) == 0 {
		ps = builtinPlugins
	}
	def := connect.NewConfigDef()
	enrichAliases(def, config, ps, TransformsConfig, "Transforms", "transformation", connect.TransformationPlugin)
	enrichAliases(def, config, ps, PredicatesConfig, "Predicates", "predicate", connect.PredicatePlugin)
	return def
}

func enrichAliases(def *connect.ConfigDef, config map[string]string, ps connect.Plugins,
	listKey, groupName, kindName string, kind connect.PluginKind) {
	cfg, err := connect.NewConfigDef().Define(connect.ConfigKey{Name: listKey, Type: connect.ConfigList,
		Default: []string{}, Importance: connect.Low}).Parse(config)
	if err != nil {
		return
	}
	display := "Transformation"
	if kind == connect.PredicatePlugin {
		display = "Predicate"
	}
	for _, alias := range distinct(cfg.List(listKey)) {
		prefix := listKey + "." + alias + "."
		group := groupName + ": " + alias
		order := 0
		define := func(k connect.ConfigKey) {
			if _, dup := def.Key(k.Name); dup {
				return // a key of another alias has this name already
			}
			k.Group, k.OrderInGroup = group, order
			order++
			def.Define(k)
		}
		define(connect.ConfigKey{Name: prefix + typeKey, Type: connect.ConfigClass, Required: true,
			Importance: connect.High, Width: connect.WidthLong,
			Doc:         "Class for the '" + alias + "' " + kindName + ".",
			DisplayName: display + " type for " + alias,
			Validator:   aliasTypeValidator{ps: ps, kind: kind, config: config, prefix: prefix},
			Recommender: classRecommender{ps: ps, kind: kind}})
		define(connect.ConfigKey{Name: prefix + pluginVersionKey, Type: connect.ConfigString,
			Importance: connect.High, Width: connect.WidthLong,
			Doc:         "Version of the '" + alias + "' " + kindName + ".",
			DisplayName: display + " version for " + alias})
		if kind == connect.TransformationPlugin {
			define(connect.ConfigKey{Name: prefix + predicateKey, Type: connect.ConfigString, Importance: connect.Medium,
				Doc: "The alias of a predicate used to determine whether to apply this transformation."})
			define(connect.ConfigKey{Name: prefix + negateKey, Type: connect.ConfigBoolean, Default: false,
				Importance: connect.Medium, Doc: "Whether the configured predicate should be negated."})
		}
		p, err := ps.Find(kind, strings.TrimSpace(config[prefix+typeKey]))
		if err != nil || p.Info().Config == nil {
			continue
		}
		for _, k := range p.Info().Config.Keys() {
			switch k.Name {
			case typeKey, pluginVersionKey:
				continue
			case predicateKey, negateKey:
				if kind == connect.TransformationPlugin {
					continue // masked by the chain's own keys, as in Kafka
				}
			}
			k.Name = prefix + k.Name
			for i, d := range k.Dependents {
				k.Dependents[i] = prefix + d
			}
			if k.Recommender != nil {
				k.Recommender = prefixedRecommender{base: k.Recommender, prefix: prefix}
			}
			define(k)
		}
	}
}

// aliasTypeValidator checks an alias's type key.
type aliasTypeValidator struct {
	ps     connect.Plugins
	kind   connect.PluginKind
	config map[string]string
	prefix string
}

func (v aliasTypeValidator) Validate(value any) error {
	if v.kind == connect.TransformationPlugin {
		_, hasNeg := v.config[v.prefix+negateKey]
		_, hasPred := v.config[v.prefix+predicateKey]
		if hasNeg && !hasPred {
			return fmt.Errorf("Config '%s' was provided but there is no config '%s' defining a predicate to be negated.",
				v.prefix+negateKey, v.prefix+predicateKey)
		}
	}
	name, _ := value.(string)
	_, err := v.ps.Find(v.kind, name)
	return err
}

// classRecommender recommends the class names of the plugins of a kind.
type classRecommender struct {
	ps   connect.Plugins
	kind connect.PluginKind
}

func (r classRecommender) Recommend(string, map[string]any) []string {
	var out []string
	for _, p := range r.ps {
		if info := p.Info(); info.Kind == r.kind {
			out = append(out, info.Class)
		}
	}
	slices.Sort(out)
	return out
}

func (classRecommender) Visible(string, map[string]any) bool { return true }

// prefixedRecommender runs a plugin's Recommender on its own key names:
// the name and the parsed values it sees have the alias prefix removed.
type prefixedRecommender struct {
	base   connect.Recommender
	prefix string
}

func (r prefixedRecommender) strip(parsed map[string]any) map[string]any {
	out := make(map[string]any)
	for k, v := range parsed {
		if rest, ok := strings.CutPrefix(k, r.prefix); ok {
			out[rest] = v
		}
	}
	return out
}

func (r prefixedRecommender) Recommend(name string, parsed map[string]any) []string {
	return r.base.Recommend(strings.TrimPrefix(name, r.prefix), r.strip(parsed))
}

func (r prefixedRecommender) Visible(name string, parsed map[string]any) bool {
	return r.base.Visible(strings.TrimPrefix(name, r.prefix), r.strip(parsed))
}
