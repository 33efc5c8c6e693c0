package jdbctest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/testenv"
)

// TLSServer is a private PostgreSQL server that accepts TLS connections
// only, with a certificate of its own CA for 127.0.0.1 (no host name).
type TLSServer struct {
	Port int
	// CA is the PEM file of the CA that signed the server's and the
	// client's certificates.
	CA string
	// Cert and Key are a client certificate for user "certuser" (whom
	// the server admits only with it) and its key in PEM; KeyDER is the
	// key in PKCS#8 DER, pgJDBC's default format.
	Cert, Key, KeyDER string
}

// TLSPostgres starts a PostgreSQL server with ssl=on in a temporary
// directory, stopped at the test's end, and skips the test when the
// PostgreSQL binaries (PostgresBin) or, run as root, the postgres user
// are missing.
func TLSPostgres(t testing.TB) *TLSServer {
	t.Helper()
	initdb, pgctl := filepath.Join(PostgresBin, "initdb"), filepath.Join(PostgresBin, "pg_ctl")
	for _, p := range []string{initdb, pgctl} {
		if _, err := os.Stat(p); err != nil {
			testenv.Record(t, testenv.Skip)
			t.Skipf("no PostgreSQL server to start a TLS server with: %s is missing (Debian's postgresql-15 installs it)", p)
		}
	}
	testenv.Record(t, testenv.Real)
	srv, u := serverDir(t, "postgres")
	// The client's files are read by the test itself, not the server.
	dir := t.TempDir()

	ca, caKey := newCert(t, nil, nil, "kconnect test CA", nil)
	server, serverKey := newCert(t, ca, caKey, "127.0.0.1", []net.IP{net.IPv4(127, 0, 0, 1)})
	client, clientKey := newCert(t, ca, caKey, "certuser", nil)
	s := &TLSServer{CA: dir + "/ca.crt", Cert: dir + "/client.crt", Key: dir + "/client.key", KeyDER: dir + "/client.pk8"}
	keyDER, err := x509.MarshalPKCS8PrivateKey(clientKey)
	if err != nil {
		t.Fatal(err)
	}
	serverDER, err := x509.MarshalPKCS8PrivateKey(serverKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path string
		data []byte
		pg   bool
	}{
		{s.CA, pemOf("CERTIFICATE", ca.Raw), false},
		{srv + "/ca.crt", pemOf("CERTIFICATE", ca.Raw), true},
		{srv + "/server.crt", pemOf("CERTIFICATE", server.Raw), true},
		{srv + "/server.key", pemOf("PRIVATE KEY", serverDER), true},
		{s.Cert, pemOf("CERTIFICATE", client.Raw), false},
		{s.Key, pemOf("PRIVATE KEY", keyDER), false},
		{s.KeyDER, keyDER, false},
	} {
		if err := os.WriteFile(f.path, f.data, 0o600); err != nil {
			t.Fatal(err)
		}
		if f.pg && u != nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			if err := os.Chown(f.path, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}

	port := freePort(t)
	s.Port, _ = strconv.Atoi(port)
	data := srv + "/data"
	if err := run(u, initdb, "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8"); err != nil {
		t.Fatal(err)
	}
	hba := "local all all trust\nhostnossl all all 127.0.0.1/32 reject\nhostssl all certuser 127.0.0.1/32 cert\n" +
		"hostssl all all 127.0.0.1/32 trust\n"
	if err := run(u, "/bin/sh", "-c", "cat > "+data+"/pg_hba.conf <<'EOF'\n"+hba+"EOF\n"); err != nil {
		t.Fatal(err)
	}
	if err := run(u, pgctl, "-D", data, "-l", srv+"/log", "-w", "-t", "60", "start", "-o",
		fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %s -k %s -c ssl=on -c ssl_cert_file=%s/server.crt "+
			"-c ssl_key_file=%s/server.key -c ssl_ca_file=%s/ca.crt -c fsync=off", port, data, srv, srv, srv)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run(u, pgctl, "-D", data, "-w", "-t", "60", "-m", "immediate", "stop") })

	target, err := jdbc.ParseURL(fmt.Sprintf("jdbc:postgresql://127.0.0.1:%s/postgres?sslmode=require", port))
	if err != nil {
		t.Fatal(err)
	}
	db, err := target.Open(context.Background(), "postgres", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE ROLE certuser LOGIN SUPERUSER`); err != nil {
		t.Fatal(err)
	}
	return s
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// newCert makes a certificate for cn signed by parent (self-signed, a CA,
// when parent is nil).
func newCert(t testing.TB, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, cn string, ips []net.IP) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, IPAddresses: ips,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	signer, signerKey := tmpl, key
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else {
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}
