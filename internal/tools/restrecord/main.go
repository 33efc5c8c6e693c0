// Command restrecord runs internal/restgolden's scenario against a Kafka
// Connect REST API and writes the responses as one golden file.
//
// Usage:
//
//	restrecord -url http://127.0.0.1:8083 -brokers 127.0.0.1:9092 -out FILE [-source TEXT] [-dir DIR]
//	restrecord -url http://127.0.0.1:8083 -brokers 127.0.0.1:9092 -check FILE
//
// With -check it writes nothing: it compares the responses with the golden
// FILE (restgolden.CompareAll), prints each difference and exits 1 if there
// is any.
//
// The worker behind -url must be fresh (no connectors) and connected to the
// cluster at -brokers, where restrecord creates a topic of its own (one
// partition) for the scenario and deletes it afterwards. The FileStream
// connectors' files go to -dir, by default a new temporary directory that
// is removed afterwards. It exits 1, writing nothing, when a step fails.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/internal/restgolden"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	base := flag.String("url", "", "base URL of the REST API (required)")
	brokers := flag.String("brokers", "", "comma-separated bootstrap servers of the worker's cluster (required)")
	out := flag.String("out", "", "golden file to write")
	check := flag.String("check", "", "golden file to compare with instead of writing one")
	source := flag.String("source", "", "what answered, written into the file")
	dir := flag.String("dir", "", "directory for the connectors' files (default: a new temporary one)")
	timeout := flag.Duration("timeout", 10*time.Minute, "bound on the whole run")
	flag.Parse()
	if *base == "" || *brokers == "" || (*out == "") == (*check == "") {
		fmt.Fprintln(os.Stderr, "restrecord: -url, -brokers and one of -out or -check are required")
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := record(ctx, *base, *brokers, *out, *check, *source, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "restrecord:", err)
		os.Exit(1)
	}
}

func record(ctx context.Context, base, brokers, out, check, source, dir string) (err error) {
	var golden restgolden.Golden
	if check != "" {
		if golden, err = restgolden.ReadGolden(check); err != nil {
			return err
		}
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "restgolden-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	topic, drop, err := createTopic(ctx, brokers)
	if err != nil {
		return err
	}
	defer func() {
		if derr := drop(); derr != nil && err == nil {
			err = derr
		}
	}()

	resps, err := restgolden.Run(ctx, base, map[string]string{"dir": dir, "topic": topic})
	if err != nil {
		return err
	}
	if check != "" {
		diffs := restgolden.CompareAll(golden.Responses, resps)
		for _, d := range diffs {
			fmt.Println(d)
		}
		if len(diffs) > 0 {
			return fmt.Errorf("%d differences from %s", len(diffs), check)
		}
		fmt.Printf("restrecord: %d responses agree with %s\n", len(resps), check)
		return nil
	}
	b, err := restgolden.Golden{Source: source, Responses: resps}.Marshal()
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("restrecord: %d responses written to %s\n", len(resps), out)
	return nil
}

// createTopic makes a topic no earlier run used, so the sink's consumer
// group and the source's records start from nothing, and returns a func
// that deletes it.
func createTopic(ctx context.Context, brokers string) (string, func() error, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(brokers, ",")...))
	if err != nil {
		return "", nil, fmt.Errorf("connecting to %s: %w", brokers, err)
	}
	adm := kadm.NewClient(cl)
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		cl.Close()
		return "", nil, err
	}
	topic := "restgolden-" + hex.EncodeToString(rnd[:])
	resp, err := adm.CreateTopic(ctx, 1, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		cl.Close()
		return "", nil, fmt.Errorf("creating topic %s: %w", topic, err)
	}
	drop := func() error {
		defer cl.Close()
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		resps, err := adm.DeleteTopics(dctx, topic)
		if err == nil {
			r, ok := resps[topic]
			switch {
			case !ok:
				err = errors.New("no answer")
			default:
				err = r.Err
			}
		}
		if err != nil {
			return fmt.Errorf("deleting topic %s: %w", topic, err)
		}
		return nil
	}
	return topic, drop, nil
}
