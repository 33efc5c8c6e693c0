// Command kafkaready waits until a Kafka broker is usable, for .ci/kafka-start.
//
// A JVM broker takes several seconds to come up, and "the port is open" is not
// "the broker works": a KRaft broker accepts connections before it has caught
// up with the metadata log. So CI first waits for a successful ApiVersions
// answer and then, with -check, proves the broker can do what the tests need:
// create a topic, accept a produce, serve a fetch through a consumer group
// with a commit (which also creates __consumer_offsets ahead of the tests),
// and delete the topic.
//
// Usage:
//
//	kafkaready -brokers 127.0.0.1:9092 [-timeout 60s] [-check]
//
// It exits 0 once the broker is ready and 1, with a message saying what it
// last saw, when the timeout passes first.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func main() {
	brokers := flag.String("brokers", "", "comma-separated host:port seed brokers (required)")
	timeout := flag.Duration("timeout", 60*time.Second, "how long to wait in total")
	check := flag.Bool("check", false, "after ApiVersions succeeds, also create a topic, produce, consume with a group, commit and delete the topic")
	flag.Parse()
	if *brokers == "" {
		fmt.Fprintln(os.Stderr, "kafkaready: -brokers is required")
		flag.Usage()
		os.Exit(2)
	}
	seeds := strings.Split(*brokers, ",")

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	start := time.Now()

	if err := waitAPIVersions(ctx, seeds); err != nil {
		fail(start, "broker %s never answered ApiVersions: %v", *brokers, err)
	}
	fmt.Printf("kafkaready: %s answered ApiVersions after %s\n", *brokers, since(start))

	if *check {
		if err := retry(ctx, func() error { return roundTrip(ctx, seeds) }); err != nil {
			fail(start, "broker %s answers but is not usable: %v", *brokers, err)
		}
		fmt.Printf("kafkaready: %s created a topic, produced, consumed and committed after %s\n", *brokers, since(start))
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

func fail(start time.Time, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kafkaready: after %s: %s\n", since(start), fmt.Sprintf(format, args...))
	os.Exit(1)
}

// retry runs fn until it succeeds or ctx ends, returning fn's last error
// joined with the context's. A fixed short pause between tries is fine here:
// this is a CLI polling a process that is starting up, not a test.
func retry(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// waitAPIVersions sends ApiVersions with a fresh client per attempt, so a
// connection refused while the JVM starts never poisons later attempts.
func waitAPIVersions(ctx context.Context, seeds []string) error {
	return retry(ctx, func() error {
		cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RequestRetries(0))
		if err != nil {
			return err
		}
		defer cl.Close()
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		req := kmsg.NewPtrApiVersionsRequest()
		req.ClientSoftwareName = "kconnect-kafkaready"
		req.ClientSoftwareVersion = "1"
		resp, err := req.RequestWith(actx, cl)
		if err != nil {
			return err
		}
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			return err
		}
		if len(resp.ApiKeys) == 0 {
			return errors.New("ApiVersions answer lists no APIs")
		}
		return nil
	})
}

// roundTrip exercises the operations the test suite depends on, on a
// throwaway topic that it deletes again.
func roundTrip(ctx context.Context, seeds []string) error {
	topic := fmt.Sprintf("kafkaready-%d", time.Now().UnixNano())
	group := topic + "-group"

	cl, err := kgo.NewClient(
		kgo.SeedBrokers(seeds...),
		kgo.DefaultProduceTopic(topic),
		kgo.ConsumeTopics(topic),
		kgo.ConsumerGroup(group),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
	)
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	if _, err := adm.CreateTopic(ctx, 1, 1, nil, topic); err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopic(dctx, topic)
		_, _ = adm.DeleteGroup(dctx, group)
	}()

	// The topic may need a moment to reach the broker's metadata; retry
	// the produce rather than fail on the first unknown-topic answer.
	err = retry(ctx, func() error {
		return cl.ProduceSync(ctx, &kgo.Record{Key: []byte("k"), Value: []byte("ready")}).FirstErr()
	})
	if err != nil {
		return fmt.Errorf("produce to %s: %w", topic, err)
	}

	for {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("consume %s: %w", topic, err)
		}
		var ferr error
		fetches.EachError(func(_ string, _ int32, err error) { ferr = err })
		if ferr != nil {
			return fmt.Errorf("consume %s: %w", topic, ferr)
		}
		if fetches.NumRecords() > 0 {
			break
		}
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		return fmt.Errorf("commit for group %s: %w", group, err)
	}
	cl.LeaveGroup()
	return nil
}
