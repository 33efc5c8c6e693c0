package cli_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/syncbuf"

	"github.com/stretchr/testify/require"
)

// selfSigned returns a certificate for 127.0.0.1 and its key, as PEM.
func selfSigned(t *testing.T) (certPEM, keyPEM string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kconnect test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err = x509.ParseCertificate(der)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})), cert
}

// asContinuedValue writes a PEM value as Kafka's documentation does in a
// properties file: one line per PEM line, joined by continuation lines.
func asContinuedValue(pemText string) string {
	return strings.ReplaceAll(strings.TrimSpace(pemText), "\n", " \\\n  ")
}

// https listeners take a PEM key and certificate, from a file or inline in
// the worker file, as Kafka Connect's listeners.https.ssl.* keys give them.
func TestHTTPSListener(t *testing.T) {
	certPEM, keyPEM, cert := selfSigned(t)
	dir := t.TempDir()
	pemFile := writeFile(t, filepath.Join(dir, "server.pem"), keyPEM+certPEM)
	for name, keys := range map[string]string{
		"keystore file": "listeners.https.ssl.keystore.type=PEM\nlisteners.https.ssl.keystore.location=" + pemFile + "\n",
		"inline": "ssl.keystore.type=PEM\nssl.keystore.certificate.chain=" + asContinuedValue(certPEM) +
			"\nssl.keystore.key=" + asContinuedValue(keyPEM) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=https://127.0.0.1:0\n"+keys)
			r := start(t, []string{"standalone", w})
			require.True(t, strings.HasPrefix(r.ready.URL, "https://"), r.ready.URL)
			pool := x509.NewCertPool()
			pool.AddCert(cert)
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
			resp, err := client.Get(r.ready.Listeners[0] + "metrics")
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Contains(t, string(body), "go_goroutines")
			require.NoError(t, r.stop(t))
			require.NotContains(t, r.logs.String(), "PRIVATE KEY")
		})
	}
}

func TestHTTPSListenerErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ keys, want string }{
		{"", "an https listener needs a key and certificate"},
		{"ssl.keystore.type=JKS\nssl.keystore.location=/x.jks\n", "ssl.keystore.type: kconnect reads PEM keys and certificates only, not JKS keystores"},
		{"listeners.https.ssl.keystore.location=" + writeFile(t, filepath.Join(dir, "bad.pem"), "not pem") + "\n",
			"listeners.https.ssl.keystore.*: not a PEM certificate chain"},
		{"ssl.keystore.location=/x.pem\nssl.key.password=hunter2\n", "ssl.key.password: encrypted private keys are not supported"},
	} {
		w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=https://127.0.0.1:0\n"+c.keys)
		var out, errOut syncbuf.Buffer
		code := runMain(t, []string{"standalone", w}, &out, &errOut)
		require.Equal(t, 2, code)
		require.Contains(t, errOut.String(), c.want)
		require.NotContains(t, errOut.String(), "hunter2")
	}
	_ = os.Remove(filepath.Join(dir, "w.properties"))
}
