package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kconnect-go/kconnect/offset"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// EmbeddedBroker keeps the in-process Kafka broker that a worker without
// Brokers starts in dir (created if missing), so that a pipeline run by one
// Go program survives restarts, and crashes of the process, with nothing
// lost. A worker started again on the same dir finds the broker's topics,
// its records, its consumer groups' committed offsets and the source
// offsets as they were.
//
// Guarantees:
//
//   - The broker writes every record batch and every group offset commit to
//     dir and fsyncs it before it answers, so whatever it acknowledged
//     survives the process being killed (kill -9), and a machine crash as
//     far as the file system keeps fsynced files (new directory entries are
//     not synced).
//   - Unless OffsetStore is given, source offsets are kept in the broker
//     too, in the compacted topic "connect-offsets" (an offset.Kafka store,
//     with Kafka Connect's records). A source commits an offset only once
//     the broker has acknowledged its records, so after a crash no record
//     whose offset was committed is missing; records written after the last
//     commit are written again. Sinks resume from their group's committed
//     offsets and may see records again that they had been given after
//     their last commit. Delivery is at least once, in order per partition.
//   - One process at a time: New locks dir (the file kconnect.lock in it)
//     until Close, and fails, naming dir, while another worker, in this
//     process or another, holds it. The operating system drops the lock of
//     a process that dies, so a restart after a crash is never blocked. On
//     systems without flock (Windows) dir is not locked.
//   - The broker does not create topics on first use (a client's Metadata
//     request): it would forget such a topic after a crash. Topics are
//     created explicitly; the worker creates those its source connectors
//     write to (topic.creation.*), its dead-letter topics and the offsets
//     topic. A client of your own creates its topics with CreateTopics.
//
// ExactlyOnceSource works with it: its default offset store is an
// offset.Kafka. It is one broker, with no replication: the data is as safe
// as dir's disk. Every produce and commit costs an fsync. Combining it with Brokers
// is an error.
func EmbeddedBroker(dir string) Opt {
	return func(o *options) { o.embeddedDir, o.embeddedDirSet = dir, true }
}

// embeddedOffsetsTopic is the source offsets topic of a durable embedded
// broker, named as Kafka Connect's sample distributed worker config names
// offset.storage.topic.
const embeddedOffsetsTopic = "connect-offsets"

// embeddedLockFile is the lock file in an EmbeddedBroker directory.
const embeddedLockFile = "kconnect.lock"

// embeddedStartTimeout bounds opening the offsets topic of a durable
// embedded broker in New, which has no context: the broker is in this
// process, so this is only reached if something is badly wrong.
const embeddedStartTimeout = 30 * time.Second

// checkEmbedded rejects option combinations that lose records or make no
// sense with the embedded broker.
func checkEmbedded(o *options) error {
	if o.embeddedDirSet {
		if len(o.seeds) > 0 {
			return errors.New("worker: EmbeddedBroker and Brokers both given: the worker uses either an embedded broker or a Kafka cluster")
		}
		if o.embeddedDir == "" {
			return errors.New("worker: EmbeddedBroker: empty directory")
		}
		return nil
	}
	if len(o.seeds) > 0 {
		return nil
	}
	var durable string
	switch s := o.store.(type) {
	case *offset.File:
		durable = fmt.Sprintf("the offset file %s", s.Path())
	case *offset.Kafka:
		durable = fmt.Sprintf("the offsets topic %s", s.Topic())
	default:
		return nil
	}
	return fmt.Errorf("worker: OffsetStore keeps source offsets in %s, but without Brokers the records go to an "+
		"in-memory embedded broker: they vanish when the process exits while the offsets survive, so a restarted "+
		"source would resume past records no sink has read; use EmbeddedBroker(dir) to keep the broker's records "+
		"on disk (and its offsets with them), or Brokers(...) for a Kafka cluster", durable)
}

// startEmbedded starts the embedded broker: in memory, or kept in the
// EmbeddedBroker directory, which it then locks.
func (w *Worker) startEmbedded() error {
	o := &w.opts
	if !o.embeddedDirSet {
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation())
		if err != nil {
			return fmt.Errorf("worker: starting the embedded Kafka broker: %w", err)
		}
		w.cluster = cluster
		return nil
	}
	dir := o.embeddedDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("worker: EmbeddedBroker %s: %w", dir, err)
	}
	unlock, err := lockFile(filepath.Join(dir, embeddedLockFile))
	if err != nil {
		return fmt.Errorf("worker: EmbeddedBroker %s: %w", dir, err)
	}
	// No AllowAutoTopicCreation: kfake keeps a topic created by a Metadata
	// request in memory only, so after a crash its records would be orphaned.
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DataDir(dir), kfake.SyncWrites())
	if err != nil {
		_ = unlock()
		return fmt.Errorf("worker: EmbeddedBroker %s: starting the broker: %w", dir, err)
	}
	w.cluster, w.unlockDir = cluster, unlock
	return nil
}

// openEmbeddedOffsets makes the durable embedded broker's offsets topic the
// worker's offset store, unless the user gave one.
func (w *Worker) openEmbeddedOffsets() error {
	if !w.opts.embeddedDirSet || w.store != nil {
		return nil
	}
	cl, err := kgo.NewClient(w.clientOpts(kgo.ClientID("kconnect-offsets-" + w.opts.id))...)
	if err != nil {
		return fmt.Errorf("worker: EmbeddedBroker %s: offsets client: %w", w.opts.embeddedDir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), embeddedStartTimeout)
	defer cancel()
	// One partition: the topic lives on one broker, and every Get reads
	// each partition to its end.
	store, err := offset.NewKafka(ctx, cl, embeddedOffsetsTopic, offset.TopicPartitions(1), offset.WithLogger(w.opts.log))
	if err != nil {
		cl.Close()
		return fmt.Errorf("worker: EmbeddedBroker %s: %w", w.opts.embeddedDir, err)
	}
	w.store, w.offsetsClient = store, cl
	return nil
}

// closeCluster stops the embedded broker, when there is one, after the
// client of its offsets topic, and releases its directory.
func (w *Worker) closeCluster() {
	if w.offsetsClient != nil {
		w.offsetsClient.Close()
	}
	if w.cluster != nil {
		w.cluster.Close() // with a directory, writes its state out first
	}
	if w.unlockDir != nil {
		if err := w.unlockDir(); err != nil {
			w.opts.log.Warn("releasing the embedded broker's directory", "dir", w.opts.embeddedDir, "err", err)
		}
	}
}
