package worker

import (
	"math"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/converter/simpleheader"
)

// headerCache keeps the Kafka header values of the last record a
// goroutine converted, so that a header equal to the one at the same
// place on that record is not converted again: a source often puts the
// same headers on every record of a file, a table or a batch (spooldir's
// file.* headers, converted for every row, cost a third of its
// conversion). A cache belongs to one goroutine preparing a run of
// records (prepareAll), so it needs no lock.
//
// Only a header converter whose output depends on the key, schema and
// value alone can be cached (SimpleHeaderConverter; HeaderConverter does
// not promise it in general). The values are shared by the records that
// hit them, which is safe while nothing changes a header value's bytes
// once the record is built: neither franz-go nor the runtime does, but a
// key or value converter given the Kafka headers
// (converter.HeadersFromConnect) could, so with one there is no cache.
//
// A record whose headers begin with the same shared list as the last
// record's (connect.Headers.Shared, SharedPrefix) takes the converted
// headers of that list whole, without comparing them one by one.
//
// The values it converts are appended to one array, a new one when full,
// instead of each allocated on its own (spooldir's file.offset, new on
// every row). Bytes once written there are never written again, so a
// value shared with later records, or kept by franz-go until its record
// is acknowledged, stays as it was; an array lives while any record
// holds a value in it.
type headerCache struct {
	prev  connect.Headers         // the last record's headers; Headers never change
	kafka []converter.KafkaHeader // the last record's converted headers, in order
	arena []byte                  // converted values so far; appended to only
}

// Bounds of the arrays header values are written to: a small first one
// for a run of few records, doubling up to the largest.
const (
	minHeaderArena = 64
	maxHeaderArena = 4096
)

// newHeaderCache returns a cache for the task's converters, or nil when
// their headers must be converted every time.
func (tp *taskPlugins) newHeaderCache() *headerCache {
	if _, ok := tp.headers.(*simpleheader.Converter); !ok || tp.keys.from != nil || tp.values.from != nil {
		return nil
	}
	return &headerCache{}
}

// shared returns the converted headers of the last record that hs shares
// with it: those of the Shared list both begin with.
func (c *headerCache) shared(hs connect.Headers) []converter.KafkaHeader {
	return c.kafka[:min(hs.SharedPrefix(c.prev), len(c.kafka))]
}

// lookup returns the value converted for the i-th header of the last
// record, when h is equal to it.
func (c *headerCache) lookup(i int, h connect.Header) ([]byte, bool) {
	if i >= c.prev.Len() || i >= len(c.kafka) {
		return nil, false
	}
	p := c.prev.At(i)
	if p.Key != h.Key || p.Schema != h.Schema || !sameHeaderValue(p.Value, h.Value) {
		return nil, false
	}
	return c.kafka[i].Value, true
}

// convert converts h with conv (the task's SimpleHeaderConverter) into
// the cache's array, returning the value with no room after it, so that
// appending to it cannot reach a later value.
func (c *headerCache) convert(conv converter.HeaderConverter, topic string, h connect.Header) ([]byte, error) {
	if cap(c.arena)-len(c.arena) < 32 {
		// Room for any number; a longer value makes its own array.
		c.arena = make([]byte, 0, min(max(2*cap(c.arena), minHeaderArena), maxHeaderArena))
	}
	start := len(c.arena)
	out, err := conv.FromConnectHeader(c.arena, topic, h.Key, h.Schema, h.Value)
	if err != nil || out == nil {
		return nil, err
	}
	if cap(out) == cap(c.arena) {
		c.arena = out
	} // else grown past the array: the value stays alone in its new one
	return out[start:len(out):len(out)], nil
}

// store remembers hs and their converted headers, whose values the caller
// does not change afterwards. The first shared of them are those shared
// returned, which the cache holds already.
func (c *headerCache) store(hs connect.Headers, kafka []converter.KafkaHeader, shared int) {
	c.prev = hs
	c.kafka = append(c.kafka[:shared], kafka[shared:]...)
}

// sameHeaderValue reports whether a and b are the same value of a type
// whose string form they alone decide; false when unsure. Floats compare
// by their bits: 0.0 and -0.0 print apart, and NaN is not equal to itself.
func sameHeaderValue(a, b any) bool {
	switch x := a.(type) {
	case string, bool, int8, int16, int32, int64, time.Time:
		// Comparable dynamic types: == cannot panic.
		return a == b
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	}
	return false
}
