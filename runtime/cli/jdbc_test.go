package cli_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/runtime/cli/all"
)

// With all's plugins, a connector file naming JdbcSinkConnector writes a
// file's lines, hoisted into a struct, to a SQLite table.
func TestJDBCSinkWithAll(t *testing.T) {
	dir := t.TempDir()
	in, dbPath := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.db")
	writeFile(t, in, "one\ntwo\nthree\n")
	w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=http://127.0.0.1:0\n")
	src := writeFile(t, filepath.Join(dir, "src.json"),
		`{"name":"src","connector.class":"FileStreamSource","file":"`+in+`","topic":"lines"}`)
	sink := writeFile(t, filepath.Join(dir, "sink.properties"), strings.Join([]string{
		"name=db", "connector.class=io.confluent.connect.jdbc.JdbcSinkConnector", "topics=lines",
		"connection.url=jdbc:sqlite:" + dbPath, "auto.create=true", "pk.mode=kafka",
		"transforms=hoist", "transforms.hoist.type=org.apache.kafka.connect.transforms.HoistField$Value",
		"transforms.hoist.field=line", ""}, "\n"))

	r := start(t, []string{"standalone", w, src, sink}, all.Options()...)
	target, err := jdbc.ParseURL("jdbc:sqlite:" + dbPath)
	require.NoError(t, err)
	db, err := target.Open(context.Background(), "", "", nil)
	require.NoError(t, err)
	defer db.Close()
	var got []string
	require.Eventually(t, func() bool {
		got = nil
		rows, err := db.Query(`SELECT "line" FROM "lines" `)
		if err != nil { // not created yet
			return false
		}
		defer rows.Close()
		for rows.Next() {
			var s sql.NullString
			if rows.Scan(&s) != nil {
				return false
			}
			got = append(got, s.String)
		}
		return len(got) == 3
	}, 30*time.Second, 50*time.Millisecond, "rows %q; log:\n%s", got, r.logs)
	// The topic may have several partitions: the order is theirs.
	slices.Sort(got)
	require.Equal(t, []string{"one", "three", "two"}, got)
	require.NoError(t, r.stop(t))
}

// With all's plugins, a connector file naming JdbcSourceConnector copies
// a SQLite table's rows to a topic, which FileStreamSink writes to a file.
func TestJDBCSourceWithAll(t *testing.T) {
	dir := t.TempDir()
	dbPath, out := filepath.Join(dir, "in.db"), filepath.Join(dir, "out.txt")
	target, err := jdbc.ParseURL("jdbc:sqlite:" + dbPath)
	require.NoError(t, err)
	db, err := target.Open(context.Background(), "", "", nil)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TABLE "words" ("id" INTEGER NOT NULL PRIMARY KEY, "word" TEXT)`)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO "words" VALUES (1, 'one'), (2, 'two'), (3, 'three')`)
	require.NoError(t, err)
	w := writeFile(t, filepath.Join(dir, "w.properties"), "listeners=http://127.0.0.1:0\n")
	src := writeFile(t, filepath.Join(dir, "src.properties"), strings.Join([]string{
		"name=db", "connector.class=io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url=jdbc:sqlite:" + dbPath,
		"mode=incrementing", "incrementing.column.name=id", "topic.prefix=db-", "poll.interval.ms=50", ""}, "\n"))
	sink := writeFile(t, filepath.Join(dir, "sink.json"),
		`{"name":"out","connector.class":"FileStreamSink","file":"`+out+`","topics":"db-words"}`)

	r := start(t, []string{"standalone", w, src, sink}, all.Options()...)
	var got string
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		got = string(b)
		return strings.Count(got, "\n") == 3
	}, 30*time.Second, 50*time.Millisecond, "file %q; log:\n%s", got, r.logs)
	for _, word := range []string{"one", "two", "three"} {
		require.Contains(t, got, "word="+word)
	}
	require.NoError(t, r.stop(t))
}
