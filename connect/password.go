package connect

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// PasswordHidden is what a [Password] prints as, everywhere: fmt (every
// verb), log/slog, encoding/json and encoding.TextMarshaler. It matches
// Kafka's Password.HIDDEN, so REST output looks the same as on a JVM worker.
const PasswordHidden = "[hidden]"

// Password holds a secret configuration value, such as a database password
// or an API key. It is the parsed form of a [ConfigPassword] key.
//
// The secret can be read only through [Password.Value]. Every other way of
// turning a Password into text prints [PasswordHidden] instead: fmt with any
// verb (%v %+v %#v %s %q %x ...), String, GoString, MarshalJSON,
// MarshalText and LogValue. The secret sits behind a *string, so even when
// a Password is an unexported field of another struct (where fmt cannot
// call its methods) fmt prints an address, not the secret, whatever the verb.
//
// The zero Password is an empty secret. Passwords are immutable and safe to
// share between goroutines. Compare them with [Password.Equal], not ==
// (== compares identity, not content).
type Password struct {
	// secret is a pointer to a string (not to a struct, which fmt would
	// print as &{...}): reflection-based printers see only an address.
	secret *string
}

// NewPassword wraps s as a Password. s is kept exactly as given; note that
// parsing a [ConfigPassword] key trims surrounding whitespace first, as Kafka does.
func NewPassword(s string) Password {
	return Password{secret: &s}
}

// Value returns the secret in clear text. It is the only way to read it; do
// not log or print the result.
func (p Password) Value() string {
	if p.secret == nil {
		return ""
	}
	return *p.secret
}

// Equal reports whether p and q hold the same secret. The comparison takes
// time independent of where the secrets differ.
func (p Password) Equal(q Password) bool {
	return subtle.ConstantTimeCompare([]byte(p.Value()), []byte(q.Value())) == 1
}

// String returns [PasswordHidden].
func (p Password) String() string { return PasswordHidden }

// GoString returns [PasswordHidden], so %#v does not reveal the secret.
func (p Password) GoString() string { return PasswordHidden }

// Format implements fmt.Formatter: every verb, flag and width is applied to
// the text [PasswordHidden], never to the secret.
func (p Password) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		// %#v would otherwise print a Go string literal; keep it plain.
		fmt.Fprint(f, PasswordHidden)
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), PasswordHidden)
}

// LogValue implements slog.LogValuer: a Password logs as [PasswordHidden]
// with every slog handler.
func (p Password) LogValue() slog.Value { return slog.StringValue(PasswordHidden) }

// MarshalJSON returns the JSON string "[hidden]". It never fails.
func (p Password) MarshalJSON() ([]byte, error) {
	return []byte(`"` + PasswordHidden + `"`), nil
}

// MarshalText returns [PasswordHidden]. It never fails.
func (p Password) MarshalText() ([]byte, error) { return []byte(PasswordHidden), nil }

// UnmarshalText sets p to the secret text (as is, not trimmed), so a
// Password can be read from JSON strings, flags or environment-variable
// decoders. Marshalling does not round-trip: it always writes
// [PasswordHidden]. It never fails.
func (p *Password) UnmarshalText(text []byte) error {
	*p = NewPassword(string(text))
	return nil
}
