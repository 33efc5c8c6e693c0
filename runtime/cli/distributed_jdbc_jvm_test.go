package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jvmworker"
	"github.com/kconnect-go/kconnect/internal/testkafka"
)

// TestDistributedJDBCTakeoverFromJVM hands Confluent's JdbcSourceConnector
// (incrementing mode, over a SQLite table of numbered rows) from a JVM
// Kafka Connect 4.4 cluster to kconnect workers and back, on one group.id
// and one set of internal topics. The JVM cluster is stopped (SIGTERM, so
// its offsets are committed) partway through the table; kconnect reads on
// from its {"protocol":"1","table"} offset; rows added after kconnect
// stopped are read by a JVM cluster again. Every row reaches the topic
// once, with the same value schema and payload whichever side wrote it.
//
// kafka-connect-jdbc's parent pom is on no public Maven repository: the
// test runs with KCONNECT_JDBC_PLUGIN_PATH naming the directory
// testdata/jvm/jdbc-build.sh compiles from a checkout of
// github.com/confluentinc/kafka-connect-jdbc, besides
// KCONNECT_CONNECT_CLASSPATH and KCONNECT_KAFKA_BROKERS. CI has no such
// checkout and skips it.
func TestDistributedJDBCTakeoverFromJVM(t *testing.T) {
	p := newJVMPluginTakeover(t, "KCONNECT_JDBC_PLUGIN_PATH",
		"runtime/cli/testdata/jvm/jdbc-build.sh <checkout of github.com/confluentinc/kafka-connect-jdbc> <out>, "+
			"with KCONNECT_CONNECT_CLASSPATH set")
	began := time.Now()
	path := filepath.Join(p.dir, "rows.db")
	target, err := jdbc.ParseURL("jdbc:sqlite:" + path)
	require.NoError(t, err)
	db, err := target.Open(context.Background(), "", "", nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.Exec(`CREATE TABLE "rows" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "n" BIGINT NOT NULL, "text" TEXT)`)
	require.NoError(t, err)
	// insert adds rows numbered from to to-1; ids are their numbers + 1.
	insert := func(from, to int) {
		t.Helper()
		tx, err := db.Begin()
		require.NoError(t, err)
		for n := from; n < to; n++ {
			_, err := tx.Exec(`INSERT INTO "rows" ("n", "text") VALUES (?, ?)`, n, fmt.Sprintf("row %d", n))
			require.NoError(t, err)
		}
		require.NoError(t, tx.Commit())
	}
	prefix := testkafka.Topic(t, "jdbc") + "-"
	testkafka.CreateTopic(t, p.brokers, prefix+"rows", 1, nil)
	topic := collectRecords(t, p.brokers, prefix+"rows")

	const first, second = 20000, 5000
	insert(0, first)
	jvm := p.startJVM(t)
	body, err := json.Marshal(map[string]any{"name": "jdbc", "config": map[string]string{
		"connector.class":          "io.confluent.connect.jdbc.JdbcSourceConnector",
		"tasks.max":                "1",
		"connection.url":           "jdbc:sqlite:" + path,
		"mode":                     "incrementing",
		"incrementing.column.name": "id",
		"table.whitelist":          "rows",
		"topic.prefix":             prefix,
		"poll.interval.ms":         "200",
		"batch.max.rows":           "100", // so that the JVM stops soon after it is told to
	}})
	require.NoError(t, err)
	code, resp := jvm.Do(t, http.MethodPost, "/connectors", string(body))
	require.Equal(t, http.StatusCreated, code, resp)
	runningOnJVM(t, jvm, "jdbc")
	jvmworker.Poll(t, 120*time.Second, func() bool { return topic.count() >= 2500 }, "2500 rows through the JVM cluster")
	jvm.Stop(t, 60*time.Second)
	jvmEnd := topic.caughtUp(t, p.brokers)
	t.Logf("the JVM cluster stopped after %d rows, %v in", jvmEnd, time.Since(began).Round(time.Millisecond))
	require.Less(t, jvmEnd, int64(first), "the JVM cluster read the whole table before it was stopped")

	// kconnect workers take over the JVM cluster's topics.
	workers, ids := p.startKconnect(t, 2)
	runningOnKconnect(t, workers, ids, "jdbc")
	require.Eventually(t, func() bool { return topic.count() >= first }, 120*time.Second, 200*time.Millisecond,
		"the table through the kconnect workers; logs:\n%s\n%s", workers[0].logs, workers[1].logs)
	for _, w := range workers {
		require.NoError(t, w.stop(t))
	}
	kEnd := topic.caughtUp(t, p.brokers)
	t.Logf("the kconnect workers stopped after %d rows, %v in", kEnd, time.Since(began).Round(time.Millisecond))

	// And back: a JVM cluster takes over kconnect's, for the rows added
	// since.
	insert(first, first+second)
	jvm = p.startJVM(t)
	runningOnJVM(t, jvm, "jdbc")
	total := first + second
	jvmworker.Poll(t, 120*time.Second, func() bool { return topic.count() >= total },
		fmt.Sprintf("the new rows through the JVM cluster (%d rows of %d)", topic.count(), total))
	jvm.Stop(t, 60*time.Second)
	end := topic.caughtUp(t, p.brokers)

	got := topic.all()
	ns := payloadNumbers(got)
	values := make([]jsonRecord, len(got))
	for i, r := range got {
		require.NoError(t, json.Unmarshal(r.value, &values[i]), "record at offset %d", r.offset)
	}
	requireOnce(t, "the topic", ns, total)
	// Whoever wrote it, a record is its row's, with the same schema but
	// for one difference: SQLite's driver reports an INTEGER column as
	// java.sql.Types.INTEGER, which Confluent's dialect maps to INT32 (and
	// reads with getInt, keeping the low 32 bits of a larger value), where
	// kconnect makes it an INT64, as SQLite stores it.
	jvmSchema, kconnectSchema := string(values[0].Schema), strings.Replace(string(values[0].Schema),
		`{"type":"int32","optional":true,"field":"id"}`, `{"type":"int64","optional":true,"field":"id"}`, 1)
	require.NotEqual(t, jvmSchema, kconnectSchema, "the JVM's schema has no INT32 id: %s", jvmSchema)
	for i, r := range got {
		who, schema := "kconnect", kconnectSchema
		if r.offset < jvmEnd || r.offset >= kEnd {
			who, schema = "the JVM", jvmSchema
		}
		n := ns[i]
		require.Nil(t, r.key, "key of row %d (written by %s)", n, who)
		require.JSONEq(t, schema, string(values[i].Schema), "value schema of row %d (written by %s)", n, who)
		require.JSONEq(t, fmt.Sprintf(`{"id":%d,"n":%d,"text":"row %d"}`, n+1, n, n), string(values[i].Payload),
			"value of row %d (written by %s)", n, who)
		require.Empty(t, r.headers, "headers of row %d (written by %s)", n, who)
	}
	t.Logf("%d rows (JVM %d, kconnect %d, JVM %d), each once; value schema %s; took %v", total, jvmEnd, kEnd-jvmEnd,
		end-kEnd, values[0].Schema, time.Since(began).Round(time.Millisecond))
}
