package avro

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// TestTLS: schema.registry.ssl.truststore.location trusts the registry's
// certificate; without it the registry is refused; an empty
// endpoint.identification.algorithm accepts a host name the certificate
// does not hold, still checking the chain.
func TestTLS(t *testing.T) {
	reg := newRegistry(t)
	srv := httptest.NewTLSServer(reg.Handler())
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))

	c := newConv(t, srv.URL, false, SSLTruststoreLocationConfig, ca)
	_, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)

	untrusted := newConv(t, srv.URL, false, MaxRetriesConfig, "0")
	_, err = untrusted.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.Error(t, err)

	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	strict := newConv(t, byName, false, SSLTruststoreLocationConfig, ca, MaxRetriesConfig, "0")
	_, err = strict.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.Error(t, err, "localhost is not a name in the test certificate")
	lax := newConv(t, byName, false, SSLTruststoreLocationConfig, ca, SSLEndpointIdentificationConfig, "")
	_, err = lax.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.NoError(t, err)
	laxUntrusted := newConv(t, byName, false, SSLEndpointIdentificationConfig, "", MaxRetriesConfig, "0")
	_, err = laxUntrusted.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
	require.Error(t, err, "the chain is still checked")

	_, err = Configure(map[string]string{SchemaRegistryURLConfig: srv.URL, SSLTruststoreTypeConfig: "JKS"}, false)
	require.ErrorContains(t, err, SSLTruststoreTypeConfig)
}

// TestNormalizeAndCaching: normalize.schemas asks the registry to
// normalize; a schema's id is asked for once, then cached.
func TestNormalizeAndCaching(t *testing.T) {
	reg := newRegistry(t)
	var posts, normalized atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
			if r.URL.Query().Get("normalize") == "true" {
				normalized.Add(1)
			}
		}
		reg.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := newConv(t, srv.URL, false, NormalizeSchemasConfig, "true")
	for range 3 {
		_, err := c.FromConnect(nil, "t", connect.Headers{}, connect.StringSchema, "x")
		require.NoError(t, err)
	}
	require.Equal(t, int32(1), posts.Load())
	require.Equal(t, int32(1), normalized.Load())
}
