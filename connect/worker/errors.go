package worker

import (
	"context"
	"errors"
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

	failures atomic.Int64 // records that failed (tolerated or not)
	skipped  atomic.Int64 // records skipped by tolerance
	retries  atomic.Int64
}

// deadLetters writes a failed record to a dead-letter topic.
type deadLetters interface {
	send(ctx context.Context, st stage, r *connect.Record, raw *rawRecord, cause error) error
}

// rawRecord is the Kafka form of a record, when it has one (sink side).
type rawRecord struct {
	key, value []byte
	headers    []rawHeader
}

type rawHeader struct {
	key   string
	value []byte
}

func newErrorPolicy(cfg *connect.Config, log *slog.Logger) *errorPolicy {
	return &errorPolicy{
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
	err := op()
	if err == nil || !connect.IsRetriable(err) || errors.Is(err, connect.ErrFatal) || p.retryTimeout == 0 {
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
// dead-letter topic or, failing that, in the log with its position.
func (p *errorPolicy) tolerate(ctx context.Context, st stage, r *connect.Record, raw *rawRecord, cause error) error {
	p.failures.Add(1)
	pos := r.Position()
	werr := connect.WithPosition(cause, pos)
	if !p.tolerateAll || !st.tolerable() || errors.Is(cause, connect.ErrFatal) {
		return &stageError{stage: st, err: werr}
	}
	p.skipped.Add(1)
	logged := false
	if p.logErrors {
		p.logRecord(st, r, werr)
		logged = true
	}
	if p.dlq != nil {
		if err := p.dlq.send(ctx, st, r, raw, cause); err != nil {
			// The record is not in the dead-letter topic: the log must have it.
			p.log.Error("could not write a failed record to the dead letter queue", "stage", string(st),
				"position", pos.String(), "err", err)
			if !logged {
				p.logRecord(st, r, werr)
			}
		}
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
