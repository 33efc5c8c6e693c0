package jdbc

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// Target is a database named by a connection URL: its dialect and how to
// connect to it. It holds no password of its own (one given in the URL is
// kept apart and never printed).
type Target struct {
	Dialect *Dialect
	// Host names the server ("host:port", several comma separated) or, for
	// SQLite, the file; it is what connection errors show.
	Host string
	// Ignored lists the URL's JDBC parameters that have no equivalent here,
	// for the caller to log (names only: values may be secrets).
	Ignored []string

	connect func(user, password string, loc *time.Location) (driver.Connector, error)
}

// ParseURL reads a connection.url: a JDBC URL (jdbc:postgresql:,
// jdbc:mysql:, jdbc:mariadb:, jdbc:sqlite:) translated to the Go driver's
// settings, or a native one (postgres://, postgresql://, mysql://,
// mariadb://, sqlite:, file:). Its errors never hold the URL, which may hold
// a password.
func ParseURL(raw string) (*Target, error) {
	s := strings.TrimSpace(raw)
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "jdbc:postgresql:"):
		return parsePostgres(s[len("jdbc:postgresql:"):], true)
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		_, rest, _ := strings.Cut(s, ":")
		return parsePostgres(rest, false)
	case strings.HasPrefix(lower, "jdbc:mysql:"), strings.HasPrefix(lower, "jdbc:mariadb:"):
		_, rest, _ := strings.Cut(s[len("jdbc:"):], ":")
		return parseMySQL(rest)
	case strings.HasPrefix(lower, "mysql://"), strings.HasPrefix(lower, "mariadb://"):
		_, rest, _ := strings.Cut(s, ":")
		return parseMySQL(rest)
	case strings.HasPrefix(lower, "jdbc:sqlite:"):
		return parseSQLite(s[len("jdbc:sqlite:"):])
	case strings.HasPrefix(lower, "sqlite:"):
		return parseSQLite(strings.TrimPrefix(s[len("sqlite:"):], "//"))
	case strings.HasPrefix(lower, "file:"):
		return parseSQLite(s)
	}
	scheme, _, ok := strings.Cut(s, "//")
	if !ok || len(scheme) > 40 {
		scheme = "its prefix"
	}
	return nil, fmt.Errorf("connection.url: unknown database %q; kconnect connects to PostgreSQL (jdbc:postgresql://), "+
		"MySQL and MariaDB (jdbc:mysql://, jdbc:mariadb://) and SQLite (jdbc:sqlite:)", scheme)
}

// Open opens a pool of connections to t as user with password, checking
// that the database answers within ctx. loc is where DATETIME and
// TIMESTAMP wall clocks are (db.timezone; nil is UTC). An error names the
// host, never the password.
func (t *Target) Open(ctx context.Context, user, password string, loc *time.Location) (*sql.DB, error) {
	if loc == nil {
		loc = time.UTC
	}
	c, err := t.connect(user, password, loc)
	if err != nil {
		return nil, t.connErr(err, password)
	}
	db := sql.OpenDB(c)
	if t.Dialect.maxOpen > 0 {
		db.SetMaxOpenConns(t.Dialect.maxOpen)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, t.connErr(err, password)
	}
	return db, nil
}

// connErr names the host in err and makes sure the password is not in it
// (no driver is known to print it; this holds whatever they do).
func (t *Target) connErr(err error, password string) error {
	msg := err.Error()
	if password != "" && strings.Contains(msg, password) {
		return fmt.Errorf("connecting to %s (%s): the driver's error is not shown, as it holds the password", t.Host, t.Dialect.Name)
	}
	return &ConnError{Host: t.Host, Dialect: t.Dialect.Name, Err: err}
}

// ConnError is a failure to connect.
type ConnError struct {
	Host, Dialect string
	Err           error
}

func (e *ConnError) Error() string {
	return "connecting to " + e.Host + " (" + e.Dialect + "): " + e.Err.Error()
}

func (e *ConnError) Unwrap() error { return e.Err }

// splitAuthority splits "//[user[:password]@]hosts/path?query" (the part
// after the scheme's colon) into its pieces; without "//" the whole is the
// path.
func splitAuthority(s string) (userinfo, hosts, path, query string, hasAuthority bool) {
	s, query, _ = strings.Cut(s, "?")
	if !strings.HasPrefix(s, "//") {
		return "", "", s, query, false
	}
	s = s[2:]
	hosts, path, _ = strings.Cut(s, "/")
	if i := strings.LastIndexByte(hosts, '@'); i >= 0 {
		userinfo, hosts = hosts[:i], hosts[i+1:]
	}
	return userinfo, hosts, path, query, true
}

func parseQuery(q string) (url.Values, error) {
	v, err := url.ParseQuery(q)
	if err != nil {
		// url's error quotes the bad part, which may be a password.
		return nil, errors.New("connection.url: its parameters cannot be read (a bad %-escape or a ';')")
	}
	return v, nil
}

func unescapeUser(userinfo string) (user, password string, err error) {
	u, p, _ := strings.Cut(userinfo, ":")
	if user, err = url.PathUnescape(u); err != nil {
		return "", "", errors.New("connection.url: its user name holds a bad %-escape")
	}
	if password, err = url.PathUnescape(p); err != nil {
		return "", "", errors.New("connection.url: its password holds a bad %-escape")
	}
	return user, password, nil
}

// pick returns the URL's user or password unless the configuration gives one.
func pick(configured, fromURL string) string {
	if configured != "" {
		return configured
	}
	return fromURL
}

// pgParams are the PostgreSQL JDBC driver's parameters kconnect translates,
// to libpq's names.
var pgParams = map[string]string{
	"sslmode":          "sslmode",
	"sslcert":          "sslcert",
	"sslkey":           "sslkey",
	"sslrootcert":      "sslrootcert",
	"currentschema":    "search_path",
	"applicationname":  "application_name",
	"connecttimeout":   "connect_timeout",
	"options":          "options",
	"targetservertype": "target_session_attrs",
}

func parsePostgres(rest string, jdbcURL bool) (*Target, error) {
	userinfo, hosts, path, query, hasAuth := splitAuthority(rest)
	if !hasAuth {
		hosts = "localhost"
	}
	if hosts == "" {
		hosts = "localhost"
	}
	params, err := parseQuery(query)
	if err != nil {
		return nil, err
	}
	urlUser, urlPassword, err := unescapeUser(userinfo)
	if err != nil {
		return nil, err
	}
	out := url.Values{}
	var ignored []string
	for k, vs := range params {
		switch lk := strings.ToLower(k); {
		case lk == "user":
			urlUser = vs[0]
		case lk == "password":
			urlPassword = vs[0]
		case lk == "ssl" && jdbcURL:
			if vs[0] == "true" && params.Get("sslmode") == "" {
				out.Set("sslmode", "require")
			}
		case jdbcURL && pgParams[lk] != "":
			if lk == "targetservertype" {
				// pgJDBC's primary/master/secondary/any are libpq's
				// read-write/read-only/any.
				switch strings.ToLower(vs[0]) {
				case "primary", "master":
					out.Set(pgParams[lk], "read-write")
				case "secondary", "slave":
					out.Set(pgParams[lk], "read-only")
				}
				continue
			}
			out.Set(pgParams[lk], vs[0])
		case !jdbcURL:
			out[k] = vs
		default:
			ignored = append(ignored, k)
		}
	}
	db, err := url.PathUnescape(path)
	if err != nil {
		return nil, errors.New("connection.url: its database name holds a bad %-escape")
	}
	// pgx parses a URL without user or password: those are set on the
	// parsed configuration, so no password is ever in a string pgx might
	// quote in an error.
	connString := "postgres://" + hosts + "/" + url.PathEscape(db)
	if len(out) > 0 {
		connString += "?" + out.Encode()
	}
	if _, err := pgx.ParseConfig(connString); err != nil {
		return nil, fmt.Errorf("connection.url for %s: %w", hosts, err)
	}
	t := &Target{Dialect: PostgreSQL, Host: hosts, Ignored: ignored}
	t.connect = func(user, password string, _ *time.Location) (driver.Connector, error) {
		cfg, err := pgx.ParseConfig(connString)
		if err != nil {
			return nil, err
		}
		cfg.User = pick(user, urlUser)
		if cfg.User == "" {
			cfg.User = "postgres"
		}
		cfg.Password = pick(password, urlPassword)
		return stdlib.GetConnector(*cfg), nil
	}
	return t, nil
}

func parseMySQL(rest string) (*Target, error) {
	userinfo, hosts, path, query, hasAuth := splitAuthority(rest)
	if !hasAuth {
		return nil, errors.New("connection.url: a MySQL URL names its server: jdbc:mysql://host:port/database")
	}
	if hosts == "" {
		hosts = "localhost"
	}
	if _, _, err := net.SplitHostPort(hosts); err != nil {
		hosts = net.JoinHostPort(strings.Trim(hosts, "[]"), "3306")
	}
	params, err := parseQuery(query)
	if err != nil {
		return nil, err
	}
	urlUser, urlPassword, err := unescapeUser(userinfo)
	if err != nil {
		return nil, err
	}
	db, err := url.PathUnescape(path)
	if err != nil {
		return nil, errors.New("connection.url: its database name holds a bad %-escape")
	}
	var ignored []string
	var tlsMode string
	for k, vs := range params {
		switch strings.ToLower(k) {
		case "user":
			urlUser = vs[0]
		case "password":
			urlPassword = vs[0]
		case "usessl":
			if vs[0] == "true" {
				tlsMode = "true"
			}
		case "sslmode":
			switch strings.ToLower(vs[0]) {
			case "required", "require":
				tlsMode = "skip-verify"
			case "verify_ca", "verify_identity", "verify-ca", "verify-full":
				tlsMode = "true"
			}
		default:
			ignored = append(ignored, k)
		}
	}
	t := &Target{Dialect: MySQL, Host: hosts, Ignored: ignored}
	t.connect = func(user, password string, loc *time.Location) (driver.Connector, error) {
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr, cfg.DBName = "tcp", hosts, db
		cfg.User = pick(user, urlUser)
		cfg.Passwd = pick(password, urlPassword)
		cfg.ParseTime = true
		cfg.Loc = loc
		if tlsMode != "" {
			cfg.TLSConfig = tlsMode
		}
		return mysql.NewConnector(cfg)
	}
	return t, nil
}

func parseSQLite(rest string) (*Target, error) {
	// Of the JDBC driver's parameters only busy_timeout (milliseconds)
	// has an equivalent.
	path, query, _ := strings.Cut(rest, "?")
	busy := 10000
	if query != "" {
		params, err := parseQuery(query)
		if err != nil {
			return nil, err
		}
		if v := params.Get("busy_timeout"); v != "" {
			if busy, err = strconv.Atoi(v); err != nil || busy < 0 {
				return nil, errors.New("connection.url: busy_timeout must be a number of milliseconds")
			}
		}
	}
	path = strings.TrimPrefix(path, "file:")
	memory := path == "" || path == ":memory:"
	host := path
	if memory {
		host = ":memory:"
	}
	t := &Target{Dialect: SQLite, Host: host}
	t.connect = func(string, string, *time.Location) (driver.Connector, error) {
		var dsn string
		if memory {
			dsn = ":memory:"
		} else {
			// The file: form, escaped, so a path holding '?', '#' or '%'
			// names that file.
			dsn = "file:" + (&url.URL{Path: path}).EscapedPath()
		}
		// Writers take the database's write lock when they begin, so two
		// writers wait for each other (busy_timeout) instead of failing
		// when the second upgrades its lock.
		return sqlite.NewConnector(dsn + "?_txlock=immediate&_busy_timeout=" + strconv.Itoa(busy))
	}
	return t, nil
}

// isConnErr reports whether err is a lost or refused connection.
func isConnErr(err error) bool {
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// OpenRetrying is Open tried up to attempts times, backoff apart, while
// the database cannot be reached (Confluent's connection.attempts and
// connection.backoff.ms); each failed attempt is logged, naming the host,
// never the password. The error says how many attempts were made.
func (t *Target) OpenRetrying(ctx context.Context, user, password string, loc *time.Location, attempts int, backoff time.Duration, log *slog.Logger) (*sql.DB, error) {
	for attempt := 1; ; attempt++ {
		db, err := t.Open(ctx, user, password, loc)
		if err == nil {
			return db, nil
		}
		if attempt >= attempts || ctx.Err() != nil {
			return nil, fmt.Errorf("%w (after %d attempts)", err, attempt)
		}
		log.Warn("connecting failed; trying again", "database", t.Host, "attempt", attempt,
			"connection.attempts", attempts, "error", err)
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
}
