package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/syncbuf"
)

// TestConformance runs the conformance kit on EventsSource, each check on
// an events API of its own with three streams, read by up to two tasks.
func TestConformance(t *testing.T) {
	var mu sync.Mutex
	apis := map[string]*eventsAPI{} // by URL
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin: EventsSource(),
		Config: func(t testing.TB) map[string]string {
			api := newEventsAPI()
			for _, s := range streams {
				api.add(s, 0) // the streams exist, empty
			}
			srv := httptest.NewServer(api)
			t.Cleanup(srv.Close)
			mu.Lock()
			apis[srv.URL] = api
			mu.Unlock()
			return map[string]string{
				"events.url": srv.URL, "streams": strings.Join(streams, ","), "topic": "events",
				"poll.interval.ms": "20", "batch.size": "7",
			}
		},
		Produce: func(t testing.TB, config map[string]string, n int) {
			mu.Lock()
			api := apis[config["events.url"]]
			mu.Unlock()
			for i := range n {
				api.add(streams[i%len(streams)], 1)
			}
		},
		MaxTasks:     2,
		RequiredKeys: []string{"events.url", "streams", "topic"},
	})
}

// The configuration is checked when the connector is created, naming the
// key.
func TestConfigValidation(t *testing.T) {
	valid := map[string]string{"events.url": "http://localhost:8080", "streams": "orders", "topic": "events"}
	for key, bad := range map[string]string{
		"events.url":       "localhost:8080",
		"streams":          "Orders,payments",
		"topic":            "",
		"batch.size":       "0",
		"poll.interval.ms": "5",
	} {
		config := map[string]string{}
		for k, v := range valid {
			config[k] = v
		}
		config[key] = bad
		_, err := configDef.Parse(config)
		require.ErrorContains(t, err, key, "%s=%q", key, bad)
	}
	_, err := configDef.Parse(valid)
	require.NoError(t, err)
}

// The program: two tasks copy three streams, and a second worker on the
// same directory resumes after the first, nothing lost or repeated.
func TestProgram(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, logs syncbuf.Buffer
	err := run(ctx, &out, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err, "output:\n%s\nlog:\n%s", &out, &logs)
	require.Contains(t, out.String(), "round 1: 3000 events in the topic from 2 tasks")
	require.Contains(t, out.String(), "round 2: 4500 events in the topic from 2 tasks")
	// The tasks log through the worker's logger, named, with where each
	// stream resumed.
	require.Contains(t, logs.String(), `msg="reading stream" connector=events task=`)
	require.Contains(t, logs.String(), `stream=orders after=1000`)
}
