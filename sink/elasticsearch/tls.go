package elasticsearch

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"github.com/youmark/pkcs8"
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
			"The client certificate and key, for servers that ask for one: a JKS or PKCS12 key store, or a PEM "+
				"file (private key, in PKCS #8 and encrypted with elastic.https.ssl.key.password, or unencrypted, "+
				"and certificate chain). Of a store holding several private keys, the first by alias is used.")).
		Define(key(SSLKeystorePasswordConfig, connect.ConfigPassword, nil, "The password of a JKS or PKCS12 key store.")).
		Define(key(SSLKeystoreTypeConfig, connect.ConfigString, "JKS",
			"The format of the key store file: JKS, PKCS12 or PEM. As Java's stores, JKS and PKCS12 each read "+
				"the other's files, and a file holding PEM is read as PEM whatever this says.")).
		Define(key(SSLKeyPasswordConfig, connect.ConfigPassword, nil,
			"The password of the private key: of a PEM key encrypted in PKCS #8 (ENCRYPTED PRIVATE KEY), or of "+
				"the key in a JKS or PKCS12 store when it differs from the store's.")).
		Define(key(SSLKeystoreKeyConfig, connect.ConfigPassword, nil,
			"The client's private key in PEM form (encrypted in PKCS #8 with elastic.https.ssl.key.password, or "+
				"unencrypted), with elastic.https.ssl.keystore.certificate.chain, instead of a key store file.")).
		Define(key(SSLKeystoreCertificateChainConfig, connect.ConfigPassword, nil,
			"The client's certificate chain in PEM form, with elastic.https.ssl.keystore.key.")).
		Define(key(SSLTruststoreLocationConfig, connect.ConfigString, "",
			"The certificate authorities trusted to sign the servers' certificates: a JKS or PKCS12 trust store "+
				"(its trusted certificate entries) or a PEM file. Without it (and without "+
				"elastic.https.ssl.truststore.certificates), the system's.")).
		Define(key(SSLTruststorePasswordConfig, connect.ConfigPassword, nil,
			"The password of a JKS or PKCS12 trust store (needed for JKS: its integrity is always checked).")).
		Define(key(SSLTruststoreTypeConfig, connect.ConfigString, "JKS",
			"The format of the trust store file: JKS, PKCS12 or PEM. As Java's stores, JKS and PKCS12 each read "+
				"the other's files, and a file holding PEM is read as PEM whatever this says.")).
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

// storeKind is a store file's format, told by its content.
type storeKind uint8

const (
	storePEM storeKind = iota
	storePKCS12
	storeJKS
)

// jksMagic starts every JKS store.
var jksMagic = []byte{0xfe, 0xed, 0xfe, 0xed}

// storeFile reads a store's file and tells its format by its content, as
// Java's JKS and PKCS12 key stores each read the other's files: Kafka's
// default type, JKS, thus serves PKCS12 files too.
func storeFile(path, locKey, typeKey, typ string) (data []byte, kind storeKind, err error) {
	data, err = os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", locKey, err)
	}
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		return data, storePEM, nil
	}
	switch strings.ToUpper(strings.TrimSpace(typ)) {
	case "PKCS12", "JKS":
		if bytes.HasPrefix(data, jksMagic) {
			return data, storeJKS, nil
		}
		return data, storePKCS12, nil
	case "PEM":
		return nil, 0, fmt.Errorf("%s: %s holds no PEM data", locKey, path)
	}
	return nil, 0, fmt.Errorf("%s: %q is not supported: JKS, PKCS12 or PEM", typeKey, typ)
}

// loadJKS reads a JKS store, checking its integrity with the password;
// passwordKey names the key to blame when that fails. keystore-go's errors
// name no secret.
func loadJKS(data []byte, password, passwordKey string) (keystore.KeyStore, error) {
	ks := keystore.New()
	if err := checkJKS(data); err != nil {
		return ks, fmt.Errorf("reading the JKS store: %w", err)
	}
	if err := ks.Load(bytes.NewReader(data), []byte(password)); err != nil {
		return ks, fmt.Errorf("reading the JKS store (is %s right?): %w", passwordKey, err)
	}
	return ks, nil
}

// checkJKS walks a JKS store's layout, checking that every length and
// count fits in the bytes left: keystore-go allocates what a length or a
// certificate count says before reading, so a few damaged bytes would ask
// for gigabytes and end the process.
func checkJKS(data []byte) error {
	r := data
	take := func(n uint64) ([]byte, error) {
		if n > uint64(len(r)) {
			return nil, fmt.Errorf("truncated or damaged at byte %d: %d bytes wanted, %d left", len(data)-len(r), n, len(r))
		}
		b := r[:n]
		r = r[n:]
		return b, nil
	}
	u32 := func() (uint32, error) {
		b, err := take(4)
		if err != nil {
			return 0, err
		}
		return binary.BigEndian.Uint32(b), nil
	}
	str := func() error {
		b, err := take(2)
		if err != nil {
			return err
		}
		_, err = take(uint64(binary.BigEndian.Uint16(b)))
		return err
	}
	var version, entries uint32
	var err error
	if _, err = take(4); err != nil { // the magic number, checked by keystore-go
		return err
	}
	if version, err = u32(); err != nil {
		return err
	}
	if version != 1 && version != 2 {
		return fmt.Errorf("unknown version %d", version)
	}
	cert := func() error {
		if version == 2 {
			if err := str(); err != nil { // the certificate's type
				return err
			}
		}
		n, err := u32()
		if err != nil {
			return err
		}
		_, err = take(uint64(n))
		return err
	}
	if entries, err = u32(); err != nil {
		return err
	}
	for range entries {
		tag, err := u32()
		if err != nil {
			return err
		}
		if err := str(); err != nil { // the alias
			return err
		}
		if _, err := take(8); err != nil { // the creation time
			return err
		}
		switch tag {
		case 1: // a private key and its chain
			n, err := u32()
			if err != nil {
				return err
			}
			if _, err := take(uint64(n)); err != nil {
				return err
			}
			certs, err := u32()
			if err != nil {
				return err
			}
			for range certs {
				if err := cert(); err != nil {
					return err
				}
			}
		case 2: // a trusted certificate
			if err := cert(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown entry tag %d", tag)
		}
	}
	return nil
}

// jksCertificates returns the trusted certificate entries of a JKS store,
// those Java's trust manager trusts.
func jksCertificates(data []byte, password string) ([]*x509.Certificate, error) {
	ks, err := loadJKS(data, password, SSLTruststorePasswordConfig)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	aliases := ks.Aliases()
	slices.Sort(aliases)
	for _, alias := range aliases {
		if !ks.IsTrustedCertificateEntry(alias) {
			continue
		}
		e, err := ks.GetTrustedCertificateEntry(alias)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", alias, err)
		}
		c, err := x509.ParseCertificate(e.Certificate.Content)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", alias, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// jksKeyPair returns the first private key entry of a JKS store, by
// alias, with its chain; its password is keyPassword or, as in Java, the
// store's.
func jksKeyPair(data []byte, storePassword, keyPassword string) (tls.Certificate, error) {
	ks, err := loadJKS(data, storePassword, SSLKeystorePasswordConfig)
	if err != nil {
		return tls.Certificate{}, err
	}
	if keyPassword == "" {
		keyPassword = storePassword
	}
	aliases := ks.Aliases()
	slices.Sort(aliases)
	for _, alias := range aliases {
		if !ks.IsPrivateKeyEntry(alias) {
			continue
		}
		e, err := ks.GetPrivateKeyEntry(alias, []byte(keyPassword))
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("entry %q: reading its private key (is %s right?): %w", alias, SSLKeyPasswordConfig, err)
		}
		key, err := x509.ParsePKCS8PrivateKey(e.PrivateKey)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("entry %q: %w", alias, err)
		}
		if len(e.CertificateChain) == 0 {
			return tls.Certificate{}, fmt.Errorf("entry %q has no certificate", alias)
		}
		cert := tls.Certificate{PrivateKey: key}
		for _, c := range e.CertificateChain {
			cert.Certificate = append(cert.Certificate, c.Content)
		}
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return tls.Certificate{}, fmt.Errorf("entry %q: %w", alias, err)
		}
		return cert, nil
	}
	return tls.Certificate{}, errors.New("no private key entry in the JKS store")
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
		data, kind, err := storeFile(loc, SSLTruststoreLocationConfig, SSLTruststoreTypeConfig, cfg.String(SSLTruststoreTypeConfig))
		if err != nil {
			return nil, err
		}
		switch kind {
		case storePEM:
			certs, err = pemCertificates(data)
		case storeJKS:
			certs, err = jksCertificates(data, cfg.Password(SSLTruststorePasswordConfig).Value())
		default:
			certs, err = pkcs12Certificates(data, cfg.Password(SSLTruststorePasswordConfig).Value())
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
		cert, err := pemKeyPair([]byte(chain), []byte(key), cfg.Password(SSLKeyPasswordConfig).Value())
		if err != nil {
			return tls.Certificate{}, false, fmt.Errorf("%s, %s: %w", SSLKeystoreKeyConfig, SSLKeystoreCertificateChainConfig, err)
		}
		return cert, true, nil
	case loc == "":
		return tls.Certificate{}, false, nil
	}
	data, kind, err := storeFile(loc, SSLKeystoreLocationConfig, SSLKeystoreTypeConfig, cfg.String(SSLKeystoreTypeConfig))
	if err != nil {
		return tls.Certificate{}, false, err
	}
	var cert tls.Certificate
	storePassword, keyPassword := cfg.Password(SSLKeystorePasswordConfig).Value(), cfg.Password(SSLKeyPasswordConfig).Value()
	switch kind {
	case storePEM:
		cert, err = pemKeyPair(data, data, keyPassword)
	case storeJKS:
		cert, err = jksKeyPair(data, storePassword, keyPassword)
	default:
		cert, err = pkcs12KeyPair(data, storePassword, keyPassword)
	}
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("%s: %s: %w", SSLKeystoreLocationConfig, loc, err)
	}
	return cert, true, nil
}

// pemKeyPair reads a PEM certificate chain and private key. A key
// encrypted in PKCS #8 (ENCRYPTED PRIVATE KEY, as Kafka reads them) is
// decrypted with password; OpenSSL's older encrypted form is not read,
// as by Kafka.
func pemKeyPair(chain, key []byte, password string) (tls.Certificate, error) {
	for rest := key; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
			return tls.Certificate{}, errors.New("the private key is encrypted in OpenSSL's legacy form, which is not read: " +
				"convert it to PKCS #8 (openssl pkcs8 -topk8 -v2 aes-256-cbc)")
		}
		if b.Type != "ENCRYPTED PRIVATE KEY" {
			continue
		}
		if password == "" {
			return tls.Certificate{}, fmt.Errorf("the private key is encrypted: set %s", SSLKeyPasswordConfig)
		}
		if err := checkPBES2(b.Bytes); err != nil {
			return tls.Certificate{}, fmt.Errorf("the encrypted private key: %w", err)
		}
		k, err := pkcs8.ParsePKCS8PrivateKey(b.Bytes, []byte(password))
		if err != nil {
			// pkcs8's errors quote no key material.
			return tls.Certificate{}, fmt.Errorf("decrypting the private key (is %s right?): %w", SSLKeyPasswordConfig, err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return tls.Certificate{}, err
		}
		// Decrypted, the key goes through the same checks as a plain one,
		// its match with the certificate among them.
		key = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		break
	}
	cert, err := tls.X509KeyPair(chain, key)
	if err != nil {
		// crypto/tls's messages quote no key material.
		return tls.Certificate{}, err
	}
	return cert, nil
}

// The object identifiers of PBES2 and its key derivation functions.
var (
	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
)

// maxPBKDF2Iterations bounds the work a key's own parameters can ask of
// its decryption: some seconds at most.
const maxPBKDF2Iterations = 10_000_000

// checkPBES2 refuses an encrypted PKCS #8 key whose key derivation would
// take the process down or hang it before the password is even checked:
// scrypt, whose cost parameter sizes an allocation (Java, and so Kafka,
// does not read scrypt-encrypted keys either), and PBKDF2 beyond
// maxPBKDF2Iterations. Other schemes are left to pkcs8 to refuse.
func checkPBES2(der []byte) error {
	type algorithm struct {
		Algorithm asn1.ObjectIdentifier
		Params    asn1.RawValue `asn1:"optional"`
	}
	var info struct {
		Algorithm algorithm
		Data      []byte
	}
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return fmt.Errorf("not PKCS #8 EncryptedPrivateKeyInfo: %w", err)
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil
	}
	var params struct {
		KDF        algorithm
		Encryption algorithm
	}
	if _, err := asn1.Unmarshal(info.Algorithm.Params.FullBytes, &params); err != nil {
		return fmt.Errorf("its PBES2 parameters: %w", err)
	}
	if !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return fmt.Errorf("key derivation function %s is not read: only PBKDF2 is, as by Java", params.KDF.Algorithm)
	}
	var kdf []asn1.RawValue
	if _, err := asn1.Unmarshal(params.KDF.Params.FullBytes, &kdf); err != nil || len(kdf) < 2 {
		return fmt.Errorf("its PBKDF2 parameters are not salt and iteration count")
	}
	var iterations int64
	if _, err := asn1.Unmarshal(kdf[1].FullBytes, &iterations); err != nil {
		return fmt.Errorf("its PBKDF2 iteration count: %w", err)
	}
	if iterations > maxPBKDF2Iterations {
		return fmt.Errorf("its PBKDF2 iteration count %d is over %d", iterations, maxPBKDF2Iterations)
	}
	return nil
}

func pkcs12KeyPair(data []byte, storePassword, keyPassword string) (tls.Certificate, error) {
	if err := checkPKCS12(data); err != nil {
		return tls.Certificate{}, fmt.Errorf("reading the PKCS12 key store: %w", err)
	}
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

// pkcs12Certificates returns the trusted certificates of a PKCS12 store.
func pkcs12Certificates(data []byte, password string) ([]*x509.Certificate, error) {
	if err := checkPKCS12(data); err != nil {
		return nil, fmt.Errorf("reading the PKCS12 trust store: %w", err)
	}
	certs, err := pkcs12.DecodeTrustStore(data, password)
	if err != nil {
		// go-pkcs12's errors name no secret, but say nothing of which
		// file either.
		return nil, fmt.Errorf("reading the PKCS12 trust store (is %s right?): %w", SSLTruststorePasswordConfig, err)
	}
	return certs, nil
}

// maxPKCS12Iterations is the most iterations a PKCS12 store's MAC or
// encryption may ask for: Java's PKCS12KeyStore refuses more
// (MAX_ITERATION_COUNT), so no store Kafka reads is refused here.
const maxPKCS12Iterations = 5_000_000

// The object identifiers of a PKCS12 store's parts.
var (
	oidPBMAC1              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidDataContent         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidPKCS8ShroudedKeyBag = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
)

// pbeAlgorithm is an AlgorithmIdentifier whose parameters are read later.
type pbeAlgorithm struct {
	Algorithm asn1.ObjectIdentifier
	Params    asn1.RawValue `asn1:"optional"`
}

// pkcs12ContentInfo is a PKCS #7 ContentInfo: its content is explicitly
// tagged [0].
type pkcs12ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

// checkPKCS12 walks a PKCS12 store's structure and refuses iteration
// counts over maxPKCS12Iterations: go-pkcs12 runs whatever count the file
// asks for, the MAC's before the password is even checked, so a few
// hundred bytes could hang the task's start for hours. It reads what
// go-pkcs12 would, in the same encoding, so it refuses no store go-pkcs12
// reads but for the count; parts it cannot place (a content type or bag
// go-pkcs12 does not read either) are left to go-pkcs12 to refuse. The
// bags inside encrypted contents are only reached by go-pkcs12 after the
// MAC, whose count is checked here, has proved the password.
func checkPKCS12(der []byte) error {
	var pfx struct {
		Version  int
		AuthSafe pkcs12ContentInfo
		MacData  struct {
			Mac struct {
				Algorithm pbeAlgorithm
				Digest    []byte
			}
			MacSalt    []byte
			Iterations *big.Int `asn1:"optional"`
		} `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		return fmt.Errorf("not a PKCS12 store: %w", err)
	}
	if err := checkIterations("its MAC", pfx.MacData.Iterations); err != nil {
		return err
	}
	if pfx.MacData.Mac.Algorithm.Algorithm.Equal(oidPBMAC1) {
		var params struct {
			KDF pbeAlgorithm
			MAC pbeAlgorithm
		}
		if _, err := asn1.Unmarshal(pfx.MacData.Mac.Algorithm.Params.FullBytes, &params); err != nil {
			return fmt.Errorf("its PBMAC1 parameters: %w", err)
		}
		if err := checkPBKDF2Iterations("its MAC", params.KDF); err != nil {
			return err
		}
	}
	if !pfx.AuthSafe.ContentType.Equal(oidDataContent) {
		return nil
	}
	var safe []byte
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &safe); err != nil {
		return fmt.Errorf("its authenticated safe: %w", err)
	}
	var contents []pkcs12ContentInfo
	if _, err := asn1.Unmarshal(safe, &contents); err != nil {
		return fmt.Errorf("its authenticated safe: %w", err)
	}
	for i, ci := range contents {
		switch {
		case ci.ContentType.Equal(oidEncryptedData):
			var enc struct {
				Version int
				Info    struct {
					ContentType asn1.ObjectIdentifier
					Algorithm   pbeAlgorithm
					Content     []byte `asn1:"tag:0,optional"`
				}
			}
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &enc); err != nil {
				return fmt.Errorf("its encrypted content %d: %w", i, err)
			}
			if err := checkPBEIterations(fmt.Sprintf("its encrypted content %d", i), enc.Info.Algorithm); err != nil {
				return err
			}
		case ci.ContentType.Equal(oidDataContent):
			if err := checkSafeContents(ci.Content.Bytes, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSafeContents checks the shrouded keys among the bags of the
// unencrypted content i of a PKCS12 store.
func checkSafeContents(content []byte, i int) error {
	var data []byte
	if _, err := asn1.Unmarshal(content, &data); err != nil {
		return fmt.Errorf("its content %d: %w", i, err)
	}
	var bags []struct {
		ID         asn1.ObjectIdentifier
		Value      asn1.RawValue `asn1:"tag:0,explicit"`
		Attributes asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(data, &bags); err != nil {
		return fmt.Errorf("its content %d: %w", i, err)
	}
	for j, bag := range bags {
		if !bag.ID.Equal(oidPKCS8ShroudedKeyBag) {
			continue
		}
		var key struct {
			Algorithm pbeAlgorithm
			Data      []byte
		}
		what := fmt.Sprintf("its content %d's encrypted private key %d", i, j)
		if _, err := asn1.Unmarshal(bag.Value.Bytes, &key); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := checkPBEIterations(what, key.Algorithm); err != nil {
			return err
		}
	}
	return nil
}

// checkPBEIterations checks the count of a PBES2 scheme's PBKDF2 or of a
// PKCS #12 PBE scheme (salt and count); other schemes, which go-pkcs12
// refuses before deriving a key, are let through.
func checkPBEIterations(what string, alg pbeAlgorithm) error {
	if alg.Algorithm.Equal(oidPBES2) {
		var params struct {
			KDF        pbeAlgorithm
			Encryption pbeAlgorithm
		}
		if _, err := asn1.Unmarshal(alg.Params.FullBytes, &params); err != nil {
			return fmt.Errorf("%s: its PBES2 parameters: %w", what, err)
		}
		return checkPBKDF2Iterations(what, params.KDF)
	}
	var params struct {
		Salt       []byte
		Iterations *big.Int
	}
	if _, err := asn1.Unmarshal(alg.Params.FullBytes, &params); err != nil {
		return nil
	}
	return checkIterations(what, params.Iterations)
}

// checkPBKDF2Iterations checks the count of a PBKDF2 key derivation; other
// functions are left to go-pkcs12 to refuse.
func checkPBKDF2Iterations(what string, kdf pbeAlgorithm) error {
	if !kdf.Algorithm.Equal(oidPBKDF2) {
		return nil
	}
	var params []asn1.RawValue
	if _, err := asn1.Unmarshal(kdf.Params.FullBytes, &params); err != nil || len(params) < 2 {
		return fmt.Errorf("%s: its PBKDF2 parameters are not salt and iteration count", what)
	}
	n := new(big.Int)
	if _, err := asn1.Unmarshal(params[1].FullBytes, &n); err != nil {
		return fmt.Errorf("%s: its PBKDF2 iteration count: %w", what, err)
	}
	return checkIterations(what, n)
}

func checkIterations(what string, n *big.Int) error {
	if n != nil && n.Cmp(big.NewInt(maxPKCS12Iterations)) > 0 {
		return fmt.Errorf("%s asks for %s iterations, over the %d Java's PKCS12 key store allows", what, n, maxPKCS12Iterations)
	}
	return nil
}
