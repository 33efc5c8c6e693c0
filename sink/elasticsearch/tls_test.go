package elasticsearch_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/esttest"
	"github.com/kconnect-go/kconnect/sink/elasticsearch"
)

// testPKI is a certificate authority, a server certificate for 127.0.0.1
// (or another name) and a client certificate, in PEM and PKCS12 files.
type testPKI struct {
	ca         *x509.Certificate
	server     tls.Certificate
	dir        string
	caPEM      string // file
	clientPEM  string // file: key and chain
	clientKey  string // PEM text
	clientCert string // PEM text
	clientP12  string // file, password "p12-s3cret"
	trustP12   string // file, password "trust-s3cret"
	clientJKS  string // file, store password "jks-s3cret", key password "key-s3cret"
	trustJKS   string // file, password "trust-s3cret"
	// The client's key encrypted in PKCS #8 with "pem-s3cret": as PEM
	// text, and in a file with the chain.
	clientEncKey string
	clientEncPEM string
}

func newTestPKI(t *testing.T, serverNames ...string) *testPKI {
	t.Helper()
	p := &testPKI{dir: t.TempDir()}
	caKey := mustKey(t)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if p.ca, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	leaf := func(serial int64, usage x509.ExtKeyUsage, names []string) (*ecdsa.PrivateKey, *x509.Certificate) {
		k := mustKey(t)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		for _, n := range names {
			if ip := net.ParseIP(n); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, n)
			}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return k, c
	}
	if len(serverNames) == 0 {
		serverNames = []string{"127.0.0.1"}
	}
	sk, sc := leaf(2, x509.ExtKeyUsageServerAuth, serverNames)
	p.server = tls.Certificate{Certificate: [][]byte{sc.Raw, p.ca.Raw}, PrivateKey: sk}
	ck, cc := leaf(3, x509.ExtKeyUsageClientAuth, nil)
	keyDER, err := x509.MarshalPKCS8PrivateKey(ck)
	if err != nil {
		t.Fatal(err)
	}
	p.clientKey = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	p.clientCert = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cc.Raw}))
	p.caPEM = p.write(t, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ca.Raw}))
	p.clientPEM = p.write(t, "client.pem", []byte(p.clientKey+p.clientCert))
	p12, err := pkcs12.Modern.Encode(ck, cc, []*x509.Certificate{p.ca}, "p12-s3cret")
	if err != nil {
		t.Fatal(err)
	}
	p.clientP12 = p.write(t, "client.p12", p12)
	trust, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{p.ca}, "trust-s3cret")
	if err != nil {
		t.Fatal(err)
	}
	p.trustP12 = p.write(t, "trust.p12", trust)

	created := time.Now()
	ks := keystore.New()
	if err := ks.SetPrivateKeyEntry("client", keystore.PrivateKeyEntry{CreationTime: created, PrivateKey: keyDER,
		CertificateChain: []keystore.Certificate{{Type: "X509", Content: cc.Raw}, {Type: "X509", Content: p.ca.Raw}}},
		[]byte("key-s3cret")); err != nil {
		t.Fatal(err)
	}
	p.clientJKS = p.writeJKS(t, "client.jks", ks, "jks-s3cret")
	ts := keystore.New()
	if err := ts.SetTrustedCertificateEntry("ca", keystore.TrustedCertificateEntry{CreationTime: created,
		Certificate: keystore.Certificate{Type: "X509", Content: p.ca.Raw}}); err != nil {
		t.Fatal(err)
	}
	p.trustJKS = p.writeJKS(t, "trust.jks", ts, "trust-s3cret")

	enc, err := pkcs8.MarshalPrivateKey(ck, []byte("pem-s3cret"), nil) // PBES2: PBKDF2-SHA256, AES-256-CBC
	if err != nil {
		t.Fatal(err)
	}
	p.clientEncKey = string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc}))
	p.clientEncPEM = p.write(t, "client-enc.pem", []byte(p.clientEncKey+p.clientCert))
	return p
}

func (p *testPKI) writeJKS(t *testing.T, name string, ks keystore.KeyStore, password string) string {
	var b bytes.Buffer
	if err := ks.Store(&b, []byte(password)); err != nil {
		t.Fatal(err)
	}
	return p.write(t, name, b.Bytes())
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (p *testPKI) write(t *testing.T, name string, data []byte) string {
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// proxy serves backend over TLS with the PKI's server certificate, and
// asks for a client certificate signed by its authority.
func (p *testPKI) proxy(t *testing.T, backend string) esttest.Server {
	t.Helper()
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(u))
	pool := x509.NewCertPool()
	pool.AddCert(p.ca)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.server}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return esttest.Server{Name: "tls", URL: srv.URL}
}

func okServer(t *testing.T) (*fakeServer, esttest.Server) {
	f := &fakeServer{bulk: func(_ int, lines []string) (int, []int) {
		items := make([]int, len(lines)/2)
		for i := range items {
			items[i] = 201
		}
		return 200, items
	}}
	return f, f.start(t)
}

// TestTLS: elastic.security.protocol=SSL with PEM and PKCS12 stores, and
// inline PEM, reaches a server that asks for a client certificate; the
// check of the server's name follows endpoint.identification.algorithm.
func TestTLS(t *testing.T) {
	pki := newTestPKI(t)
	cases := map[string]map[string]string{
		"pem files": {elasticsearch.SSLTruststoreLocationConfig: pki.caPEM, elasticsearch.SSLKeystoreLocationConfig: pki.clientPEM},
		"pkcs12 files": {elasticsearch.SSLTruststoreLocationConfig: pki.trustP12, elasticsearch.SSLTruststoreTypeConfig: "PKCS12",
			elasticsearch.SSLTruststorePasswordConfig: "trust-s3cret", elasticsearch.SSLKeystoreLocationConfig: pki.clientP12,
			elasticsearch.SSLKeystoreTypeConfig: "PKCS12", elasticsearch.SSLKeystorePasswordConfig: "p12-s3cret"},
		"inline pem": {elasticsearch.SSLTruststoreCertificatesConfig: pki.caPEM, elasticsearch.SSLKeystoreKeyConfig: pki.clientKey,
			elasticsearch.SSLKeystoreCertificateChainConfig: pki.clientCert},
		// JKS is the types' default, as in Kafka.
		"jks files": {elasticsearch.SSLTruststoreLocationConfig: pki.trustJKS, elasticsearch.SSLTruststorePasswordConfig: "trust-s3cret",
			elasticsearch.SSLKeystoreLocationConfig: pki.clientJKS, elasticsearch.SSLKeystorePasswordConfig: "jks-s3cret",
			elasticsearch.SSLKeyPasswordConfig: "key-s3cret"},
		// Java's JKS stores read PKCS12 files too.
		"pkcs12 files as jks": {elasticsearch.SSLTruststoreLocationConfig: pki.trustP12, elasticsearch.SSLTruststorePasswordConfig: "trust-s3cret",
			elasticsearch.SSLKeystoreLocationConfig: pki.clientP12, elasticsearch.SSLKeystorePasswordConfig: "p12-s3cret"},
		"encrypted pem file": {elasticsearch.SSLTruststoreLocationConfig: pki.caPEM, elasticsearch.SSLKeystoreLocationConfig: pki.clientEncPEM,
			elasticsearch.SSLKeystoreTypeConfig: "PEM", elasticsearch.SSLKeyPasswordConfig: "pem-s3cret"},
		"encrypted inline pem": {elasticsearch.SSLTruststoreLocationConfig: pki.caPEM, elasticsearch.SSLKeystoreKeyConfig: pki.clientEncKey,
			elasticsearch.SSLKeystoreCertificateChainConfig: pki.clientCert, elasticsearch.SSLKeyPasswordConfig: "pem-s3cret"},
	}
	caText, err := os.ReadFile(pki.caPEM)
	if err != nil {
		t.Fatal(err)
	}
	cases["inline pem"][elasticsearch.SSLTruststoreCertificatesConfig] = string(caText)
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			f, backend := okServer(t)
			srv := pki.proxy(t, backend.URL)
			cfg = withDefaults(cfg, map[string]string{elasticsearch.SecurityProtocolConfig: "SSL", "key.ignore": "true",
				"schema.ignore": "true", "linger.ms": "0"})
			r := start(t, srv, cfg)
			r.write(docs(t, "t", 3)...)
			if n := len(f.calls()); n != 1 {
				t.Fatalf("%d requests reached the server through TLS, want 1", n)
			}
		})
	}

	t.Run("hostname", func(t *testing.T) {
		other := newTestPKI(t, "elsewhere.example")
		_, backend := okServer(t)
		srv := other.proxy(t, backend.URL)
		base := map[string]string{elasticsearch.SecurityProtocolConfig: "SSL", "key.ignore": "true", "schema.ignore": "true",
			"linger.ms": "0", "max.retries": "0", elasticsearch.SSLTruststoreLocationConfig: other.caPEM,
			elasticsearch.SSLKeystoreLocationConfig: other.clientPEM}
		r := start(t, srv, base)
		if err := r.try(docs(t, "t", 1)...); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("a certificate for another name was accepted (err %v)", err)
		}
		r = start(t, srv, withDefaults(map[string]string{elasticsearch.SSLEndpointIdentificationConfig: ""}, base))
		r.write(docs(t, "t", 1)...)
	})

	t.Run("untrusted", func(t *testing.T) {
		_, backend := okServer(t)
		srv := pki.proxy(t, backend.URL)
		r := start(t, srv, map[string]string{elasticsearch.SecurityProtocolConfig: "SSL", "key.ignore": "true", "schema.ignore": "true",
			"linger.ms": "0", "max.retries": "0", elasticsearch.SSLKeystoreLocationConfig: pki.clientPEM})
		if err := r.try(docs(t, "t", 1)...); err == nil || !strings.Contains(err.Error(), "unknown authority") {
			t.Fatalf("a server signed by an unknown authority was accepted (err %v)", err)
		}
	})
}

func withDefaults(cfg, defaults map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range cfg {
		out[k] = v
	}
	return out
}

// TestTLSBadStores: stores that cannot be read fail Start with the key and
// file named, and no password shown.
func TestTLSBadStores(t *testing.T) {
	pki := newTestPKI(t)
	jks := pki.write(t, "store.jks", []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2})
	cases := []struct {
		name string
		cfg  map[string]string
		want string
	}{
		{"wrong keystore password", map[string]string{elasticsearch.SSLKeystoreLocationConfig: pki.clientP12,
			elasticsearch.SSLKeystoreTypeConfig: "PKCS12", elasticsearch.SSLKeystorePasswordConfig: "wr0ng-s3cret"},
			elasticsearch.SSLKeystorePasswordConfig},
		{"wrong truststore password", map[string]string{elasticsearch.SSLTruststoreLocationConfig: pki.trustP12,
			elasticsearch.SSLTruststoreTypeConfig: "PKCS12", elasticsearch.SSLTruststorePasswordConfig: "wr0ng-s3cret"},
			elasticsearch.SSLTruststorePasswordConfig},
		{"jks truststore password", map[string]string{elasticsearch.SSLTruststoreLocationConfig: pki.trustJKS,
			elasticsearch.SSLTruststorePasswordConfig: "wr0ng-s3cret"}, elasticsearch.SSLTruststorePasswordConfig},
		{"jks keystore password", map[string]string{elasticsearch.SSLKeystoreLocationConfig: pki.clientJKS,
			elasticsearch.SSLKeystorePasswordConfig: "wr0ng-s3cret", elasticsearch.SSLKeyPasswordConfig: "key-s3cret"},
			elasticsearch.SSLKeystorePasswordConfig},
		{"jks key password", map[string]string{elasticsearch.SSLKeystoreLocationConfig: pki.clientJKS,
			elasticsearch.SSLKeystorePasswordConfig: "jks-s3cret", elasticsearch.SSLKeyPasswordConfig: "wr0ng-s3cret"},
			elasticsearch.SSLKeyPasswordConfig},
		{"truncated jks", map[string]string{elasticsearch.SSLTruststoreLocationConfig: jks, elasticsearch.SSLTruststorePasswordConfig: "wr0ng-s3cret"},
			"JKS"},
		{"encrypted pem without password", map[string]string{elasticsearch.SSLKeystoreLocationConfig: pki.clientEncPEM},
			elasticsearch.SSLKeyPasswordConfig},
		{"encrypted pem, wrong password", map[string]string{elasticsearch.SSLKeystoreKeyConfig: pki.clientEncKey,
			elasticsearch.SSLKeystoreCertificateChainConfig: pki.clientCert, elasticsearch.SSLKeyPasswordConfig: "wr0ng-s3cret"},
			elasticsearch.SSLKeyPasswordConfig},
		{"key without chain", map[string]string{elasticsearch.SSLKeystoreKeyConfig: pki.clientKey},
			elasticsearch.SSLKeystoreCertificateChainConfig},
		{"protocol", map[string]string{elasticsearch.SSLProtocolConfig: "TLSv1.1"}, elasticsearch.SSLProtocolConfig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := withDefaults(c.cfg, map[string]string{"connection.url": "https://127.0.0.1:9200", "topics": "t",
				elasticsearch.SecurityProtocolConfig: "SSL"})
			task := elasticsearch.Plugin().New().NewTask()
			err := task.Start(context.Background(), cfg, connecttest.NewSinkTaskContext(cfg))
			if err == nil {
				_ = task.Stop(context.Background())
				t.Fatal("Start accepted the configuration")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("the error does not name %s: %v", c.want, err)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
	// PLAINTEXT ignores every elastic.https. key, as Confluent's connector.
	cfg := map[string]string{"connection.url": "https://127.0.0.1:9200", "topics": "t",
		elasticsearch.SSLTruststoreLocationConfig: jks}
	task := elasticsearch.Plugin().New().NewTask()
	if err := task.Start(context.Background(), cfg, connecttest.NewSinkTaskContext(cfg)); err != nil {
		t.Fatalf("PLAINTEXT read the trust store: %v", err)
	}
	_ = task.Stop(context.Background())
}

// TestTLSServer writes through a TLS proxy in front of each real server.
func TestTLSServer(t *testing.T) {
	esttest.Each(t, func(t *testing.T, real esttest.Server) {
		pki := newTestPKI(t)
		srv := pki.proxy(t, real.URL)
		index := real.Index(t, "tls")
		r := start(t, srv, map[string]string{elasticsearch.SecurityProtocolConfig: "SSL", "key.ignore": "true", "schema.ignore": "true",
			"topics": index, elasticsearch.SSLTruststoreLocationConfig: pki.trustP12, elasticsearch.SSLTruststoreTypeConfig: "PKCS12",
			elasticsearch.SSLTruststorePasswordConfig: "trust-s3cret", elasticsearch.SSLKeystoreLocationConfig: pki.clientPEM})
		r.write(docs(t, index, 5)...)
		if n := real.Count(t, index); n != 5 {
			t.Fatalf("%d documents, want 5", n)
		}
	})
}

// TestTLSStoresFromTools reads stores as Java's keytool and OpenSSL write
// them (a JKS trust store, a JKS key store whose key has its own password,
// a PKCS #8 key encrypted by openssl pkcs8 -topk8), when those tools are
// installed.
func TestTLSStoresFromTools(t *testing.T) {
	pki := newTestPKI(t)
	run := func(t *testing.T, name string, args ...string) {
		t.Helper()
		path, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("%s is not installed", name)
		}
		if out, err := exec.Command(path, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	write := func(t *testing.T, cfg map[string]string) {
		f, backend := okServer(t)
		srv := pki.proxy(t, backend.URL)
		r := start(t, srv, withDefaults(cfg, map[string]string{elasticsearch.SecurityProtocolConfig: "SSL", "key.ignore": "true",
			"schema.ignore": "true", "linger.ms": "0"}))
		r.write(docs(t, "t", 2)...)
		if n := len(f.calls()); n != 1 {
			t.Fatalf("%d requests reached the server through TLS, want 1", n)
		}
	}
	t.Run("keytool", func(t *testing.T) {
		trust, client := filepath.Join(pki.dir, "kt-trust.jks"), filepath.Join(pki.dir, "kt-client.jks")
		run(t, "keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", pki.caPEM, "-keystore", trust,
			"-storetype", "JKS", "-storepass", "trust-s3cret")
		run(t, "keytool", "-importkeystore", "-noprompt", "-srckeystore", pki.clientP12, "-srcstoretype", "PKCS12",
			"-srcstorepass", "p12-s3cret", "-destkeystore", client, "-deststoretype", "JKS", "-deststorepass", "jks-s3cret",
			"-destkeypass", "key-s3cret")
		write(t, map[string]string{elasticsearch.SSLTruststoreLocationConfig: trust, elasticsearch.SSLTruststorePasswordConfig: "trust-s3cret",
			elasticsearch.SSLKeystoreLocationConfig: client, elasticsearch.SSLKeystorePasswordConfig: "jks-s3cret",
			elasticsearch.SSLKeyPasswordConfig: "key-s3cret"})
	})
	t.Run("openssl", func(t *testing.T) {
		plain, enc := pki.write(t, "plain-key.pem", []byte(pki.clientKey)), filepath.Join(pki.dir, "openssl-key.pem")
		run(t, "openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", plain, "-out", enc, "-passout", "pass:pem-s3cret")
		key, err := os.ReadFile(enc)
		if err != nil {
			t.Fatal(err)
		}
		write(t, map[string]string{elasticsearch.SSLTruststoreLocationConfig: pki.caPEM, elasticsearch.SSLKeystoreKeyConfig: string(key),
			elasticsearch.SSLKeystoreCertificateChainConfig: pki.clientCert, elasticsearch.SSLKeyPasswordConfig: "pem-s3cret"})
	})
}
