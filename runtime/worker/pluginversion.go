package worker

import (
	"fmt"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/transform"
)

// KIP-891 lets a connector configuration ask for a version of each of its
// plugins: connector.plugin.version, <converter>.plugin.version and
// transforms.<alias>.plugin.version / predicates.<alias>.plugin.version.
// Kafka Connect reads each as a Maven version range (a bare version is
// that version exactly, "latest" any), and a plugin none of whose
// installed versions it contains fails the configuration. kconnect has one
// version of each plugin: the range must contain that one.

// pluginVersionErrors checks the plugin version keys of a connector
// configuration: a range that does not parse is an error on its key, in
// the shape of Kafka's ConfigException; a range the plugin's version is
// not in is an error on the version key and the plugin's class key, with
// Kafka's VersionedPluginLoadingException message. A converter's version
// is checked where the configuration names the converter, as Kafka
// Connect validates it; a plugin that is not found is left to the checks
// that report it, and one without a release version (releaseVersion) is
// not checked.
func (w *engine) pluginVersionErrors(info connect.PluginInfo, raw map[string]string) []*connect.ConfigKeyError {
	var errs []*connect.ConfigKeyError
	check := func(versionKey, classKey, class string, version func() (string, bool)) {
		spec, ok := raw[versionKey]
		if !ok {
			return
		}
		r, err := pluginVersionRequirement(spec)
		if err != nil {
			errs = append(errs, &connect.ConfigKeyError{Key: versionKey,
				Message: fmt.Sprintf("Invalid value %s for configuration %s: %v", spec, versionKey, err)})
			return
		}
		if r == nil {
			return
		}
		v, found := version()
		release, versioned := releaseVersion(v)
		if !found || !versioned || r.contains(release) {
			return
		}
		msg := fmt.Sprintf("Plugin %s not found that matches the version range %s, available versions: [%s]", class, r, v)
		errs = append(errs, &connect.ConfigKeyError{Key: versionKey, Message: versionKey + ": " + msg},
			&connect.ConfigKeyError{Key: classKey, Message: classKey + ": " + msg})
	}
	check(ConnectorPluginVersionConfig, ConnectorClassConfig, info.Class, func() (string, bool) { return info.Version, true })
	pluginVersion := func(kind connect.PluginKind, name string) func() (string, bool) {
		return func() (string, bool) {
			p, err := w.findPlugin(kind, name)
			if err != nil {
				return "", false
			}
			return p.Info().Version, true
		}
	}
	for _, classKey := range []string{KeyConverterConfig, ValueConverterConfig, HeaderConverterConfig} {
		class := strings.TrimSpace(raw[classKey])
		if class == "" {
			continue
		}
		check(classKey+pluginVersionSuffix, classKey, class, pluginVersion(converterKind(classKey), class))
	}
	for _, chain := range []struct {
		listKey string
		kind    connect.PluginKind
	}{{transform.TransformsConfig, connect.TransformationPlugin}, {transform.PredicatesConfig, connect.PredicatePlugin}} {
		for _, alias := range strings.Split(raw[chain.listKey], ",") {
			alias = strings.TrimSpace(alias)
			if alias == "" {
				continue
			}
			prefix := chain.listKey + "." + alias + "."
			class := strings.TrimSpace(raw[prefix+"type"])
			if class == "" {
				continue
			}
			check(prefix+"plugin.version", prefix+"type", class, pluginVersion(chain.kind, class))
		}
	}
	return errs
}

// releaseVersion is a plugin's version as a range is matched against it:
// without the "v" of a Go module version ("v1.2.3" is 1.2.3). A plugin of
// a development build ("(devel)", "") has no version to hold against a
// range, and is not checked.
func releaseVersion(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && isDigit(v[1]) {
		v = v[1:]
	}
	return v, v != "" && isDigit(v[0])
}

// versionRange is a Maven version range: versions any of whose
// restrictions contains.
type versionRange []versionRestriction

// versionRestriction is an interval of versions; an empty bound is none.
type versionRestriction struct {
	lower, upper                   string
	lowerInclusive, upperInclusive bool
}

// pluginVersionRequirement is Kafka's PluginUtils.connectorVersionRequirement:
// nil for "latest" (any version); a range as Maven parses it; a bare
// version is that version exactly.
func pluginVersionRequirement(spec string) (versionRange, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "latest" {
		return nil, nil
	}
	r, err := parseVersionRange(spec)
	if err != nil || r != nil {
		return r, err
	}
	return parseVersionRange("[" + spec + "]")
}

// parseVersionRange parses a Maven version range specification, with
// Maven's messages: nil for a bare version (a recommendation, which
// restricts nothing).
func parseVersionRange(spec string) (versionRange, error) {
	var r versionRange
	process := strings.TrimSpace(spec)
	var upper string
	for strings.HasPrefix(process, "[") || strings.HasPrefix(process, "(") {
		end := strings.IndexAny(process, ")]")
		if end < 0 {
			return nil, fmt.Errorf("Unbounded range: %s", spec)
		}
		res, err := parseRestriction(process[:end+1])
		if err != nil {
			return nil, err
		}
		if len(r) > 0 && upper != "" && (res.lower == "" || compareVersions(res.lower, upper) < 0) {
			return nil, fmt.Errorf("Ranges overlap: %s", spec)
		}
		r = append(r, res)
		upper = res.upper
		process = strings.TrimSpace(process[end+1:])
		if rest, ok := strings.CutPrefix(process, ","); ok {
			process = strings.TrimSpace(rest)
		}
	}
	if process != "" && len(r) > 0 {
		return nil, fmt.Errorf("Only fully-qualified sets allowed in multiple set scenario: %s", spec)
	}
	return r, nil
}

func parseRestriction(spec string) (versionRestriction, error) {
	res := versionRestriction{lowerInclusive: spec[0] == '[', upperInclusive: spec[len(spec)-1] == ']'}
	process := strings.TrimSpace(spec[1 : len(spec)-1])
	lower, upper, isRange := strings.Cut(process, ",")
	if !isRange {
		if !res.lowerInclusive || !res.upperInclusive {
			return res, fmt.Errorf("Single version must be surrounded by []: %s", spec)
		}
		res.lower, res.upper = process, process
		return res, nil
	}
	res.lower, res.upper = strings.TrimSpace(lower), strings.TrimSpace(upper)
	if res.lower != "" && res.upper != "" {
		switch c := compareVersions(res.upper, res.lower); {
		case c < 0:
			return res, fmt.Errorf("Range defies version ordering: %s", spec)
		case c == 0 && (!res.lowerInclusive || !res.upperInclusive):
			return res, fmt.Errorf("Range cannot have identical boundaries: %s", spec)
		}
	}
	return res, nil
}

func (r versionRange) contains(v string) bool {
	for _, res := range r {
		if res.lower != "" {
			c := compareVersions(res.lower, v)
			if c > 0 || c == 0 && !res.lowerInclusive {
				continue
			}
		}
		if res.upper != "" {
			c := compareVersions(v, res.upper)
			if c > 0 || c == 0 && !res.upperInclusive {
				continue
			}
		}
		return true
	}
	return false
}

// String is Maven's VersionRange.toString, which Kafka's messages show.
func (r versionRange) String() string {
	parts := make([]string, len(r))
	for i, res := range r {
		lo, hi := "(", ")"
		if res.lowerInclusive {
			lo = "["
		}
		if res.upperInclusive {
			hi = "]"
		}
		parts[i] = lo + res.lower + "," + res.upper + hi
	}
	return strings.Join(parts, ",")
}

// versionItem is a part of a version: a number, or a qualifier ranked as
// Maven ranks them.
type versionItem struct {
	num   string // digits without leading zeros; "" for a qualifier
	rank  int    // a qualifier's rank
	qual  string // an unknown qualifier, ranked after the known ones
	isNum bool
}

// qualifierRanks are Maven's known qualifiers, in order; a release ("",
// ga, final, release) ranks releaseRank.
var qualifierRanks = map[string]int{"alpha": 0, "a": 0, "beta": 1, "b": 1, "milestone": 2, "m": 2,
	"rc": 3, "cr": 3, "snapshot": 4, "": 5, "ga": 5, "final": 5, "release": 5, "sp": 6}

const (
	releaseRank = 5
	unknownRank = 7
)

// versionItems splits a version as Maven's ComparableVersion does in the
// common cases: at '.', '-' and between digits and letters, without
// trailing zeros and release qualifiers.
func versionItems(v string) []versionItem {
	var items []versionItem
	add := func(tok string, digits bool) {
		if digits {
			items = append(items, versionItem{num: strings.TrimLeft(tok, "0"), isNum: true})
			return
		}
		if rank, ok := qualifierRanks[tok]; ok {
			items = append(items, versionItem{rank: rank})
			return
		}
		items = append(items, versionItem{rank: unknownRank, qual: tok})
	}
	for _, part := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == '.' || r == '-' }) {
		start := 0
		for i := 1; i <= len(part); i++ {
			if i == len(part) || isDigit(part[i]) != isDigit(part[i-1]) {
				add(part[start:i], isDigit(part[start]))
				start = i
			}
		}
	}
	for len(items) > 0 {
		last := items[len(items)-1]
		if last.isNum && last.num != "" || !last.isNum && last.rank != releaseRank {
			break
		}
		items = items[:len(items)-1]
	}
	return items
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// compareVersions orders two versions as Maven does for numeric versions
// with the usual qualifiers (1.0-alpha1 < 1.0-rc1 < 1.0-SNAPSHOT < 1.0 =
// 1.0.0 < 1.0-sp < 1.0.1; a number ranks above a qualifier).
func compareVersions(a, b string) int {
	x, y := versionItems(a), versionItems(b)
	for i := range max(len(x), len(y)) {
		var c int
		switch {
		case i >= len(x):
			c = -compareItemToNothing(y[i])
		case i >= len(y):
			c = compareItemToNothing(x[i])
		default:
			c = compareItems(x[i], y[i])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

func compareItemToNothing(it versionItem) int {
	if it.isNum {
		if it.num == "" {
			return 0
		}
		return 1
	}
	return compareInts(it.rank, releaseRank)
}

func compareItems(x, y versionItem) int {
	switch {
	case x.isNum && y.isNum:
		if c := compareInts(len(x.num), len(y.num)); c != 0 {
			return c
		}
		return strings.Compare(x.num, y.num)
	case x.isNum:
		return 1
	case y.isNum:
		return -1
	}
	if c := compareInts(x.rank, y.rank); c != 0 {
		return c
	}
	return strings.Compare(x.qual, y.qual)
}

func compareInts(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
