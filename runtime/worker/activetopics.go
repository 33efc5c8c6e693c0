package worker

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kconnect-go/kconnect/connect"
)

// Active topics (KIP-558): the topics each connector's tasks have written
// (a source's records, once written) or consumed records of (a sink's,
// after transformation), as Kafka Connect tracks them with its default
// topic.tracking.enable=true. They outlive reconfiguration, restarts and
// resets of the connector's tasks, and are forgotten when the connector is
// deleted or they are reset.

// topicNoter notes the topics of one task's records as active, for
// every record: a record of the topic noted last costs two atomic loads
// and a comparison, where the connector's map would cost two lookups. Safe
// for concurrent use (a source task's records are settled in the
// producer's callbacks).
type topicNoter struct {
	last atomic.Pointer[notedTopic]
}

type notedTopic struct {
	topic string
	gen   uint64 // engine.activeTopicsGen when noted
}

// note notes that the task of connector used topic.
func (n *topicNoter) note(w *engine, connector, topic string) {
	gen := w.activeTopicsGen.Load()
	if l := n.last.Load(); l != nil && l.gen == gen && l.topic == topic {
		return
	}
	w.recordActiveTopic(connector, topic)
	n.last.Store(&notedTopic{topic: topic, gen: gen})
}

// forgetActiveTopics forgets the topics connector used; its tasks note
// them again as they use them.
func (w *engine) forgetActiveTopics(connector string) {
	w.activeTopics.Delete(connector)
	w.activeTopicsGen.Add(1)
}

// recordActiveTopic notes that connector used topic.
func (w *engine) recordActiveTopic(connector, topic string) {
	v, ok := w.activeTopics.Load(connector)
	if !ok {
		v, _ = w.activeTopics.LoadOrStore(connector, &sync.Map{})
	}
	topics := v.(*sync.Map)
	if _, ok := topics.Load(topic); !ok {
		topics.Store(topic, struct{}{})
	}
}

// ConnectorActiveTopics returns the topics connector name has used, in the
// order of the java.util concurrent map Kafka Connect's standalone worker
// keeps them in; none (and no error) for a connector it does not know, as
// Kafka Connect answers GET /connectors/{name}/topics.
func (w *Worker) ConnectorActiveTopics(_ context.Context, name string) ([]string, error) {
	out := []string{}
	if v, ok := w.activeTopics.Load(name); ok {
		v.(*sync.Map).Range(func(k, _ any) bool {
			out = append(out, k.(string))
			return true
		})
	}
	slices.Sort(out)
	connect.JavaHashMapOrder(out)
	return out, nil
}

// ResetConnectorActiveTopics forgets the topics connector name has used;
// its tasks note them again as they use them
// (PUT /connectors/{name}/topics/reset).
func (w *Worker) ResetConnectorActiveTopics(_ context.Context, name string) error {
	w.forgetActiveTopics(name)
	return nil
}
