package cli_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/jdbc"
)

// The JDBC sink is built in: a connector file naming JdbcSinkConnector
// writes a file's lines, hoisted into a struct, to a SQLite table.
func TestJDBCSinkIsBuiltIn(t *testing.T) {
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

	r := start(t, []string{"standalone", w, src, sink})
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
