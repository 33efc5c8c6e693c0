package cli_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kconnect-go/kconnect/internal/syncbuf"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/cli"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// clusterIDOf asks the brokers for their cluster id with a client of the
// test's own.
func clusterIDOf(t *testing.T, brokers []string) string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, m.Cluster)
	return m.Cluster
}

// GET / reports the id of the Kafka cluster the worker uses, as Kafka
// Connect's does: the cluster of bootstrap.servers, or the embedded
// broker's.
func TestRootAnswersKafkaClusterID(t *testing.T) {
	dir := t.TempDir()
	brokers := testkafka.Brokers(t)
	for name, props := range map[string]string{
		"bootstrap.servers": "bootstrap.servers=" + strings.Join(brokers, ",") +
			"\noffset.storage.file.filename=" + filepath.Join(dir, "connect.offsets") + "\n",
		"embedded broker": "",
	} {
		t.Run(name, func(t *testing.T) {
			w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=http://127.0.0.1:0\n"+props)
			r := start(t, []string{"standalone", w})
			var root struct {
				Version        string `json:"version"`
				Commit         string `json:"commit"`
				KafkaClusterID string `json:"kafka_cluster_id"`
			}
			require.NoError(t, json.Unmarshal([]byte(get(t, r.ready.Listeners[0], http.StatusOK)), &root))
			want := clusterIDOf(t, r.ready.Brokers)
			require.Equal(t, want, root.KafkaClusterID)
			require.NoError(t, r.stop(t))
			require.Contains(t, r.logs.String(), ", cluster id "+want+"\n")
		})
	}
}

// A cluster that does not answer stops the worker from starting, as it
// stops Kafka Connect's, with an error naming the file, the key and the
// servers. (The program waits 60 s, Kafka's default.api.timeout.ms; the
// test's context ends sooner.)
func TestUnreachableClusterStartsNothing(t *testing.T) {
	dir := t.TempDir()
	w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=http://127.0.0.1:0\nbootstrap.servers=127.0.0.1:1\n"+
		"offset.storage.file.filename="+filepath.Join(dir, "connect.offsets")+"\n")
	var errOut syncbuf.Buffer
	ready := false
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	code := cli.Main(ctx, []string{"standalone", w}, cli.Output(strings.NewReader(""), nil, &errOut),
		cli.OnReady(func(cli.Ready) { ready = true }))
	require.Equal(t, cli.ExitConfig, code, errOut.String())
	require.False(t, ready)
	require.Contains(t, errOut.String(), "w.properties: bootstrap.servers: worker: describing the Kafka cluster at 127.0.0.1:1")
}

// default.api.timeout.ms, a Kafka client setting Kafka Connect accepts in
// a worker configuration, bounds the worker's wait for the cluster at
// start, as it bounds the admin client's call in Kafka Connect: a server
// that takes connections and never answers stops the start after it, not
// after the 60 s default.
func TestDefaultAPITimeoutBoundsClusterWait(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { silent.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	dir := t.TempDir()
	w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=http://127.0.0.1:0\nbootstrap.servers="+silent.Addr().String()+"\n"+
		"default.api.timeout.ms=500\noffset.storage.file.filename="+filepath.Join(dir, "connect.offsets")+"\n")
	var errOut syncbuf.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	start := time.Now()
	code := cli.Main(ctx, []string{"standalone", w}, cli.Output(strings.NewReader(""), nil, &errOut))
	require.Equal(t, cli.ExitConfig, code, errOut.String())
	require.Contains(t, errOut.String(), "w.properties: bootstrap.servers: worker: describing the Kafka cluster at "+silent.Addr().String())
	require.Less(t, time.Since(start), 20*time.Second, "the wait is default.api.timeout.ms's, not the context's")
}
