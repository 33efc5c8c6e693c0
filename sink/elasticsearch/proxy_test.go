package elasticsearch_test

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/sink/elasticsearch"
)

// testProxy is an HTTP proxy asking for basic credentials: it forwards
// requests for http:// URLs and tunnels CONNECT, and records what it saw.
type testProxy struct {
	host, port string
	mu         sync.Mutex
	seen       []string // "GET http://..." or "CONNECT host:port"
	refused    int
}

func startProxy(t *testing.T, user, pass string) *testProxy {
	t.Helper()
	p := &testProxy{}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		ok := r.Header.Get("Proxy-Authorization") == want
		if !ok {
			p.refused++
		} else if r.Method == http.MethodConnect {
			p.seen = append(p.seen, "CONNECT "+r.Host)
		} else {
			p.seen = append(p.seen, r.Method+" "+r.URL.String())
		}
		p.mu.Unlock()
		if !ok {
			w.Header().Set("Proxy-Authenticate", `Basic realm="test"`)
			http.Error(w, "proxy credentials wanted", http.StatusProxyAuthRequired)
			return
		}
		if r.Method == http.MethodConnect {
			p.tunnel(t, w, r)
			return
		}
		r.RequestURI = ""
		r.Header.Del("Proxy-Authorization")
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	p.host, p.port = u.Hostname(), u.Port()
	return p
}

func (p *testProxy) tunnel(t *testing.T, w http.ResponseWriter, r *http.Request) {
	back, err := net.Dial("tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.WriteHeader(http.StatusOK)
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		back.Close()
		t.Error(err)
		return
	}
	go func() {
		defer back.Close()
		defer conn.Close()
		go io.Copy(back, buf)
		io.Copy(conn, back)
	}()
}

func (p *testProxy) requests() (seen []string, refused int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...), p.refused
}

// TestProxy: with proxy.host, requests to http:// URLs go through the
// proxy and https:// ones are tunnelled through it, with proxy.username
// and proxy.password as basic credentials.
func TestProxy(t *testing.T) {
	t.Run("http", func(t *testing.T) {
		proxy := startProxy(t, "squid", "pr0xy-s3cret")
		f, srv := okServer(t)
		r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "linger.ms": "0",
			"proxy.host": proxy.host, "proxy.port": proxy.port, "proxy.username": "squid", "proxy.password": "pr0xy-s3cret"})
		r.write(docs(t, "t", 3)...)
		seen, refused := proxy.requests()
		if len(f.calls()) != 1 || refused != 0 || !containsPrefix(seen, "POST "+srv.URL+"/_bulk") {
			t.Fatalf("server saw %d requests; proxy saw %q, refused %d", len(f.calls()), seen, refused)
		}
	})
	t.Run("https", func(t *testing.T) {
		proxy := startProxy(t, "squid", "pr0xy-s3cret")
		pki := newTestPKI(t)
		f, backend := okServer(t)
		srv := pki.proxy(t, backend.URL)
		r := start(t, srv, map[string]string{"key.ignore": "true", "schema.ignore": "true", "linger.ms": "0",
			elasticsearch.SecurityProtocolConfig: "SSL", elasticsearch.SSLTruststoreLocationConfig: pki.caPEM,
			elasticsearch.SSLKeystoreLocationConfig: pki.clientPEM, "proxy.host": proxy.host, "proxy.port": proxy.port,
			"proxy.username": "squid", "proxy.password": "pr0xy-s3cret"})
		r.write(docs(t, "t", 3)...)
		seen, refused := proxy.requests()
		if len(f.calls()) != 1 || refused != 0 || !containsPrefix(seen, "CONNECT "+strings.TrimPrefix(srv.URL, "https://")) {
			t.Fatalf("server saw %d requests; proxy saw %q, refused %d", len(f.calls()), seen, refused)
		}
	})
	for _, scheme := range []string{"http", "https"} {
		t.Run("wrong password, "+scheme, func(t *testing.T) {
			proxy := startProxy(t, "squid", "pr0xy-s3cret")
			_, srv := okServer(t)
			cfg := map[string]string{"key.ignore": "true", "schema.ignore": "true", "linger.ms": "0", "max.retries": "0",
				"proxy.host": proxy.host, "proxy.port": proxy.port, "proxy.username": "squid", "proxy.password": "wr0ng-s3cret"}
			if scheme == "https" {
				pki := newTestPKI(t)
				srv = pki.proxy(t, srv.URL)
				cfg[elasticsearch.SecurityProtocolConfig] = "SSL"
				cfg[elasticsearch.SSLTruststoreLocationConfig] = pki.caPEM
				cfg[elasticsearch.SSLKeystoreLocationConfig] = pki.clientPEM
			}
			r := start(t, srv, cfg)
			err := r.try(docs(t, "t", 1)...)
			if err == nil || !strings.Contains(err.Error(), "407") && !strings.Contains(err.Error(), "Proxy Authentication Required") {
				t.Fatalf("err %v, want the proxy's refusal", err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("the error shows the proxy password: %v", err)
			}
			if _, refused := proxy.requests(); refused == 0 {
				t.Fatal("the proxy refused nothing")
			}
		})
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// TestProxyAndKerberosConfig: proxy keys that do not make a proxy, and any
// Kerberos key, fail Start naming the key, never showing a password.
func TestProxyAndKerberosConfig(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  map[string]string
		want string
	}{
		{"credentials without host", map[string]string{"proxy.username": "squid", "proxy.password": "pr0xy-s3cret"}, "proxy.host"},
		{"password without username", map[string]string{"proxy.host": "proxy.example", "proxy.password": "pr0xy-s3cret"}, "proxy.username"},
		{"port in host", map[string]string{"proxy.host": "proxy.example:3128"}, "proxy.port"},
		{"url in host", map[string]string{"proxy.host": "http://squid:pr0xy-s3cret@proxy.example"}, "proxy.host"},
		{"port out of range", map[string]string{"proxy.host": "proxy.example", "proxy.port": "70000"}, "proxy.port"},
		{"kerberos principal", map[string]string{"kerberos.user.principal": "connect@EXAMPLE.COM"}, "kerberos.user.principal"},
		{"kerberos keytab", map[string]string{"kerberos.keytab.path": "/etc/connect.keytab"}, "kerberos.keytab.path"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := withDefaults(c.cfg, map[string]string{"connection.url": "http://127.0.0.1:9200", "topics": "t"})
			task := elasticsearch.Plugin().New().NewTask()
			err := task.Start(context.Background(), cfg, connecttest.NewSinkTaskContext(cfg))
			if err == nil {
				_ = task.Stop(context.Background())
				t.Fatal("Start accepted the configuration")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("the error does not name %s: %v", c.want, err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows a password: %v", err)
			}
			// The connector checks it too, before any task.
			conn := elasticsearch.Plugin().New()
			if err := conn.Start(context.Background(), cfg, connecttest.NewConnectorContext(nil)); err == nil {
				t.Error("the connector's Start accepted the configuration")
			}
		})
	}
}
