package elasticsearch

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// hugeIterations is what a hostile or damaged store asks for: go-pkcs12
// would spend hours on it.
const hugeIterations = 1<<31 - 1

// withMACIterations re-encodes a PKCS12 store with its MAC's iteration
// count replaced.
func withMACIterations(t *testing.T, p12 []byte, n int) []byte {
	t.Helper()
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  struct {
			Mac        asn1.RawValue
			MacSalt    []byte
			Iterations int
		}
	}
	if _, err := asn1.Unmarshal(p12, &pfx); err != nil {
		t.Fatal(err)
	}
	pfx.MacData.Iterations = n
	out, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// unmacedStore builds a PKCS12 store with no MAC (as go-pkcs12 reads with
// an empty password) holding one part: an unencrypted one with a shrouded
// key bag, or an encrypted one, its PBE (pbeWithSHAAnd3-KeyTripleDES-CBC)
// asking for n iterations. Without a MAC, go-pkcs12 reaches the PBE.
func unmacedStore(t *testing.T, encrypted bool, n int) []byte {
	t.Helper()
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	explicit := func(b []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: b}
	}
	type algorithm struct {
		Algorithm asn1.ObjectIdentifier
		Params    asn1.RawValue
	}
	type contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}
	pbe := algorithm{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3},
		Params: asn1.RawValue{FullBytes: must(asn1.Marshal(struct {
			Salt       []byte
			Iterations int
		}{[]byte("saltsalt"), n}))}}
	cipherText := make([]byte, 32)
	var part contentInfo
	if encrypted {
		part = contentInfo{oidEncryptedData, explicit(must(asn1.Marshal(struct {
			Version int
			Info    struct {
				ContentType asn1.ObjectIdentifier
				Algorithm   algorithm
				Content     []byte `asn1:"tag:0"`
			}
		}{Info: struct {
			ContentType asn1.ObjectIdentifier
			Algorithm   algorithm
			Content     []byte `asn1:"tag:0"`
		}{oidDataContent, pbe, cipherText}})))}
	} else {
		bag := struct {
			ID    asn1.ObjectIdentifier
			Value asn1.RawValue
		}{oidPKCS8ShroudedKeyBag, explicit(must(asn1.Marshal(struct {
			Algorithm algorithm
			Data      []byte
		}{pbe, cipherText})))}
		bags := must(asn1.Marshal([]any{bag}))
		part = contentInfo{oidDataContent, explicit(must(asn1.Marshal(bags)))}
	}
	safe := must(asn1.Marshal([]contentInfo{part}))
	return must(asn1.Marshal(struct {
		Version  int
		AuthSafe contentInfo
	}{3, contentInfo{oidDataContent, explicit(must(asn1.Marshal(safe)))}}))
}

// selfSigned returns a new P-256 key and a certificate for it, signed by
// itself, named cn and valid for the hour around now.
func selfSigned(tb testing.TB, cn string) (*ecdsa.PrivateKey, *x509.Certificate) {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return k, cert
}

// TestStoresPKCS12Iterations: a PKCS12 store asking for more iterations
// than Java's key store allows, for its MAC or a PBE, is refused before
// go-pkcs12 runs them, naming the store's key and never its password;
// stores within the bound are read.
func TestStoresPKCS12Iterations(t *testing.T) {
	k, cert := selfSigned(t, "p12")
	const password = "p12-s3cret"
	keyStore, err := pkcs12.Modern.Encode(k, cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	trustStore, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{cert}, password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pkcs12KeyPair(keyStore, password, ""); err != nil {
		t.Fatalf("a real key store: %v", err)
	}
	if _, err := pkcs12Certificates(trustStore, password); err != nil {
		t.Fatalf("a real trust store: %v", err)
	}
	// At the bound, the count is go-pkcs12's to run (and the MAC, patched,
	// then fails): checkPKCS12 alone is asked.
	if err := checkPKCS12(withMACIterations(t, keyStore, maxPKCS12Iterations)); err != nil {
		t.Fatalf("a MAC count of %d: %v", maxPKCS12Iterations, err)
	}

	dir := t.TempDir()
	cases := []struct {
		name, want string
		data       []byte
		trust      bool
		password   string // empty for the stores without a MAC, as go-pkcs12 reads them
	}{
		{"key store MAC", "its MAC asks for 2147483647 iterations", withMACIterations(t, keyStore, hugeIterations), false, password},
		{"trust store MAC", "its MAC asks for 2147483647 iterations", withMACIterations(t, trustStore, hugeIterations), true, password},
		{"MAC just over", "its MAC asks for 5000001 iterations", withMACIterations(t, keyStore, maxPKCS12Iterations+1), false, password},
		{"shrouded key bag", "encrypted private key 0 asks for 2147483647", unmacedStore(t, false, hugeIterations), false, ""},
		{"encrypted content", "encrypted content 0 asks for 2147483647", unmacedStore(t, true, hugeIterations), true, ""},
		{"truncated", "not a PKCS12 store", keyStore[:len(keyStore)/2], false, password},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".p12")
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
			raw := map[string]string{"connection.url": "https://127.0.0.1:9200", "topics": "t",
				SecurityProtocolConfig: "SSL"}
			locKey := SSLKeystoreLocationConfig
			if c.trust {
				locKey = SSLTruststoreLocationConfig
				raw[SSLTruststoreLocationConfig], raw[SSLTruststoreTypeConfig] = path, "PKCS12"
				raw[SSLTruststorePasswordConfig] = c.password
			} else {
				raw[SSLKeystoreLocationConfig], raw[SSLKeystoreTypeConfig] = path, "PKCS12"
				raw[SSLKeystorePasswordConfig] = c.password
			}
			cfg, err := configDef.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := parseTLS(cfg)
				done <- err
			}()
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("reading the store did not end: its iteration count was run")
			}
			if err == nil {
				t.Fatal("the store was read")
			}
			for _, want := range []string{c.want, locKey, path} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not say %q: %v", want, err)
				}
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// TestStoresPKCS12IterationsSeeds writes FuzzStores' seeds of PKCS12
// stores asking for too many iterations when KCONNECT_WRITE_SEEDS is set.
func TestStoresPKCS12IterationsSeeds(t *testing.T) {
	if os.Getenv("KCONNECT_WRITE_SEEDS") == "" {
		t.Skip("KCONNECT_WRITE_SEEDS is not set")
	}
	_, cert := selfSigned(t, "fuzz")
	trust, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{cert}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	for name, seed := range map[string]struct {
		data     []byte
		password string
	}{
		"pkcs12-mac-iterations":  {withMACIterations(t, trust, hugeIterations), "pw"},
		"pkcs12-bag-iterations":  {unmacedStore(t, false, hugeIterations), ""},
		"pkcs12-data-iterations": {unmacedStore(t, true, hugeIterations), ""},
	} {
		text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nstring(%q)\n", seed.data, seed.password)
		if err := os.WriteFile(filepath.Join("testdata", "fuzz", "FuzzStores", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
