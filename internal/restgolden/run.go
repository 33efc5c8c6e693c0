// Package restgolden replays one fixed scenario of Kafka Connect REST
// requests against a server and compares the responses field by field, so
// kconnect's REST API can be checked against what JVM Kafka Connect 4.4
// answered to the same requests (recorded by internal/tools/restrecord in
// runtime/rest/testdata/jvm-4.4; runtime/rest/testdata/jvm says how).
//
// The scenario (Scenario) starts from a fresh standalone worker with no
// connectors and needs two vars: "dir", an existing directory the
// FileStream connectors' files live in (the scenario writes
// in.txt there for the source to read), and "topic", an existing topic the
// source writes to and the sink reads. Run sends the steps in order, waits
// between them where a step says so, and records every response with the
// vars, the base URL and the server's host:port put back as placeholders;
// Compare then ignores only what the step's Differ and Common declare to
// differ by nature.
//
// A test of kconnect's REST API does, with a fresh worker behind url and
// topic an existing topic of at least one partition on its cluster:
//
//	g, err := restgolden.ReadGolden("testdata/jvm-4.4/responses.json")
//	got, err := restgolden.Run(ctx, url, map[string]string{"dir": t.TempDir(), "topic": topic})
//	for _, d := range restgolden.CompareAll(g.Responses, got) {
//		t.Error(d)
//	}
package restgolden

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Step is one request of the scenario.
type Step struct {
	// Name identifies the step in responses and differences; unique.
	Name string
	// Method and Path (with query) of the request. Path may hold {{var}}
	// placeholders.
	Method string
	Path   string
	// Body is sent when set, with Content-Type application/json.
	Body Body
	// Await holds conditions polled after the response, before the next
	// step, all of which must hold.
	Await []Await
	// Differ says what in this step's response differs by nature, beyond
	// Common.
	Differ Differ
}

// Body is a request body template; the zero Body sends none. Placeholders
// {{var}} in it are replaced by the var's value escaped as JSON string
// content, so they belong inside string literals.
type Body struct {
	text string
	set  bool
}

// JSON is a JSON body template, written as the text to send so that its
// field order (which servers echo back) is fixed.
func JSON(text string) Body { return Body{text: text, set: true} }

// Raw is a body sent as it is, malformed JSON or empty included.
func Raw(text string) Body { return Body{text: text, set: true} }

// Set reports whether b sends a body.
func (b Body) Set() bool { return b.set }

// Text is b's template.
func (b Body) Text() string { return b.text }

// Await is a condition to wait for: GET Path answers 200 with, at each JSON
// path of Want, the value Want gives (compared as JSON: "RUNNING", 4,
// []any{}).
type Await struct {
	Path string
	Want map[string]any
	// Timeout bounds the wait; zero means DefaultAwaitTimeout.
	Timeout time.Duration
}

// DefaultAwaitTimeout is how long an Await waits when it names no timeout:
// long enough for a JVM worker on a busy two-core machine to restart a
// connector and its tasks.
const DefaultAwaitTimeout = 60 * time.Second

// awaitPoll is how often an Await asks again.
const awaitPoll = 100 * time.Millisecond

// recordedHeaders are the response headers recorded and compared: what a
// client reads besides the body.
var recordedHeaders = []string{"Content-Type", "Location"}

// SourceInput is what the scenario writes to {{dir}}/in.txt before it
// starts, for the FileStreamSource connectors to read: two lines, so the
// source's offset is {"position":4} once it has read them.
const SourceInput = "a\nb\n"

// Run sends the scenario's requests in order to the REST API at baseURL
// (e.g. "http://127.0.0.1:8083"), which must serve a fresh worker with no
// connectors, and returns one Response per step. vars must give every
// placeholder the scenario uses ("dir" and "topic", see the package
// comment). It first writes SourceInput to {{dir}}/in.txt.
//
// It stops at the first failure — ctx ending, a request that gets no
// answer, or an Await that does not hold within its timeout — and returns
// the responses so far with an error naming the step.
func Run(ctx context.Context, baseURL string, vars map[string]string) ([]Response, error) {
	return RunSteps(ctx, baseURL, vars, Scenario())
}

// RunSteps is Run with other steps.
func RunSteps(ctx context.Context, baseURL string, vars map[string]string, steps []Step) ([]Response, error) {
	baseURL = strings.TrimSuffix(baseURL, "/")
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("restgolden: base URL %q is not an absolute URL", baseURL)
	}
	for _, name := range []string{"dir", "topic"} {
		if vars[name] == "" {
			return nil, fmt.Errorf("restgolden: var %q is not set", name)
		}
	}
	in := filepath.Join(vars["dir"], "in.txt")
	if err := os.WriteFile(in, []byte(SourceInput), 0o644); err != nil {
		return nil, fmt.Errorf("restgolden: writing the source's input: %w", err)
	}
	r := &runner{
		base: baseURL,
		vars: vars,
		client: &http.Client{
			Timeout: 2 * time.Minute,
			// A redirect is an answer to record, not to follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		back: backSubstitutions(baseURL, u.Host, vars),
	}
	// The worker's own version shows up as plugin versions and config
	// defaults (connector.plugin.version) besides GET /; as a placeholder
	// it compares equal to another server's.
	version, err := r.version(ctx)
	if err != nil {
		return nil, fmt.Errorf("restgolden: GET %s/: %w", baseURL, err)
	}
	if version != "" {
		r.back = append(r.back, substitution{`"` + jsonEscape(version) + `"`, `"{{version}}"`})
	}
	var out []Response
	for _, s := range steps {
		resp, err := r.do(ctx, s)
		if err != nil {
			return out, fmt.Errorf("restgolden: step %s (%s %s): %w", s.Name, s.Method, s.Path, err)
		}
		out = append(out, resp)
		for _, a := range s.Await {
			if err := r.await(ctx, a); err != nil {
				return out, fmt.Errorf("restgolden: step %s: awaiting GET %s: %w", s.Name, a.Path, err)
			}
		}
	}
	return out, nil
}

// version is the "version" GET / answers, "" when it gives none.
func (r *runner) version(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/", nil)
	if err != nil {
		return "", err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var root struct {
		Version string `json:"version"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&root); err != nil {
		return "", nil
	}
	return root.Version, nil
}

type runner struct {
	base   string
	vars   map[string]string
	client *http.Client
	back   []substitution
}

type substitution struct{ from, to string }

// backSubstitutions turns run-time values in responses back into
// placeholders, longest first so a value holding another (the base URL
// holds host:port) is replaced whole. In bodies a value appears JSON-escaped;
// both forms are replaced.
func backSubstitutions(base, hostport string, vars map[string]string) []substitution {
	var subs []substitution
	addBoth := func(v, ph string) {
		subs = append(subs, substitution{v, ph})
		if e := jsonEscape(v); e != v {
			subs = append(subs, substitution{e, ph})
		}
	}
	for k, v := range vars {
		addBoth(v, "{{"+k+"}}")
	}
	addBoth(base, "{{base}}")
	addBoth(hostport, "{{hostport}}")
	sort.SliceStable(subs, func(i, j int) bool {
		if len(subs[i].from) != len(subs[j].from) {
			return len(subs[i].from) > len(subs[j].from)
		}
		return subs[i].from < subs[j].from
	})
	return subs
}

func (r *runner) restore(s string) string {
	for _, sub := range r.back {
		s = strings.ReplaceAll(s, sub.from, sub.to)
	}
	return s
}

// jsonEscape is s as it appears inside a JSON string literal.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// expand replaces the placeholders in s; escape applies to each value.
func (r *runner) expand(s string, escape func(string) string) (string, error) {
	var sb strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			sb.WriteString(s)
			return sb.String(), nil
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("unclosed placeholder in %q", s)
		}
		name := s[i+2 : i+j]
		v, ok := r.vars[name]
		if !ok {
			return "", fmt.Errorf("var %q is not set", name)
		}
		sb.WriteString(s[:i])
		sb.WriteString(escape(v))
		s = s[i+j+2:]
	}
}

func (r *runner) do(ctx context.Context, s Step) (Response, error) {
	p, err := r.expand(s.Path, url.PathEscape)
	if err != nil {
		return Response{}, err
	}
	var body io.Reader
	if s.Body.set {
		b, err := r.expand(s.Body.text, jsonEscape)
		if err != nil {
			return Response{}, err
		}
		body = strings.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, s.Method, r.base+p, body)
	if err != nil {
		return Response{}, err
	}
	if s.Body.set {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("reading the response body: %w", err)
	}
	out := Response{Step: s.Name, Request: s.Method + " " + s.Path, Status: resp.StatusCode}
	for _, h := range recordedHeaders {
		if v := resp.Header.Get(h); v != "" {
			if out.Headers == nil {
				out.Headers = map[string]string{}
			}
			out.Headers[h] = r.restore(v)
		}
	}
	text := r.restore(string(b))
	if len(bytes.TrimSpace(b)) > 0 && json.Valid([]byte(text)) {
		out.Body = json.RawMessage(text)
	} else {
		out.Text = text
	}
	return out, nil
}

func (r *runner) await(ctx context.Context, a Await) error {
	p, err := r.expand(a.Path, url.PathEscape)
	if err != nil {
		return err
	}
	type cond struct {
		path string
		pat  pattern
		want string
	}
	var conds []cond
	for k, v := range a.Want {
		pat, err := parsePattern(k)
		if err != nil {
			return err
		}
		w, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("await value for %s: %w", k, err)
		}
		n, err := parseJSON(w)
		if err != nil {
			return err
		}
		conds = append(conds, cond{k, pat, n.canonical()})
	}
	sort.Slice(conds, func(i, j int) bool { return conds[i].path < conds[j].path })
	timeout := a.Timeout
	if timeout == 0 {
		timeout = DefaultAwaitTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := "no answer yet"
	for {
		last = r.check(ctx, p, func(n *node) string {
			for _, c := range conds {
				v, ok := n.lookup(c.pat)
				switch {
				case !ok:
					return fmt.Sprintf("%s is absent", c.path)
				case v.canonical() != c.want:
					return fmt.Sprintf("%s is %s, want %s", c.path, v.short(), c.want)
				}
			}
			return ""
		}, last)
		if last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not within %s: last %s", timeout, last)
		case <-time.After(awaitPoll):
		}
	}
}

// check asks once and returns "" when ok holds, else what it saw (or the
// previous observation when the request itself failed because ctx ended).
func (r *runner) check(ctx context.Context, p string, ok func(*node) string, prev string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+p, nil)
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return prev
		}
		return err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	n, err := parseJSON(b)
	if err != nil {
		return fmt.Sprintf("body is not JSON: %v", err)
	}
	return ok(n)
}

// Golden is the file restrecord writes: where the responses came from and
// the responses.
type Golden struct {
	// Source names the server that answered, e.g. "Apache Kafka Connect
	// 4.4.0 standalone".
	Source    string     `json:"source"`
	Responses []Response `json:"responses"`
}

// Marshal writes g as stable, indented JSON with a final newline; response
// bodies keep their field order.
func (g Golden) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Error pages hold HTML; keep it readable rather than \u003c-escaped.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(g); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadGolden reads a file Golden.Marshal wrote.
func ReadGolden(path string) (Golden, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Golden{}, fmt.Errorf("restgolden: %w", err)
	}
	var g Golden
	if err := json.Unmarshal(b, &g); err != nil {
		return Golden{}, fmt.Errorf("restgolden: %s: %w", path, err)
	}
	return g, nil
}
