package jdbc

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
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
		flavour, rest, _ := strings.Cut(s[len("jdbc:"):], ":")
		return parseMySQL(rest, strings.ToLower(flavour))
	case strings.HasPrefix(lower, "mysql://"), strings.HasPrefix(lower, "mariadb://"):
		_, rest, _ := strings.Cut(s, ":")
		return parseMySQL(rest, "")
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
	"sslpassword":      "sslpassword",
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
	var sslPassword string
	for k, vs := range params {
		switch lk := strings.ToLower(k); {
		case lk == "user":
			urlUser = vs[0]
		case lk == "password":
			urlPassword = vs[0]
		case lk == "ssl" && jdbcURL:
			// pgJDBC: ssl=true (or ssl alone) without sslmode is
			// verify-full; otherwise its default, prefer, as libpq's.
			if (vs[0] == "" || strings.EqualFold(vs[0], "true")) && pgParam(params, "sslmode") == "" &&
				!nonValidating(params) {
				out.Set("sslmode", "verify-full")
			}
		case lk == "sslfactory" && jdbcURL:
			// pgJDBC's factory that trusts any server certificate: TLS
			// without verification.
			if nonValidating(params) && !strings.EqualFold(pgParam(params, "sslmode"), "disable") {
				out.Set("sslmode", "require")
			} else {
				ignored = append(ignored, k)
			}
		case lk == "sslmode" && jdbcURL && nonValidating(params):
			// the factory's, above
		case lk == "sslpassword":
			sslPassword = vs[0]
			out.Set("sslpassword", vs[0])
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
	// pgJDBC reads a client key in PKCS#8 DER (its default,
	// postgresql.pk8) as well as PEM, pgx only PEM: a DER key is loaded
	// here, with its certificate.
	var clientCert *tls.Certificate
	if key := out.Get("sslkey"); key != "" && out.Get("sslcert") != "" {
		if buf, err := os.ReadFile(key); err == nil && !bytes.Contains(buf, []byte("-----BEGIN")) {
			cert, err := derClientCert(out.Get("sslcert"), buf)
			if err != nil {
				return nil, fmt.Errorf("connection.url for %s: sslkey: %w", hosts, err)
			}
			clientCert = &cert
			out.Del("sslkey")
			out.Del("sslcert")
		}
	}
	connString := "postgres://" + hosts + "/" + url.PathEscape(db)
	if len(out) > 0 {
		connString += "?" + out.Encode()
	}
	parse := func() (*pgx.ConnConfig, error) {
		cfg, err := pgx.ParseConfig(connString)
		if err != nil {
			if sslPassword != "" && strings.Contains(err.Error(), sslPassword) {
				return nil, fmt.Errorf("connection.url for %s: its TLS settings cannot be read (the driver's error is not shown, as it holds sslpassword)", hosts)
			}
			return nil, fmt.Errorf("connection.url for %s: %w", hosts, err)
		}
		if clientCert != nil {
			for _, tc := range append([]*tls.Config{cfg.TLSConfig}, fallbackTLS(cfg)...) {
				if tc != nil {
					tc.Certificates = []tls.Certificate{*clientCert}
				}
			}
		}
		return cfg, nil
	}
	if _, err := parse(); err != nil {
		return nil, err
	}
	t := &Target{Dialect: PostgreSQL, Host: hosts, Ignored: ignored}
	t.connect = func(user, password string, _ *time.Location) (driver.Connector, error) {
		cfg, err := parse()
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

// pgParam returns a URL parameter, its name's case ignored.
func pgParam(params url.Values, name string) string {
	for k, vs := range params {
		if strings.EqualFold(k, name) {
			return vs[0]
		}
	}
	return ""
}

func nonValidating(params url.Values) bool {
	return pgParam(params, "sslfactory") == "org.postgresql.ssl.NonValidatingFactory"
}

func fallbackTLS(cfg *pgx.ConnConfig) []*tls.Config {
	var out []*tls.Config
	for _, fb := range cfg.Fallbacks {
		out = append(out, fb.TLSConfig)
	}
	return out
}

// derClientCert pairs a PEM certificate file with a PKCS#8 DER key.
func derClientCert(certFile string, der []byte) (tls.Certificate, error) {
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return tls.Certificate{}, errors.New("neither PEM nor a PKCS#8 DER private key")
	}
	buf, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	var cert tls.Certificate
	for {
		var b *pem.Block
		if b, buf = pem.Decode(buf); b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			cert.Certificate = append(cert.Certificate, b.Bytes)
		}
	}
	if len(cert.Certificate) == 0 {
		return tls.Certificate{}, errors.New("sslcert holds no PEM certificate")
	}
	cert.PrivateKey = key
	return cert, nil
}

func parseMySQL(rest, flavour string) (*Target, error) {
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
	for k, vs := range params {
		switch strings.ToLower(k) {
		case "user":
			urlUser = vs[0]
		case "password":
			urlPassword = vs[0]
		case "usessl", "requiressl", "verifyservercertificate", "sslmode", "serversslcert", "trustservercertificate":
		default:
			ignored = append(ignored, k)
		}
	}
	mode, ca, err := mysqlTLSMode(params, flavour)
	if err != nil {
		return nil, err
	}
	var roots *x509.CertPool
	if ca != "" {
		if roots, err = certPool(ca); err != nil {
			return nil, fmt.Errorf("connection.url for %s: serverSslCert: %w", hosts, err)
		}
	}
	host, _, _ := net.SplitHostPort(hosts)
	t := &Target{Dialect: MySQL, Host: hosts, Ignored: ignored}
	t.connect = func(user, password string, loc *time.Location) (driver.Connector, error) {
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr, cfg.DBName = "tcp", hosts, db
		cfg.User = pick(user, urlUser)
		cfg.Passwd = pick(password, urlPassword)
		cfg.ParseTime = true
		cfg.Loc = loc
		cfg.TLS, cfg.AllowFallbackToPlaintext = mysqlTLS(mode, roots, host)
		return mysql.NewConnector(cfg)
	}
	return t, nil
}

// The TLS modes of MySQL's Connector/J (sslMode), to which MariaDB's
// Connector/J's (disable, trust, verify-ca, verify-full) and the older
// useSSL, requireSSL and verifyServerCertificate translate.
const (
	tlsDisabled       = "DISABLED"
	tlsPreferred      = "PREFERRED"
	tlsRequired       = "REQUIRED"
	tlsVerifyCA       = "VERIFY_CA"
	tlsVerifyIdentity = "VERIFY_IDENTITY"
)

// mysqlTLSMode reads a MySQL URL's TLS parameters as its driver does:
// flavour "mysql" (Connector/J: PREFERRED unless told otherwise),
// "mariadb" (MariaDB Connector/J: no TLS unless told) or "" (a native URL,
// no TLS unless told). It returns the mode and MariaDB's serverSslCert (a
// CA file, or a PEM certificate inline).
func mysqlTLSMode(params url.Values, flavour string) (mode, ca string, err error) {
	get := func(name string) (string, bool) {
		for k, vs := range params {
			if strings.EqualFold(k, name) {
				return vs[0], true
			}
		}
		return "", false
	}
	isTrue := func(name string) bool { v, ok := get(name); return ok && (v == "" || strings.EqualFold(v, "true")) }
	isFalse := func(name string) bool { v, ok := get(name); return ok && strings.EqualFold(v, "false") }
	mode = tlsDisabled
	if flavour == "mysql" {
		mode = tlsPreferred
	}
	ca, _ = get("serverSslCert")
	if flavour == "mysql" {
		// Connector/J 8's legacy keys, which sslMode overrides.
		switch {
		case isFalse("useSSL"):
			mode = tlsDisabled
		case isTrue("verifyServerCertificate") && !isFalse("useSSL"):
			mode = tlsVerifyCA
		case isTrue("requireSSL"):
			mode = tlsRequired
		}
	} else if isTrue("useSSL") || isTrue("useSsl") {
		// MariaDB's Connector/J: useSsl verifies the server's certificate
		// unless trustServerCertificate.
		mode = tlsVerifyIdentity
		if isTrue("trustServerCertificate") {
			mode = tlsRequired
		}
	}
	if v, ok := get("sslMode"); ok {
		switch strings.ToUpper(strings.ReplaceAll(v, "-", "_")) {
		case "DISABLED", "DISABLE":
			mode = tlsDisabled
		case "PREFERRED":
			mode = tlsPreferred
		case "REQUIRED", "REQUIRE", "TRUST":
			mode = tlsRequired
		case "VERIFY_CA":
			mode = tlsVerifyCA
		case "VERIFY_IDENTITY", "VERIFY_FULL":
			mode = tlsVerifyIdentity
		default:
			return "", "", fmt.Errorf("connection.url: sslMode %q: DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY "+
				"(MariaDB's disable, trust, verify-ca, verify-full)", v)
		}
	}
	return mode, ca, nil
}

// certPool reads PEM certificates from a file, or from the value itself
// when it is one (MariaDB's serverSslCert takes both).
func certPool(ca string) (*x509.CertPool, error) {
	pemData := []byte(ca)
	if !strings.Contains(ca, "-----BEGIN") {
		var err error
		if pemData, err = os.ReadFile(strings.TrimPrefix(ca, "file:")); err != nil {
			return nil, err
		}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, errors.New("no PEM certificate in it")
	}
	return pool, nil
}

// mysqlTLS returns the driver's TLS configuration of a mode, and whether
// it may fall back to a connection without TLS (PREFERRED). roots nil is
// the system's.
func mysqlTLS(mode string, roots *x509.CertPool, host string) (*tls.Config, bool) {
	switch mode {
	case tlsPreferred, tlsRequired:
		return &tls.Config{InsecureSkipVerify: true}, mode == tlsPreferred //nolint:gosec // the modes without verification
	case tlsVerifyCA:
		// The chain is verified, not the name, which Go's verification
		// does together: it is done here.
		return &tls.Config{InsecureSkipVerify: true, //nolint:gosec // verified by VerifyConnection
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 {
					return errors.New("the server sent no certificate")
				}
				opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
				for _, c := range cs.PeerCertificates[1:] {
					opts.Intermediates.AddCert(c)
				}
				_, err := cs.PeerCertificates[0].Verify(opts)
				return err
			}}, false
	case tlsVerifyIdentity:
		return &tls.Config{RootCAs: roots, ServerName: host}, false
	}
	return nil, false
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
