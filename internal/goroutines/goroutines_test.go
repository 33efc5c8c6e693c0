package goroutines_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/goroutines"
)

func parkedHere(release <-chan struct{}, parked chan<- struct{}) {
	close(parked)
	<-release
}

func TestSnapshotSeesAParkedGoroutine(t *testing.T) {
	before := goroutines.Snapshot()
	release, parked := make(chan struct{}), make(chan struct{})
	go parkedHere(release, parked)
	<-parked
	var found []string
	for id, stack := range goroutines.Snapshot() {
		if _, old := before[id]; !old && strings.Contains(stack, "goroutines_test.parkedHere") {
			found = append(found, stack)
		}
	}
	close(release)
	require.Len(t, found, 1, "one new goroutine parked in parkedHere")
	require.True(t, strings.HasPrefix(found[0], "goroutine "), "each entry is a whole stack block: %q", found[0])
}
