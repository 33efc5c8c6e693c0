package mongodb_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/connect"
)

// TestRetryDoesNotWriteAgain: when a bulk write fails for a transient
// reason after earlier runs of the same Put were written, delivering the
// batch again writes only what was not written: generated ids give no
// second copy of a document, inserts of provided ids are not refused as
// duplicates, and a record already reported is not reported again.
func TestRetryDoesNotWriteAgain(t *testing.T) {
	onServers(t, func(t *testing.T, uri string, client *mongo.Client, db string) {
		t.Run("BsonOidStrategy", func(t *testing.T) {
			testRetryDoesNotWriteAgain(t, uri, client, db+"_oid", nil, func(n int) string { return fmt.Sprintf(`{"n": %d}`, n) })
		})
		t.Run("ProvidedInValueStrategy-InsertOne", func(t *testing.T) {
			testRetryDoesNotWriteAgain(t, uri, client, db+"_ins", map[string]string{
				"document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInValueStrategy",
				"writemodel.strategy":  "com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy",
			}, func(n int) string { return fmt.Sprintf(`{"_id": %d, "n": %d}`, n, n) })
		})
	})
}

func testRetryDoesNotWriteAgain(t *testing.T, uri string, client *mongo.Client, db string, extra map[string]string, value func(n int) string) {
	t.Cleanup(func() { _ = client.Database(db).Drop(context.Background()) })
	host := strings.TrimSuffix(strings.TrimPrefix(uri, "mongodb://"), "/")
	p := newProxy(t, host)
	config := map[string]string{
		"connection.uri": "mongodb://" + p.ln.Addr().String() + "/?serverSelectionTimeoutMS=300&connectTimeoutMS=300&retryWrites=false",
		"database":       db, "collection": "a", "topics": "a,b", "topic.override.b.collection": "b",
		"max.num.retries": "1000", "retries.defer.timeout": "10",
		// The pause after each bulk write lets the test cut the
		// connection between the first run and the second.
		"rate.limiting.every.n": "1", "rate.limiting.timeout": "1500",
	}
	maps.Copy(config, extra)
	task, tc := started(t, config)
	ctx := context.Background()
	batch := []connect.Record{
		rec("a", 0, nil, value(1)), rec("a", 1, nil, `"not a document"`), rec("a", 2, nil, value(2)),
		rec("b", 0, nil, value(3)),
	}

	done := make(chan error, 1)
	go func() { done <- task.Put(ctx, batch) }()
	require.Eventually(t, func() bool { return len(find(t, client, db, "a", nil)) == 2 }, 10*time.Second, 20*time.Millisecond)
	p.setCut(true)
	require.ErrorIs(t, <-done, connect.ErrRetriable)
	require.Empty(t, find(t, client, db, "b", nil))
	require.Len(t, tc.Reported(), 1)

	p.setCut(false)
	require.Eventually(t, func() bool { return task.Put(ctx, batch) == nil }, 30*time.Second, 100*time.Millisecond)
	require.Len(t, find(t, client, db, "a", nil), 2, "the first run is not written again")
	require.Len(t, find(t, client, db, "b", nil), 1)
	require.Len(t, tc.Reported(), 1, "the record that cannot be written is not reported again")

	// A later batch with other records is written as usual.
	require.NoError(t, task.Put(ctx, []connect.Record{rec("a", 3, nil, value(4))}))
	require.Len(t, find(t, client, db, "a", nil), 3)
}

// TestAnswerLostIsNotWrittenAgain: a bulk write the server applied whose
// answer never reached the task fails for a transient reason; delivered
// again, the batch writes no document twice and reports none: a record
// gets the random id it had, so the write replaces its document, and an
// insert of a provided _id refused as a duplicate is taken as written
// (an ordered write going on after it).
func TestAnswerLostIsNotWrittenAgain(t *testing.T) {
	insert := map[string]string{
		"document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.ProvidedInValueStrategy",
		"writemodel.strategy":  "com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy",
	}
	unordered := maps.Clone(insert)
	unordered["bulk.write.ordered"] = "false"
	provided := func(n int) string { return fmt.Sprintf(`{"_id": %d, "n": %d}`, n, n) }
	generated := func(n int) string { return fmt.Sprintf(`{"n": %d}`, n) }
	onServers(t, func(t *testing.T, uri string, client *mongo.Client, db string) {
		for i, c := range []struct {
			name  string
			extra map[string]string
			value func(n int) string
		}{
			{"BsonOidStrategy", nil, generated},
			{"UuidStrategy", map[string]string{"document.id.strategy": "com.mongodb.kafka.connect.sink.processor.id.strategy.UuidStrategy"}, generated},
			{"ProvidedInValueStrategy-InsertOne", insert, provided},
			{"ProvidedInValueStrategy-InsertOne-unordered", unordered, provided},
		} {
			t.Run(c.name, func(t *testing.T) { testAnswerLost(t, uri, client, fmt.Sprintf("%s_lost%d", db, i), c.extra, c.value) })
		}
	})
}

func testAnswerLost(t *testing.T, uri string, client *mongo.Client, db string, extra map[string]string, value func(n int) string) {
	t.Cleanup(func() { _ = client.Database(db).Drop(context.Background()) })
	host := strings.TrimSuffix(strings.TrimPrefix(uri, "mongodb://"), "/")
	p := newProxy(t, host)
	config := map[string]string{
		"connection.uri": "mongodb://" + p.ln.Addr().String() + "/?serverSelectionTimeoutMS=300&connectTimeoutMS=300&retryWrites=false",
		"database":       db, "collection": "a", "topics": "a",
		"max.num.retries": "1000", "retries.defer.timeout": "10",
	}
	maps.Copy(config, extra)
	task, tc := started(t, config)
	ctx := context.Background()
	batch := []connect.Record{rec("a", 0, nil, value(1)), rec("a", 1, nil, value(2))}

	p.setMuted(true)
	done := make(chan error, 1)
	go func() { done <- task.Put(ctx, batch) }()
	require.Eventually(t, func() bool { return len(find(t, client, db, "a", nil)) == 2 }, 10*time.Second, 20*time.Millisecond,
		"the bulk write reached the server")
	p.setCut(true) // the task hears nothing but a closed connection
	require.ErrorIs(t, <-done, connect.ErrRetriable)

	p.setMuted(false)
	p.setCut(false)
	require.Eventually(t, func() bool { return task.Put(ctx, batch) == nil }, 30*time.Second, 100*time.Millisecond)
	require.Len(t, find(t, client, db, "a", nil), 2, "the documents written with no answer are written again")
	require.Empty(t, tc.Reported(), "a record written with no answer is reported")

	// What the batch kept is its own: later records are written as usual.
	require.NoError(t, task.Put(ctx, []connect.Record{rec("a", 2, nil, value(3))}))
	require.Len(t, find(t, client, db, "a", nil), 3)
}
