package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/syncbuf"

	"github.com/kconnect-go/kconnect/runtime/cli"
	"github.com/stretchr/testify/require"
)

// The program runs its own connector, named by alias in a properties
// file, beside the built-in FileStreamSink, on the embedded broker.
func TestCustomWorkerRunsItsConnector(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "greetings.txt")
	w := filepath.Join(dir, "worker.properties")
	require.NoError(t, os.WriteFile(w, []byte("listeners=http://127.0.0.1:0\n"+
		"key.converter=StringConverter\nvalue.converter=StringConverter\n"), 0o600))
	g := filepath.Join(dir, "greeting.properties")
	require.NoError(t, os.WriteFile(g, []byte("name=hello\nconnector.class=Greeting\ntopic=greetings\ngreeting=bonjour\ncount=3\n"), 0o600))
	s := filepath.Join(dir, "sink.properties")
	require.NoError(t, os.WriteFile(s, []byte("name=out\nconnector.class=FileStreamSink\ntopics=greetings\nfile="+out+"\n"), 0o600))

	var stdout, logs syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- cli.Run(ctx, []string{"standalone", w, g, s}, cli.Plugins(GreetingSource()), cli.Output(nil, &stdout, &logs))
	}()
	require.Eventually(t, func() bool {
		data, _ := os.ReadFile(out)
		got := strings.Split(strings.TrimSpace(string(data)), "\n")
		slices.Sort(got) // the topic's partitions are read in any order
		return slices.Equal(got, []string{"bonjour 1", "bonjour 2", "bonjour 3"})
	}, 30*time.Second, 10*time.Millisecond, "log:\n%s", &logs)
	require.Contains(t, logs.String(), "GreetingSource")
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatalf("the worker did not stop; log:\n%s", logs.String())
	}
}
