// Package esttest gives tests Elasticsearch and OpenSearch servers: the
// shared ones CI starts (KCONNECT_ELASTICSEARCH_URL and
// KCONNECT_OPENSEARCH_URL, from .ci/elasticsearch-start and
// .ci/opensearch-start), private ones a test may stop and start again, and
// a few REST calls to read back what a sink wrote.
package esttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testenv"
)

// Server is a search server a test writes to.
type Server struct {
	// Name is "elasticsearch" or "opensearch".
	Name string
	// URL is the server's base URL, such as http://127.0.0.1:9200.
	URL string
}

// Flavours are the servers every test of the sink runs on, with the
// variable that names each one's URL.
var Flavours = []struct{ Name, Env string }{
	{"elasticsearch", "KCONNECT_ELASTICSEARCH_URL"},
	{"opensearch", "KCONNECT_OPENSEARCH_URL"},
}

// Each runs fn as a sub-test on each server, skipped for a server whose
// variable is unset.
func Each(t *testing.T, fn func(t *testing.T, s Server)) {
	t.Helper()
	for _, f := range Flavours {
		t.Run(f.Name, func(t *testing.T) {
			u := testenv.Integration(t, f.Env)
			fn(t, Server{Name: f.Name, URL: strings.TrimRight(u, "/")})
		})
	}
}

// Do sends a request and returns the status and body; a transport error
// fails the test.
func (s Server) Do(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// MustDo is Do that fails the test on a status of 300 and above, and
// decodes the answer into out when out is not nil.
func (s Server) MustDo(t testing.TB, method, path string, body, out any) {
	t.Helper()
	status, data := s.Do(t, method, path, body)
	if status >= 300 {
		t.Fatalf("%s %s: HTTP %d: %s", method, path, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

// Hit is a document found by Search.
type Hit struct {
	ID      string         `json:"_id"`
	Version int64          `json:"_version"`
	Source  map[string]any `json:"_source"`
}

// Search refreshes an index (or data stream) and returns all its
// documents, at most 10000, sorted as sort says ("" for any order).
func (s Server) Search(t testing.TB, index, sort string) []Hit {
	t.Helper()
	s.MustDo(t, http.MethodPost, "/"+url.PathEscape(index)+"/_refresh", nil, nil)
	q := map[string]any{"size": 10000, "version": true, "query": map[string]any{"match_all": map[string]any{}}}
	if sort != "" {
		q["sort"] = []any{map[string]any{sort: "asc"}}
	}
	var r struct {
		Hits struct {
			Hits []Hit `json:"hits"`
		} `json:"hits"`
	}
	s.MustDo(t, http.MethodPost, "/"+url.PathEscape(index)+"/_search", q, &r)
	return r.Hits.Hits
}

// Count refreshes an index and returns how many documents it holds.
func (s Server) Count(t testing.TB, index string) int {
	t.Helper()
	s.MustDo(t, http.MethodPost, "/"+url.PathEscape(index)+"/_refresh", nil, nil)
	var r struct {
		Count int `json:"count"`
	}
	s.MustDo(t, http.MethodGet, "/"+url.PathEscape(index)+"/_count", nil, &r)
	return r.Count
}

// Doc returns a document by id, and false when there is none.
func (s Server) Doc(t testing.TB, index, id string) (Hit, bool) {
	t.Helper()
	status, data := s.Do(t, http.MethodGet, "/"+url.PathEscape(index)+"/_doc/"+url.PathEscape(id), nil)
	if status == http.StatusNotFound {
		return Hit{}, false
	}
	if status >= 300 {
		t.Fatalf("GET %s/_doc/%s: HTTP %d: %s", index, id, status, data)
	}
	var h Hit
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	return h, true
}

// Index returns a fresh index name for the test, lowercase, deleted at the
// test's end.
func (s Server) Index(t testing.TB, prefix string) string {
	t.Helper()
	name := strings.ToLower(fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()))
	t.Cleanup(func() { s.Do(t, http.MethodDelete, "/"+name, nil) })
	return name
}

// Private is a server of the test's own, started from the integ-test zip
// cached by .ci/<name>-start, which the test may stop and start again.
type Private struct {
	Server
	dir, name string
	t         testing.TB
}

// StartPrivate starts a private server of the named flavour, in a
// temporary directory, and stops it at the test's end. It is skipped unless
// the flavour's shared server is configured (CI has then fetched its zip),
// and takes some thirty seconds on two cores.
func StartPrivate(t testing.TB, name string) *Private {
	t.Helper()
	for _, f := range Flavours {
		if f.Name == name {
			testenv.Integration(t, f.Env)
		}
	}
	dir, err := os.MkdirTemp("", "kconnect-es-")
	if err != nil {
		t.Fatal(err)
	}
	// The server runs as an unprivileged user, who must reach dir.
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	p := &Private{dir: dir, name: name, t: t}
	t.Cleanup(func() {
		p.script("stop")
		os.RemoveAll(dir)
	})
	p.script("start")
	p.URL = p.readURL()
	p.Name = name
	return p
}

// Kill kills the server at once (SIGKILL), as a crash would.
func (p *Private) Kill() { p.t.Helper(); p.script("stop", "kill") }

// Restart starts the killed server again on the same port and data.
func (p *Private) Restart() { p.t.Helper(); p.script("start", "restart") }

func (p *Private) script(verb string, extra ...string) {
	p.t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	args := append([]string{filepath.Join(root, ".ci", "search-server"), verb, p.name, p.dir}, extra...)
	out, err := exec.Command("bash", args...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("%s %s: %v\n%s", verb, p.name, err, out)
	}
}

func (p *Private) readURL() string {
	data, err := os.ReadFile(filepath.Join(p.dir, p.name+".env"))
	if err != nil {
		p.t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "export "); ok {
			if _, u, ok := strings.Cut(v, "="); ok {
				return strings.Trim(u, "'")
			}
		}
	}
	p.t.Fatalf("no URL in %s.env", p.name)
	return ""
}
