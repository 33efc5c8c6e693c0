package jdbc_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// TestPostgresTLS connects to a private PostgreSQL server that takes TLS
// connections only, with pgJDBC's URL parameters: each connects with TLS,
// verifying the server's certificate as pgJDBC would, or fails as it
// would; no error holds the password.
func TestPostgresTLS(t *testing.T) {
	srv := jdbctest.TLSPostgres(t)
	const password = "s3cret-pw"
	base := fmt.Sprintf("jdbc:postgresql://127.0.0.1:%d/postgres?", srv.Port)
	byName := fmt.Sprintf("jdbc:postgresql://localhost:%d/postgres?", srv.Port) // the certificate names 127.0.0.1 only
	ca := url.QueryEscape(srv.CA)
	for _, c := range []struct {
		name, url, user string
		fails           string // what the error says; "" connects with TLS
	}{
		{"no TLS is refused by the server", base + "sslmode=disable", "postgres", "rejects connection"},
		{"ssl=true is verify-full: an unknown CA fails", base + "ssl=true", "postgres", "certificate"},
		{"ssl=true with the CA", base + "ssl=true&sslrootcert=" + ca, "postgres", ""},
		{"verify-full checks the name", byName + "sslmode=verify-full&sslrootcert=" + ca, "postgres", "certificate"},
		{"verify-ca does not", byName + "sslmode=verify-ca&sslrootcert=" + ca, "postgres", ""},
		{"require does not verify", base + "sslmode=require", "postgres", ""},
		{"prefer, the default, takes TLS", base + "loginTimeout=5", "postgres", ""},
		{"NonValidatingFactory", base + "ssl=true&sslfactory=org.postgresql.ssl.NonValidatingFactory", "postgres", ""},
		{"a user admitted by certificate only, without it", base + "sslmode=require", "certuser", "certificate"},
		{"with its PEM key", base + "sslmode=verify-full&sslrootcert=" + ca + "&sslcert=" + url.QueryEscape(srv.Cert) +
			"&sslkey=" + url.QueryEscape(srv.Key), "certuser", ""},
		{"with its PKCS#8 DER key, pgJDBC's format", base + "ssl=true&sslrootcert=" + ca + "&sslcert=" + url.QueryEscape(srv.Cert) +
			"&sslkey=" + url.QueryEscape(srv.KeyDER), "certuser", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			target, err := jdbc.ParseURL(c.url)
			require.NoError(t, err)
			db, err := target.Open(context.Background(), c.user, password, nil)
			if c.fails != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), c.fails)
				require.NotContains(t, err.Error(), password)
				return
			}
			require.NoError(t, err)
			defer db.Close()
			var ssl bool
			var version string
			require.NoError(t, db.QueryRow(`SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&ssl, &version))
			require.True(t, ssl)
			require.True(t, strings.HasPrefix(version, "TLS"), version)
		})
	}
}

// TestMySQLTLSModes reads the TLS parameters of Connector/J and of
// MariaDB's Connector/J into the driver's mode, as each driver reads them.
func TestMySQLTLSModes(t *testing.T) {
	for _, c := range []struct{ url, mode string }{
		{"jdbc:mysql://h/db", "PREFERRED"},
		{"jdbc:mysql://h/db?useSSL=false", "DISABLED"},
		{"jdbc:mysql://h/db?useSSL=true&requireSSL=true", "REQUIRED"},
		{"jdbc:mysql://h/db?useSSL=true&requireSSL=true&verifyServerCertificate=true", "VERIFY_CA"},
		{"jdbc:mysql://h/db?useSSL=false&sslMode=REQUIRED", "REQUIRED"},
		{"jdbc:mysql://h/db?sslMode=VERIFY_IDENTITY", "VERIFY_IDENTITY"},
		{"jdbc:mariadb://h/db", "DISABLED"},
		{"jdbc:mariadb://h/db?useSsl=true", "VERIFY_IDENTITY"},
		{"jdbc:mariadb://h/db?useSsl=true&trustServerCertificate=true", "REQUIRED"},
		{"jdbc:mariadb://h/db?sslMode=verify-ca", "VERIFY_CA"},
		{"jdbc:mariadb://h/db?sslMode=trust", "REQUIRED"},
		{"mysql://h/db", "DISABLED"},
	} {
		got, err := jdbc.MySQLTLSMode(c.url)
		require.NoError(t, err, c.url)
		require.Equal(t, c.mode, got, c.url)
	}
	_, err := jdbc.ParseURL("jdbc:mysql://h/db?sslMode=SOMETIMES")
	require.ErrorContains(t, err, "sslMode")
}

// TestTLSSecretsNotInErrors: a key's sslpassword, or a key store's
// password, is in no error nor in the names of the parameters ignored.
func TestTLSSecretsNotInErrors(t *testing.T) {
	const secret = "k3y-s3cret"
	_, err := jdbc.ParseURL("jdbc:postgresql://h/db?sslmode=require&sslcert=/nonexistent/c.pem&sslkey=/nonexistent/k.pem&sslpassword=" + secret)
	require.Error(t, err)
	require.NotContains(t, err.Error(), secret)
	target, err := jdbc.ParseURL("jdbc:mysql://h/db?trustCertificateKeyStoreUrl=file:/x.jks&trustCertificateKeyStorePassword=" + secret)
	require.NoError(t, err)
	require.Equal(t, "trustCertificateKeyStorePassword,trustCertificateKeyStoreUrl", strings.Join(slices.Sorted(slices.Values(target.Ignored)), ","))
}
