package counter_test

import (
	"bytes"
	"os"
	"strconv"
	"testing"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/examples/counter"
)

// n is how many numbers each check's connector counts to: the records the
// kit expects to read.
const n = 20

// TestConformance runs the conformance kit on the README's connector. Its
// numbers are there from the start: a config counting to n has n records
// to read, and Produce has nothing to add.
func TestConformance(t *testing.T) {
	connecttest.Source(t, connecttest.SourceSpec{
		Plugin: counter.Plugin(),
		Config: func(testing.TB) map[string]string {
			return map[string]string{"topic": "numbers", "to": strconv.Itoa(n)}
		},
		Produce: func(t testing.TB, _ map[string]string, want int) {
			if want != n {
				t.Fatalf("the kit asked for %d records; a config counts to %d", want, n)
			}
		},
		N:            n,
		RequiredKeys: []string{"topic"},
	})
}

// TestREADME checks that the README's first Go example is counter.go from
// its marker on, byte for byte, so that the code the README shows is the
// code TestConformance checks.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("counter.go")
	if err != nil {
		t.Fatal(err)
	}
	const marker = "// The README shows the rest of this file.\n\n"
	_, code, ok := bytes.Cut(src, []byte(marker))
	if !ok {
		t.Fatalf("counter.go has no line %q", marker)
	}
	_, block, ok := bytes.Cut(readme, []byte("\n```go\n"))
	if ok {
		block, _, ok = bytes.Cut(block, []byte("\n```\n"))
	}
	if !ok {
		t.Fatal("README.md has no Go code block")
	}
	if got := append(block, '\n'); !bytes.Equal(got, code) {
		t.Errorf("README.md's first Go code block is not counter.go from %q on; copy it over.\nREADME:\n%s\ncounter.go:\n%s", marker, got, code)
	}
}
