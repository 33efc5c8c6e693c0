package distributed

// Exactly-once source in distributed mode (KIP-618), as Kafka Connect's
// DistributedHerder does it.
//
// With exactly.once.source.support preparing or enabled the leader writes
// the config topic through a transactional producer
// (configtopic.TransactionalID), claimed after each join it leads, so that
// a newer leader fences an older one: a write that fails as fenced
// (*configtopic.PrivilegedWriteError) makes the worker join again.
//
// With it enabled each source task writes through its own transactional
// producer, <group.id>-<connector>-<task> (the engine's
// worker.ExactlyOnceSource), and a task of a new generation of a
// connector's tasks (task configurations committed since the connector's
// last tasks-fencing record) starts only once the leader has fenced the
// producers of the generation before and written the tasks-fencing
// record: FenceZombies, which a follower reaches through the leader's PUT
// /connectors/{name}/fence (FenceHandler).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kconnect-go/kconnect/internal/configtopic"
	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/runtime/herder"
	"github.com/kconnect-go/kconnect/runtime/worker"
)

// The values of exactly.once.source.support.
const (
	EOSDisabled  = "disabled"
	EOSPreparing = "preparing"
	EOSEnabled   = "enabled"
)

// eosSupport reads Config.ExactlyOnceSourceSupport, case aside as Kafka
// reads it; "" is disabled.
func eosSupport(v string) (string, error) {
	switch s := strings.ToLower(strings.TrimSpace(v)); s {
	case "":
		return EOSDisabled, nil
	case EOSDisabled, EOSPreparing, EOSEnabled:
		return s, nil
	}
	return "", fmt.Errorf("distributed: %s: %q is not one of %q, %q, %q",
		worker.ExactlyOnceSourceSupportConfig, v, EOSDisabled, EOSPreparing, EOSEnabled)
}

// eosEnabled reports whether source tasks run exactly once.
func (h *Herder) eosEnabled() bool { return h.eos == EOSEnabled }

// claimPrivileges makes the leader's transactional producer, or closes it
// on a follower, after a join (Kafka's claimWritePrivileges on a leader).
func (h *Herder) claimPrivileges(ctx context.Context, leader bool) error {
	if h.eos == EOSDisabled {
		return nil
	}
	if !leader {
		h.cfgs.RelinquishWritePrivileges()
		return nil
	}
	return h.cfgs.ClaimWritePrivileges(ctx)
}

// privileged hears of every leader write's error: a fenced transactional
// producer means another worker has led since, so this one stops writing
// (the store closed the producer) and joins again, to claim the producer
// again only if it still leads.
func (h *Herder) privileged(err error) error {
	var pe *configtopic.PrivilegedWriteError
	if errors.As(err, &pe) {
		h.log.Warn("a write to the config topic as the leader failed; joining the group again", "err", err)
		h.askRejoin()
	}
	return err
}

// FenceZombies is Kafka Connect's fenceZombieSourceTasks, the leader's:
// when connector name's task configurations were committed since its last
// tasks-fencing record, it fences the transactional producers of the
// earlier generation's tasks (as many as that record counts, or as the
// current generation has, if more) and then writes the record with the
// current task count, which lets workers start the new generation's tasks.
// It does nothing when there is nothing to fence. A follower answers
// *NotLeaderError, a connector the configuration lacks
// herder.ErrNotFound; a fencing the broker refuses is an error naming the
// transactional id.
func (h *Herder) FenceZombies(ctx context.Context, name string) error {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if _, err := h.leader(); err != nil {
		return err
	}
	if err := h.cfgs.Refresh(ctx); err != nil {
		return err
	}
	snap := h.cfgs.Snapshot()
	if !snap.Contains(name) {
		return fmt.Errorf("distributed: connector %s: %w", name, herder.ErrNotFound)
	}
	if !snap.PendingFencing[name] {
		return nil
	}
	// Fencing ids of the new generation is harmless, as none of its
	// tasks start before the record, and covers a connector whose
	// earlier tasks ran without one (exactly-once just turned on).
	n := max(snap.TaskCountRecords[name], snap.TaskCounts[name])
	// As Kafka Connect, with the connector's admin client: the worker's
	// admin.* settings and its admin.override.*, which may be a principal
	// allowed the tasks' transactional ids where the worker's is not.
	admin, done, err := h.engine.ConnectorAdmin(ctx, name, snap.ConnectorConfigs[name])
	if err != nil {
		return fmt.Errorf("distributed: connector %s: fencing the producers of its earlier tasks: %w", name, err)
	}
	defer done()
	for i := range n {
		if err := fenceProducer(ctx, admin, fmt.Sprintf("%s-%s-%d", h.cfg.GroupID, name, i)); err != nil {
			return fmt.Errorf("distributed: connector %s: fencing the producers of its earlier tasks: %w", name, err)
		}
	}
	if err := h.cfgs.PutTaskCountRecord(ctx, name, snap.TaskCounts[name]); err != nil {
		return h.privileged(fmt.Errorf("distributed: connector %s: %w", name, err))
	}
	return nil
}

// fenceProducer initialises transactional id txnID afresh, as Kafka's
// Admin.fenceProducers does: the broker bumps its epoch, aborting the
// transaction an older producer left open, whose every later write or
// commit then fails. admin makes the request.
func fenceProducer(ctx context.Context, admin *kgo.Client, txnID string) error {
	wait := 50 * time.Millisecond
	for {
		req := kmsg.NewPtrInitProducerIDRequest()
		req.TransactionalID = &txnID
		req.TransactionTimeoutMillis = int32(time.Minute / time.Millisecond)
		req.ProducerID, req.ProducerEpoch = -1, -1
		resp, err := req.RequestWith(ctx, admin)
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		if err == nil {
			return nil
		}
		// The coordinator moving or loading, or the id's transaction
		// still ending, passes.
		if !kerr.IsRetriable(err) && !errors.Is(err, kerr.ConcurrentTransactions) {
			return fmt.Errorf("transactional id %s: %w", txnID, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("transactional id %s: %w (last error: %v)", txnID, ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// awaitFencing makes sure connector name's tasks of the generation in the
// config topic may start: when it is pending fencing, it asks the leader
// to fence (itself, or over Config.ForwardFence or HTTP) and reads the
// config topic until the tasks-fencing record is there, as Kafka
// Connect's worker waits for it before starting an exactly-once source
// task. It gives up after the rebalance timeout, or when the worker is to
// join again.
func (h *Herder) awaitFencing(ctx context.Context, name string) error {
	if !h.cfgs.Snapshot().PendingFencing[name] {
		return nil
	}
	timeout := h.cfg.RebalanceTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	wait := 50 * time.Millisecond
	for {
		err := h.FenceZombies(ctx, name)
		var nl *NotLeaderError
		if errors.As(err, &nl) && nl.LeaderURL != "" {
			switch {
			case h.cfg.ForwardFence != nil:
				err = h.cfg.ForwardFence(ctx, nl.LeaderURL, name)
			case h.cfg.HTTPClient != nil:
				err = h.forwardFenceOverHTTP(ctx, nl.LeaderURL, name)
			}
		}
		if err == nil {
			if rerr := h.cfgs.Refresh(ctx); rerr != nil {
				err = rerr
			} else if !h.cfgs.Snapshot().PendingFencing[name] {
				return nil
			}
		}
		if len(h.rejoin) > 0 {
			// The group rebalances: the next assignment says what to
			// start, from the configuration read by then.
			return fmt.Errorf("distributed: connector %s: the group rebalances before its earlier tasks' producers were fenced (last error: %v)", name, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("distributed: connector %s: its earlier tasks' producers were not fenced in time: %w (last error: %v)", name, ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, time.Second)
	}
}

// isSource reports whether connector name in the configuration read so far
// is a source connector.
func (h *Herder) isSource(name string) bool {
	c, ok := h.cfgs.Snapshot().ConnectorConfigs[name]
	return ok && h.engine.ConnectorType(c["connector.class"]) == "source"
}

// FenceHandler serves Kafka Connect's internal PUT
// /connectors/{name}/fence, by which a follower asks the leader to fence
// a connector's earlier tasks (FenceZombies) before it starts one of the
// new generation: signed under the sessioned protocol (VerifyRequest), 204
// once fenced, 409 when this worker does not lead, 404 for an unknown
// connector.
func (h *Herder) FenceHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		_, ok := h.readSigned(w, r, 1<<20, func(err error) string { return fmt.Sprintf("fencing connector %s: %v", name, err) })
		if !ok {
			return
		}
		err := h.FenceZombies(r.Context(), name)
		var nl *NotLeaderError
		switch {
		case err == nil:
			w.WriteHeader(http.StatusNoContent)
		case errors.As(err, &nl):
			writeError(w, http.StatusConflict, err.Error())
		case errors.Is(err, herder.ErrNotFound):
			writeError(w, http.StatusNotFound, err.Error())
		default:
			writeError(w, http.StatusInternalServerError, err.Error())
		}
	})
}

// forwardFenceOverHTTP asks the leader's FenceHandler to fence connector's
// earlier tasks, signed under the sessioned protocol.
func (h *Herder) forwardFenceOverHTTP(ctx context.Context, leaderURL, connector string) error {
	body := []byte{}
	u := strings.TrimSuffix(leaderURL, "/") + "/connectors/" + url.PathEscape(connector) + "/fence?forward=false"
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if err := h.SignRequest(body, req.Header); err != nil {
		return err
	}
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("asking the leader %s to fence connector %s: %w", leaderURL, connector, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 300 {
		return nil
	}
	return fmt.Errorf("asking the leader %s to fence connector %s: %s: %s", leaderURL, connector, resp.Status, bytes.TrimSpace(msg))
}

// newTxnClient makes the config topic's transactional producer from the
// herder's client options.
func newTxnClient(cfg Config) func(opts ...kgo.Opt) (*kgo.Client, error) {
	return func(opts ...kgo.Opt) (*kgo.Client, error) {
		all := append(append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}, cfg.KafkaOpts...), cfg.ClientOpts...)
		return kgo.NewClient(append(all, opts...)...)
	}
}

// taskStart is what a task was started at: its connector's task
// configuration generation and the group generation of the assignment.
type taskStart struct {
	configGen int
	memberGen int32
}

// checkTaskStart is Kafka Connect's verifyTaskGenerationAndOwnership,
// which an exactly-once source task runs just before its transactional
// producer initialises (worker.BeforeTransactions): having read the
// config topic to its end, the task's connector must still have the
// task configuration generation the task was started with, and the
// worker must still hold the task in the group generation it was
// assigned in. Otherwise another worker may already run the task's next
// instance, which the initialisation would fence, or the task would run
// an outdated configuration: it must not start.
func (h *Herder) checkTaskStart(ctx context.Context, id worker.TaskID) error {
	if h.cfg.beforeTaskCheck != nil {
		h.cfg.beforeTaskCheck(id)
	}
	err := h.verifyTaskStart(ctx, id)
	if h.cfg.afterTaskCheck != nil {
		h.cfg.afterTaskCheck(id, err)
	}
	return err
}

func (h *Herder) verifyTaskStart(ctx context.Context, id worker.TaskID) error {
	tid := connectproto.TaskID{Connector: id.Connector, Task: int32(id.Task)}
	h.mu.Lock()
	start, ok := h.taskStarts[tid]
	h.mu.Unlock()
	if !ok {
		return fmt.Errorf("distributed: task %s was not started by this worker's herder", id)
	}
	configGen := func() error {
		if gen := h.cfgs.Snapshot().TaskConfigGenerations[id.Connector]; gen != start.configGen {
			return fmt.Errorf("distributed: task %s: its connector's task configurations changed (generation %d, now %d) since the task was assigned",
				id, start.configGen, gen)
		}
		return nil
	}
	// A new generation already read decides without reading on: the
	// herder, having read it too, may be stopping the task, which cancels
	// ctx, and the error must still say why the task did not start.
	if err := configGen(); err != nil {
		return err
	}
	if err := h.cfgs.Refresh(ctx); err != nil {
		return fmt.Errorf("distributed: task %s: reading the config topic to its end: %w", id, err)
	}
	if err := configGen(); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.held == nil || !slices.Contains(h.held.Tasks, tid) {
		return fmt.Errorf("distributed: task %s is no longer assigned to this worker", id)
	}
	if h.generation != start.memberGen {
		return fmt.Errorf("distributed: task %s: the group rebalanced (generation %d, now %d) since the task was assigned",
			id, start.memberGen, h.generation)
	}
	return nil
}
