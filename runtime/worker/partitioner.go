package worker

import "github.com/twmb/franz-go/pkg/kgo"

// noPartition marks a record whose partition the partitioner chooses.
const noPartition = -1

// recordPartitioner sends a record to the partition it names, and lets the
// sticky key partitioner choose otherwise: murmur2 of the key, as Java's
// default partitioner does, so keyed records land where a JVM worker would
// put them, and batches of unkeyed records stick to a partition.
type recordPartitioner struct{ fallback kgo.Partitioner }

func newRecordPartitioner() kgo.Partitioner {
	return recordPartitioner{fallback: kgo.StickyKeyPartitioner(nil)}
}

func (p recordPartitioner) ForTopic(topic string) kgo.TopicPartitioner {
	return &topicPartitioner{fallback: p.fallback.ForTopic(topic)}
}

type topicPartitioner struct{ fallback kgo.TopicPartitioner }

func (p *topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition != noPartition || p.fallback.RequiresConsistency(r)
}

func (p *topicPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Partition != noPartition {
		return int(r.Partition)
	}
	return p.fallback.Partition(r, n)
}

// OnNewBatch lets the sticky partitioner move on to a new partition.
func (p *topicPartitioner) OnNewBatch() {
	if nb, ok := p.fallback.(kgo.TopicPartitionerOnNewBatch); ok {
		nb.OnNewBatch()
	}
}
