package elasticsearch

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/kconnect-go/kconnect/connect"
)

// The TLS keys, Confluent's: elastic.security.protocol, and Kafka's client
// SSL keys under the prefix elastic.https.
const (
	SecurityProtocolConfig            = "elastic.security.protocol"
	SSLKeystoreLocationConfig         = "elastic.https.ssl.keystore.location"
	SSLKeystorePasswordConfig         = "elastic.https.ssl.keystore.password"
	SSLKeystoreTypeConfig             = "elastic.https.ssl.keystore.type"
	SSLKeyPasswordConfig              = "elastic.https.ssl.key.password"
	SSLKeystoreKeyConfig              = "elastic.https.ssl.keystore.key"
	SSLKeystoreCertificateChainConfig = "elastic.https.ssl.keystore.certificate.chain"
	SSLTruststoreLocationConfig       = "elastic.https.ssl.truststore.location"
	SSLTruststorePasswordConfig       = "elastic.https.ssl.truststore.password"
	SSLTruststoreTypeConfig           = "elastic.https.ssl.truststore.type"
	SSLTruststoreCertificatesConfig   = "elastic.https.ssl.truststore.certificates"
	SSLEndpointIdentificationConfig   = "elastic.https.ssl.endpoint.identification.algorithm"
	SSLProtocolConfig                 = "elastic.https.ssl.protocol"
	SSLEnabledProtocolsConfig         = "elastic.https.ssl.enabled.protocols"
)

func defineTLS(def *connect.ConfigDef) *connect.ConfigDef {
	order := 0
	key := func(name string, typ connect.ConfigType, def any, doc string) connect.ConfigKey {
		order++
		k := connect.ConfigKey{Name: name, Type: typ, Default: def, Importance: connect.Medium, Group: "Security", OrderInGroup: order, Doc: doc}
		if typ == connect.ConfigPassword {
			k.Default = nil
		}
		return k
	}
	return def.
		Define(key(SecurityProtocolConfig, connect.ConfigString, "PLAINTEXT",
			"The security protocol to use when connecting to Elasticsearch: PLAINTEXT or SSL. With PLAINTEXT every "+
				"elastic.https. key is ignored (https URLs are still served, trusting the system's certificate "+
				"authorities); with SSL they configure TLS for the https URLs of connection.url.")).
		Define(key(SSLKeystoreLocationConfig, connect.ConfigString, "",
			"The client certificate and key, for servers that ask for one: a PEM file (private key, unencrypted, "+
				"and certificate chain) or a PKCS12 file. JKS stores are not read: convert them to PKCS12 with "+
				"keytool -importkeystore -deststoretype PKCS12.")).
		Define(key(SSLKeystorePasswordConfig, connect.ConfigPassword, nil, "The password of a PKCS12 key store.")).
		Define(key(SSLKeystoreTypeConfig, connect.ConfigString, "JKS",
			"The format of the key store file: PKCS12 or PEM (JKS, Kafka's default, is not read; a file holding "+
				"PEM is read as PEM whatever this says).")).
		Define(key(SSLKeyPasswordConfig, connect.ConfigPassword, nil,
			"The password of the private key in a PKCS12 key store, when it differs from the store's. Encrypted "+
				"PEM keys are not read.")).
		Define(key(SSLKeystoreKeyConfig, connect.ConfigPassword, nil,
			"The client's private key in PEM form (unencrypted), with elastic.https.ssl.keystore.certificate.chain, "+
				"instead of a key store file.")).
		Define(key(SSLKeystoreCertificateChainConfig, connect.ConfigPassword, nil,
			"The client's certificate chain in PEM form, with elastic.https.ssl.keystore.key.")).
		Define(key(SSLTruststoreLocationConfig, connect.ConfigString, "",
			"The certificate authorities trusted to sign the servers' certificates: a PEM file or a PKCS12 "+
				"trust store. Without it (and without elastic.https.ssl.truststore.certificates), the system's.")).
		Define(key(SSLTruststorePasswordConfig, connect.ConfigPassword, nil, "The password of a PKCS12 trust store.")).
		Define(key(SSLTruststoreTypeConfig, connect.ConfigString, "JKS",
			"The format of the trust store file: PKCS12 or PEM (JKS, Kafka's default, is not read; a file holding "+
				"PEM is read as PEM whatever this says).")).
		Define(key(SSLTruststoreCertificatesConfig, connect.ConfigPassword, nil,
			"Trusted certificates in PEM form, instead of a trust store file.")).
		Define(key(SSLEndpointIdentificationConfig, connect.ConfigString, "https",
			"https checks that a server's certificate names the host of its URL; empty skips that check (the "+
				"certificate must still be signed by a trusted authority).")).
		Define(key(SSLProtocolConfig, connect.ConfigString, "TLSv1.3",
			"The newest TLS version to use: TLSv1.2 or TLSv1.3.")).
		Define(key(SSLEnabledProtocolsConfig, connect.ConfigList, "TLSv1.2,TLSv1.3",
			"The TLS versions to accept: TLSv1.2, TLSv1.3 or both."))
}

var tlsVersionNames = map[string]uint16{"TLSV1.2": tls.VersionTLS12, "TLSV1.3": tls.VersionTLS13}

// parseTLS makes the TLS configuration of the https URLs. Errors name the
// key and, for files, the path, never a password or key.
func parseTLS(cfg *connect.Config) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	switch p := strings.ToUpper(strings.TrimSpace(cfg.String(SecurityProtocolConfig))); p {
	case "PLAINTEXT":
		return c, nil
	case "SSL":
	default:
		return nil, fmt.Errorf("%s: %q is neither PLAINTEXT nor SSL", SecurityProtocolConfig, cfg.String(SecurityProtocolConfig))
	}
	if err := tlsVersions(cfg, c); err != nil {
		return nil, err
	}
	roots, err := trustStore(cfg)
	if err != nil {
		return nil, err
	}
	c.RootCAs = roots
	if cert, ok, err := keyStore(cfg); err != nil {
		return nil, err
	} else if ok {
		c.Certificates = []tls.Certificate{cert}
	}
	switch alg := strings.TrimSpace(cfg.String(SSLEndpointIdentificationConfig)); {
	case strings.EqualFold(alg, "https"):
	case alg == "":
		// The chain is still verified, against the trusted authorities,
		// but not the name in it.
		c.InsecureSkipVerify = true
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, ic := range cs.PeerCertificates[1:] {
				inter.AddCert(ic)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
			return err
		}
	default:
		return nil, fmt.Errorf("%s: %q is neither https nor empty", SSLEndpointIdentificationConfig, alg)
	}
	return c, nil
}

func tlsVersions(cfg *connect.Config, c *tls.Config) error {
	maxV, ok := tlsVersionNames[strings.ToUpper(strings.TrimSpace(cfg.String(SSLProtocolConfig)))]
	if !ok {
		return fmt.Errorf("%s: %q is not supported: name TLSv1.2 or TLSv1.3", SSLProtocolConfig, cfg.String(SSLProtocolConfig))
	}
	var minV uint16
	for _, name := range cfg.List(SSLEnabledProtocolsConfig) {
		v, ok := tlsVersionNames[strings.ToUpper(name)]
		if !ok {
			return fmt.Errorf("%s: %q is not supported: name TLSv1.2, TLSv1.3 or both", SSLEnabledProtocolsConfig, name)
		}
		if minV == 0 || v < minV {
			minV = v
		}
	}
	if minV == 0 {
		return fmt.Errorf("%s is empty: name TLSv1.2, TLSv1.3 or both", SSLEnabledProtocolsConfig)
	}
	if minV > maxV {
		return fmt.Errorf("%s enables nothing up to %s=%s", SSLEnabledProtocolsConfig, SSLProtocolConfig, cfg.String(SSLProtocolConfig))
	}
	c.MinVersion, c.MaxVersion = minV, maxV
	return nil
}

// storeFile reads a store's file and says whether it holds PEM; anything
// else must be a PKCS12 store.
func storeFile(path, locKey, typeKey, typ string) (data []byte, isPEM bool, err error) {
	data, err = os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", locKey, err)
	}
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		return data, true, nil
	}
	switch strings.ToUpper(strings.TrimSpace(typ)) {
	case "PKCS12":
		return data, false, nil
	case "JKS":
		return nil, false, fmt.Errorf("%s: %s is not PEM, and JKS stores are not read (%s=JKS): convert it to PKCS12 "+
			"(keytool -importkeystore -deststoretype PKCS12) and set %s=PKCS12", locKey, path, typeKey, typeKey)
	case "PEM":
		return nil, false, fmt.Errorf("%s: %s holds no PEM data", locKey, path)
	}
	return nil, false, fmt.Errorf("%s: %q is not supported: PKCS12 or PEM", typeKey, typ)
}

// trustStore returns the trusted authorities, or nil for the system's.
func trustStore(cfg *connect.Config) (*x509.CertPool, error) {
	loc := strings.TrimSpace(cfg.String(SSLTruststoreLocationConfig))
	inline := cfg.Password(SSLTruststoreCertificatesConfig).Value()
	var certs []*x509.Certificate
	switch {
	case loc != "" && inline != "":
		return nil, fmt.Errorf("%s and %s are both set: choose one", SSLTruststoreLocationConfig, SSLTruststoreCertificatesConfig)
	case inline != "":
		var err error
		if certs, err = pemCertificates([]byte(inline)); err != nil {
			return nil, fmt.Errorf("%s: %w", SSLTruststoreCertificatesConfig, err)
		}
	case loc != "":
		data, isPEM, err := storeFile(loc, SSLTruststoreLocationConfig, SSLTruststoreTypeConfig, cfg.String(SSLTruststoreTypeConfig))
		if err != nil {
			return nil, err
		}
		if isPEM {
			certs, err = pemCertificates(data)
		} else {
			certs, err = pkcs12.DecodeTrustStore(data, cfg.Password(SSLTruststorePasswordConfig).Value())
			if err != nil {
				// go-pkcs12's errors name no secret, but say nothing of
				// which file either.
				err = fmt.Errorf("reading the PKCS12 trust store (is %s right?): %w", SSLTruststorePasswordConfig, err)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", SSLTruststoreLocationConfig, loc, err)
		}
	default:
		return nil, nil
	}
	if len(certs) == 0 {
		return nil, errors.New(SSLTruststoreLocationConfig + ": no certificate in the trust store")
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

func pemCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// keyStore returns the client certificate, and false when none is set.
func keyStore(cfg *connect.Config) (tls.Certificate, bool, error) {
	loc := strings.TrimSpace(cfg.String(SSLKeystoreLocationConfig))
	key := cfg.Password(SSLKeystoreKeyConfig).Value()
	chain := cfg.Password(SSLKeystoreCertificateChainConfig).Value()
	switch {
	case loc != "" && (key != "" || chain != ""):
		return tls.Certificate{}, false, fmt.Errorf("%s and %s are both set: choose one", SSLKeystoreLocationConfig, SSLKeystoreKeyConfig)
	case key != "" || chain != "":
		if key == "" || chain == "" {
			return tls.Certificate{}, false, fmt.Errorf("%s and %s must be set together", SSLKeystoreKeyConfig, SSLKeystoreCertificateChainConfig)
		}
		cert, err := pemKeyPair([]byte(chain), []byte(key))
		if err != nil {
			return tls.Certificate{}, false, fmt.Errorf("%s, %s: %w", SSLKeystoreKeyConfig, SSLKeystoreCertificateChainConfig, err)
		}
		return cert, true, nil
	case loc == "":
		return tls.Certificate{}, false, nil
	}
	data, isPEM, err := storeFile(loc, SSLKeystoreLocationConfig, SSLKeystoreTypeConfig, cfg.String(SSLKeystoreTypeConfig))
	if err != nil {
		return tls.Certificate{}, false, err
	}
	var cert tls.Certificate
	if isPEM {
		cert, err = pemKeyPair(data, data)
	} else {
		cert, err = pkcs12KeyPair(data, cfg.Password(SSLKeystorePasswordConfig).Value(), cfg.Password(SSLKeyPasswordConfig).Value())
	}
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("%s: %s: %w", SSLKeystoreLocationConfig, loc, err)
	}
	return cert, true, nil
}

func pemKeyPair(chain, key []byte) (tls.Certificate, error) {
	for rest := key; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
			return tls.Certificate{}, errors.New("the private key is encrypted: give it unencrypted, in PKCS #8 or PKCS #1")
		}
	}
	cert, err := tls.X509KeyPair(chain, key)
	if err != nil {
		// crypto/tls's messages quote no key material.
		return tls.Certificate{}, err
	}
	return cert, nil
}

func pkcs12KeyPair(data []byte, storePassword, keyPassword string) (tls.Certificate, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, storePassword)
	if err != nil && keyPassword != "" && keyPassword != storePassword {
		key, leaf, cas, err = pkcs12.DecodeChain(data, keyPassword)
	}
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("reading the PKCS12 key store (is %s right?): %w", SSLKeystorePasswordConfig, err)
	}
	cert := tls.Certificate{PrivateKey: key, Leaf: leaf, Certificate: [][]byte{leaf.Raw}}
	for _, c := range cas {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	return cert, nil
}
