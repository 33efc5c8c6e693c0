package elasticsearch

import (
	"encoding/json"
	"testing"
)

// FuzzBulkResponse reads arbitrary bytes as a server's _bulk answer: a
// damaged or foreign answer is an error, never a panic, and an answer is
// taken as without errors only when its top-level errors field is false.
func FuzzBulkResponse(f *testing.F) {
	for _, s := range []string{
		`{"took":3,"errors":false,"items":[{"index":{"status":201}}]}`,
		`{"errors":false,"took":3,"items":[{"index":{"status":201}}]}`,
		`{"took":3,"errors":true,"items":[{"index":{"_id":"1","status":201}},` +
			`{"index":{"_id":"2","status":400,"error":{"type":"document_parsing_exception","reason":"r","caused_by":{"type":"number_format_exception","reason":"x"}}}},` +
			`{"index":{"_id":"4","status":409,"error":{"type":"version_conflict_engine_exception","reason":"v"}}},` +
			`{"delete":{"_id":"6","status":404,"result":"not_found"}}]}`,
		`{"took":3,"items":[],"errors":false}`,
		`{"took":3,"errors":"false","items":[]}`,
		`[{"errors":false,"items":[]}]`,
		`{"error":{"root_cause":[],"type":"x","reason":"y"},"status":400}`,
	} {
		f.Add([]byte(s), uint16(1))
	}
	f.Fuzz(func(t *testing.T, body []byte, n uint16) {
		items, err := parseBulkResponse(body, int(n))
		if err != nil {
			return
		}
		if len(items) != int(n) {
			t.Fatalf("%d items for %d sent", len(items), n)
		}
		for i := range items {
			if items[i].Error != nil {
				_ = items[i].Error.String()
			}
			_ = items[i].outcome()
		}
		if noErrors(body) {
			var r struct {
				Errors *bool `json:"errors"`
			}
			if json.Unmarshal(body, &r) == nil && (r.Errors == nil || *r.Errors) {
				t.Fatalf("%q taken as without errors", body)
			}
		}
	})
}
