// Package embedded starts a Kafka broker inside a kconnect worker's
// process, so that one Go program runs a whole pipeline with no Kafka to
// install: in memory, for examples, development and tests, or kept in a
// directory, so that the pipeline survives restarts and crashes of the
// process with nothing lost.
//
//	w, err := worker.New(embedded.Broker(), worker.Plugins(...))                        // in memory
//	w, err := worker.New(embedded.Broker(embedded.Dir("/var/lib/orders")), worker.Plugins(...)) // kept
//
// The broker is franz-go's kfake, one broker with no replication. It is a
// package of its own, plugged into the worker through worker.Embedded, so
// that a program that connects to a Kafka cluster (worker.Brokers) does not
// link it.
package embedded

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kconnect-go/kconnect/runtime/worker"
	"github.com/twmb/franz-go/pkg/kfake"
)

// OffsetsTopic is the compacted topic in which a broker kept in a
// directory (Dir) holds the worker's source offsets, unless
// worker.OffsetStore is given; it is named as Kafka Connect's sample
// distributed worker config names offset.storage.topic.
const OffsetsTopic = "connect-offsets"

// lockFileName is the lock file in a Dir directory.
const lockFileName = "kconnect.lock"

// An Option configures the embedded broker.
type Option func(*settings)

type settings struct {
	dir    string
	dirSet bool
}

// Broker returns the worker option that starts a Kafka broker in the
// worker's process, which the worker uses as its Kafka cluster: New starts
// it and Close stops it. Giving it with worker.Brokers is an error.
//
// By default the broker lives in memory, for examples, development and
// tests, not for data you need to keep: its topics, records and consumer
// groups vanish with the Worker. It creates a topic on first use, as a
// broker with auto.create.topics.enable does. worker.New refuses a
// worker.OffsetStore that keeps source offsets (offset.File, offset.Kafka)
// with it: the records would vanish and the offsets survive, so a
// restarted source would resume past records that no sink has read. With
// Dir the broker keeps its data in a directory instead.
//
// Whichever it is, the worker treats its records as living in the process:
// Close stops the source connectors first, then gives the sinks up to the
// task shutdown timeout (worker.TaskShutdownTimeout) to Put every record in
// their topics, so that a pipeline run in one process ends with its sinks
// caught up with its sources; and a source connector without
// topic.creation keys has its missing topics created with the broker's
// defaults.
func Broker(opts ...Option) worker.Opt {
	var s settings
	for _, opt := range opts {
		opt(&s)
	}
	if !s.dirSet {
		return worker.Embedded(worker.EmbeddedBroker{Name: "embedded.Broker()", Start: startInMemory})
	}
	dir := s.dir
	return worker.Embedded(worker.EmbeddedBroker{
		Name:         fmt.Sprintf("embedded.Broker(embedded.Dir(%q))", dir),
		Start:        func() ([]string, func() error, error) { return startInDir(dir) },
		Durable:      true,
		OffsetsTopic: OffsetsTopic,
	})
}

// Dir keeps the broker in dir (created if missing), so that a pipeline run
// by one Go program survives restarts, and crashes of the process, with
// nothing lost. A worker started again on the same dir finds the broker's
// topics, its records, its consumer groups' committed offsets and the
// source offsets as they were.
//
// Guarantees:
//
//   - The broker writes every record batch and every group offset commit to
//     dir and fsyncs it before it answers, so whatever it acknowledged
//     survives the process being killed (kill -9), and a machine crash as
//     far as the file system keeps fsynced files (new directory entries are
//     not synced).
//   - Unless worker.OffsetStore is given, source offsets are kept in the
//     broker too, in the compacted topic OffsetsTopic ("connect-offsets",
//     an offset.Kafka store, with Kafka Connect's records). A source
//     commits an offset only once the broker has acknowledged its records,
//     so after a crash no record whose offset was committed is missing;
//     records written after the last commit are written again. Sinks
//     resume from their group's committed offsets and may see records
//     again that they had been given after their last commit. Delivery is
//     at least once, in order per partition.
//   - One process at a time: worker.New locks dir (the file kconnect.lock
//     in it) until Close, and fails, naming dir, while another worker, in
//     this process or another, holds it. The operating system drops the
//     lock of a process that dies, so a restart after a crash is never
//     blocked. On systems without flock (Windows) dir is not locked.
//   - The broker does not create topics on first use (a client's Metadata
//     request): it would forget such a topic after a crash. Topics are
//     created explicitly; the worker creates those its source connectors
//     write to (topic.creation.* or the broker's defaults), its dead-letter
//     topics and the offsets topic. A client of your own creates its topics
//     with CreateTopics.
//
// worker.ExactlyOnceSource works with it: its default offset store is an
// offset.Kafka. It is one broker, with no replication: the data is as safe
// as dir's disk. Every produce and commit costs an fsync. An empty dir is
// an error of worker.New.
func Dir(dir string) Option {
	return func(s *settings) { s.dir, s.dirSet = dir, true }
}

// startInMemory starts the in-memory broker.
func startInMemory() ([]string, func() error, error) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		return nil, nil, err
	}
	return c.ListenAddrs(), func() error { c.Close(); return nil }, nil
}

// startInDir starts the broker kept in dir, which it locks until stopped.
func startInDir(dir string) ([]string, func() error, error) {
	if dir == "" {
		return nil, nil, errors.New("embedded.Dir: empty directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	unlock, err := lockFile(filepath.Join(dir, lockFileName))
	if err != nil {
		return nil, nil, err
	}
	// No AllowAutoTopicCreation: kfake keeps a topic created by a Metadata
	// request in memory only, so after a crash its records would be orphaned.
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(dir), kfake.SyncWrites())
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("starting the broker in %s: %w", dir, err), unlock())
	}
	stop := func() error {
		c.Close() // writes its state out first
		if err := unlock(); err != nil {
			return fmt.Errorf("releasing %s: %w", dir, err)
		}
		return nil
	}
	return c.ListenAddrs(), stop, nil
}
