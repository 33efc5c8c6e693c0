package offset

import (
	"context"
	"errors"
	"sync"

	"github.com/kconnect-go/kconnect/connect"
)

// ErrClosed is returned by the methods of a store after Close.
var ErrClosed = errors.New("offset: store is closed")

// Memory is a Store that keeps offsets in memory only, keyed by connector
// and partition JSON: they are lost when the process ends. It suits tests,
// and connectors that recover their position from the target system.
//
// Put never fails on an open store; every method returns ErrClosed after
// Close. The zero Memory is not usable; call NewMemory.
type Memory struct {
	mu     sync.RWMutex
	conns  map[string]map[string]Entry // connector → partition JSON → entry
	closed bool
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory {
	return &Memory{conns: make(map[string]map[string]Entry)}
}

var _ Store = (*Memory)(nil)

// Get implements Store.
func (m *Memory) Get(ctx context.Context, connector string, partitions []connect.SourcePartition) (map[connect.SourcePartition]connect.Offset, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	out := make(map[connect.SourcePartition]connect.Offset, len(partitions))
	parts := m.conns[connector]
	for _, p := range partitions {
		if e, ok := parts[p.String()]; ok {
			out[p] = e.Offset
		}
	}
	return out, nil
}

// List implements Store.
func (m *Memory) List(ctx context.Context, connector string) ([]Entry, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	parts := m.conns[connector]
	out := make([]Entry, 0, len(parts))
	for _, e := range parts {
		out = append(out, e)
	}
	return out, nil
}

// Put implements Store: the entries are visible to every later Get as soon
// as it returns. A zero Offset deletes the partition's offset.
func (m *Memory) Put(ctx context.Context, connector string, entries []Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	parts := m.conns[connector]
	for _, e := range entries {
		key := e.Partition.String()
		if e.Offset.IsZero() {
			delete(parts, key)
			continue
		}
		if parts == nil {
			parts = make(map[string]Entry)
			m.conns[connector] = parts
		}
		parts[key] = e
	}
	if parts != nil && len(parts) == 0 {
		delete(m.conns, connector)
	}
	return nil
}

// Close discards the offsets. It is safe to call more than once.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.conns = nil
	return nil
}
