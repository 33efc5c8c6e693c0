package connectassign

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBackoffMatchesKafka holds the delay between revoking rounds to
// what Kafka 4.4's ExponentialBackoff(1, 40, maxDelay, 0).backoff(n)
// gives for n = 1..8 (printed by a JVM 17), truncations included: the
// delay is a float rounded down, where an ulp decides.
func TestBackoffMatchesKafka(t *testing.T) {
	kafka := `1: 1 1 1 1 1 1 1 1
2: 2 2 2 2 2 2 2 2
39: 39 39 39 39 39 39 39 39
40: 40 40 40 40 40 40 40 40
41: 40 41 41 41 41 41 41 41
1000: 40 999 999 999 999 999 999 999
1600: 40 1600 1600 1600 1600 1600 1600 1600
1601: 40 1600 1600 1600 1600 1600 1600 1600
30000: 40 1600 29999 29999 29999 29999 29999 29999
60000: 40 1600 60000 60000 60000 60000 60000 60000
64000: 40 1600 64000 64000 64000 64000 64000 64000
100000: 40 1600 64000 99999 99999 99999 99999 99999
299999: 40 1600 64000 299999 299999 299999 299999 299999
300000: 40 1600 64000 300000 300000 300000 300000 300000
300001: 40 1600 64000 300000 300000 300000 300000 300000
600000: 40 1600 64000 599999 599999 599999 599999 599999
1000000: 40 1600 64000 999999 999999 999999 999999 999999
2147483647: 40 1600 64000 2560000 102400000 2147483647 2147483647 2147483647`
	for _, line := range strings.Split(kafka, "\n") {
		var max int64
		_, err := fmt.Sscanf(line, "%d:", &max)
		require.NoError(t, err)
		b := newExpBackoff(1, 40, max)
		got := fmt.Sprintf("%d:", max)
		for n := int64(1); n <= 8; n++ {
			got += fmt.Sprintf(" %d", b.backoff(n))
		}
		require.Equal(t, line, got)
	}
	require.Equal(t, int64(0), newExpBackoff(0, 40, 0).backoff(3), "a zero max delay never backs off")
}
