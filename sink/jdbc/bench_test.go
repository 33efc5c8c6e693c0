package jdbc_test

import (
	"context"
	"maps"
	"strconv"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	sinkjdbc "github.com/kconnect-go/kconnect/sink/jdbc"
)

// BenchmarkPut writes batches of 1000 records in insert mode, one row per
// statement (batch.size=1) and up to 3000 (the default), to SQLite and,
// when configured, PostgreSQL and MariaDB; and BenchmarkPutUpsert the same
// in upsert mode, keyed by the record key.
func BenchmarkPut(b *testing.B) { benchmarkPut(b, map[string]string{}) }

func BenchmarkPutUpsert(b *testing.B) {
	benchmarkPut(b, map[string]string{"insert.mode": "upsert", "pk.mode": "record_key"})
}

func benchmarkPut(b *testing.B, mode map[string]string) {
	for _, o := range jdbctest.All {
		for _, size := range []string{"1", "3000"} {
			b.Run(o.Name+"/batch.size="+size, func(b *testing.B) {
				db := o.Open(b)
				config := map[string]string{"connection.url": db.URL, "auto.create": "true", "batch.size": size}
				maps.Copy(config, mode)
				task := sinkjdbc.Plugin().New().NewTask()
				ctx := context.Background()
				if err := task.Start(ctx, config, connecttest.NewSinkTaskContext(config)); err != nil {
					b.Fatal(err)
				}
				defer task.Stop(ctx)
				batch := make([]connect.Record, 1000)
				b.ReportAllocs()
				b.ResetTimer()
				for n := 0; n < b.N; n++ {
					for i := range batch {
						off := int64(n*len(batch) + i)
						batch[i] = named(b, "bench", off, off, "name "+strconv.Itoa(i))
					}
					if err := task.Put(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}
