package jsonschema

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/internal/jsonparse"
)

// The kinds of JSON Schema that Confluent's JSON Schema diff tells apart,
// as the everit library it runs on loads them.
type jkind byte

const (
	jEmpty jkind = iota // {} or a schema of annotations only
	jTrue
	jFalse
	jNull
	jBoolean
	jString
	jNumber
	jObject
	jArray
	jEnum
	jConst
	jCombined
	jNot
)

// jschema is a loaded JSON Schema, the parts the diff compares.
type jschema struct {
	kind        jkind
	text        string // canonical JSON, which tells equal subschemas and enum values apart
	hasDefault  bool
	connectType string

	integer                                bool // a number schema that requires an integer
	minimum, maximum, exMinimum, exMaximum *float64
	multipleOf                             *float64
	minLength, maxLength                   *float64
	pattern                                *string
	props                                  map[string]*jschema
	required                               map[string]bool
	additional                             bool     // permits additional properties (items, for arrays)
	additionalSchema                       *jschema // their schema, or nil
	patternProps                           []patternSchema
	depArrays                              map[string][]string // dependencies: a property and those it needs
	depSchemas                             map[string]*jschema // dependencies: a property and the schema the object then matches
	minProps, maxProps, minItems, maxItems *float64
	items                                  *jschema   // every item's schema
	itemList                               []*jschema // items by position
	uniqueItems                            bool
	values                                 []string // enum values, canonical JSON
	criterion                              string   // allOf, anyOf, oneOf
	subs                                   []*jschema
	not                                    *jschema
}

type patternSchema struct {
	re     *regexp.Regexp
	schema *jschema
}

// jloader loads schemas as everit's SchemaLoader does, following $refs
// through the schemaReader of toConnectSchema.
type jloader struct {
	r    schemaReader
	memo map[*jsonparse.Node]*jschema
}

func loadJSONSchema(text string, refs map[string]string) (*jschema, error) {
	n, err := jsonparse.Parse([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	l := &jloader{r: schemaReader{root: &n, base: docID(&n)}, memo: map[*jsonparse.Node]*jschema{}}
	if len(refs) > 0 {
		l.r.docs = make(map[string]*jsonparse.Node, len(refs))
		for name, text := range refs {
			rn, err := jsonparse.Parse([]byte(text))
			if err != nil {
				return nil, fmt.Errorf("reference %q is not JSON: %w", name, err)
			}
			l.r.docs[resolveURL(l.r.base, name)] = &rn
		}
	}
	return l.load(&n)
}

func num(n *jsonparse.Node) *float64 {
	if n == nil || n.Kind != jsonparse.Number {
		return nil
	}
	f, err := strconv.ParseFloat(n.Str, 64)
	if err != nil {
		return nil
	}
	return &f
}

// canon writes n as JSON with object members sorted, so that equal values
// compare equal.
func canon(n *jsonparse.Node) string {
	var b strings.Builder
	var walk func(n *jsonparse.Node)
	walk = func(n *jsonparse.Node) {
		switch n.Kind {
		case jsonparse.Object:
			idx := make([]int, len(n.Keys))
			for i := range idx {
				idx[i] = i
			}
			slices.SortFunc(idx, func(a, b int) int { return strings.Compare(n.Keys[a], n.Keys[b]) })
			b.WriteByte('{')
			for j, i := range idx {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Quote(n.Keys[i]))
				b.WriteByte(':')
				walk(&n.Kids[i])
			}
			b.WriteByte('}')
		case jsonparse.Array:
			b.WriteByte('[')
			for i := range n.Kids {
				if i > 0 {
					b.WriteByte(',')
				}
				walk(&n.Kids[i])
			}
			b.WriteByte(']')
		case jsonparse.String:
			b.WriteString(strconv.Quote(n.Str))
		case jsonparse.Number:
			b.WriteString(n.Str)
		case jsonparse.True:
			b.WriteString("true")
		case jsonparse.False:
			b.WriteString("false")
		default:
			b.WriteString("null")
		}
	}
	walk(n)
	return b.String()
}

var objectKeywords = []string{"properties", "required", "additionalProperties", "minProperties", "maxProperties", "dependencies", "patternProperties", "propertyNames"}
var arrayKeywords = []string{"items", "additionalItems", "minItems", "maxItems", "uniqueItems", "contains"}
var stringKeywords = []string{"minLength", "maxLength", "pattern", "format"}
var numberKeywords = []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}

func hasAny(n *jsonparse.Node, keys []string) bool {
	for _, k := range keys {
		if n.Member(k) != nil {
			return true
		}
	}
	return false
}

// load loads the schema at n: a $ref is the schema it refers to; a type
// (or, without one, the keywords of a type) makes a typed schema, an
// array of types an anyOf of them; enum, const, not, allOf, anyOf and
// oneOf each a schema; more than one of all these an allOf of them.
func (l *jloader) load(n *jsonparse.Node) (*jschema, error) {
	n, d, err := l.r.resolveIn(n, "")
	if err != nil {
		return nil, err
	}
	if s, ok := l.memo[n]; ok {
		return s, nil
	}
	defer l.r.enter(d)()
	switch n.Kind {
	case jsonparse.True:
		return &jschema{kind: jTrue, text: "true"}, nil
	case jsonparse.False:
		return &jschema{kind: jFalse, text: "false"}, nil
	case jsonparse.Object:
	default:
		return nil, fmt.Errorf("a schema must be an object or a boolean, not %s", n.Describe())
	}
	out := &jschema{text: canon(n)}
	l.memo[n] = out
	var parts []*jschema
	typed := func(t string) (*jschema, error) {
		s := &jschema{text: out.text}
		switch t {
		case "null":
			s.kind = jNull
		case "boolean":
			s.kind = jBoolean
		case "string":
			s.kind = jString
			s.minLength, s.maxLength = num(n.Member("minLength")), num(n.Member("maxLength"))
			if p := n.Member("pattern"); p != nil && p.Kind == jsonparse.String {
				s.pattern = &p.Str
			}
		case "integer", "number":
			s.kind = jNumber
			s.integer = t == "integer"
			s.minimum, s.maximum = num(n.Member("minimum")), num(n.Member("maximum"))
			s.exMinimum, s.exMaximum = num(n.Member("exclusiveMinimum")), num(n.Member("exclusiveMaximum"))
			s.multipleOf = num(n.Member("multipleOf"))
		case "object":
			s.kind = jObject
			if err := l.object(n, s); err != nil {
				return nil, err
			}
		case "array":
			s.kind = jArray
			if err := l.array(n, s); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unknown type %q", t)
		}
		return s, nil
	}
	switch t := n.Member("type"); {
	case t != nil && t.Kind == jsonparse.String:
		s, err := typed(t.Str)
		if err != nil {
			return nil, err
		}
		parts = append(parts, s)
	case t != nil && t.Kind == jsonparse.Array:
		any := &jschema{kind: jCombined, criterion: "anyOf", text: out.text}
		for i := range t.Kids {
			if t.Kids[i].Kind != jsonparse.String {
				return nil, fmt.Errorf("type must name types, not hold %s", t.Kids[i].Describe())
			}
			s, err := typed(t.Kids[i].Str)
			if err != nil {
				return nil, err
			}
			s.text = `{"type":` + strconv.Quote(t.Kids[i].Str) + `}`
			any.subs = append(any.subs, s)
		}
		parts = append(parts, any)
	case t == nil:
		for _, kw := range []struct {
			keys []string
			t    string
		}{{objectKeywords, "object"}, {arrayKeywords, "array"}, {stringKeywords, "string"}, {numberKeywords, "number"}} {
			if hasAny(n, kw.keys) {
				s, err := typed(kw.t)
				if err != nil {
					return nil, err
				}
				if kw.t == "number" {
					s.integer = false
				}
				parts = append(parts, s)
			}
		}
	}
	if e := n.Member("enum"); e != nil && e.Kind == jsonparse.Array {
		s := &jschema{kind: jEnum, text: out.text}
		for i := range e.Kids {
			s.values = append(s.values, canon(&e.Kids[i]))
		}
		parts = append(parts, s)
	}
	if c := n.Member("const"); c != nil {
		parts = append(parts, &jschema{kind: jConst, text: out.text, values: []string{canon(c)}})
	}
	if x := n.Member("not"); x != nil {
		sub, err := l.load(x)
		if err != nil {
			return nil, err
		}
		parts = append(parts, &jschema{kind: jNot, text: out.text, not: sub})
	}
	for _, crit := range []string{"allOf", "anyOf", "oneOf"} {
		x := n.Member(crit)
		if x == nil || x.Kind != jsonparse.Array {
			continue
		}
		c := &jschema{kind: jCombined, criterion: crit, text: out.text}
		for i := range x.Kids {
			sub, err := l.load(&x.Kids[i])
			if err != nil {
				return nil, err
			}
			c.subs = append(c.subs, sub)
		}
		parts = append(parts, c)
	}
	switch len(parts) {
	case 0:
		out.kind = jEmpty
	case 1:
		*out = *parts[0]
	default:
		*out = jschema{kind: jCombined, criterion: "allOf", subs: parts, text: out.text}
	}
	out.hasDefault = n.Member("default") != nil
	if ct := n.Member(connectType); ct != nil && ct.Kind == jsonparse.String {
		out.connectType = ct.Str
	}
	return out, nil
}

func (l *jloader) object(n *jsonparse.Node, s *jschema) error {
	s.additional = true
	s.props = map[string]*jschema{}
	s.required = map[string]bool{}
	if p := n.Member("properties"); p != nil && p.Kind == jsonparse.Object {
		for i, k := range p.Keys {
			sub, err := l.load(&p.Kids[i])
			if err != nil {
				return fmt.Errorf("property %s: %w", k, err)
			}
			s.props[k] = sub
		}
	}
	if r := n.Member("required"); r != nil && r.Kind == jsonparse.Array {
		for i := range r.Kids {
			s.required[r.Kids[i].Str] = true
		}
	}
	switch a := n.Member("additionalProperties"); {
	case a == nil:
	case a.Kind == jsonparse.False:
		s.additional = false
	case a.Kind == jsonparse.True:
	default:
		sub, err := l.load(a)
		if err != nil {
			return fmt.Errorf("additionalProperties: %w", err)
		}
		s.additionalSchema = sub
	}
	if pp := n.Member("patternProperties"); pp != nil && pp.Kind == jsonparse.Object {
		for i, k := range pp.Keys {
			re, err := regexp.Compile(k)
			if err != nil {
				return fmt.Errorf("patternProperties %q: %w", k, err)
			}
			sub, err := l.load(&pp.Kids[i])
			if err != nil {
				return fmt.Errorf("patternProperties %q: %w", k, err)
			}
			s.patternProps = append(s.patternProps, patternSchema{re, sub})
		}
	}
	if dep := n.Member("dependencies"); dep != nil && dep.Kind == jsonparse.Object {
		s.depArrays, s.depSchemas = map[string][]string{}, map[string]*jschema{}
		for i, k := range dep.Keys {
			if d := &dep.Kids[i]; d.Kind == jsonparse.Array {
				names := []string{}
				for j := range d.Kids {
					names = append(names, d.Kids[j].Str)
				}
				s.depArrays[k] = names
				continue
			}
			sub, err := l.load(&dep.Kids[i])
			if err != nil {
				return fmt.Errorf("dependencies %s: %w", k, err)
			}
			s.depSchemas[k] = sub
		}
	}
	s.minProps, s.maxProps = num(n.Member("minProperties")), num(n.Member("maxProperties"))
	return nil
}

func (l *jloader) array(n *jsonparse.Node, s *jschema) error {
	s.additional = true
	switch it := n.Member("items"); {
	case it == nil:
	case it.Kind == jsonparse.Array:
		for i := range it.Kids {
			sub, err := l.load(&it.Kids[i])
			if err != nil {
				return fmt.Errorf("items %d: %w", i, err)
			}
			s.itemList = append(s.itemList, sub)
		}
	default:
		sub, err := l.load(it)
		if err != nil {
			return fmt.Errorf("items: %w", err)
		}
		s.items = sub
	}
	switch a := n.Member("additionalItems"); {
	case a == nil:
	case a.Kind == jsonparse.False:
		s.additional = false
	case a.Kind == jsonparse.True:
	default:
		sub, err := l.load(a)
		if err != nil {
			return fmt.Errorf("additionalItems: %w", err)
		}
		s.additionalSchema = sub
	}
	s.minItems, s.maxItems = num(n.Member("minItems")), num(n.Member("maxItems"))
	s.uniqueItems = n.Member("uniqueItems") != nil && n.Member("uniqueItems").Kind == jsonparse.True
	return nil
}

// compatibleJSONChanges are the differences Confluent's JSON Schema diff
// takes as backward compatible under its default, strict, policy
// (SchemaDiff.COMPATIBLE_CHANGES_STRICT); every other is not.
var compatibleJSONChanges = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`ID_CHANGED DESCRIPTION_CHANGED TITLE_CHANGED DEFAULT_CHANGED SCHEMA_REMOVED TYPE_EXTENDED
		MAX_LENGTH_INCREASED MAX_LENGTH_REMOVED MIN_LENGTH_DECREASED MIN_LENGTH_REMOVED PATTERN_REMOVED
		MAXIMUM_INCREASED MAXIMUM_REMOVED MINIMUM_DECREASED MINIMUM_REMOVED EXCLUSIVE_MAXIMUM_INCREASED EXCLUSIVE_MAXIMUM_REMOVED
		EXCLUSIVE_MINIMUM_DECREASED EXCLUSIVE_MINIMUM_REMOVED MULTIPLE_OF_REDUCED MULTIPLE_OF_REMOVED
		REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED REQUIRED_ATTRIBUTE_REMOVED DEPENDENCY_ARRAY_NARROWED DEPENDENCY_ARRAY_REMOVED
		DEPENDENCY_SCHEMA_REMOVED MAX_PROPERTIES_INCREASED MAX_PROPERTIES_REMOVED MIN_PROPERTIES_DECREASED MIN_PROPERTIES_REMOVED
		ADDITIONAL_PROPERTIES_ADDED ADDITIONAL_PROPERTIES_EXTENDED
		PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL
		OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL
		PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
		PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
		MAX_ITEMS_INCREASED MAX_ITEMS_REMOVED MIN_ITEMS_DECREASED MIN_ITEMS_REMOVED UNIQUE_ITEMS_REMOVED
		ADDITIONAL_ITEMS_ADDED ADDITIONAL_ITEMS_EXTENDED ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL
		ITEM_ADDED_TO_CLOSED_CONTENT_MODEL ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL
		ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL
		ENUM_ARRAY_EXTENDED COMBINED_TYPE_EXTENDED PRODUCT_TYPE_NARROWED SUM_TYPE_EXTENDED NOT_TYPE_NARROWED`) {
		compatibleJSONChanges[t] = true
	}
}

// jdiff is one difference, at a JSON pointer-like path relative to the
// schemas compared.
type jdiff struct{ typ, path string }

func (d jdiff) String() string { return d.typ + " at #/" + d.path }

func compatible(ds []jdiff) bool {
	for _, d := range ds {
		if !compatibleJSONChanges[d.typ] {
			return false
		}
	}
	return true
}

func under(prefix string, ds []jdiff) []jdiff {
	out := make([]jdiff, len(ds))
	for i, d := range ds {
		p := prefix
		if d.path != "" {
			p += "/" + d.path
		}
		out[i] = jdiff{d.typ, p}
	}
	return out
}

type jpair struct{ o, u *jschema }

// jcomparer compares schemas as Confluent's JSON Schema SchemaDiff does.
// A pair already being compared (a recursive schema) is taken as
// compatible, and a pair compared before gives its earlier answer.
type jcomparer struct {
	active map[jpair]bool
	done   map[jpair][]jdiff
}

// jsonIncompatibilities returns the differences that make update (a
// subject's latest schema) not backward compatible with original (the
// schema a value is written with), as Confluent's JsonSchema
// isBackwardCompatible finds them under its strict policy.
func jsonIncompatibilities(original, update *jschema) []string {
	c := &jcomparer{active: map[jpair]bool{}, done: map[jpair][]jdiff{}}
	var out []string
	for _, d := range c.compare(original, update) {
		if !compatibleJSONChanges[d.typ] {
			out = append(out, d.String())
		}
	}
	return out
}

func (c *jcomparer) compare(o, u *jschema) []jdiff {
	switch {
	case o == nil && u == nil:
		return nil
	case o == nil:
		return []jdiff{{"SCHEMA_ADDED", ""}}
	case u == nil:
		return []jdiff{{"SCHEMA_REMOVED", ""}}
	}
	k := jpair{o, u}
	if ds, ok := c.done[k]; ok {
		return ds
	}
	if c.active[k] {
		return nil
	}
	c.active[k] = true
	ds := c.types(o, u)
	delete(c.active, k)
	c.done[k] = ds
	return ds
}

func isEmpty(s *jschema) bool { return s.kind == jEmpty || s.kind == jTrue }

func (c *jcomparer) types(o, u *jschema) []jdiff {
	if o.kind != jCombined && u.kind == jCombined {
		if len(u.subs) == 1 {
			if ds := c.compare(o, u.subs[0]); compatible(ds) {
				return ds
			}
		} else if u.criterion == "anyOf" || u.criterion == "oneOf" {
			for _, sub := range u.subs {
				if ds := c.compare(o, sub); compatible(ds) {
					return append(slices.Clone(ds), jdiff{"SUM_TYPE_EXTENDED", ""})
				}
			}
		}
	} else if o.kind == jCombined && u.kind != jCombined {
		if len(o.subs) == 1 {
			if ds := c.compare(o.subs[0], u); compatible(ds) {
				return ds
			}
		} else if o.criterion == "allOf" {
			for _, sub := range o.subs {
				if ds := c.compare(sub, u); compatible(ds) {
					return append(slices.Clone(ds), jdiff{"PRODUCT_TYPE_NARROWED", ""})
				}
			}
		}
	}
	sameClass := o.kind == u.kind || (o.kind == jCombined && u.kind == jCombined)
	if !sameClass {
		if o.kind == jFalse || isEmpty(u) {
			return nil
		}
		if o.connectType == "bytes" && u.connectType == "bytes" {
			return nil
		}
		return []jdiff{{"TYPE_CHANGED", ""}}
	}
	var ds []jdiff
	add := func(path, typ string) { ds = append(ds, jdiff{typ, path}) }
	switch o.kind {
	case jString:
		limit(add, "maxLength", "MAX_LENGTH", o.maxLength, u.maxLength)
		limit(add, "minLength", "MIN_LENGTH", o.minLength, u.minLength)
		switch {
		case o.pattern == nil && u.pattern != nil:
			add("pattern", "PATTERN_ADDED")
		case o.pattern != nil && u.pattern == nil:
			add("pattern", "PATTERN_REMOVED")
		case o.pattern != nil && *o.pattern != *u.pattern:
			add("pattern", "PATTERN_CHANGED")
		}
	case jNumber:
		limit(add, "maximum", "MAXIMUM", o.maximum, u.maximum)
		limit(add, "minimum", "MINIMUM", o.minimum, u.minimum)
		limit(add, "exclusiveMaximum", "EXCLUSIVE_MAXIMUM", o.exMaximum, u.exMaximum)
		limit(add, "exclusiveMinimum", "EXCLUSIVE_MINIMUM", o.exMinimum, u.exMinimum)
		multipleOf(add, o.multipleOf, u.multipleOf)
		if o.integer != u.integer {
			if o.integer {
				add("", "TYPE_EXTENDED")
			} else {
				add("", "TYPE_NARROWED")
			}
		}
	case jEnum:
		enumDiff(add, "enum", o.values, u.values)
	case jConst:
		if o.values[0] != u.values[0] {
			add("const", "ENUM_ARRAY_CHANGED")
		}
	case jNot:
		if compatible(c.compare(u.not, o.not)) {
			add("not", "NOT_TYPE_NARROWED")
		} else {
			add("not", "NOT_TYPE_EXTENDED")
		}
	case jCombined:
		ds = append(ds, c.combined(o, u)...)
	case jObject:
		ds = append(ds, c.object(o, u)...)
	case jArray:
		ds = append(ds, c.array(o, u)...)
	}
	return ds
}

// limit compares a bound, whose differences are named by prefix.
func limit(add func(path, typ string), name, prefix string, o, u *float64) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		add(name, prefix+"_ADDED")
	case u == nil:
		add(name, prefix+"_REMOVED")
	case *o < *u:
		add(name, prefix+"_INCREASED")
	case *o > *u:
		add(name, prefix+"_DECREASED")
	}
}

func multipleOf(add func(path, typ string), o, u *float64) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		add("multipleOf", "MULTIPLE_OF_ADDED")
	case u == nil:
		add("multipleOf", "MULTIPLE_OF_REMOVED")
	case *o == *u:
	case *o != 0 && isMultiple(*u, *o):
		add("multipleOf", "MULTIPLE_OF_EXPANDED")
	case *u != 0 && isMultiple(*o, *u):
		add("multipleOf", "MULTIPLE_OF_REDUCED")
	default:
		add("multipleOf", "MULTIPLE_OF_CHANGED")
	}
}

func isMultiple(a, b float64) bool {
	q := a / b
	return q == float64(int64(q))
}

func enumDiff(add func(path, typ string), path string, o, u []string) {
	contains := func(all, some []string) bool {
		for _, v := range some {
			if !slices.Contains(all, v) {
				return false
			}
		}
		return true
	}
	switch {
	case contains(o, u) && contains(u, o):
	case contains(u, o):
		add(path, "ENUM_ARRAY_EXTENDED")
	case contains(o, u):
		add(path, "ENUM_ARRAY_NARROWED")
	default:
		add(path, "ENUM_ARRAY_CHANGED")
	}
}

func (c *jcomparer) combined(o, u *jschema) []jdiff {
	var ds []jdiff
	if o.criterion != u.criterion {
		single := func(s *jschema) bool { return len(s.subs) == 1 }
		if u.criterion == "anyOf" || (single(o) && single(u)) || (single(o) && u.criterion == "oneOf") || (single(u) && o.criterion == "allOf") {
			ds = append(ds, jdiff{"COMBINED_TYPE_EXTENDED", ""})
		} else {
			return []jdiff{{"COMBINED_TYPE_CHANGED", ""}}
		}
	}
	dedup := func(subs []*jschema) []*jschema {
		var out []*jschema
		seen := map[string]bool{}
		for _, s := range subs {
			if !seen[s.text] {
				seen[s.text] = true
				out = append(out, s)
			}
		}
		return out
	}
	os, us := dedup(o.subs), dedup(u.subs)
	switch {
	case len(os) < len(us):
		if u.criterion == "allOf" {
			ds = append(ds, jdiff{"PRODUCT_TYPE_EXTENDED", ""})
		} else {
			ds = append(ds, jdiff{"SUM_TYPE_EXTENDED", ""})
		}
	case len(os) > len(us):
		if o.criterion == "anyOf" || o.criterion == "oneOf" {
			ds = append(ds, jdiff{"SUM_TYPE_NARROWED", ""})
		} else {
			ds = append(ds, jdiff{"PRODUCT_TYPE_NARROWED", ""})
		}
	}
	// The compatible pairs, then a matching of the most of them, each
	// original subschema to its own update subschema.
	edges := make([][]int, len(os))
	diffs := map[[2]int][]jdiff{}
	for i, osub := range os {
		for j, usub := range us {
			if sd := c.compare(osub, usub); compatible(sd) {
				edges[i] = append(edges[i], j)
				diffs[[2]int{i, j}] = under(o.criterion+"/"+strconv.Itoa(i), sd)
			}
		}
	}
	matchU := make([]int, len(us))
	for j := range matchU {
		matchU[j] = -1
	}
	var augment func(i int, seen []bool) bool
	augment = func(i int, seen []bool) bool {
		for _, j := range edges[i] {
			if seen[j] {
				continue
			}
			seen[j] = true
			if matchU[j] < 0 || augment(matchU[j], seen) {
				matchU[j] = i
				return true
			}
		}
		return false
	}
	matched := 0
	for i := range os {
		if augment(i, make([]bool, len(us))) {
			matched++
		}
	}
	for j, i := range matchU {
		if i >= 0 {
			ds = append(ds, diffs[[2]int{i, j}]...)
		}
	}
	if matched < min(len(os), len(us)) {
		ds = append(ds, jdiff{"COMBINED_TYPE_SUBSCHEMAS_CHANGED", ""})
	}
	return ds
}

func openObject(s *jschema) bool {
	return s.additional && s.additionalSchema == nil && len(s.patternProps) == 0
}

// partialObject is the schema an unopen object gives a property it does
// not name: a matching pattern property's, or additionalProperties'.
func partialObject(s *jschema, name string) *jschema {
	for _, p := range s.patternProps {
		if p.re.MatchString(name) {
			return p.schema
		}
	}
	return s.additionalSchema
}

func sortedKeys(ms ...map[string]*jschema) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

func (c *jcomparer) object(o, u *jschema) []jdiff {
	var ds []jdiff
	add := func(path, typ string) { ds = append(ds, jdiff{typ, path}) }
	for _, k := range sortedKeys(o.props) {
		if _, ok := u.props[k]; !ok {
			continue
		}
		switch or, ur := o.required[k], u.required[k]; {
		case or && !ur:
			add("required/"+k, "REQUIRED_ATTRIBUTE_REMOVED")
		case !or && ur && u.props[k].hasDefault:
			add("required/"+k, "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED")
		case !or && ur:
			add("required/"+k, "REQUIRED_ATTRIBUTE_ADDED")
		}
	}
	for _, k := range sortedKeys(o.props, u.props) {
		path := "properties/" + k
		os, us := o.props[k], u.props[k]
		switch {
		case us == nil:
			if openObject(u) {
				add(path, "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL")
			} else if p := partialObject(u, k); p != nil {
				sd := c.compare(os, p)
				ds = append(ds, under(path, sd)...)
				if compatible(sd) {
					add(path, "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				} else {
					add(path, "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				}
			} else if os.kind == jFalse {
				add(path, "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")
			} else {
				add(path, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL")
			}
		case os == nil:
			if openObject(o) {
				switch {
				case isEmpty(us):
					add(path, "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")
				case u.required[k] && us.hasDefault:
					add(path, "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL")
				case u.required[k]:
					add(path, "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
				default:
					add(path, "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
				}
				continue
			}
			if p := partialObject(o, k); p != nil {
				sd := c.compare(p, us)
				ds = append(ds, under(path, sd)...)
				if compatible(sd) {
					add(path, "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				} else {
					add(path, "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				}
			}
			switch {
			case u.required[k] && us.hasDefault:
				add(path, "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL")
			case u.required[k]:
				add(path, "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
			default:
				add(path, "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
			}
		default:
			ds = append(ds, under(path, c.compare(os, us))...)
		}
	}
	depKeys := map[string]*jschema{}
	for k := range o.depArrays {
		depKeys[k] = nil
	}
	for k := range u.depArrays {
		depKeys[k] = nil
	}
	for _, k := range sortedKeys(depKeys) {
		od, ook := o.depArrays[k]
		ud, uok := u.depArrays[k]
		path := "dependencies/" + k
		switch {
		case !uok:
			add(path, "DEPENDENCY_ARRAY_REMOVED")
		case !ook:
			add(path, "DEPENDENCY_ARRAY_ADDED")
		default:
			enumDiff(func(path, typ string) {
				add(path, strings.Replace(typ, "ENUM_ARRAY", "DEPENDENCY_ARRAY", 1))
			}, path, quoteAll(od), quoteAll(ud))
		}
	}
	for _, k := range sortedKeys(o.depSchemas, u.depSchemas) {
		path := "dependencies/" + k
		switch os, us := o.depSchemas[k], u.depSchemas[k]; {
		case us == nil:
			add(path, "DEPENDENCY_SCHEMA_REMOVED")
		case os == nil:
			add(path, "DEPENDENCY_SCHEMA_ADDED")
		default:
			ds = append(ds, under(path, c.compare(os, us))...)
		}
	}
	switch {
	case o.additional != u.additional:
		if u.additional {
			add("additionalProperties", "ADDITIONAL_PROPERTIES_ADDED")
		} else {
			add("additionalProperties", "ADDITIONAL_PROPERTIES_REMOVED")
		}
	case o.additionalSchema == nil && u.additionalSchema != nil:
		add("additionalProperties", "ADDITIONAL_PROPERTIES_NARROWED")
	case u.additionalSchema == nil && o.additionalSchema != nil:
		add("additionalProperties", "ADDITIONAL_PROPERTIES_EXTENDED")
	default:
		ds = append(ds, under("additionalProperties", c.compare(o.additionalSchema, u.additionalSchema))...)
	}
	limit(add, "maxProperties", "MAX_PROPERTIES", o.maxProps, u.maxProps)
	limit(add, "minProperties", "MIN_PROPERTIES", o.minProps, u.minProps)
	return ds
}

func (c *jcomparer) array(o, u *jschema) []jdiff {
	var ds []jdiff
	add := func(path, typ string) { ds = append(ds, jdiff{typ, path}) }
	ds = append(ds, under("items", c.compare(o.items, u.items))...)
	open := func(s *jschema) bool { return s.additional && s.additionalSchema == nil }
	n := min(len(o.itemList), len(u.itemList))
	for i := range n {
		ds = append(ds, under("items/"+strconv.Itoa(i), c.compare(o.itemList[i], u.itemList[i]))...)
	}
	for i := n; i < len(o.itemList); i++ {
		path := "items/" + strconv.Itoa(i)
		switch {
		case open(u):
			add(path, "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL")
		case u.additionalSchema != nil:
			sd := c.compare(o.itemList[i], u.additionalSchema)
			ds = append(ds, under(path, sd)...)
			if compatible(sd) {
				add(path, "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			} else {
				add(path, "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			}
		case o.itemList[i].kind == jFalse:
			add(path, "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")
		default:
			add(path, "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL")
		}
	}
	for i := n; i < len(u.itemList); i++ {
		path := "items/" + strconv.Itoa(i)
		switch {
		case open(o) && isEmpty(u.itemList[i]):
			add(path, "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")
		case open(o):
			add(path, "ITEM_ADDED_TO_OPEN_CONTENT_MODEL")
		case o.additionalSchema != nil:
			sd := c.compare(o.additionalSchema, u.itemList[i])
			ds = append(ds, under(path, sd)...)
			if compatible(sd) {
				add(path, "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			} else {
				add(path, "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			}
		default:
			add(path, "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL")
		}
	}
	switch {
	case o.additional != u.additional:
		if o.additional {
			add("additionalItems", "ADDITIONAL_ITEMS_REMOVED")
		} else {
			add("additionalItems", "ADDITIONAL_ITEMS_ADDED")
		}
	case o.additionalSchema == nil && u.additionalSchema != nil:
		add("additionalItems", "ADDITIONAL_ITEMS_NARROWED")
	case u.additionalSchema == nil && o.additionalSchema != nil:
		add("additionalItems", "ADDITIONAL_ITEMS_EXTENDED")
	default:
		ds = append(ds, under("additionalItems", c.compare(o.additionalSchema, u.additionalSchema))...)
	}
	limit(add, "maxItems", "MAX_ITEMS", o.maxItems, u.maxItems)
	limit(add, "minItems", "MIN_ITEMS", o.minItems, u.minItems)
	if o.uniqueItems != u.uniqueItems {
		if o.uniqueItems {
			add("uniqueItems", "UNIQUE_ITEMS_REMOVED")
		} else {
			add("uniqueItems", "UNIQUE_ITEMS_ADDED")
		}
	}
	return ds
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strconv.Quote(n)
	}
	return out
}
