package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// The connection keys of Confluent's JDBC source and sink, which both
// connectors define with DefineConnectionKeys.
const (
	ConnectionURLConfig      = "connection.url"
	ConnectionUserConfig     = "connection.user"
	ConnectionPasswordConfig = "connection.password"
	ConnectionAttemptsConfig = "connection.attempts"
	ConnectionBackoffConfig  = "connection.backoff.ms"
	DialectNameConfig        = "dialect.name"
)

// DefineConnectionKeys defines the connection keys on def, in group
// (Confluent's source calls it "Database", its sink "Connection") at
// orders 1 to 6, and returns def.
func DefineConnectionKeys(def *connect.ConfigDef, group string) *connect.ConfigDef {
	return def.
		Define(connect.ConfigKey{Name: ConnectionURLConfig, Type: connect.ConfigString, Required: true, Importance: connect.High,
			Group: group, OrderInGroup: 1,
			Doc: "JDBC connection URL: jdbc:postgresql://host:port/db, jdbc:mysql://host:port/db, jdbc:mariadb://host:port/db, " +
				"jdbc:sqlite:path; or a native postgres://, mysql:// or sqlite: URL."}).
		Define(connect.ConfigKey{Name: ConnectionUserConfig, Type: connect.ConfigString, Importance: connect.High,
			Group: group, OrderInGroup: 2, Doc: "JDBC connection user."}).
		Define(connect.ConfigKey{Name: ConnectionPasswordConfig, Type: connect.ConfigPassword, Importance: connect.High,
			Group: group, OrderInGroup: 3, Doc: "JDBC connection password."}).
		Define(connect.ConfigKey{Name: ConnectionAttemptsConfig, Type: connect.ConfigInt, Default: 3, Importance: connect.Low,
			Validator: connect.AtLeast(1), Group: group, OrderInGroup: 4,
			Doc: "Maximum number of attempts to retrieve a valid JDBC connection. Must be a positive integer."}).
		Define(connect.ConfigKey{Name: ConnectionBackoffConfig, Type: connect.ConfigLong, Default: int64(10000), Importance: connect.Low,
			Validator: connect.AtLeast(int64(0)), Group: group, OrderInGroup: 5,
			Doc: "Backoff time in milliseconds between connection attempts."}).
		Define(connect.ConfigKey{Name: DialectNameConfig, Type: connect.ConfigString, Default: "", Importance: connect.Low,
			Validator: connect.ValidatorFunc(func(v any) error {
				if n := v.(string); n != "" && DialectNamed(n) == nil {
					return fmt.Errorf("unknown or unsupported dialect %q; kconnect has %s", n, DialectNames())
				}
				return nil
			}), Group: group, OrderInGroup: 6,
			Doc: "The name of the database dialect that should be used for this connector. By default this is empty, and " +
				"the connector automatically determines the dialect based upon the JDBC connection URL; set, it must be " +
				"the dialect of that URL."})
}

// Connection is what the connection keys configure.
type Connection struct {
	Target   *Target // connection.url, translated
	User     string
	Password connect.Password
	Attempts int
	Backoff  time.Duration
}

// ParseConnection reads the connection keys of cfg, parsed by a ConfigDef
// that DefineConnectionKeys defined them on: it translates connection.url
// and checks that dialect.name, when set, is that URL's dialect.
func ParseConnection(cfg *connect.Config) (Connection, error) {
	t, err := ParseURL(cfg.String(ConnectionURLConfig))
	if err != nil {
		return Connection{}, err
	}
	if d := DialectNamed(cfg.String(DialectNameConfig)); d != nil && d != t.Dialect {
		return Connection{}, fmt.Errorf("invalid configuration: %s: dialect %s is not that of connection.url (%s)", DialectNameConfig, d.Name, t.Dialect.Name)
	}
	return Connection{
		Target:   t,
		User:     cfg.String(ConnectionUserConfig),
		Password: cfg.Password(ConnectionPasswordConfig),
		Attempts: cfg.Int(ConnectionAttemptsConfig),
		Backoff:  time.Duration(cfg.Long(ConnectionBackoffConfig)) * time.Millisecond,
	}, nil
}

// Open connects (Target.OpenRetrying), after warning of the URL's
// parameters the Go driver has no equivalent for.
func (c Connection) Open(ctx context.Context, loc *time.Location, log *slog.Logger) (*sql.DB, error) {
	if len(c.Target.Ignored) > 0 {
		log.Warn("connection.url parameters without an equivalent in the Go driver are ignored", "parameters", c.Target.Ignored)
	}
	return c.Target.OpenRetrying(ctx, c.User, c.Password.Value(), loc, c.Attempts, c.Backoff, log)
}
