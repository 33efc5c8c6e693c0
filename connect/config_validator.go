package connect

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Validator checks one parsed configuration value.
//
// Validate receives the parsed value (see [ConfigType] for the Go type of
// each configuration type) and returns nil if it is acceptable. Otherwise
// the error's message is the reason, e.g. "Value must be at least 1"; the
// [ConfigDef] wraps it into Kafka's form
// "Invalid value 0 for configuration tasks.max: Value must be at least 1"
// (a password's value shows as [PasswordHidden]). Validate is never called
// for a key that has no value (not set and no default), must not modify the
// value, and must be safe for concurrent use.
//
// A Validator may also have the method
//
//	RecommendedValues() []string
//
// whose result [ConfigDef.Validate] reports as the key's recommended values
// when the key has no [Recommender] ([OneOf] does this), and the method
// String() string describing the accepted values for documentation.
type Validator interface {
	Validate(value any) error
}

// ValidatorFunc adapts a function to the [Validator] interface.
type ValidatorFunc func(value any) error

// Validate returns f(value).
func (f ValidatorFunc) Validate(value any) error { return f(value) }

// cfgRecommending is the optional Validator extension for recommended values.
type cfgRecommending interface {
	RecommendedValues() []string
}

// cfgNumber reads a numeric configuration value: int (INT), int64 (LONG),
// float64 (DOUBLE) or time.Duration (DURATION).
func cfgNumber(v any) (i int64, f float64, isInt, ok bool) {
	switch x := v.(type) {
	case int:
		return int64(x), float64(x), true, true
	case int32:
		return int64(x), float64(x), true, true
	case int64:
		return x, float64(x), true, true
	case time.Duration:
		return int64(x), float64(x), true, true
	case float64:
		return 0, x, false, true
	case float32:
		return 0, float64(x), false, true
	}
	return 0, 0, false, false
}

// cfgBound is one end of a numeric range.
type cfgBound struct {
	set   bool
	isInt bool
	i     int64
	f     float64
	text  string
}

func cfgMakeBound[N ~int | ~int32 | ~int64 | ~float64](n N) cfgBound {
	b := cfgBound{set: true, f: float64(n), text: fmt.Sprint(n)}
	if k := reflect.TypeOf(n).Kind(); k != reflect.Float64 {
		b.isInt, b.i = true, int64(n)
	}
	return b
}

// cmp compares a value with the bound: -1, 0 or +1.
func (b cfgBound) cmp(vi int64, vf float64, vInt bool) int {
	if vInt && b.isInt {
		switch {
		case vi < b.i:
			return -1
		case vi > b.i:
			return 1
		}
		return 0
	}
	switch {
	case vf < b.f:
		return -1
	case vf > b.f:
		return 1
	}
	return 0
}

type cfgRange struct{ min, max cfgBound }

func (r cfgRange) Validate(v any) error {
	vi, vf, vInt, ok := cfgNumber(v)
	if !ok {
		return fmt.Errorf("Value must be a number, not %T", v)
	}
	if r.min.set && r.min.cmp(vi, vf, vInt) < 0 {
		return errors.New("Value must be at least " + r.min.text)
	}
	if r.max.set && r.max.cmp(vi, vf, vInt) > 0 {
		return errors.New("Value must be no more than " + r.max.text)
	}
	return nil
}

// String describes the range as Kafka does: "[1,...,10]", "[1,...]", "[...,10]".
func (r cfgRange) String() string {
	switch {
	case r.min.set && r.max.set:
		return "[" + r.min.text + ",...," + r.max.text + "]"
	case r.min.set:
		return "[" + r.min.text + ",...]"
	case r.max.set:
		return "[...," + r.max.text + "]"
	}
	return "[...]"
}

// Range accepts numeric values v with min <= v <= max. It works for INT,
// LONG, DOUBLE and DURATION keys (e.g. Range(time.Second, time.Hour));
// integers are compared exactly, anything involving a float as float64.
// A NaN value is accepted, as in Kafka. A non-numeric value fails.
// Messages: "Value must be at least <min>", "Value must be no more than <max>".
func Range[N ~int | ~int32 | ~int64 | ~float64](min, max N) Validator {
	return cfgRange{min: cfgMakeBound(min), max: cfgMakeBound(max)}
}

// AtLeast accepts numeric values v >= min; see [Range].
func AtLeast[N ~int | ~int32 | ~int64 | ~float64](min N) Validator {
	return cfgRange{min: cfgMakeBound(min)}
}

// AtMost accepts numeric values v <= max; see [Range].
func AtMost[N ~int | ~int32 | ~int64 | ~float64](max N) Validator {
	return cfgRange{max: cfgMakeBound(max)}
}

type cfgOneOf struct {
	values     []string
	ignoreCase bool
}

func (o cfgOneOf) ok(s string) bool {
	if o.ignoreCase {
		return slices.ContainsFunc(o.values, func(v string) bool { return strings.EqualFold(v, s) })
	}
	return slices.Contains(o.values, s)
}

func (o cfgOneOf) Validate(v any) error {
	var bad bool
	switch x := v.(type) {
	case string:
		bad = !o.ok(x)
	case []string:
		bad = slices.ContainsFunc(x, func(s string) bool { return !o.ok(s) })
	default:
		return fmt.Errorf("Value must be a string or a list, not %T", v)
	}
	if !bad {
		return nil
	}
	if o.ignoreCase {
		return errors.New("String must be one of (case insensitive): " + strings.Join(o.values, ", "))
	}
	return errors.New("String must be one of: " + strings.Join(o.values, ", "))
}

// RecommendedValues returns the accepted values, in the order given.
func (o cfgOneOf) RecommendedValues() []string { return slices.Clone(o.values) }

// String describes the accepted values as Kafka does: "[a, b]" or
// "(case insensitive) [a, b]".
func (o cfgOneOf) String() string {
	s := "[" + strings.Join(o.values, ", ") + "]"
	if o.ignoreCase {
		return "(case insensitive) " + s
	}
	return s
}

// OneOf accepts a string (STRING, CLASS) equal to one of values, or a list
// (LIST) whose every item is, like Kafka's ValidString and ValidList.
// Matching is case-sensitive. Its values are reported as the key's
// recommended values. Message: "String must be one of: a, b".
func OneOf(values ...string) Validator {
	return cfgOneOf{values: slices.Clone(values)}
}

// OneOfIgnoreCase is [OneOf] with case-insensitive matching (Unicode case
// folding), like Kafka's CaseInsensitiveValidString. The parsed value keeps
// the case the user wrote. Message: "String must be one of (case
// insensitive): a, b".
func OneOfIgnoreCase(values ...string) Validator {
	return cfgOneOf{values: slices.Clone(values), ignoreCase: true}
}

type cfgNonEmpty struct{}

func (cfgNonEmpty) Validate(v any) error {
	switch x := v.(type) {
	case string:
		if x == "" {
			return errors.New("String must be non-empty")
		}
	case Password:
		if x.Value() == "" {
			return errors.New("String must be non-empty")
		}
	case []string:
		if len(x) == 0 {
			return errors.New("List must be non-empty")
		}
	default:
		return fmt.Errorf("Value must be a string or a list, not %T", v)
	}
	return nil
}

func (cfgNonEmpty) String() string { return "non-empty string" }

// NonEmpty rejects the empty string (STRING, CLASS, PASSWORD; message
// "String must be non-empty", like Kafka's NonEmptyString) and the empty
// list (LIST; "List must be non-empty"). As configured values are trimmed,
// a blank value is empty. (A key that is not set at all is reported as
// missing only if it is Required.)
func NonEmpty() Validator { return cfgNonEmpty{} }

type cfgRegex struct {
	re      *regexp.Regexp
	pattern string
}

func (r cfgRegex) Validate(v any) error {
	var items []string
	switch x := v.(type) {
	case string:
		items = []string{x}
	case Password:
		items = []string{x.Value()}
	case []string:
		items = x
	default:
		return fmt.Errorf("Value must be a string or a list, not %T", v)
	}
	for _, s := range items {
		if !r.re.MatchString(s) {
			return errors.New("Value must match the regular expression " + r.pattern)
		}
	}
	return nil
}

func (r cfgRegex) String() string { return "matches " + r.pattern }

// Regex accepts strings (and each item of a list) that match pattern in
// full, like Java's Matcher.matches: pattern is anchored at both ends. The
// syntax is Go's RE2 (package regexp), not Java's. Regex panics if pattern
// does not compile, as regexp.MustCompile does. Message: "Value must match
// the regular expression <pattern>".
func Regex(pattern string) Validator {
	return cfgRegex{re: regexp.MustCompile(`^(?:` + pattern + `)$`), pattern: pattern}
}

type cfgAllOf []Validator

func (a cfgAllOf) Validate(v any) error {
	for _, x := range a {
		if err := x.Validate(v); err != nil {
			return err
		}
	}
	return nil
}

func (a cfgAllOf) RecommendedValues() []string {
	for _, x := range a {
		if r, ok := x.(cfgRecommending); ok {
			if vals := r.RecommendedValues(); len(vals) > 0 {
				return vals
			}
		}
	}
	return nil
}

func (a cfgAllOf) String() string {
	parts := make([]string, 0, len(a))
	for _, x := range a {
		if s, ok := x.(fmt.Stringer); ok {
			parts = append(parts, s.String())
		}
	}
	return strings.Join(parts, ", ")
}

// AllOf runs validators in order and returns the first failure, like
// Kafka's CompositeValidator. Nil validators are skipped. Its recommended
// values are those of the first validator that has any.
func AllOf(validators ...Validator) Validator {
	out := make(cfgAllOf, 0, len(validators))
	for _, v := range validators {
		if v != nil {
			out = append(out, v)
		}
	}
	return out
}
