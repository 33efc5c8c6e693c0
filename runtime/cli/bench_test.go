package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/cli"
)

// BenchmarkCreateToRunning times what a user of the REST API waits for
// when creating a connector: POST /connectors of a FileStreamSource (one
// task, an empty file, its topic created by the worker) until GET
// /connectors/{name}/status shows the connector and its task RUNNING,
// polled without pause. The program runs with the embedded broker, and
// with bootstrap.servers naming the tests' cluster (kfake, or the real
// broker of KCONNECT_KAFKA_BROKERS). Each connector is deleted, untimed.
// runtime/rest/testdata/jvm/measure.sh times the same with JVM Kafka
// Connect.
func BenchmarkCreateToRunning(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := writeBenchFile(in, ""); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, props string }{
		{"embedded", ""},
		{"bootstrap.servers", "bootstrap.servers=" + strings.Join(testkafka.Brokers(b), ",") +
			"\noffset.storage.file.filename=" + filepath.Join(dir, "connect.offsets") + "\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := filepath.Join(dir, "w.properties")
			if err := writeBenchFile(w, "listeners=http://127.0.0.1:0\n"+bc.props); err != nil {
				b.Fatal(err)
			}
			base := startBench(b, w)
			topic := testkafka.Topic(b, "create-to-running")
			n := 0
			for b.Loop() {
				n++
				name := fmt.Sprintf("src-%d", n)
				body := `{"name":"` + name + `","config":{"connector.class":"FileStreamSource","tasks.max":"1","file":"` + in +
					`","topic":"` + topic + `","topic.creation.default.replication.factor":"1","topic.creation.default.partitions":"1"}}`
				resp, err := http.Post(base+"connectors", "application/json", strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					b.Fatalf("POST /connectors: %s", resp.Status)
				}
				for !allRunning(b, base+"connectors/"+name+"/status") {
				}
				b.StopTimer()
				req, _ := http.NewRequest(http.MethodDelete, base+"connectors/"+name, nil)
				if resp, err := http.DefaultClient.Do(req); err != nil {
					b.Fatal(err)
				} else {
					resp.Body.Close()
				}
				b.StartTimer()
			}
		})
	}
}

// allRunning reports whether the status at url shows the connector and
// every task, at least one, RUNNING.
func allRunning(b *testing.B, url string) bool {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Connector struct{ State string }   `json:"connector"`
		Tasks     []struct{ State string } `json:"tasks"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&st) != nil {
		return false
	}
	if st.Connector.State != "RUNNING" || len(st.Tasks) == 0 {
		return false
	}
	for _, t := range st.Tasks {
		if t.State != "RUNNING" {
			return false
		}
	}
	return true
}

// startBench runs the program with the worker file w until it is ready,
// and returns its REST URL; the program stops when the benchmark ends.
func startBench(b *testing.B, w string) string {
	b.Helper()
	ready := make(chan cli.Ready, 1)
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		done <- cli.Run(ctx, []string{"standalone", w}, cli.Output(strings.NewReader(""), io.Discard, io.Discard),
			cli.OnReady(func(r cli.Ready) { ready <- r }))
	}()
	b.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case r := <-ready:
		return r.Listeners[0]
	case err := <-done:
		b.Fatalf("the program returned before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		b.Fatal("the program was not ready in time")
	}
	return ""
}

func writeBenchFile(path, text string) error {
	return os.WriteFile(path, []byte(text), 0o600)
}
