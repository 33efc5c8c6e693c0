package worker

import (
	"slices"
	"sync"

	"github.com/kconnect-go/kconnect/connect"
)

// submitted tracks a source task's records from poll to acknowledgement, per
// source partition in poll order, and yields the offsets that are safe to
// commit: for each partition, the offset of the last record such that it and
// every record before it are settled (written to Kafka, dropped by a
// transform, or tolerated as an error). A record still in flight holds back
// every later record of its partition, so an offset is never committed past
// an unwritten record. This is Kafka Connect's SubmittedRecords.
//
// submit is called from the task's goroutine; ack may be called from
// producer callbacks on any goroutine.
type submitted struct {
	mu         sync.Mutex
	partitions map[string]*partitionQueue // by partition JSON, so equal partitions built apart share a queue
	// last is the queue of the partition registered last: a source task
	// usually returns runs of records of one partition (one file, one
	// table), and a pointer comparison is cheaper than hashing its JSON.
	last     *partitionQueue
	inFlight int
	// drained is signalled (closed and replaced) whenever inFlight drops to 0.
	drained chan struct{}
}

// partitionQueue holds a partition's unsettled records, so that a
// record's runtime state can be reused as soon as it is settled, whatever
// still waits before it. A record is a state byte: the queue writes no
// pointer per record. Its offset stays with the record (submission.offset)
// until it settles; only a record settled while an earlier one is not
// leaves the address of its offset in held, for when the queue reaches
// it: the polled record's, which the runtime owns and leaves unchanged, so
// that settling out of order, as records written to several Kafka
// partitions are, stores a pointer, not a copy of the offset.
//
// Settling reads no offset either: whether a record has one is noted in
// its state byte when it is submitted (the polled record is in cache
// then, and long out of it when Kafka acknowledges), and the queue keeps
// the address of the last committable offset (latest), copied only when
// the commit takes it, once per partition and flush interval instead of
// once per record.
type partitionQueue struct {
	partition connect.SourcePartition
	states    []recordState // states[first:] are the queue, in poll order
	// held[i] is the offset of the record of states[i] when it settled
	// before an earlier record and has an offset, nil for any other; held
	// is as long as needed only, never longer than states.
	held  []*connect.Offset
	first int
	head  uint64 // the sequence number of states[first]
	next  uint64 // the sequence number of the next record

	// latest, when not nil, is the address of the committable offset,
	// newer than committable: the polled record's, unchanged and kept
	// alive until the take copies it.
	latest      *connect.Offset
	committable connect.Offset
	dirty       bool // committable or latest changed since the last take
}

type recordState uint8

const (
	pending   recordState = iota
	settled               // written, dropped or tolerated
	abandoned             // never written: blocks its partition's queue for good

	// pendingWithOffset is pending for a record with a non-zero offset,
	// which becomes committable once it and every record before it are
	// settled.
	pendingWithOffset recordState = 1 << 7
)

func (q *partitionQueue) len() int { return len(q.states) - q.first }

// submission is one record's handle: its partition's queue, its place in
// it and the address of its offset (the polled record's, for a source
// task), read until the queue passes the record.
type submission struct {
	queue  *partitionQueue
	offset *connect.Offset
	seq    uint64
	done   bool // settled or abandoned
}

func newSubmitted() *submitted {
	return &submitted{partitions: make(map[string]*partitionQueue), drained: make(chan struct{})}
}

// submit registers a record with its source partition and offset and
// returns the handle to settle it with. Records without a partition or
// offset are tracked for draining only.
func (s *submitted) submit(p connect.SourcePartition, o connect.Offset) *submission {
	sub := &submission{}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocked(sub, p, &o)
	return sub
}

// addEach registers n records in order under one lock: record(i) returns
// the i-th record's submission storage, partition and offset. The
// submission must stay until the record is settled or abandoned; the
// offset unchanged for good (the polled record's, which the runtime never
// changes): the queue may keep its address until the next committable.
func (s *submitted) addEach(n int, record func(i int) (*submission, connect.SourcePartition, *connect.Offset)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range n {
		s.addLocked(record(i))
	}
}

func (s *submitted) addLocked(sub *submission, p connect.SourcePartition, o *connect.Offset) {
	s.inFlight++
	q := s.last
	if q == nil || q.partition != p {
		key := p.String()
		if q = s.partitions[key]; q == nil {
			q = &partitionQueue{partition: p}
			s.partitions[key] = q
		}
		s.last = q
	}
	*sub = submission{queue: q, offset: o, seq: q.next}
	q.next++
	st := pending
	if !o.IsZero() {
		st = pendingWithOffset
	}
	q.states = append(q.states, st)
}

// settle marks a record as done (written, dropped or tolerated) and advances
// its partition's committable offset over every settled record at the front.
func (s *submitted) settle(sub *submission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub.done {
		return
	}
	sub.done = true
	q := sub.queue
	i := q.first + int(sub.seq-q.head)
	withOffset := q.states[i] == pendingWithOffset
	q.states[i] = settled
	switch {
	case i != q.first: // an earlier record is unsettled: keep the offset for when it is
		if withOffset {
			q.hold(i, sub.offset)
		}
	default:
		if withOffset {
			q.latest, q.dirty = sub.offset, true
		}
		n := i + 1
		for n < len(q.states) && q.states[n] == settled {
			if n < len(q.held) && q.held[n] != nil {
				q.latest, q.dirty = q.held[n], true
			}
			n++
		}
		q.pop(n)
	}
	sub.offset = nil
	s.inFlight--
	if s.inFlight == 0 {
		close(s.drained)
		s.drained = make(chan struct{})
	}
}

// hold keeps o as the offset of states[i]'s record.
func (q *partitionQueue) hold(i int, o *connect.Offset) {
	if i >= len(q.held) {
		q.held = slices.Grow(q.held, i+1-len(q.held))[:i+1]
	}
	q.held[i] = o
}

// pop removes the queue's records before n, settled, from its front.
func (q *partitionQueue) pop(n int) {
	if q.first < len(q.held) {
		clear(q.held[q.first:min(n, len(q.held))]) // drop the offsets' references
	}
	q.head += uint64(n - q.first)
	q.first = n
	switch {
	case q.first == len(q.states):
		q.states, q.held, q.first = q.states[:0], q.held[:0], 0
	case q.first >= 1024 && q.first >= len(q.states)/2:
		// mostly consumed: move the rest to the front
		q.states = q.states[:copy(q.states, q.states[q.first:])]
		if q.first < len(q.held) {
			rest := copy(q.held, q.held[q.first:])
			clear(q.held[rest:])
			q.held = q.held[:rest]
		} else {
			q.held = q.held[:0]
		}
		q.first = 0
	}
}

// abandon gives up on a record that will never be written (its task is
// failing): it no longer counts as in flight, but stays unsettled, so no
// offset of its partition after it is ever committed.
func (s *submitted) abandon(sub *submission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub.done {
		return
	}
	sub.done = true
	q := sub.queue
	q.states[q.first+int(sub.seq-q.head)] = abandoned // the queue keeps it, in front of every later record
	sub.offset = nil
	s.inFlight--
	if s.inFlight == 0 {
		close(s.drained)
		s.drained = make(chan struct{})
	}
}

// committable returns the offsets that became committable since the last
// call, one per partition.
func (s *submitted) committable() []partitionOffset {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []partitionOffset
	for key, q := range s.partitions {
		if q.dirty {
			if q.latest != nil {
				q.committable, q.latest = *q.latest, nil // the polled records are no longer kept
			}
			out = append(out, partitionOffset{q.partition, q.committable})
			q.dirty = false
			continue // in use: kept with its queue's array, which a busy partition would grow again
		}
		if q.len() == 0 {
			delete(s.partitions, key) // idle since the last call: keeps the map small
			if s.last == q {
				s.last = nil
			}
		}
	}
	return out
}

// restore marks offsets as not yet committed again, after a failed commit,
// unless a later offset of the partition became committable meanwhile.
func (s *submitted) restore(offsets []partitionOffset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, po := range offsets {
		key := po.partition.String()
		q := s.partitions[key]
		if q == nil {
			q = &partitionQueue{partition: po.partition}
			s.partitions[key] = q
		}
		if !q.dirty {
			q.committable = po.offset
			q.dirty = true
		}
	}
}

// waitDrained returns a channel closed when no record is in flight (at once
// when none is).
func (s *submitted) waitDrained() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight == 0 {
		c := make(chan struct{})
		close(c)
		return c
	}
	return s.drained
}

type partitionOffset struct {
	partition connect.SourcePartition
	offset    connect.Offset
}

// active returns how many records are in flight.
func (s *submitted) active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}
