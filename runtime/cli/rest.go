package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/rest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// listener is one entry of the listeners key.
type listener struct {
	scheme string // http or https
	host   string // "" for every interface
	port   int
}

// restConfig is the REST server's part of a worker configuration.
type restConfig struct {
	listeners          []listener
	advertisedHost     string
	advertisedPort     int // 0: the listener's
	advertisedListener string
	tls                *tls.Config // for https listeners
	auth               *basicAuth  // nil: no authentication
}

const defaultListeners = "http://:8083"

// listenerPattern is Kafka's RestServer.LISTENER_PATTERN.
var listenerPattern = regexp.MustCompile(`^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)`)

func parseRESTConfig(file string, props map[string]string) (restConfig, error) {
	var c restConfig
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", file, key, fmt.Sprintf(format, args...)))
	}
	raw, ok := props[keyListeners]
	if !ok || strings.TrimSpace(raw) == "" {
		raw = defaultListeners
	}
	for item := range strings.SplitSeq(raw, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		m := listenerPattern.FindStringSubmatch(item)
		if m == nil {
			bad(keyListeners, "listener %q does not have the right format (protocol://hostname:port)", item)
			continue
		}
		scheme := strings.ToLower(m[1])
		if scheme != "http" && scheme != "https" {
			bad(keyListeners, "listener %q: the protocol must be http or https", item)
			continue
		}
		port, err := strconv.Atoi(m[3])
		if err != nil || port < 0 || port > 65535 {
			bad(keyListeners, "listener %q: bad port", item)
			continue
		}
		c.listeners = append(c.listeners, listener{scheme: scheme, host: m[2], port: port})
	}
	c.advertisedHost = strings.TrimSpace(props[keyAdvertisedHost])
	if v, ok := props[keyAdvertisedPort]; ok && strings.TrimSpace(v) != "" {
		p, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || p <= 0 || p > 65535 {
			bad(keyAdvertisedPort, "want a port number, got %q", v)
		}
		c.advertisedPort = p
	}
	if v := strings.ToLower(strings.TrimSpace(props[keyAdvertisedListener])); v != "" {
		if v != "http" && v != "https" {
			bad(keyAdvertisedListener, "want http or https, got %q", props[keyAdvertisedListener])
		}
		c.advertisedListener = v
	}
	auth, err := parseBasicAuth(file, props, os.Getenv("KAFKA_OPTS"))
	if err != nil {
		errs = append(errs, err)
	}
	c.auth = auth
	for _, l := range c.listeners {
		if l.scheme == "https" {
			cfg, err := serverTLS(file, props)
			if err != nil {
				errs = append(errs, err)
			}
			c.tls = cfg
			break
		}
	}
	return c, errors.Join(errs...)
}

// serverTLS builds the TLS configuration of https listeners from the
// listeners.https.ssl.* keys or, when there are none, the ssl.* keys, as
// Kafka Connect takes them all or nothing. Keys and certificates are PEM
// (ssl.keystore.type=PEM); Java keystores are not read. Errors name the
// key, never its value.
func serverTLS(file string, props map[string]string) (*tls.Config, error) {
	prefix := ""
	for k := range props {
		if strings.HasPrefix(k, httpsPrefix) {
			prefix = httpsPrefix
			break
		}
	}
	get := func(k string) string { return strings.TrimSpace(props[prefix+k]) }
	bad := func(k, format string, args ...any) error {
		return fmt.Errorf("%s: %s%s: %s", file, prefix, k, fmt.Sprintf(format, args...))
	}
	if t := get("ssl.keystore.type"); t != "" && !strings.EqualFold(t, "PEM") {
		return nil, bad("ssl.keystore.type", "kconnect reads PEM keys and certificates only, not %s keystores: convert it and set PEM", t)
	}
	if get("ssl.key.password") != "" {
		return nil, bad("ssl.key.password", "encrypted private keys are not supported: give the key unencrypted, in a file only the worker can read")
	}
	var chain, key []byte
	switch {
	case get("ssl.keystore.certificate.chain") != "" || get("ssl.keystore.key") != "":
		chain, key = normalizePEM(props[prefix+"ssl.keystore.certificate.chain"]), normalizePEM(props[prefix+"ssl.keystore.key"])
	case get("ssl.keystore.location") != "":
		data, err := os.ReadFile(get("ssl.keystore.location"))
		if err != nil {
			return nil, bad("ssl.keystore.location", "%v", err)
		}
		chain, key = data, data
	default:
		return nil, fmt.Errorf("%s: an https listener needs a key and certificate: %sssl.keystore.location (a PEM file), or %sssl.keystore.certificate.chain and %sssl.keystore.key", file, prefix, prefix, prefix)
	}
	cert, err := tls.X509KeyPair(chain, key)
	if err != nil {
		return nil, bad("ssl.keystore.*", "not a PEM certificate chain and unencrypted private key (JKS and PKCS12 keystores are not read)")
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if v := get("ssl.enabled.protocols"); v != "" && !strings.Contains(v, "TLSv1.2") && strings.Contains(v, "TLSv1.3") {
		cfg.MinVersion = tls.VersionTLS13
	}
	var cas []byte
	switch {
	case get("ssl.truststore.type") != "" && !strings.EqualFold(get("ssl.truststore.type"), "PEM"):
		return nil, bad("ssl.truststore.type", "kconnect reads PEM certificates only, not %s truststores", get("ssl.truststore.type"))
	case get("ssl.truststore.certificates") != "":
		cas = normalizePEM(props[prefix+"ssl.truststore.certificates"])
	case get("ssl.truststore.location") != "":
		if cas, err = os.ReadFile(get("ssl.truststore.location")); err != nil {
			return nil, bad("ssl.truststore.location", "%v", err)
		}
	}
	if cas != nil {
		cfg.ClientCAs = x509.NewCertPool()
		if !cfg.ClientCAs.AppendCertsFromPEM(cas) {
			return nil, bad("ssl.truststore.*", "no PEM certificate found")
		}
	}
	switch auth := strings.ToLower(get("ssl.client.auth")); auth {
	case "", "none":
	case "requested", "required":
		if cfg.ClientCAs == nil {
			return nil, bad("ssl.client.auth", "%s needs ssl.truststore.certificates or ssl.truststore.location", auth)
		}
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
		if auth == "required" {
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		}
	default:
		return nil, bad("ssl.client.auth", "want none, requested or required")
	}
	return cfg, nil
}

var pemBlock = regexp.MustCompile(`(?s)-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----`)

// normalizePEM rewrites the PEM blocks of a configuration value as
// encoding/pem reads them. Kafka's documentation writes inline PEM values
// over continuation lines, which a properties file joins into one line,
// so the base64 lines arrive separated by spaces; Kafka reads them so.
func normalizePEM(v string) []byte {
	var b strings.Builder
	for _, m := range pemBlock.FindAllStringSubmatch(v, -1) {
		body := strings.Join(strings.Fields(m[2]), "")
		b.WriteString("-----BEGIN " + m[1] + "-----\n")
		for len(body) > 64 {
			b.WriteString(body[:64] + "\n")
			body = body[64:]
		}
		if body != "" {
			b.WriteString(body + "\n")
		}
		b.WriteString("-----END " + m[3] + "-----\n")
	}
	return []byte(b.String())
}

// restServer serves the REST API and /metrics on the worker's listeners.
type restServer struct {
	cfg  restConfig
	lns  []net.Listener
	srvs []*http.Server
	// urls are the listeners' URLs as bound, an unspecified host shown as
	// the advertised one.
	urls []string
}

// listen binds every listener, so that the port of a listener given port
// 0 is known before the worker's id is made from it.
func listen(cfg restConfig) (*restServer, error) {
	s := &restServer{cfg: cfg}
	for _, l := range cfg.listeners {
		ln, err := net.Listen("tcp", net.JoinHostPort(l.host, strconv.Itoa(l.port)))
		if err != nil {
			s.close()
			return nil, fmt.Errorf("listener %s://%s: %w", l.scheme, net.JoinHostPort(l.host, strconv.Itoa(l.port)), err)
		}
		if l.scheme == "https" {
			ln = tls.NewListener(ln, cfg.tls)
		}
		s.lns = append(s.lns, ln)
	}
	return s, nil
}

// advertised returns the URL the worker advertises and its worker id,
// host:port, as Kafka Connect's RestServer.advertisedUrl: the advertised
// listener's protocol (else https when every listener is, else http), the
// advertised host name, else that listener's host, else this host's name,
// and the advertised port, else the listener's.
func (s *restServer) advertised() (url, id string) {
	scheme := s.cfg.advertisedListener
	if scheme == "" {
		scheme = "https"
		for _, l := range s.cfg.listeners {
			if l.scheme == "http" {
				scheme = "http"
			}
		}
	}
	host, port := "", 0
	for i, l := range s.cfg.listeners {
		if l.scheme == scheme {
			host, port = l.host, s.lns[i].Addr().(*net.TCPAddr).Port
			break
		}
	}
	if s.cfg.advertisedHost != "" {
		host = s.cfg.advertisedHost
	}
	if host == "" {
		if h, err := os.Hostname(); err == nil {
			host = h
		} else {
			host = "localhost"
		}
	}
	if s.cfg.advertisedPort != 0 {
		port = s.cfg.advertisedPort
	}
	hp := net.JoinHostPort(host, strconv.Itoa(port))
	return scheme + "://" + hp + "/", hp
}

// listenURLs returns the URL of each listener as bound.
func (s *restServer) listenURLs() []string {
	var out []string
	for i, l := range s.cfg.listeners {
		host := l.host
		if host == "" {
			host = "localhost"
		}
		out = append(out, fmt.Sprintf("%s://%s/", l.scheme, net.JoinHostPort(host, strconv.Itoa(s.lns[i].Addr().(*net.TCPAddr).Port))))
	}
	return out
}

// serve starts serving h on every listener; a listener that fails is
// reported on errc.
func (s *restServer) serve(h http.Handler, log *slog.Logger, errc chan<- error) {
	for _, ln := range s.lns {
		srv := &http.Server{
			Handler: h,
			// What net/http logs (a failed TLS handshake, a panicking
			// handler) goes to the worker's log, quietly.
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			// Kafka Connect answers a request within 90 s or with a
			// timeout error.
			WriteTimeout: 95 * time.Second,
			IdleTimeout:  2 * time.Minute,
		}
		s.srvs = append(s.srvs, srv)
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("REST listener %s: %w", ln.Addr(), err)
			}
		}()
	}
}

// shutdown stops the servers, letting requests in progress finish until
// ctx ends, then closing their connections.
func (s *restServer) shutdown(ctx context.Context) error {
	var errs []error
	for _, srv := range s.srvs {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err, srv.Close())
		}
	}
	s.close()
	return errors.Join(errs...)
}

func (s *restServer) close() {
	for _, ln := range s.lns {
		_ = ln.Close()
	}
}

// handler is what the listeners serve: /metrics, and Kafka Connect's REST
// API over h. With basic auth, /metrics asks for the same credentials as
// the API.
func handler(h herder.Herder, reg *prometheus.Registry, auth *basicAuth, opts ...rest.Option) http.Handler {
	mux := http.NewServeMux()
	var metrics http.Handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if auth != nil {
		metrics = requireAuth(auth.check, metrics)
		opts = append(opts, rest.BasicAuth(auth.check))
	}
	mux.Handle("GET /metrics", metrics)
	mux.Handle("/", rest.NewHandler(h, opts...))
	return mux
}

// requireAuth answers a request without the right credentials as the REST
// API does.
func requireAuth(check func(user, password string) bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, password, _ := r.BasicAuth()
		if !check(user, password) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte("User cannot access the resource."))
			return
		}
		h.ServeHTTP(w, r)
	})
}
