package offset

import (
	"context"
	"errors"
	"fmt"

	"github.com/kconnect-go/kconnect/connect"
)

// Store keeps the committed offsets of source connectors. Implementations
// are safe for concurrent use.
type Store interface {
	// Get returns the committed offsets of the given partitions of
	// connector, keyed by the SourcePartition values passed in; partitions
	// without an offset are absent. It reflects every Put that returned
	// before it was called.
	Get(ctx context.Context, connector string, partitions []connect.SourcePartition) (map[connect.SourcePartition]connect.Offset, error)
	// List returns every committed offset of connector, in no particular
	// order (for the REST API's GET /connectors/{name}/offsets).
	List(ctx context.Context, connector string) ([]Entry, error)
	// Put commits offsets for connector. When it returns nil they are
	// durable as the store defines it; on error none or some may be, and
	// the caller retries with the same or later offsets. A zero Offset
	// deletes the partition's offset.
	Put(ctx context.Context, connector string, entries []Entry) error
	// Close releases the store's resources.
	Close() error
}

// Entry is one partition's offset.
type Entry struct {
	Partition connect.SourcePartition
	Offset    connect.Offset
}

// Key returns the offsets-topic key of a partition of connector, exactly as
// Kafka Connect writes it: ["<connector>",<partition JSON>].
func Key(dst []byte, connector string, p connect.SourcePartition) []byte {
	dst = append(dst, '[')
	dst = connect.AppendJSONString(dst, connector)
	dst = append(dst, ',')
	dst = p.AppendJSON(dst)
	return append(dst, ']')
}

// Value returns the offsets-topic value of an offset: its JSON, or nil (a
// tombstone) for the zero Offset.
func Value(dst []byte, o connect.Offset) ([]byte, error) {
	if o.IsZero() {
		return nil, nil
	}
	return o.AppendJSON(dst)
}

// ErrMalformedKey is returned (wrapped) by ParseKey for keys that are not
// Kafka Connect offset keys; readers skip such records, as Kafka Connect does.
var ErrMalformedKey = errors.New("offset: malformed offsets-topic key")

// ParseKey reads an offsets-topic key into its connector name and partition,
// keeping the partition's key order so that Key reproduces the same bytes.
func ParseKey(key []byte) (connector string, p connect.SourcePartition, err error) {
	entries, err := parseKey(key)
	if err != nil {
		return "", connect.SourcePartition{}, fmt.Errorf("%w: %v", ErrMalformedKey, err)
	}
	return entries.connector, entries.partition, nil
}

// ParseValue reads an offsets-topic value; nil (a tombstone) gives the zero
// Offset.
func ParseValue(value []byte) (connect.Offset, error) {
	if value == nil {
		return connect.Offset{}, nil
	}
	return parseOffset(value)
}
