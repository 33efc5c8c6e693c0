package mongodb_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/procstat"
	sinkmongodb "github.com/kconnect-go/kconnect/sink/mongodb"
)

// benchRow is the 10 fields of the benchmark's records: converter/jsonconv's
// bench10 record (int64, string, optional string, double, int32, boolean,
// Timestamp, array of two strings, null optional string, float).
type benchRow struct {
	id    int64
	name  string
	email string
	score float64
	age   int32
	ok    bool
	at    time.Time
	tags  [2]string
	f     float32
}

var benchSchema = connect.StructOf(
	connect.F("id", connect.Int64Schema), connect.F("name", connect.StringSchema),
	connect.F("email", connect.OptionalStringSchema), connect.F("score", connect.Float64Schema),
	connect.F("age", connect.Int32Schema), connect.F("active", connect.BooleanSchema),
	connect.F("created", connect.TimestampSchema), connect.F("tags", connect.ArrayOf(connect.StringSchema)),
	connect.F("note", connect.OptionalStringSchema), connect.F("ratio", connect.Float32Schema),
)

func benchRows(n int) []benchRow {
	rows := make([]benchRow, n)
	base := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
	for i := range rows {
		s := strconv.Itoa(i)
		rows[i] = benchRow{id: int64(i), name: "name " + s, email: "user" + s + "@example.com", score: float64(i) / 7,
			age: int32(i % 90), ok: i%2 == 0, at: base.Add(time.Duration(i) * time.Millisecond), tags: [2]string{"a" + s, "b"}, f: 0.25}
	}
	return rows
}

// BenchmarkSink1M writes 1,000,000 records of 10 fields per op, in Puts of
// 500 (the worker's batches with Kafka's default max.poll.records), with
// a new ObjectId per document (the default id strategy) and
// InsertOneDefaultStrategy, one ordered bulk write per Put; "handwritten"
// makes the same documents from the same Go values and does the same bulk
// writes with the same driver. Inserts, not the default replace-upserts:
// mongo-java-server's upsert scans the collection, so its time grows with
// the collection and 1,000,000 would take hours.
// cpu-ns/doc is this process's CPU time (the client's: the server is
// another process) per document. Run the binary several times with
// -count 1: benchratio compares the two within each run.
//
//	go test -c -o /tmp/mongobench ./sink/mongodb
//	for i in 1 2 3 4 5; do /tmp/mongobench -test.run XXX -test.bench Sink1M -test.benchtime 1x; done > mongo.txt
//	go run ./internal/tools/benchratio -unit docs/s -base Sink1M/handwritten mongo.txt
func BenchmarkSink1M(b *testing.B) {
	const total, batchSize = 1_000_000, 500
	n := total
	if s := os.Getenv("KCONNECT_MONGO_BENCH_RECORDS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	rows := benchRows(batchSize)
	b.Run("kconnect", func(b *testing.B) {
		uri, client, db := server(b)
		config := map[string]string{"connection.uri": uri, "database": db, "collection": "c", "topics": "t",
			"writemodel.strategy": "com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy"}
		task := sinkmongodb.Plugin().New().NewTask()
		ctx := context.Background()
		if err := task.Start(ctx, config, connecttest.NewSinkTaskContext(config)); err != nil {
			b.Fatal(err)
		}
		defer task.Stop(ctx)
		batch := make([]connect.Record, batchSize)
		for i, r := range rows {
			v := connect.NewStruct(benchSchema)
			for _, err := range []error{v.PutInt64("id", r.id), v.PutString("name", r.name), v.PutString("email", r.email),
				v.PutFloat64("score", r.score), v.PutInt32("age", r.age), v.PutBool("active", r.ok), v.PutTime("created", r.at),
				v.Put("tags", []any{r.tags[0], r.tags[1]}), v.PutFloat32("ratio", r.f)} {
				if err != nil {
					b.Fatal(err)
				}
			}
			batch[i] = connect.Record{Topic: "t", ValueSchema: benchSchema, Value: v}
			batch[i].SetPartition(0)
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := procstat.CPU()
		for op := 0; op < b.N; op++ {
			for off := 0; off < n; off += batchSize {
				for i := range batch {
					batch[i].SetOrigin(connect.KafkaPosition{Topic: "t", Offset: int64(off + i)})
				}
				if err := task.Put(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "docs/s")
		b.ReportMetric(float64(procstat.CPU()-cpu0)/float64(b.N*n), "cpu-ns/doc")
		dropColl(b, client, db)
	})
	b.Run("handwritten", func(b *testing.B) {
		_, client, db := server(b)
		ctx := context.Background()
		coll := client.Database(db).Collection("c")
		models := make([]mongo.WriteModel, batchSize)
		opts := options.BulkWrite().SetOrdered(true)
		b.ReportAllocs()
		b.ResetTimer()
		cpu0 := procstat.CPU()
		for op := 0; op < b.N; op++ {
			for off := 0; off < n; off += batchSize {
				for i, r := range rows {
					id := bson.NewObjectID()
					doc := bson.D{{Key: "id", Value: r.id}, {Key: "name", Value: r.name}, {Key: "email", Value: r.email},
						{Key: "score", Value: r.score}, {Key: "age", Value: r.age}, {Key: "active", Value: r.ok},
						{Key: "created", Value: bson.NewDateTimeFromTime(r.at)}, {Key: "tags", Value: bson.A{r.tags[0], r.tags[1]}},
						{Key: "note", Value: nil}, {Key: "ratio", Value: float64(r.f)}, {Key: "_id", Value: id}}
					models[i] = mongo.NewInsertOneModel().SetDocument(doc)
				}
				if _, err := coll.BulkWrite(ctx, models, opts); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "docs/s")
		b.ReportMetric(float64(procstat.CPU()-cpu0)/float64(b.N*n), "cpu-ns/doc")
		dropColl(b, client, db)
	})
}

func dropColl(b *testing.B, client *mongo.Client, db string) {
	if err := client.Database(db).Collection("c").Drop(context.Background()); err != nil {
		b.Fatal(err)
	}
}
