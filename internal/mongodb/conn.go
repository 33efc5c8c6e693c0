package mongodb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// redacted replaces a secret in what Redact and RedactError return.
const redacted = "****"

// secretParams are the connection string options whose values are secrets.
// authMechanismProperties may hold an AWS session token.
var secretParams = []string{"password", "tlscertificatekeyfilepassword", "sslclientcertificatekeypassword", "authmechanismproperties"}

// Redact returns uri with its credentials replaced: the user name and
// password, and the values of options that carry secrets. A string that is
// not a URI is replaced whole, as it may be nothing but a secret.
func Redact(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return redacted
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	// The user info ends at the last '@' before the path: a password may
	// hold '@' or '/' when it is not escaped, so look for the last '@'
	// before the query.
	hosts := rest
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		hosts, query = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(hosts, '@'); i >= 0 {
		b.WriteString(redacted)
		b.WriteByte('@')
		hosts = hosts[i+1:]
	}
	b.WriteString(hosts)
	if query == "" {
		return b.String()
	}
	b.WriteByte('?')
	for i, kv := range strings.Split(query[1:], "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		k, _, hasValue := strings.Cut(kv, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		b.WriteString(k)
		if hasValue {
			b.WriteByte('=')
			for _, s := range secretParams {
				if strings.EqualFold(name, s) {
					kv = k + "=" + redacted
					break
				}
			}
			_, v, _ := strings.Cut(kv, "=")
			b.WriteString(v)
		}
	}
	return b.String()
}

// secrets returns the parts of uri that Redact hides, raw and unescaped,
// longest first, so that RedactError can remove them from any text.
func secrets(uri string) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 3 { // shorter ones would blank out ordinary words
			out = append(out, s)
			if u, err := url.PathUnescape(s); err == nil && u != s {
				out = append(out, u)
			}
		}
	}
	_, rest, ok := strings.Cut(uri, "://")
	if !ok {
		add(uri)
		return out
	}
	hosts, query, _ := strings.Cut(rest, "?")
	if i := strings.LastIndexByte(hosts, '@'); i >= 0 {
		info := hosts[:i]
		add(info)
		if user, pass, ok := strings.Cut(info, ":"); ok {
			add(pass)
			_ = user
		}
	}
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		for _, s := range secretParams {
			if strings.EqualFold(k, s) {
				add(v)
			}
		}
	}
	// Longest first, so that the user info goes before the password in it.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// redactedError is an error whose text has had a URI's secrets removed; it
// still wraps the original for errors.Is and errors.As, whose own text the
// caller must not print.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// RedactError returns err with every credential of uri (see Redact) cut out
// of its text; nil for nil. The driver's errors may quote the connection
// string they failed to parse or authenticate with.
func RedactError(err error, uri string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range secrets(uri) {
		msg = strings.ReplaceAll(msg, s, redacted)
	}
	return &redactedError{msg: msg, err: err}
}

// Connect opens a client on uri, a MongoDB connection string, naming the
// connector (as driver information in the server's logs) and checks that a
// server answers within the context's deadline. Errors name the redacted
// URI, never its credentials.
func Connect(ctx context.Context, uri, driverName, driverVersion string) (*mongo.Client, error) {
	opts := options.Client().ApplyURI(uri).SetDriverInfo(&options.DriverInfo{Name: driverName, Version: driverVersion})
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("connection.uri %s: %w", Redact(uri), RedactError(err, uri))
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", Redact(uri), RedactError(err, uri))
	}
	if err := client.Ping(ctx, readpref.PrimaryPreferred()); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("connecting to %s: %w", Redact(uri), RedactError(err, uri))
	}
	return client, nil
}

// Transient reports whether err is one that the same write may not meet
// again: a network error, a timeout, a server selection failure or a write
// the server labels retryable. Context cancellation is not transient.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.Is(err, mongo.ErrClientDisconnected) {
		return true
	}
	var le mongo.LabeledError
	if errors.As(err, &le) && (le.HasErrorLabel("RetryableWriteError") || le.HasErrorLabel("TransientTransactionError")) {
		return true
	}
	return errors.As(err, &topology.ServerSelectionError{})
}
