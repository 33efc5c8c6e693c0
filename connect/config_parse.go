package connect

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// cfgTrim removes leading and trailing characters <= ' ', like Java's String.trim.
func cfgTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// cfgIsJavaSpace reports whether r is in Java's regex class \s.
func cfgIsJavaSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// cfgParse parses the string form of a value of type t, following Kafka's
// ConfigDef.parseType. The error, if any, is the reason only (no key name).
func cfgParse(t ConfigType, raw string) (any, error) {
	s := cfgTrim(raw)
	switch t {
	case ConfigString, ConfigClass:
		return s, nil
	case ConfigPassword:
		return NewPassword(s), nil
	case ConfigBoolean:
		switch {
		case strings.EqualFold(s, "true"):
			return true, nil
		case strings.EqualFold(s, "false"):
			return false, nil
		}
		return nil, errors.New("Expected value to be either true or false")
	case ConfigInt:
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, errors.New("Not a number of type INT")
		}
		return int(n), nil
	case ConfigLong:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, errors.New("Not a number of type LONG")
		}
		return n, nil
	case ConfigDouble:
		f, ok := cfgParseJavaDouble(s)
		if !ok {
			return nil, errors.New("Not a number of type DOUBLE")
		}
		return f, nil
	case ConfigList:
		if s == "" {
			return []string{}, nil
		}
		items := strings.Split(s, ",")
		for i, it := range items {
			items[i] = strings.TrimFunc(it, cfgIsJavaSpace)
		}
		return items, nil
	case ConfigDuration:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if n > math.MaxInt64/int64(time.Millisecond) || n < math.MinInt64/int64(time.Millisecond) {
				return nil, errors.New("Duration out of range")
			}
			return time.Duration(n) * time.Millisecond, nil
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, errors.New("Expected a number of milliseconds or a duration such as 1m30s")
		}
		return d, nil
	}
	return nil, fmt.Errorf("unknown configuration type %v", t)
}

// cfgParseJavaDouble accepts the syntax of Java's Double.parseDouble (for
// already trimmed input): decimal and hexadecimal floating-point literals
// with an optional sign and an optional f/F/d/D suffix, "NaN" and
// "Infinity".
func cfgParseJavaDouble(s string) (float64, bool) {
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return 0, false
	}
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if n := len(s); n > 1 && strings.ContainsRune("fFdD", rune(s[n-1])) {
		s = s[:n-1]
	}
	// Go also accepts "inf", "nan" (any case) and digit-separating underscores; Java does not.
	if s == "" || strings.ContainsAny(s, "_iInN") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return f, true // Java rounds to ±Infinity or ±0 as Go does
		}
		return 0, false
	}
	return f, true
}

// cfgNormalizeDefault converts a ConfigKey.Default to the parsed type of t.
func cfgNormalizeDefault(t ConfigType, v any) (any, error) {
	if s, ok := v.(string); ok {
		return cfgParse(t, s)
	}
	bad := func() (any, error) {
		return nil, fmt.Errorf("a %T cannot be the default of a %v key", v, t)
	}
	switch t {
	case ConfigBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case ConfigInt:
		if n, ok := cfgAsInt64(v); ok {
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, fmt.Errorf("%d is out of the INT range", n)
			}
			return int(n), nil
		}
	case ConfigLong:
		if n, ok := cfgAsInt64(v); ok {
			return n, nil
		}
	case ConfigDouble:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		}
		if n, ok := cfgAsInt64(v); ok {
			return float64(n), nil
		}
	case ConfigList:
		if l, ok := v.([]string); ok {
			return append([]string{}, l...), nil
		}
	case ConfigPassword:
		if p, ok := v.(Password); ok {
			return p, nil
		}
	case ConfigDuration:
		if d, ok := v.(time.Duration); ok {
			return d, nil
		}
		if n, ok := cfgAsInt64(v); ok {
			return time.Duration(n) * time.Millisecond, nil
		}
	}
	return bad()
}

// cfgAsInt64 converts Go's plain signed integer types (not time.Duration).
func cfgAsInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// cfgRESTString converts a parsed value to the string Kafka Connect's REST
// API shows (ConfigDef.convertToString): passwords are [PasswordHidden],
// lists are comma-joined, doubles use Java's Double.toString format and
// durations are whole milliseconds (or Go syntax if not a whole number of
// milliseconds). A nil value has no string form (ok is false).
func cfgRESTString(v any) (s string, ok bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case Password:
		return PasswordHidden, true
	case []string:
		return strings.Join(x, ","), true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return cfgJavaDouble(x), true
	case time.Duration:
		if x%time.Millisecond == 0 {
			return strconv.FormatInt(x.Milliseconds(), 10), true
		}
		return x.String(), true
	}
	return fmt.Sprint(v), true
}

// cfgMessageString renders a value inside an error message, the way Java's
// toString would: lists as "[a, b]", passwords hidden, null as "null".
func cfgMessageString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case []string:
		return "[" + strings.Join(x, ", ") + "]"
	case time.Duration:
		return x.String()
	}
	s, _ := cfgRESTString(v)
	return s
}

// cfgJavaDouble formats f as Java's Double.toString does.
func cfgJavaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. -1.25e+10
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// cfgInvalidValue is Kafka's ConfigException message for a rejected value.
func cfgInvalidValue(name string, t ConfigType, v any, reason string) string {
	if t == ConfigPassword {
		v = NewPassword("") // whatever it held, show only [hidden]
	}
	// A URL's user information may hold a password (and a validator's
	// reason may quote the value): neither reaches a message.
	return cfgRedactURLs("Invalid value " + cfgMessageString(v) + " for configuration " + name + ": " + reason)
}

// cfgRedactURLs hides the user information of every URL in s: a password
// after the user name's colon, or the whole of it when there is no colon
// (it may be a token), becomes [hidden].
func cfgRedactURLs(s string) string {
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		auth := rest[i+3:]
		// The user information ends at the last '@' before the value ends
		// (a space, a comma of a list or a quote): a password may hold
		// unescaped '/', '?' or '#', and hiding too much is harmless.
		end := strings.IndexAny(auth, ", \t\n\"'")
		if end < 0 {
			end = len(auth)
		}
		at := strings.LastIndexByte(auth[:end], '@')
		if at < 0 {
			b.WriteString(rest[:i+3])
			rest = auth
			continue
		}
		user := auth[:at]
		b.WriteString(rest[:i+3])
		if u, _, ok := strings.Cut(user, ":"); ok {
			b.WriteString(u + ":" + PasswordHidden)
		} else {
			b.WriteString(PasswordHidden)
		}
		rest = auth[at:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// cfgMissing is Kafka's message for a required key that is not set.
func cfgMissing(name string) string {
	return `Missing required configuration "` + name + `" which has no default value.`
}
