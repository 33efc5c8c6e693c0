package connect

import (
	"strconv"
	"strings"
)

// ConfigKeyError is the problem with one configuration key. Its message is
// Kafka's, e.g.
//
//	Invalid value abc for configuration tasks.max: Not a number of type INT
//	Missing required configuration "topic" which has no default value.
//
// The message never contains a password's value.
type ConfigKeyError struct {
	Key     string // the configuration key
	Message string // the full message, which names Key
}

// Error returns e.Message.
func (e *ConfigKeyError) Error() string { return e.Message }

// ConfigError is the error [ConfigDef.Parse] returns: it lists every bad key
// at once. Keys appear in definition order; a key appears at most once.
// Use errors.As to get it, and to get the first *ConfigKeyError.
type ConfigError struct {
	// Errors holds one entry per bad key, in definition order; never empty.
	Errors []*ConfigKeyError
}

// Error returns the single key's message, or
// "N configuration errors: msg1; msg2; ..." for several keys.
func (e *ConfigError) Error() string {
	switch len(e.Errors) {
	case 0:
		return "configuration error"
	case 1:
		return e.Errors[0].Message
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(e.Errors)))
	b.WriteString(" configuration errors: ")
	for i, ke := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(ke.Message)
	}
	return b.String()
}

// Keys returns the names of the bad keys, in definition order.
func (e *ConfigError) Keys() []string {
	out := make([]string, len(e.Errors))
	for i, ke := range e.Errors {
		out[i] = ke.Key
	}
	return out
}

// Unwrap returns the per-key errors (each a *ConfigKeyError), for errors.Is
// and errors.As.
func (e *ConfigError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, ke := range e.Errors {
		out[i] = ke
	}
	return out
}
