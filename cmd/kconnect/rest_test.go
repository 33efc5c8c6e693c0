//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/restgolden"
	"github.com/kconnect-go/kconnect/internal/syncbuf"
	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/stretchr/testify/require"
)

// The built program, a process of its own started from Kafka's
// connect-standalone.properties, answers internal/restgolden's REST
// scenario as JVM Kafka Connect 4.4 answered it, but for the differences
// the scenario names with their reasons.
func TestProgramProcessAnswersAsJVMConnect(t *testing.T) {
	golden, err := restgolden.ReadGolden(filepath.Join("..", "..", "runtime", "rest", "testdata", "jvm-4.4", "responses.json"))
	require.NoError(t, err)
	bin := build(t)
	brokers := testkafka.Brokers(t)
	topic := testkafka.Topic(t, "golden")
	testkafka.CreateTopic(t, brokers, topic, 1, nil)

	dir := t.TempDir()
	kafkaFile, err := os.ReadFile(filepath.Join("..", "..", "runtime", "cli", "testdata", "kafka", "connect-standalone.properties"))
	require.NoError(t, err)
	// Later lines of a properties file win: only the broker, the offsets
	// file, the port and the flush interval change.
	w := filepath.Join(dir, "connect-standalone.properties")
	require.NoError(t, os.WriteFile(w, append(kafkaFile, []byte("\nbootstrap.servers="+strings.Join(brokers, ",")+
		"\noffset.storage.file.filename="+filepath.Join(dir, "connect.offsets")+
		"\nlisteners=http://127.0.0.1:0\noffset.flush.interval.ms=100\n")...), 0o600))

	var logs syncbuf.Buffer
	cmd := exec.Command(bin, "standalone", w)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	listening := regexp.MustCompile(`listening on (http://[0-9.:]+)/`)
	var base string
	require.Eventually(t, func() bool {
		if !strings.Contains(logs.String(), "worker ready") {
			return false
		}
		m := listening.FindStringSubmatch(logs.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	}, 30*time.Second, 10*time.Millisecond, "log:\n%s", &logs)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	got, err := restgolden.Run(ctx, base, map[string]string{"dir": t.TempDir(), "topic": topic})
	require.NoError(t, err, "log:\n%s", logs.String())
	require.Len(t, got, len(golden.Responses))
	for _, d := range restgolden.CompareAll(golden.Responses, got) {
		t.Error(d)
	}
}
