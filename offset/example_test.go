package offset_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/offset"
)

func ExampleKey() {
	p := connect.NewSourcePartition("table", "users", "protocol", "1")
	fmt.Println(string(offset.Key(nil, "jdbc", p)))
	v, _ := offset.Value(nil, connect.Int64Offset("incrementing", 42))
	fmt.Println(string(v))

	conn, back, _ := offset.ParseKey([]byte(`["local-file-source",{"filename":"test.txt"}]`))
	fmt.Println(conn, back)
	// Output:
	// ["jdbc",{"protocol":"1","table":"users"}]
	// {"incrementing":42}
	// local-file-source {"filename":"test.txt"}
}

func ExampleNewMemory() {
	ctx := context.Background()
	s := offset.NewMemory()
	defer s.Close()
	p := connect.NewSourcePartition("filename", "test.txt")
	_ = s.Put(ctx, "local-file-source", []offset.Entry{{Partition: p, Offset: connect.Int64Offset("position", 30)}})
	got, _ := s.Get(ctx, "local-file-source", []connect.SourcePartition{p})
	fmt.Println(got[p])
	// Output: {"position":30}
}

func ExampleOpenFile() {
	dir, err := os.MkdirTemp("", "offsets")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "connect.offsets")

	s, err := offset.OpenFile(path)
	if err != nil {
		log.Fatal(err)
	}
	p := connect.NewSourcePartition("filename", "test.txt")
	err = s.Put(context.Background(), "local-file-source", []offset.Entry{{Partition: p, Offset: connect.Int64Offset("position", 30)}})
	if err != nil {
		log.Fatal(err)
	}
	_ = s.Close()

	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	// Output:
	// {"version":1,"offsets":[
	// {"connector":"local-file-source","partition":{"filename":"test.txt"},"offset":{"position":30}}
	// ]}
}

func ExampleNewKafka() {
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers("localhost:9092"))
	if err != nil {
		log.Fatal(err)
	}
	defer cl.Close()

	// Creates connect-offsets (25 partitions, compacted) if needed, and
	// reads it.
	s, err := offset.NewKafka(ctx, cl, "connect-offsets", offset.ReplicationFactor(3))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	p := connect.NewSourcePartition("filename", "test.txt")
	got, err := s.Get(ctx, "local-file-source", []connect.SourcePartition{p})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("resume from", got[p])
}
