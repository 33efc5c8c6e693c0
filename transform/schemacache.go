package transform

import (
	"sync"
	"sync/atomic"

	"github.com/kconnect-go/kconnect/connect"
)

// schemaCacheSize is the default bound of a schemaCache: the number of
// distinct input schemas one transform instance remembers. A connector
// normally sees a handful; a pathological stream of fresh schemas only
// costs recomputation, never unbounded memory.
const schemaCacheSize = 256

// schemaCache is a small bounded cache from an input *connect.Schema
// (compared by pointer) to a value derived from it, typically the output
// schema a transform builds. It is safe for concurrent use and lock-free on
// the read path: reads load an immutable map through an atomic pointer;
// writes copy the map under a mutex (copy-on-write), which is cheap because
// writes happen once per distinct schema.
//
// When the cache is full a put replaces the whole map with one holding only
// the new entry (a crude but allocation-bounded eviction: the working set
// refills within a few records). The zero schemaCache is ready to use with
// the default bound; the type parameter V is the cached value.
//
// Derived values must be immutable once put, since concurrent readers share
// them. Two goroutines racing on the same missing key may both compute the
// value; the last put wins, which is harmless when the derivation is
// deterministic.
type schemaCache[V any] struct {
	m   atomic.Pointer[map[*connect.Schema]V]
	mu  sync.Mutex
	max int // 0 means schemaCacheSize
}

// get returns the value cached for s.
func (c *schemaCache[V]) get(s *connect.Schema) (V, bool) {
	if m := c.m.Load(); m != nil {
		v, ok := (*m)[s]
		return v, ok
	}
	var zero V
	return zero, false
}

// put caches v for s and returns v.
func (c *schemaCache[V]) put(s *connect.Schema, v V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	limit := c.max
	if limit <= 0 {
		limit = schemaCacheSize
	}
	var next map[*connect.Schema]V
	if old := c.m.Load(); old != nil && len(*old) < limit {
		next = make(map[*connect.Schema]V, len(*old)+1)
		for k, x := range *old {
			next[k] = x
		}
	} else {
		next = make(map[*connect.Schema]V, 1)
	}
	next[s] = v
	c.m.Store(&next)
	return v
}

// getOrCompute returns the value cached for s, computing and caching it with
// derive on a miss. An error from derive is returned and nothing is cached.
func (c *schemaCache[V]) getOrCompute(s *connect.Schema, derive func(*connect.Schema) (V, error)) (V, error) {
	if v, ok := c.get(s); ok {
		return v, nil
	}
	v, err := derive(s)
	if err != nil {
		return v, err
	}
	return c.put(s, v), nil
}
