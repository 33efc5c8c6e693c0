package restgolden

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Response is what one step's request got back, with every run-time value
// (the vars, the base URL, the worker's host:port) replaced by its
// placeholder, so responses of two runs or two servers compare directly.
type Response struct {
	// Step is the Step's Name.
	Step string `json:"step"`
	// Request is the method and path template, e.g. "PUT /connectors/src/config".
	Request string `json:"request"`
	Status  int    `json:"status"`
	// Headers holds the recorded headers that a response carried
	// (Content-Type, Location), keyed by their canonical names.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the body when it is JSON, its bytes as received (so its field
	// order is the server's).
	Body json.RawMessage `json:"body,omitempty"`
	// Text is the body when it is not empty and not JSON.
	Text string `json:"text,omitempty"`
}

// Differ lists, for one step, what differs between two servers by nature
// rather than by mistake. Each entry is a pattern: a path like
// "connector.worker_id" or "$.tasks[0].state", where * stands for any one
// key, [*] for any one index, ** for any number of steps, and a key that is
// not a plain identifier is quoted: `$["org.apache.kafka"].level`. "$" alone
// is the whole body.
type Differ struct {
	// Values: the value is not compared, but it must be there on both sides
	// with the same JSON type (a text body counts as a string).
	Values []string
	// Contains: the value is a string on both sides, and the compared
	// server's holds the golden's, ignoring case: a message that carries
	// more context around Kafka Connect's text.
	Contains []string
	// Order: the array's elements are compared as a multiset (sorted by
	// their JSON), and the object's fields are not checked for order.
	Order []string
	// Members: the array's elements, or the object's fields, that only one
	// side has are not differences; the pairs both have are compared (and
	// their relative order). For an array the value names the field of its
	// object elements that pairs them ("class"); "" pairs equal elements;
	// elements with the same key pair in their order (the n-th with the
	// n-th). For an object the value is ignored and fields pair by key.
	Members map[string]string
	// Extra: what only the compared server (got) has, deliberately, each
	// named: the named fields of an object, or the named elements of an
	// array, are taken out of got's side before the two are compared
	// strictly (length, order, every field). Each says why.
	Extra []Extra
}

// Extra names members a server has beyond the golden's on purpose (see
// Differ.Extra); a member the golden has too is compared as usual.
type Extra struct {
	// At is the path pattern of the object or array.
	At string
	// By is, for an array of objects, the dotted path within each element
	// of the string that names it ("name", "value.name"); "" for an object,
	// whose fields are named by their keys.
	By string
	// Names are the field names, or the By values, that may be extra.
	Names []string
	// Missing turns the rule around: the named members are the golden's
	// alone, what the compared server deliberately does not have.
	Missing bool
	// Why is the reason, for the reader: what the server does that the
	// golden's does not.
	Why string
}

// Common is what differs by nature in every step: which worker answered and
// its address, versions and commits of the worker and its plugins, the
// cluster's id, failure traces (Java stack traces) and times.
var Common = Differ{
	Values: []string{
		"**.worker_id", "**.version", "**.commit", "**.kafka_cluster_id",
		"**.trace", "**.last_modified",
	},
}

type compiledDiffer struct {
	values   []pattern
	contains []pattern
	order    []pattern
	members  []pattern
	pairBy   []string
	extraAt  []pattern
	extras   []Extra
}

func compileDiffer(ds ...Differ) (*compiledDiffer, error) {
	c := &compiledDiffer{}
	for _, d := range ds {
		for _, s := range d.Values {
			p, err := parsePattern(s)
			if err != nil {
				return nil, err
			}
			c.values = append(c.values, p)
		}
		for _, s := range d.Contains {
			p, err := parsePattern(s)
			if err != nil {
				return nil, err
			}
			c.contains = append(c.contains, p)
		}
		for _, s := range d.Order {
			p, err := parsePattern(s)
			if err != nil {
				return nil, err
			}
			c.order = append(c.order, p)
		}
		for _, e := range d.Extra {
			p, err := parsePattern(e.At)
			if err != nil {
				return nil, err
			}
			if len(e.Names) == 0 || e.Why == "" {
				return nil, fmt.Errorf("extra at %s: names and a reason are required", e.At)
			}
			c.extraAt = append(c.extraAt, p)
			c.extras = append(c.extras, e)
		}
		keys := make([]string, 0, len(d.Members))
		for k := range d.Members {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, s := range keys {
			p, err := parsePattern(s)
			if err != nil {
				return nil, err
			}
			c.members = append(c.members, p)
			c.pairBy = append(c.pairBy, d.Members[s])
		}
	}
	return c, nil
}

func anyMatch(ps []pattern, x path) bool {
	for _, p := range ps {
		if p.matches(x) {
			return true
		}
	}
	return false
}

// withoutExtras returns w and g without the members that the Extra rules
// for path x name and only one side has (g's, or w's for a Missing rule);
// neither node is changed.
func (c *compiledDiffer) withoutExtras(x path, w, g *node) (*node, *node) {
	for i, p := range c.extraAt {
		if !p.matches(x) {
			continue
		}
		e := c.extras[i]
		if e.Missing {
			g, w = without(e, g, w)
		} else {
			w, g = without(e, w, g)
		}
	}
	return w, g
}

// without returns from, less the members e names that other lacks.
func without(e Extra, other, from *node) (*node, *node) {
	switch {
	case from.kind == kindObject && other.kind == kindObject && e.By == "":
		out := &node{kind: kindObject, fields: from.fields}
		for _, k := range from.keys {
			if _, inOther := other.fields[k]; inOther || !slices.Contains(e.Names, k) {
				out.keys = append(out.keys, k)
			}
		}
		return other, out
	case from.kind == kindArray && other.kind == kindArray && e.By != "":
		inOther := map[string]bool{}
		for _, el := range other.elems {
			if n, ok := el.at(e.By); ok {
				inOther[n] = true
			}
		}
		out := &node{kind: kindArray}
		for _, el := range from.elems {
			if n, ok := el.at(e.By); ok && !inOther[n] && slices.Contains(e.Names, n) {
				continue
			}
			out.elems = append(out.elems, el)
		}
		return other, out
	}
	return other, from
}

func (c *compiledDiffer) pairing(x path) (string, bool) {
	for i, p := range c.members {
		if p.matches(x) {
			return c.pairBy[i], true
		}
	}
	return "", false
}

// scenarioDiffers is each scenario step's Differ, compiled once; the
// scenario never changes after it is built.
var scenarioDiffers = sync.OnceValues(func() (map[string]*compiledDiffer, error) {
	m := map[string]*compiledDiffer{}
	for _, s := range Scenario() {
		c, err := compileDiffer(Common, s.Differ)
		if err != nil {
			return nil, fmt.Errorf("step %s: %w", s.Name, err)
		}
		m[s.Name] = c
	}
	return m, nil
})

// Compare lists every difference between the response a step should get
// (want, e.g. a JVM golden) and the one it got, each naming the step and the
// JSON path: status, the recorded headers, and the body field by field
// (missing, extra, type, value, and field order where the bytes show it),
// except what the scenario's Differ for that step and Common allow. It
// returns nil when the two agree. A step the scenario does not know is
// compared with Common alone.
func Compare(want, got Response) []string {
	ds, err := scenarioDiffers()
	if err != nil {
		return []string{err.Error()}
	}
	d, ok := ds[want.Step]
	if !ok {
		d, _ = compileDiffer(Common)
	}
	return compareWith(d, want, got)
}

// CompareWith is Compare with the given rules instead of the scenario's:
// for responses of steps outside the scenario, or stricter checks.
func CompareWith(d Differ, want, got Response) ([]string, error) {
	c, err := compileDiffer(d)
	if err != nil {
		return nil, err
	}
	return compareWith(c, want, got), nil
}

// CompareAll compares two runs step by step, paired by step name, and also
// lists the steps only one run has.
func CompareAll(want, got []Response) []string {
	byName := map[string]Response{}
	for _, r := range got {
		byName[r.Step] = r
	}
	var diffs []string
	seen := map[string]bool{}
	for _, w := range want {
		seen[w.Step] = true
		g, ok := byName[w.Step]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s: no response (step not run)", w.Step))
			continue
		}
		diffs = append(diffs, Compare(w, g)...)
	}
	for _, g := range got {
		if !seen[g.Step] {
			diffs = append(diffs, fmt.Sprintf("%s: unexpected step", g.Step))
		}
	}
	return diffs
}

func compareWith(d *compiledDiffer, want, got Response) []string {
	var diffs []string
	add := func(format string, args ...any) {
		diffs = append(diffs, want.Step+": "+fmt.Sprintf(format, args...))
	}
	if want.Request != got.Request {
		add("request differs: want %q, got %q", want.Request, got.Request)
	}
	if want.Status != got.Status {
		add("status differs: want %d, got %d", want.Status, got.Status)
	}
	for _, h := range recordedHeaders {
		w, wok := want.Headers[h]
		g, gok := got.Headers[h]
		switch {
		case wok && !gok:
			add("header %s missing: want %q", h, w)
		case !wok && gok:
			add("header %s extra: got %q", h, g)
		case w != g:
			add("header %s differs: want %q, got %q", h, w, g)
		}
	}

	wn, werr := bodyNode(want)
	gn, gerr := bodyNode(got)
	switch {
	case werr != nil:
		add("golden body is not JSON: %v", werr)
	case gerr != nil:
		add("body is not JSON: %v", gerr)
	case wn == nil && gn == nil:
	case wn == nil:
		add("$: extra body: got %s", gn.short())
	case gn == nil:
		add("$: body missing: want %s", wn.short())
	default:
		c := comparer{d: d, add: func(s string) { diffs = append(diffs, want.Step+": "+s) }}
		c.compare(path{}, wn, gn)
	}
	return diffs
}

// bodyNode is a response's body as a tree; a text body is a string, no body
// is nil.
func bodyNode(r Response) (*node, error) {
	if len(r.Body) > 0 {
		return parseJSON(r.Body)
	}
	if r.Text != "" {
		return &node{kind: kindString, lit: r.Text}, nil
	}
	return nil, nil
}

type comparer struct {
	d   *compiledDiffer
	add func(string)
}

func (c *comparer) addf(format string, args ...any) { c.add(fmt.Sprintf(format, args...)) }

func (c *comparer) compare(at path, w, g *node) {
	if w.kind != g.kind {
		c.addf("%s: type differs: want %s, got %s", at, w.describe(), g.describe())
		return
	}
	if anyMatch(c.d.values, at) {
		return
	}
	if w.kind == kindString && anyMatch(c.d.contains, at) {
		if !strings.Contains(strings.ToLower(g.lit), strings.ToLower(w.lit)) {
			c.addf("%s: value does not contain the golden's: want %s within, got %s", at, w.short(), g.short())
		}
		return
	}
	w, g = c.d.withoutExtras(at, w, g)
	switch w.kind {
	case kindObject:
		c.compareObject(at, w, g)
	case kindArray:
		c.compareArray(at, w, g)
	default:
		if w.lit != g.lit {
			c.addf("%s: value differs: want %s, got %s", at, w.short(), g.short())
		}
	}
}

func (c *comparer) compareObject(at path, w, g *node) {
	_, members := c.d.pairing(at)
	var common []string
	for _, k := range w.keys {
		gv, ok := g.fields[k]
		if !ok {
			if !members {
				c.addf("%s: field missing: want %s", at.key(k), w.fields[k].short())
			}
			continue
		}
		common = append(common, k)
		c.compare(at.key(k), w.fields[k], gv)
	}
	var gotCommon []string
	for _, k := range g.keys {
		if _, ok := w.fields[k]; ok {
			gotCommon = append(gotCommon, k)
		} else if !members {
			c.addf("%s: extra field: got %s", at.key(k), g.fields[k].short())
		}
	}
	if !anyMatch(c.d.order, at) && !slices.Equal(common, gotCommon) {
		c.addf("%s: field order differs: want %s, got %s", at, strings.Join(common, ","), strings.Join(gotCommon, ","))
	}
}

func (c *comparer) compareArray(at path, w, g *node) {
	if by, ok := c.d.pairing(at); ok {
		c.compareMembers(at, w, g, by)
		return
	}
	we, ge := w.elems, g.elems
	if anyMatch(c.d.order, at) {
		we, ge = sortedElems(we), sortedElems(ge)
	}
	if len(we) != len(ge) {
		c.addf("%s: length differs: want %d, got %d (want %s, got %s)", at, len(we), len(ge), w.short(), g.short())
	}
	for i := 0; i < len(we) && i < len(ge); i++ {
		c.compare(at.idx(i), we[i], ge[i])
	}
}

func sortedElems(es []*node) []*node {
	out := slices.Clone(es)
	sort.SliceStable(out, func(i, j int) bool { return out[i].canonical() < out[j].canonical() })
	return out
}

// pairKey is what pairs an element with its counterpart: the JSON of its
// field by, or of itself when by is "".
func pairKey(e *node, by string) (string, bool) {
	if by == "" {
		return e.canonical(), true
	}
	if e.kind != kindObject {
		return "", false
	}
	v, ok := e.fields[by]
	if !ok {
		return "", false
	}
	return v.canonical(), true
}

// pairKeys is pairKey of each element, numbered by occurrence so that
// repeated keys pair in order; an element without a key is reported and
// left out.
func (c *comparer) pairKeys(at path, es []*node, by, side string) map[string]int {
	seen := map[string]int{}
	out := map[string]int{}
	for i, e := range es {
		k, ok := pairKey(e, by)
		if !ok {
			c.addf("%s: %s element has no %q to pair it by: %s", at.idx(i), side, by, e.short())
			continue
		}
		seen[k]++
		if seen[k] > 1 {
			k = fmt.Sprintf("%s#%d", k, seen[k])
		}
		out[k] = i
	}
	return out
}

func (c *comparer) compareMembers(at path, w, g *node, by string) {
	gotAt := c.pairKeys(at, g.elems, by, "got")
	wantAt := c.pairKeys(at, w.elems, by, "golden")
	keys := make([]string, 0, len(wantAt))
	for k := range wantAt {
		if _, ok := gotAt[k]; ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return wantAt[keys[i]] < wantAt[keys[j]] })
	var order []int // got indexes of the paired elements, in want's order
	for _, k := range keys {
		c.compare(at.idx(wantAt[k]), w.elems[wantAt[k]], g.elems[gotAt[k]])
		order = append(order, gotAt[k])
	}
	if !anyMatch(c.d.order, at) && !slices.IsSorted(order) {
		got := slices.Clone(keys)
		sort.SliceStable(got, func(i, j int) bool { return gotAt[got[i]] < gotAt[got[j]] })
		c.addf("%s: element order differs: want %s, got %s", at, strings.Join(keys, ","), strings.Join(got, ","))
	}
}
