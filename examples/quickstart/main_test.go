package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/syncbuf"
)

// The quickstart as go run runs it, on the embedded broker, smaller: every
// row of every file reaches the sink's file, transformed, and every file is
// moved to finished.path.
func TestQuickstart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out syncbuf.Buffer
	require.NoError(t, run(ctx, &out, config{files: 3, rows: 500}), "output:\n%s", &out)
	require.Contains(t, out.String(), "3 / 3 files done")
	require.Contains(t, out.String(), "checked: all 1500 rows arrived")
}

// verify fails when a row is missing or arrived changed, naming it, and
// accepts a row repeated, as at-least-once delivery may.
func TestVerify(t *testing.T) {
	line := func(id int, email string) string {
		return fmt.Sprintf(`{"id":%d,"customer":%q,"email":%q,"amount":%s,"pipeline":"quickstart"}`+"\n",
			id, customer(id), email, amount(id))
	}
	path := filepath.Join(t.TempDir(), "out.jsonl")
	check := func(lines ...string) (summary, error) {
		require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644))
		return verify(path, 3)
	}

	sum, err := check(line(2, ""), line(1, ""), line(3, ""), line(1, ""))
	require.NoError(t, err)
	require.Equal(t, summary{lines: 4, repeated: 1}, sum)

	_, err = check(line(1, ""), line(3, ""))
	require.ErrorContains(t, err, "1 of 3 rows did not arrive")
	require.ErrorContains(t, err, "id 2")

	_, err = check(line(1, ""), line(2, "customer2@example.com"), line(3, ""))
	require.ErrorContains(t, err, "line 2: row 2 arrived as")

	_, err = check(line(1, ""), line(2, ""), line(3, ""), line(4, ""))
	require.ErrorContains(t, err, "id 4 was never written")
}
