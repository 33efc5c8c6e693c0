// Package schemaregistry is what Confluent's schema-registry converters
// share: the registry client (failover between URLs, retries with
// back-off, caches, basic and bearer auth, TLS), the configuration keys
// of AbstractKafkaSchemaSerDeConfig, the subject name strategies and the
// schema id's place (before the payload or in a header).
package schemaregistry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kconnect-go/kconnect/connect"
)

// Client is the schema registry client: franz-go's sr.Client, which fails
// over between the configured URLs, with retries and caches on top. Ids,
// schemas and versions never change once registered and are cached, bounded
// by max.schemas.per.subject; a subject's latest version is cached for
// latest.cache.ttl.sec (for ever by default, as in Confluent's client).
type Client struct {
	cl       *sr.Client
	http     *http.Client
	ttl      time.Duration // of a subject's latest version; 0: for ever
	retries  int
	wait     time.Duration
	maxWait  time.Duration
	timeout  time.Duration
	typ      sr.SchemaType
	maxCache int

	mu     sync.Mutex
	byID   map[int]sr.Schema
	ids    map[subjectSchema]int
	latest map[string]latestEntry
	vers   map[subjectSchema]int
	guids  map[string]int
	byText map[subjectSchema]string // GUIDs
	byVer  map[subjectVersion]sr.SubjectSchema
	// guidHdr holds GUID headers by GUID, so that a record written with
	// its schema's GUID in a header neither decodes nor allocates it.
	guidHdr map[string][]byte
}

type subjectSchema struct{ subject, schema string }

type subjectVersion struct {
	subject string
	version int
}

type latestEntry struct {
	s  sr.SubjectSchema
	at time.Time
}

// call runs f, retrying a transient failure (a 5xx answer, a refused
// connection, a timeout) with exponential back-off, and returns an error
// marked retriable and fatal once the retries are spent.
func (r *Client) call(what string, f func(ctx context.Context) error) error {
	wait := r.wait
	var err error
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
		err = f(ctx)
		cancel()
		if err == nil || !transient(err) {
			return err
		}
		if attempt >= r.retries {
			break
		}
		time.Sleep(wait)
		wait = min(wait*2, r.maxWait)
	}
	// Retriable: the same call may succeed later. Fatal too: the record's
	// data is fine, so errors.tolerance=all must not skip it, losing it;
	// the task fails instead and commits nothing past it.
	return connect.Retriable(connect.Fatal(fmt.Errorf("schema registry unavailable for %s after %d attempts: %w", what, r.retries+1, err)))
}

func transient(err error) bool {
	var re *sr.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode >= 500 || re.StatusCode == http.StatusTooManyRequests || re.StatusCode == http.StatusRequestTimeout
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, net.ErrClosed)
}

// NotFound tells an error that is the registry's 404 answer.
func NotFound(err error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

func (r *Client) put(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.byID)+len(r.ids)+len(r.latest)+len(r.vers)+len(r.guids)+len(r.byText)+len(r.byVer)+len(r.guidHdr) >= r.maxCache {
		// A bounded cache: start over rather than track use, since a
		// converter sees few schemas and this is a safety net.
		clear(r.byID)
		clear(r.ids)
		clear(r.latest)
		clear(r.vers)
		clear(r.guids)
		clear(r.byText)
		clear(r.byVer)
		clear(r.guidHdr)
	}
	fn()
}

// SchemaByID returns the schema registered under id.
func (r *Client) SchemaByID(id int) (sr.Schema, error) {
	r.mu.Lock()
	s, ok := r.byID[id]
	r.mu.Unlock()
	if ok {
		return s, nil
	}
	err := r.call(fmt.Sprintf("schema id %d", id), func(ctx context.Context) error {
		var err error
		s, err = r.cl.SchemaByID(ctx, id)
		return err
	})
	if err != nil {
		return sr.Schema{}, err
	}
	r.put(func() { r.byID[id] = s })
	return s, nil
}

// ID registers schema under subject, or with register false only
// looks up its id, and returns the id.
func (r *Client) ID(subject, schema string, register, normalize bool) (int, error) {
	return r.SchemaID(subject, sr.Schema{Schema: schema}, register, normalize)
}

// schemaKey tells schemas apart as the registry does: by text and
// references.
func schemaKey(s sr.Schema) string {
	if len(s.References) == 0 {
		return s.Schema
	}
	return fmt.Sprint(s.References, s.Schema)
}

// SchemaID is ID for a schema with references (its type is the
// client's).
func (r *Client) SchemaID(subject string, s sr.Schema, register, normalize bool) (int, error) {
	k := subjectSchema{subject, schemaKey(s)}
	r.mu.Lock()
	id, ok := r.ids[k]
	r.mu.Unlock()
	if ok {
		return id, nil
	}
	s.Type = r.typ
	err := r.call("subject "+subject, func(ctx context.Context) error {
		if normalize {
			ctx = sr.WithParams(ctx, sr.Normalize)
		}
		if register {
			// One request: sr's CreateSchema asks again for details not needed.
			var err error
			id, err = r.cl.RegisterSchema(ctx, subject, s, -1, -1)
			return err
		}
		ss, err := r.cl.LookupSchema(ctx, subject, s)
		id = ss.ID
		return err
	})
	if err != nil {
		return 0, err
	}
	r.put(func() {
		r.ids[k] = id
		r.byID[id] = s
	})
	return id, nil
}

// LatestVersion returns the latest schema of subject, cached for
// latest.cache.ttl.sec.
func (r *Client) LatestVersion(subject string) (sr.SubjectSchema, error) {
	r.mu.Lock()
	e, ok := r.latest[subject]
	ttl := r.ttl
	r.mu.Unlock()
	if ok && (ttl <= 0 || time.Since(e.at) < ttl) {
		return e.s, nil
	}
	var s sr.SubjectSchema
	err := r.call("latest version of subject "+subject, func(ctx context.Context) error {
		var err error
		s, err = r.cl.SchemaByVersion(ctx, subject, -1)
		return err
	})
	if err != nil {
		return s, err
	}
	r.put(func() {
		r.latest[subject] = latestEntry{s, time.Now()}
		r.byID[s.ID] = s.Schema
	})
	return s, nil
}

// Version returns the version of schema, its text and references, in
// subject.
func (r *Client) Version(subject string, schema sr.Schema) (int, error) {
	// The registry tells two schemas of one text apart by their
	// references.
	k := subjectSchema{subject, schemaKey(schema)}
	r.mu.Lock()
	v, ok := r.vers[k]
	r.mu.Unlock()
	if ok {
		return v, nil
	}
	err := r.call("version in subject "+subject, func(ctx context.Context) error {
		ss, err := r.cl.LookupSchema(ctx, subject, sr.Schema{Schema: schema.Schema, Type: r.typ, References: schema.References})
		v = ss.Version
		return err
	})
	if err != nil {
		return 0, err
	}
	r.put(func() { r.vers[k] = v })
	return v, nil
}

// Reference is a schema that another schema references, by the name it
// is referenced as (an Avro type's full name, a JSON Schema's URL, a
// .proto file's import path).
type Reference struct {
	Name   string
	Schema sr.Schema
}

// maxReferenceDepth bounds a chain of references, which a registry that
// does not check for cycles could make endless.
const maxReferenceDepth = 32

// References returns the schemas s references, directly or through the
// schemas it references, each once, and each after the schemas it
// references: the order in which a parser that needs a type defined
// before its use takes them. They are fetched by subject and version, as
// Confluent's clients fetch them, and cached, since a registered version
// never changes. A reference the registry does not have is a
// *connect.DataError naming it: the schema cannot be read.
func (r *Client) References(s sr.Schema) ([]Reference, error) {
	var out []Reference
	seen := map[subjectVersion]bool{}
	var walk func(refs []sr.SchemaReference, depth int) error
	walk = func(refs []sr.SchemaReference, depth int) error {
		if depth > maxReferenceDepth {
			return &connect.DataError{Err: fmt.Errorf("schema references nested more than %d deep", maxReferenceDepth)}
		}
		for _, ref := range refs {
			k := subjectVersion{ref.Subject, ref.Version}
			if seen[k] {
				continue
			}
			seen[k] = true
			rs, err := r.SchemaByVersion(ref.Subject, ref.Version)
			if err != nil {
				if NotFound(err) {
					return &connect.DataError{Err: fmt.Errorf("reference %q: subject %s has no version %d: %v", ref.Name, ref.Subject, ref.Version, err)}
				}
				return fmt.Errorf("reference %q: %w", ref.Name, err)
			}
			if err := walk(rs.References, depth+1); err != nil {
				return err
			}
			out = append(out, Reference{Name: ref.Name, Schema: rs.Schema})
		}
		return nil
	}
	if err := walk(s.References, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// SchemaByVersion returns version of subject; a version number (not -1,
// the latest) is cached.
func (r *Client) SchemaByVersion(subject string, version int) (sr.SubjectSchema, error) {
	k := subjectVersion{subject, version}
	r.mu.Lock()
	s, ok := r.byVer[k]
	r.mu.Unlock()
	if ok {
		return s, nil
	}
	err := r.call(fmt.Sprintf("version %d of subject %s", version, subject), func(ctx context.Context) error {
		var err error
		s, err = r.cl.SchemaByVersion(ctx, subject, version)
		return err
	})
	if err != nil {
		return s, err
	}
	if version > 0 {
		r.put(func() {
			r.byVer[k] = s
			r.byID[s.ID] = s.Schema
		})
	}
	return s, nil
}

// IDByGUID returns the id of the schema with a GUID.
func (r *Client) IDByGUID(guid string) (int, error) {
	r.mu.Lock()
	id, ok := r.guids[guid]
	r.mu.Unlock()
	if ok {
		return id, nil
	}
	var s sr.SubjectSchema
	err := r.call("schema GUID "+guid, func(ctx context.Context) error {
		var err error
		s, err = r.cl.SchemaByGUID(ctx, guid)
		return err
	})
	if err != nil {
		return 0, err
	}
	r.put(func() {
		r.guids[guid] = s.ID
		r.byID[s.ID] = s.Schema
	})
	return s.ID, nil
}

// GUID returns the GUID of schema in subject.
func (r *Client) GUID(subject, schema string) (string, error) {
	return r.SchemaGUID(subject, sr.Schema{Schema: schema})
}

// SchemaGUID is GUID for a schema with references.
func (r *Client) SchemaGUID(subject string, schema sr.Schema) (string, error) {
	k := subjectSchema{subject, schemaKey(schema)}
	r.mu.Lock()
	g, ok := r.byText[k]
	r.mu.Unlock()
	if ok {
		return g, nil
	}
	err := r.call("GUID in subject "+subject, func(ctx context.Context) error {
		ss, err := r.cl.LookupSchema(ctx, subject, sr.Schema{Schema: schema.Schema, Type: r.typ, References: schema.References})
		g = ss.GUID
		return err
	})
	if err != nil {
		return "", err
	}
	r.put(func() { r.byText[k] = g })
	return g, nil
}

// Close releases the client's idle connections.
func (r *Client) Close() { r.http.CloseIdleConnections() }

// SetLatestTTL sets how long a subject's latest version is cached; tests
// shorten it.
func (r *Client) SetLatestTTL(d time.Duration) {
	r.mu.Lock()
	r.ttl = d
	r.mu.Unlock()
}

// GUIDHeader returns the value of the header naming a schema by its GUID,
// as Confluent's HeaderSchemaIdSerializer writes it (GUIDBytes): guid's,
// or where the registry gave none with the schema (an older registry's
// latest version), that of schema (text and references) in subject,
// looked up. The bytes are
// cached by GUID and shared by every record written with the schema, so
// they must not be modified.
func (r *Client) GUIDHeader(subject string, schema sr.Schema, guid string) ([]byte, error) {
	if guid == "" {
		var err error
		if guid, err = r.SchemaGUID(subject, schema); err != nil {
			return nil, fmt.Errorf("GUID of the schema in subject %s: %w", subject, err)
		}
		if guid == "" {
			return nil, &connect.DataError{Err: fmt.Errorf("the registry gives the schema in subject %s no GUID", subject)}
		}
	}
	r.mu.Lock()
	hv, ok := r.guidHdr[guid]
	r.mu.Unlock()
	if ok {
		return hv, nil
	}
	hv, err := GUIDBytes(guid)
	if err != nil {
		return nil, &connect.DataError{Err: err}
	}
	r.put(func() { r.guidHdr[guid] = hv })
	return hv, nil
}

// Written is where a derived schema is written in a subject: its id and,
// for HeaderSchemaIdSerializer, the GUID header's value (shared: not to
// be modified).
type Written struct {
	ID     int
	Header []byte
}

// WriteIDs caches, by topic, where one derived schema is written, so that
// a record hashes neither its subject's name nor the schema's text. The
// zero value is ready for use; it is safe for concurrent use.
type WriteIDs struct{ m sync.Map } // topic -> Written

// Cached returns where the schema is written on topic, if Lookup found it.
func (w *WriteIDs) Cached(topic string) (Written, bool) {
	x, ok := w.m.Load(topic)
	if !ok {
		return Written{}, false
	}
	return x.(Written), true
}

// Lookup returns where schema (text and references), derived from a
// value's schema, is written on topic in subject: registered there with
// auto.register.schemas, else looked up; with set.HeaderIDs its GUID
// header too. A schema that auto.register.schemas=false does not find is
// a *connect.DataError saying so.
func (w *WriteIDs) Lookup(r *Client, set Settings, topic, subject string, schema sr.Schema) (Written, error) {
	if x, ok := w.m.Load(topic); ok {
		return x.(Written), nil
	}
	id, err := r.SchemaID(subject, schema, set.Register, set.Normalize)
	if err != nil {
		if NotFound(err) {
			return Written{}, &connect.DataError{Err: fmt.Errorf("schema not found in subject %s and auto.register.schemas is false: %w", subject, err)}
		}
		return Written{}, fmt.Errorf("subject %s: %w", subject, err)
	}
	wr := Written{ID: id}
	if set.HeaderIDs {
		if wr.Header, err = r.GUIDHeader(subject, schema, ""); err != nil {
			return Written{}, err
		}
	}
	w.m.Store(topic, wr)
	return wr, nil
}
