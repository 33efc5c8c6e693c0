package elasticsearch

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestBulkBuilder(t *testing.T) {
	var b bulkBuilder
	b.add(action{op: opIndex, index: "orders", id: "k1", version: 7, external: true}, []byte(`{"a":1}`))
	b.add(action{op: opUpdate, index: "orders", id: "k\"2", retryOnConflict: 5}, []byte(`{"a":2}`))
	b.add(action{op: opDelete, index: "orders", id: "k3", version: 9, external: true}, nil)
	b.add(action{op: opCreate, index: "logs-app-t"}, []byte(`{"@timestamp":1}`))
	want := `{"index":{"_index":"orders","_id":"k1","version":7,"version_type":"external"}}
{"a":1}
{"update":{"_index":"orders","_id":"k\"2","retry_on_conflict":5}}
{"doc":{"a":2},"doc_as_upsert":true}
{"delete":{"_index":"orders","_id":"k3","version":9,"version_type":"external"}}
{"create":{"_index":"logs-app-t"}}
{"@timestamp":1}
`
	if got := string(b.buf); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if b.len() != 4 {
		t.Fatalf("len %d", b.len())
	}
	// Items can be cut out again for a resend.
	if got := string(b.item(2)); got != `{"delete":{"_index":"orders","_id":"k3","version":9,"version_type":"external"}}`+"\n" {
		t.Fatalf("item 2: %q", got)
	}
	// Every line is valid JSON.
	for _, line := range strings.Split(strings.TrimSuffix(want, "\n"), "\n") {
		if !json.Valid([]byte(line)) {
			t.Fatalf("invalid line %s", line)
		}
	}
	// The buffer is reused.
	c := cap(b.buf)
	b.reset()
	b.add(action{op: opIndex, index: "x"}, []byte(`{}`))
	if cap(b.buf) != c || string(b.buf) != `{"index":{"_index":"x"}}`+"\n{}\n" {
		t.Fatalf("after reset: %q (cap %d, was %d)", b.buf, cap(b.buf), c)
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"plain", `q"b\s`, "ctl\x00\x1f\n\t\r", "é€😀", "bad\xffutf8", "</script>"} {
		got := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, got, err)
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if back != want {
			t.Fatalf("%q: read back %q", s, back)
		}
	}
}

func TestParseBulkResponse(t *testing.T) {
	body := `{"took":3,"errors":true,"items":[
{"index":{"_index":"i","_id":"1","status":201}},
{"index":{"_index":"i","_id":"2","status":400,"error":{"type":"document_parsing_exception","reason":"failed to parse field [n]","caused_by":{"type":"number_format_exception","reason":"x"}}}},
{"index":{"_index":"i","_id":"3","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse"}}},
{"index":{"_index":"i","_id":"4","status":409,"error":{"type":"version_conflict_engine_exception","reason":"v"}}},
{"index":{"_index":"i","_id":"5","status":429,"error":{"type":"es_rejected_execution_exception","reason":"busy"}}},
{"delete":{"_index":"i","_id":"6","status":404,"result":"not_found"}},
{"index":{"_index":"i","_id":"7","status":403,"error":{"type":"cluster_block_exception","reason":"read-only"}}},
{"index":{"_index":"i","_id":"8","status":503,"error":{"type":"unavailable_shards_exception","reason":"x"}}}
]}`
	items, err := parseBulkResponse([]byte(body), 8)
	if err != nil {
		t.Fatal(err)
	}
	want := []itemOutcome{itemOK, itemMalformed, itemMalformed, itemConflict, itemRetry, itemFailed, itemFailed, itemRetry}
	for i, it := range items {
		if got := it.outcome(); got != want[i] {
			t.Errorf("item %d: outcome %d, want %d", i, got, want[i])
		}
	}
	if s := items[1].Error.String(); !strings.Contains(s, "number_format_exception") {
		t.Errorf("the cause is lost: %s", s)
	}
	if _, err := parseBulkResponse([]byte(body), 7); err == nil {
		t.Error("a response with more items than sent was accepted")
	}
	// The items of an answer without errors are not read; the answer of
	// either server's field order is recognised.
	for _, ok := range []string{`{"took":3,"errors":false,"items":[{"index":{"status":201}}]}`,
		`{"errors":false,"took":3,"items":[{"index":{"status":201}}]}`} {
		if !noErrors([]byte(ok)) {
			t.Errorf("%s: not recognised as without errors", ok)
		}
	}
	for _, bad := range []string{body, `{"took":3,"items":[],"errors":false}`, `{"took":3,"errors":"false","items":[]}`, `[{"errors":false,"items":[]}]`} {
		if noErrors([]byte(bad)) {
			t.Errorf("%s: taken as without errors", bad)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempt := range 5 {
		limit := 100 * time.Millisecond << attempt
		for range 100 {
			if d := backoff(100*time.Millisecond, attempt); d <= 0 || d > limit {
				t.Fatalf("attempt %d: %s outside (0, %s]", attempt, d, limit)
			}
		}
	}
	if d := backoff(time.Second, 200); d > 24*time.Hour {
		t.Fatalf("unbounded: %s", d)
	}
}

func TestIndexName(t *testing.T) {
	s := &settings{dataStreamNS: "${topic}"}
	for topic, want := range map[string]string{"Orders": "orders", "_x": "x", "-y": "y", ".": "dot", "..": "dotdot"} {
		if got := s.indexName(topic); got != want {
			t.Errorf("%q: %q, want %q", topic, got, want)
		}
	}
	s.dataStreamType, s.dataStreamDataset = "logs", "app"
	if got := s.indexName("Orders"); got != "logs-app-orders" {
		t.Errorf("data stream: %q", got)
	}
}

func TestSettingsRedactURLCredentials(t *testing.T) {
	s, err := parseSettings(map[string]string{ConnectionURLConfig: "http://elastic:s3cret@127.0.0.1:9200", "topics": "t"})
	if err != nil {
		t.Fatal(err)
	}
	if s.username != "elastic" || s.password.Value() != "s3cret" {
		t.Fatalf("credentials not taken from the URL: %q", s.username)
	}
	if strings.Contains(s.urls[0].String(), "s3cret") {
		t.Fatalf("the URL keeps the password: %s", s.urls[0])
	}
	_, err = parseSettings(map[string]string{ConnectionURLConfig: "ftp://elastic:s3cret@host"})
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), ConnectionURLConfig) {
		t.Fatalf("error %v", err)
	}
	_, err = parseSettings(map[string]string{ConnectionURLConfig: "http://h", DataStreamTypeConfig: "logs"})
	if err == nil || !strings.Contains(err.Error(), DataStreamDatasetConfig) {
		t.Fatalf("a type without a dataset: %v", err)
	}
}
