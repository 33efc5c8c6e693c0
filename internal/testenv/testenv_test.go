package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// redirectReport points ReportEnv at a fresh file for this test, so the
// lines these tests write on purpose never reach the CI report.
func redirectReport(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "report")
	t.Setenv(ReportEnv, path)
	return path
}

func readLines(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestTestIDNamesPackage(t *testing.T) {
	require.Equal(t, "internal/testenv.TestTestIDNamesPackage", TestID(t))
}

func TestIntegrationSkipsWhenUnset(t *testing.T) {
	report := redirectReport(t)
	const envVar = "KCONNECT_TESTENV_UNSET_FOR_TEST"
	t.Setenv(envVar, "")

	var got string
	ran := t.Run("sub", func(t *testing.T) {
		got = Integration(t, envVar)
		t.Error("Integration must skip when the variable is unset")
	})
	require.True(t, ran, "a skipped subtest counts as passed")
	require.Empty(t, got)
	require.Equal(t, []string{"skip internal/testenv.TestIntegrationSkipsWhenUnset/sub"}, readLines(t, report))
}

func TestIntegrationReturnsValue(t *testing.T) {
	report := redirectReport(t)
	const envVar = "KCONNECT_TESTENV_SET_FOR_TEST"
	t.Setenv(envVar, " postgres://x ")

	require.Equal(t, "postgres://x", Integration(t, envVar))
	require.Equal(t, []string{"real internal/testenv.TestIntegrationReturnsValue"}, readLines(t, report))
}

func TestRecordWithoutReportIsNoop(t *testing.T) {
	t.Setenv(ReportEnv, "")
	Record(t, Fake) // must neither fail nor create anything
}

// TestRecordConcurrentAppends checks that many concurrent writers produce
// whole lines only, which is what lets parallel test binaries share a file.
func TestRecordConcurrentAppends(t *testing.T) {
	report := redirectReport(t)
	const writers, perWriter = 8, 50
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range perWriter {
				Record(t, Real)
			}
		})
	}
	wg.Wait()
	lines := readLines(t, report)
	require.Len(t, lines, writers*perWriter)
	for _, l := range lines {
		require.Equal(t, "real internal/testenv.TestRecordConcurrentAppends", l)
	}
}
