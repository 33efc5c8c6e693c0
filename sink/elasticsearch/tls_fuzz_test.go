package elasticsearch

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"
)

// fuzzStores are a key store and a trust store in each format kconnect
// reads (PEM plain and encrypted, PKCS12, JKS), all with password "pw".
func fuzzStores(f *testing.F) [][]byte {
	must := func(err error) {
		if err != nil {
			f.Fatal(err)
		}
	}
	k, cert := selfSigned(f, "fuzz")
	der := cert.Raw
	keyDER, err := x509.MarshalPKCS8PrivateKey(k)
	must(err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	enc, err := pkcs8.MarshalPrivateKey(k, []byte("pw"), nil)
	must(err)
	encPEM := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: enc})
	p12, err := pkcs12.Modern.Encode(k, cert, nil, "pw")
	must(err)
	trustP12, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{cert}, "pw")
	must(err)
	var jks, trustJKS bytes.Buffer
	ks := keystore.New()
	must(ks.SetPrivateKeyEntry("client", keystore.PrivateKeyEntry{CreationTime: time.Now(), PrivateKey: keyDER,
		CertificateChain: []keystore.Certificate{{Type: "X509", Content: der}}}, []byte("pw")))
	must(ks.Store(&jks, []byte("pw")))
	ts := keystore.New()
	must(ts.SetTrustedCertificateEntry("ca", keystore.TrustedCertificateEntry{CreationTime: time.Now(),
		Certificate: keystore.Certificate{Type: "X509", Content: der}}))
	must(ts.Store(&trustJKS, []byte("pw")))
	return [][]byte{append(keyPEM, certPEM...), append(encPEM, certPEM...), certPEM, p12, trustP12, jks.Bytes(), trustJKS.Bytes()}
}

// FuzzStores reads arbitrary bytes as each kind of key and trust store: a
// damaged or foreign file is an error, never a panic.
func FuzzStores(f *testing.F) {
	for _, s := range fuzzStores(f) {
		f.Add(s, "pw")
	}
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		_, _ = pemCertificates(data)
		_, _ = pemKeyPair(data, data, password)
		_, _ = pkcs12KeyPair(data, password, "")
		_, _ = pkcs12Certificates(data, password)
		_, _ = jksCertificates(data, password)
		_, _ = jksKeyPair(data, password, "")
	})
}
