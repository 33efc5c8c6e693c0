package worker

import (
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

// partitionQueue holds a partition's unsettled records by value, so that a
// record's runtime state can be reused as soon as it is settled, whatever
// still waits before it.
type partitionQueue struct {
	partition connect.SourcePartition
	entries   []pendingRecord // entries[first:] are the queue, in poll order
	first     int
	head      uint64 // the sequence number of entries[first]
	next      uint64 // the sequence number of the next record

	committable connect.Offset
	dirty       bool // committable changed since the last take
}

type pendingRecord struct {
	offset    connect.Offset
	settled   bool
	abandoned bool // never written: blocks its partition's queue for good
}

func (q *partitionQueue) len() int { return len(q.entries) - q.first }

// submission is one record's handle: its partition's queue and its place
// in it.
type submission struct {
	queue *partitionQueue
	seq   uint64
	done  bool // settled or abandoned
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
	s.addLocked(sub, p, o)
	return sub
}

// addEach registers n records in order under one lock: record(i) returns
// the i-th record's submission storage, partition and offset.
func (s *submitted) addEach(n int, record func(i int) (*submission, connect.SourcePartition, connect.Offset)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range n {
		s.addLocked(record(i))
	}
}

func (s *submitted) addLocked(sub *submission, p connect.SourcePartition, o connect.Offset) {
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
	*sub = submission{queue: q, seq: q.next}
	q.next++
	q.entries = append(q.entries, pendingRecord{offset: o})
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
	q.entries[q.first+int(sub.seq-q.head)].settled = true
	n := q.first
	for n < len(q.entries) && q.entries[n].settled && !q.entries[n].abandoned {
		if !q.entries[n].offset.IsZero() {
			q.committable = q.entries[n].offset
			q.dirty = true
		}
		n++
	}
	if popped := n - q.first; popped > 0 {
		clear(q.entries[q.first:n]) // drop the offsets' references
		q.head += uint64(popped)
		q.first = n
		switch {
		case q.first == len(q.entries):
			q.entries, q.first = q.entries[:0], 0
		case q.first >= 1024 && q.first >= len(q.entries)/2:
			// mostly consumed: move the rest to the front
			rest := copy(q.entries, q.entries[q.first:])
			clear(q.entries[rest:])
			q.entries, q.first = q.entries[:rest], 0
		}
	}
	s.inFlight--
	if s.inFlight == 0 {
		close(s.drained)
		s.drained = make(chan struct{})
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
	e := &q.entries[q.first+int(sub.seq-q.head)]
	e.settled, e.abandoned = true, true // the queue keeps it, in front of every later record
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
