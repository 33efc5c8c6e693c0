package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// stage names where in a record's journey an error happened, with Kafka
// Connect's names (they appear in __connect.errors.stage headers).
type stage string

const (
	stagePoll            stage = "TASK_POLL"
	stagePut             stage = "TASK_PUT"
	stageTransformation  stage = "TRANSFORMATION"
	stageKeyConverter    stage = "KEY_CONVERTER"
	stageValueConverter  stage = "VALUE_CONVERTER"
	stageHeaderConverter stage = "HEADER_CONVERTER"
	stageProduce         stage = "KAFKA_PRODUCE"
	stageConsume         stage = "KAFKA_CONSUME"
)

// tolerable reports whether errors.tolerance=all may skip a record that
// failed at this stage: data errors, not the task's own.
func (s stage) tolerable() bool {
	switch s {
	case stageTransformation, stageKeyConverter, stageValueConverter, stageHeaderConverter, stageProduce, stageConsume:
		return true
	}
	return false
}

// errorPolicy applies a connector's errors.* settings: retries with back-off
// for retriable errors, and tolerance, logging and dead-lettering of bad
// records.
type errorPolicy struct {
	retryTimeout time.Duration // 0: no retries; <0: forever
	maxDelay     time.Duration
	tolerateAll  bool
	logErrors    bool
	logMessages  bool
	log          *slog.Logger
	dlq          deadLetters // nil: none

	metrics TaskMetrics

	failures atomic.Int64 // records that failed (tolerated or not)
	skipped  atomic.Int64 // records skipped by tolerance
	retries  atomic.Int64
}

// deadLetters writes failed records to a dead-letter topic (see dlq.go).
type deadLetters interface {
	// send writes the record that failed at st with cause. A nil error
	// means the write is acknowledged (synchronous senders, the source
	// side) or pending and covered by wait (asynchronous ones, the sink
	// side); an error means the record is not in the dead-letter topic.
	send(ctx context.Context, st stage, r *connect.Record, raw *rawRecord, cause error) error
	// wait returns once every write sent so far is acknowledged, with the
	// first write failure if any (failures are sticky), or ctx's error.
	wait(ctx context.Context) error
	// failure returns the first failed write, or nil, without waiting.
	failure() error
	// close stops the producer; writes still pending fail.
	close()
}

// rawRecord is the Kafka form of a record, when it has one (sink side): the
// consumed key, value, headers and timestamp, which a sink's dead-letter
// record carries unchanged.
type rawRecord struct {
	key, value []byte
	headers    []rawHeader
	timestamp  time.Time
}

type rawHeader struct {
	key   string
	value []byte
}

func newErrorPolicy(cfg *connect.Config, log *slog.Logger, m TaskMetrics) *errorPolicy {
	return &errorPolicy{
		metrics:      m,
		retryTimeout: time.Duration(cfg.Long(ErrorsRetryTimeoutConfig)) * time.Millisecond,
		maxDelay:     time.Duration(cfg.Long(ErrorsRetryMaxDelayConfig)) * time.Millisecond,
		tolerateAll:  strings.EqualFold(cfg.String(ErrorsToleranceConfig), "all"),
		logErrors:    cfg.Bool(ErrorsLogEnableConfig),
		logMessages:  cfg.Bool(ErrorsLogIncludeMessagesConfig),
		log:          log,
	}
}

// retry runs op until it succeeds, fails with an error that is not
// retriable, or errors.retry.timeout passes. Back-off starts at 300 ms and
// doubles; past errors.retry.delay.max.ms it becomes a random delay below
// that maximum, as in Kafka Connect.
func (p *errorPolicy) retry(ctx context.Context, st stage, op func() error) error {
	return p.retryAfter(ctx, st, op(), op)
}

// retried says whether err, a stage's failure, is retried under
// errors.retry.timeout.
func (p *errorPolicy) retried(err error) bool {
	return err != nil && p.retryTimeout != 0 && connect.IsRetriable(err) && !errors.Is(err, connect.ErrFatal)
}

// retryAfter is retry for an op whose first attempt already failed with
// err. Kafka Connect's RetryWithToleranceOperator retries every stage this
// way: the poll, each transform and each converter.
func (p *errorPolicy) retryAfter(ctx context.Context, st stage, err error, op func() error) error {
	if !p.retried(err) {
		return err
	}
	var deadline time.Time
	if p.retryTimeout > 0 {
		deadline = time.Now().Add(p.retryTimeout)
	}
	delay := 300 * time.Millisecond
	for attempt := 1; ; attempt++ {
		wait := delay
		if p.maxDelay > 0 && wait > p.maxDelay {
			wait = time.Duration(rand.Int64N(int64(p.maxDelay)))
		}
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return err
			}
			wait = min(wait, left)
		}
		p.retries.Add(1)
		p.metrics.Retries(1)
		p.log.Debug("retrying after a retriable error", "stage", string(st), "attempt", attempt, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		if err = op(); err == nil || !connect.IsRetriable(err) || errors.Is(err, connect.ErrFatal) {
			return err
		}
		delay *= 2
	}
}

// tolerate decides about a record that failed at st with cause: it returns
// nil when errors.tolerance=all lets the record be skipped (after logging it
// and sending it to the dead-letter topic as configured), or the error that
// must fail the task. A skipped record is never silently lost: it is in the
// dead-letter topic (or, on the sink side, its write is pending and the
// offset commit waits for it) or in the log with its position. When the
// dead-letter write fails, the record is logged with its position and the
// error is returned, so the task fails without committing past the record,
// as Kafka Connect fails a sink task whose dead-letter write fails.
func (p *errorPolicy) tolerate(ctx context.Context, st stage, r *connect.Record, raw *rawRecord, cause error) error {
	return p.handle(ctx, st, r, raw, cause, st.tolerable())
}

// reported is tolerate for a record a sink task reported through its
// ErrantRecordReporter: errors.tolerance=all skips it whatever the stage
// (TASK_PUT), as Kafka Connect's WorkerErrantRecordReporter does.
func (p *errorPolicy) reported(ctx context.Context, st stage, r *connect.Record, raw *rawRecord, cause error) error {
	return p.handle(ctx, st, r, raw, cause, true)
}

func (p *errorPolicy) handle(ctx context.Context, st stage, r *connect.Record, raw *rawRecord, cause error, tolerable bool) error {
	p.failures.Add(1)
	p.metrics.RecordErrors(string(st), 1)
	pos := r.Position()
	werr := connect.WithPosition(cause, pos)
	if !p.tolerateAll || !tolerable || errors.Is(cause, connect.ErrFatal) {
		return &stageError{stage: st, err: werr}
	}
	p.skipped.Add(1)
	p.metrics.RecordsSkipped(1)
	logged := false
	if p.logErrors {
		p.logRecord(st, r, werr)
		logged = true
	}
	if p.dlq != nil {
		if err := p.dlq.send(ctx, st, r, raw, cause); err != nil {
			// The record is not in the dead-letter topic: the log must
			// have it, and the task must not move past it.
			p.log.Error("could not write a failed record to the dead letter queue", "stage", string(st),
				"position", pos.String(), "err", err)
			if !logged {
				p.logRecord(st, r, werr)
			}
			return &stageError{stage: st, err: fmt.Errorf("%w; the record had failed with: %w", err, werr)}
		}
		p.metrics.DeadLettered(1)
		return nil
	}
	if !logged {
		// Tolerated with neither log nor DLQ configured: Kafka Connect drops
		// such records silently; kconnect still says where they were.
		p.log.Warn("skipped a record that failed (errors.tolerance=all)", "stage", string(st),
			"position", pos.String(), "err", cause)
	}
	return nil
}

func (p *errorPolicy) logRecord(st stage, r *connect.Record, err error) {
	attrs := []any{"stage", string(st), "position", r.Position().String(), "err", err}
	if p.logMessages {
		attrs = append(attrs, "topic", r.Topic, "key", r.Key, "value", r.Value, "headers", r.Headers.Len())
	}
	p.log.Error("error processing a record", attrs...)
}

// stageError is a task-failing error with the stage it happened at.
type stageError struct {
	stage stage
	err   error
}

func (e *stageError) Error() string { return string(e.stage) + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }
