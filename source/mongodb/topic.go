package mongodb

import (
	"fmt"
	"regexp"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// topicMapper names a change event's topic as the official
// DefaultTopicMapper does: topic.namespace.map's entry for "db.coll", else
// for "db" (followed by separator and the collection), else the first
// regular expression ("/regex") matching the namespace, else "*", else
// "db<separator>coll"; then topic.prefix and topic.suffix joined with the
// separator. An event without ns.db has no topic.
type topicMapper struct {
	separator, prefix, suffix string
	simple                    map[string]string
	regex                     []regexTopic
	wildcard                  string
	cache                     map[string]string
}

type regexTopic struct {
	re       *regexp.Regexp
	template []templatePart
}

// templatePart is literal text or one of the variables {db}, {coll},
// {sep_coll}, {coll_sep}, {sep_coll_sep} ({sep} is expanded when the
// template is compiled).
type templatePart struct {
	text string
	vr   string
}

func newTopicMapper(separator, prefix, suffix, namespaceMap string) (*topicMapper, error) {
	m := &topicMapper{separator: separator, simple: map[string]string{}, cache: map[string]string{}}
	if prefix != "" {
		m.prefix = prefix + separator
	}
	if suffix != "" {
		m.suffix = separator + suffix
	}
	if strings.TrimSpace(namespaceMap) == "" {
		return m, nil
	}
	fail := func(msg string) error {
		return fmt.Errorf("invalid value %s for configuration %s: %s", namespaceMap, TopicNamespaceMapConfig, msg)
	}
	var d bson.D
	if err := bson.UnmarshalExtJSON([]byte(namespaceMap), false, &d); err != nil {
		return nil, fail(fmt.Sprintf("not a JSON document: %v", err))
	}
	for _, e := range d {
		tmpl, ok := e.Value.(string)
		if !ok {
			return nil, fail("All values must be strings")
		}
		switch {
		case e.Key == "*":
			m.wildcard = tmpl
		case strings.HasPrefix(e.Key, "/"):
			// Java's Pattern; RE2 takes the common subset. Java's
			// matches() needs the whole namespace to match.
			re, err := regexp.Compile(`^(?:` + e.Key[1:] + `)$`)
			if err != nil {
				return nil, fail(err.Error())
			}
			parts, err := compileTemplate(tmpl, separator)
			if err != nil {
				return nil, fail(err.Error())
			}
			if tmpl != "" {
				m.regex = append(m.regex, regexTopic{re: re, template: parts})
			}
		default:
			if strings.Contains(e.Key, "/") {
				return nil, fail("'/' is not allowed in a simple namespace pattern")
			}
			if tmpl == "" {
				delete(m.simple, e.Key)
			} else {
				m.simple[e.Key] = tmpl
			}
		}
	}
	return m, nil
}

func compileTemplate(tmpl, separator string) ([]templatePart, error) {
	var parts []templatePart
	var lit strings.Builder
	for i := 0; i < len(tmpl); i++ {
		switch tmpl[i] {
		case '}':
			return nil, fmt.Errorf("Variable expansion syntax is violated, unexpected '}'")
		case '{':
			end := strings.IndexAny(tmpl[i+1:], "{}")
			if end < 0 || tmpl[i+1+end] == '{' {
				return nil, fmt.Errorf("Variable expansion syntax is violated, unexpected '{'")
			}
			name := tmpl[i+1 : i+1+end]
			switch name {
			case "sep":
				lit.WriteString(separator)
			case "db", "coll", "sep_coll", "coll_sep", "sep_coll_sep":
				parts = append(parts, templatePart{text: lit.String()}, templatePart{vr: name})
				lit.Reset()
			default:
				return nil, fmt.Errorf("%s is not a supported variable name", name)
			}
			i += end + 1
		default:
			lit.WriteByte(tmpl[i])
		}
	}
	return append(parts, templatePart{text: lit.String()}), nil
}

func (m *topicMapper) expand(parts []templatePart, db, coll string) string {
	var b strings.Builder
	for _, p := range parts {
		switch p.vr {
		case "":
			b.WriteString(p.text)
		case "db":
			b.WriteString(db)
		case "coll":
			b.WriteString(coll)
		case "sep_coll":
			if coll != "" {
				b.WriteString(m.separator + coll)
			}
		case "coll_sep":
			if coll != "" {
				b.WriteString(coll + m.separator)
			}
		case "sep_coll_sep":
			if coll != "" {
				b.WriteString(m.separator + coll + m.separator)
			}
		}
	}
	return b.String()
}

// topic returns the topic of a change event, or "" when it has no ns.db.
func (m *topicMapper) topic(event bson.D) string {
	db, coll := namespaceOf(event)
	if db == "" {
		return ""
	}
	ns := db
	if coll != "" {
		ns = db + "." + coll
	}
	if t, ok := m.cache[ns]; ok {
		return t
	}
	t := m.prefix + m.undecorated(ns, db, coll) + m.suffix
	m.cache[ns] = t
	return t
}

func (m *topicMapper) undecorated(ns, db, coll string) string {
	if t, ok := m.simple[ns]; ok {
		return t
	}
	join := func(first string) string {
		if coll == "" {
			return first
		}
		return first + m.separator + coll
	}
	if t, ok := m.simple[db]; ok {
		return join(t)
	}
	for _, r := range m.regex {
		if r.re.MatchString(ns) {
			return m.expand(r.template, db, coll)
		}
	}
	if m.wildcard != "" {
		return m.wildcard
	}
	return join(db)
}

// namespaceOf returns a change event's ns.db and ns.coll, empty when absent
// or not strings.
func namespaceOf(event bson.D) (db, coll string) {
	ns, _ := get(event, "ns").(bson.D)
	db, _ = get(ns, "db").(string)
	coll, _ = get(ns, "coll").(string)
	return db, coll
}

func get(d bson.D, key string) any {
	for _, e := range d {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}
