package spooldir

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
	"github.com/kconnect-go/kconnect/internal/procstat"
)

// BenchmarkCSVPollConvert is the share of BenchmarkSpoolDirCsvToKafka's
// worker case that is the connector's and its converter's, without Kafka
// or a worker: Poll over the same kind of CSV rows (5 typed columns, the id
// as key, file.* headers) and each record's key and value written by
// JsonConverter (schemas.enable=false) into a reused buffer. One op is one
// row. On a shared machine its instruction count (valgrind --tool=cachegrind,
// the difference between two -benchtime counts) tells small changes apart
// where wall times cannot.
func BenchmarkCSVPollConvert(b *testing.B) {
	d := newDirs(b)
	path := filepath.Join(d.in, "orders.csv")
	f, err := os.Create(path)
	require.NoError(b, err)
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("id,customer,email,amount,active\n")
	var line []byte
	for i := range b.N {
		n := int64(i % 9999991)
		line = strconv.AppendInt(line[:0], int64(i+1), 10)
		line = append(line, ",Customer Number "...)
		line = appendPadded(line, n)
		line = append(line, ",customer."...)
		line = appendPadded(line, n)
		line = append(line, "@example.com,"...)
		line = strconv.AppendInt(line, int64(i%100000), 10)
		line = append(line, '.', byte('0'+(1+i%99)/10), byte('0'+(1+i%99)%10), ',')
		line = strconv.AppendBool(line, i%3 == 0)
		if _, err := w.Write(append(line, '\n')); err != nil {
			b.Fatal(err)
		}
	}
	require.NoError(b, w.Flush())
	require.NoError(b, f.Close())

	offsets := connecttest.NewOffsets()
	ctx := context.Background()
	c := CsvPlugin().New()
	cfg := d.config(`.*\.csv`, KeySchemaConfig, allocKeySchema, ValueSchemaConfig, allocValueSchema, CSVFirstRowAsHeaderConfig, "true")
	require.NoError(b, c.Start(ctx, cfg, connecttest.NewConnectorContext(offsets)))
	tcs, err := c.TaskConfigs(1)
	require.NoError(b, err)
	task := c.NewTask()
	require.NoError(b, task.Start(ctx, tcs[0], connecttest.SourceTaskContext(tcs[0], offsets)))
	defer task.Stop(ctx)
	keys, values := jsonconv.New(jsonconv.SchemasEnable(false)), jsonconv.New(jsonconv.SchemasEnable(false))
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := procstat.CPU() // steadier than wall time on a busy machine
	defer func() {
		b.ReportMetric(float64((procstat.CPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}()
	for n := 0; n < b.N; {
		recs, err := task.Poll(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for i := range recs {
			r := &recs[i]
			if r.Topic != cfg[TopicConfig] {
				continue // a notification
			}
			// not require.NoError: its t.Helper walks the stack every row
			k, err := keys.FromConnect(buf[:0], r.Topic, r.Headers, r.KeySchema, r.Key)
			if err != nil {
				b.Fatal(err)
			}
			v, err := values.FromConnect(k[len(k):], r.Topic, r.Headers, r.ValueSchema, r.Value)
			if err != nil {
				b.Fatal(err)
			}
			buf = v[:0]
			n++
		}
	}
}

// appendPadded appends n in seven digits.
func appendPadded(b []byte, n int64) []byte {
	s := strconv.FormatInt(n, 10)
	for range 7 - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}
