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
	inFlight   int
	// drained is signalled (closed and replaced) whenever inFlight drops to 0.
	drained chan struct{}
}

type partitionQueue struct {
	partition   connect.SourcePartition
	pending     []*submission // in poll order; settled ones are removed from the front
	committable connect.Offset
	dirty       bool // committable changed since the last take
}

// submission is one record's place in its partition's queue.
type submission struct {
	queue     *partitionQueue
	offset    connect.Offset
	settled   bool
	abandoned bool // never written: blocks its partition's queue for good
}

func newSubmitted() *submitted {
	return &submitted{partitions: make(map[string]*partitionQueue), drained: make(chan struct{})}
}

// submit registers a record with its source partition and offset and
// returns the handle to settle it with. Records without a partition or
// offset are tracked for draining only.
func (s *submitted) submit(p connect.SourcePartition, o connect.Offset) *submission {
	sub := &submission{}
	s.add(sub, p, o)
	return sub
}

// add is submit with the caller's storage for the submission, so a record's
// bookkeeping can live in one allocation.
func (s *submitted) add(sub *submission, p connect.SourcePartition, o connect.Offset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight++
	key := p.String()
	q := s.partitions[key]
	if q == nil {
		q = &partitionQueue{partition: p}
		s.partitions[key] = q
	}
	*sub = submission{queue: q, offset: o}
	q.pending = append(q.pending, sub)
}

// settle marks a record as done (written, dropped or tolerated) and advances
// its partition's committable offset over every settled record at the front.
func (s *submitted) settle(sub *submission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub.settled {
		return
	}
	sub.settled = true
	q := sub.queue
	n := 0
	for n < len(q.pending) && q.pending[n].settled && !q.pending[n].abandoned {
		if !q.pending[n].offset.IsZero() {
			q.committable = q.pending[n].offset
			q.dirty = true
		}
		n++
	}
	if n > 0 {
		clear(q.pending[:n])
		q.pending = q.pending[n:]
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
	if sub.settled {
		return
	}
	sub.settled = true // for settle's idempotence; the queue still holds it
	sub.abandoned = true
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
		}
		if len(q.pending) == 0 {
			delete(s.partitions, key) // re-created on the next submit; keeps the map small
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
