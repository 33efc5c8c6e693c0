// Package jvmgolden reads golden files written by Apache Kafka's own classes
// that tests in several packages compare kconnect's output with.
package jvmgolden

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// root is the module's root directory, found from this file's place in it,
// so tests in any package read the same files.
func root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("jvmgolden: cannot locate the module root")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// JavaOrder returns the cases of connect/testdata/javaorder/cases.txt (each
// "<schemas.enable>\t<JSON document>") and, for each, the tab-separated
// columns of its line in golden.txt: what Kafka's classes wrote for it
// (connect/testdata/javaorder/jvm says which column is which, and how to
// regenerate them).
func JavaOrder(t testing.TB) (cases []string, golden [][]string) {
	t.Helper()
	dir := filepath.Join(root(t), "connect", "testdata", "javaorder")
	read := func(name string) []string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("jvmgolden: %v", err)
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	for _, l := range read("cases.txt") {
		if l != "" && !strings.HasPrefix(l, "#") {
			cases = append(cases, l)
		}
	}
	for _, l := range read("golden.txt") {
		golden = append(golden, strings.Split(l, "\t"))
	}
	if len(golden) != len(cases) {
		t.Fatalf("jvmgolden: %d cases but %d golden lines: golden.txt is stale, regenerate it (connect/testdata/javaorder/jvm/README.md)", len(cases), len(golden))
	}
	return cases, golden
}

// Record is one record of a topic a JVM worker wrote: Key and Value are
// nil for a null key or value (a tombstone).
type Record struct {
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
}

// DistributedTopic returns the records of topic "config" or "status" that
// a JVM Kafka Connect 4.4 distributed worker wrote through the scenario of
// internal/jvmgolden/testdata/distributed/record.sh (its README says what
// the scenario does and how to record it again), in partition then offset
// order.
func DistributedTopic(t testing.TB, topic string) []Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), "internal", "jvmgolden", "testdata", "distributed", topic+".jsonl"))
	if err != nil {
		t.Fatalf("jvmgolden: %v", err)
	}
	var out []Record
	for i, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var r struct {
			Partition int32
			Offset    int64
			Key       *[]byte
			Value     *[]byte
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("jvmgolden: %s.jsonl line %d: %v", topic, i+1, err)
		}
		rec := Record{Partition: r.Partition, Offset: r.Offset}
		if r.Key != nil {
			rec.Key = *r.Key
		}
		if r.Value != nil {
			rec.Value = *r.Value
		}
		out = append(out, rec)
	}
	return out
}
