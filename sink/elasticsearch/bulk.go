package elasticsearch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// opKind is a _bulk action.
type opKind uint8

const (
	opIndex  opKind = iota // replace the document (or create it)
	opCreate               // create only: data streams take nothing else
	opUpdate               // partial update, creating the document if missing
	opDelete
)

var opNames = [...]string{opIndex: "index", opCreate: "create", opUpdate: "update", opDelete: "delete"}

// action is one item of a _bulk request.
type action struct {
	op    opKind
	index string
	id    string // "" lets the server choose one
	// version is the external version (the Kafka offset) when external
	// is set: the server keeps a document whose version is higher, so a
	// late retry of an older record never overwrites a newer one.
	version  int64
	external bool
	// retryOnConflict is how often the server retries an update that
	// races another write of the same document.
	retryOnConflict int
}

// bulkBuilder appends _bulk items, NDJSON, into one reused buffer and
// remembers where each ends, so that a retry can send again only the items
// the server did not take.
type bulkBuilder struct {
	buf  []byte
	ends []int // ends[i] is the end of item i in buf
}

func (b *bulkBuilder) reset() {
	b.buf = b.buf[:0]
	b.ends = b.ends[:0]
}

func (b *bulkBuilder) len() int { return len(b.ends) }

// item returns the bytes of item i: its action line and document line.
func (b *bulkBuilder) item(i int) []byte {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.buf[start:b.ends[i]]
}

// add appends an item; doc is the document's JSON (ignored for deletes).
// An update sends it as a partial document that is also the whole document
// when none exists (doc_as_upsert).
func (b *bulkBuilder) add(a action, doc []byte) {
	b.buf = appendAction(b.buf, a)
	switch a.op {
	case opDelete:
	case opUpdate:
		b.buf = append(b.buf, `{"doc":`...)
		b.buf = append(b.buf, doc...)
		b.buf = append(b.buf, `,"doc_as_upsert":true}`...)
		b.buf = append(b.buf, '\n')
	default:
		b.buf = append(b.buf, doc...)
		b.buf = append(b.buf, '\n')
	}
	b.ends = append(b.ends, len(b.buf))
}

func appendAction(dst []byte, a action) []byte {
	dst = append(dst, `{"`...)
	dst = append(dst, opNames[a.op]...)
	dst = append(dst, `":{"_index":`...)
	dst = appendJSONString(dst, a.index)
	if a.id != "" {
		dst = append(dst, `,"_id":`...)
		dst = appendJSONString(dst, a.id)
	}
	if a.external {
		dst = append(dst, `,"version":`...)
		dst = strconv.AppendInt(dst, a.version, 10)
		dst = append(dst, `,"version_type":"external"`...)
	}
	if a.retryOnConflict > 0 {
		dst = append(dst, `,"retry_on_conflict":`...)
		dst = strconv.AppendInt(dst, int64(a.retryOnConflict), 10)
	}
	return append(dst, "}}\n"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD, as encoding/json writes it.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// bulkResponse is the part of a _bulk answer the sink reads.
type bulkResponse struct {
	Errors bool                  `json:"errors"`
	Items  []map[string]bulkItem `json:"items"`
}

type bulkItem struct {
	Status int        `json:"status"`
	Error  *itemError `json:"error"`
}

type itemError struct {
	Type     string     `json:"type"`
	Reason   string     `json:"reason"`
	CausedBy *itemError `json:"caused_by"`
}

func (e *itemError) String() string {
	s := e.Type + ": " + e.Reason
	if e.CausedBy != nil {
		s += " (caused by " + e.CausedBy.String() + ")"
	}
	return s
}

// itemOutcome is what became of one item.
type itemOutcome uint8

const (
	itemOK        itemOutcome = iota
	itemRetry                 // the server was busy or failed: send it again
	itemConflict              // a version conflict
	itemMalformed             // the document itself was refused
	itemFailed                // any other refusal
)

// The error types Confluent's connector counts as a malformed document.
// Elasticsearch 8 says document_parsing_exception where OpenSearch (and
// Elasticsearch 7) say mapper_parsing_exception.
var malformedTypes = map[string]bool{
	"strict_dynamic_mapping_exception":    true,
	"mapper_parsing_exception":            true,
	"illegal_argument_exception":          true,
	"action_request_validation_exception": true,
	"document_parsing_exception":          true,
}

func (it *bulkItem) outcome() itemOutcome {
	switch {
	case it.Error == nil && it.Status < 300:
		return itemOK
	case it.Status == 429 || it.Status >= 500:
		return itemRetry
	case it.Error == nil:
		return itemFailed
	case it.Error.Type == "version_conflict_engine_exception":
		return itemConflict
	case malformedTypes[it.Error.Type]:
		return itemMalformed
	}
	return itemFailed
}

// noErrors says whether a _bulk answer says "errors":false before its
// items, as Elasticsearch and OpenSearch write it ({"took":…,"errors":false,
// "items":[…]} or {"errors":false,"took":…,"items":[…]}).
func noErrors(body []byte) bool {
	i := bytes.Index(body, []byte(`"items"`))
	if i < 0 {
		return false
	}
	head := bytes.TrimRight(bytes.TrimSpace(body[:i]), ",")
	var r struct {
		Errors *bool `json:"errors"`
	}
	if len(head) == 0 || head[0] != '{' || json.Unmarshal(append(head[:len(head):len(head)], '}'), &r) != nil {
		return false
	}
	return r.Errors != nil && !*r.Errors
}

// parseBulkResponse reads a _bulk answer for n items; the items come back
// in the order they were sent.
func parseBulkResponse(body []byte, n int) ([]bulkItem, error) {
	if noErrors(body) {
		// Every item was written: nothing of them needs reading, which
		// spares decoding thousands of objects per request.
		return make([]bulkItem, n), nil
	}
	var r bulkResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("reading the _bulk response: %w", err)
	}
	if len(r.Items) != n {
		return nil, fmt.Errorf("the _bulk response has %d items for %d sent", len(r.Items), n)
	}
	out := make([]bulkItem, n)
	for i, m := range r.Items {
		for _, it := range m { // one key: the action's name
			out[i] = it
		}
	}
	return out, nil
}
