package jdbc_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
	srcjdbc "github.com/kconnect-go/kconnect/source/jdbc"
)

// TestConformance runs the connecttest kit on the source in incrementing
// mode over a new table per check, which Produce inserts rows into, on
// each database served.
func TestConformance(t *testing.T) {
	for _, o := range jdbctest.All {
		t.Run(o.Name, func(t *testing.T) {
			var mu sync.Mutex
			dbs := map[string]*jdbctest.DB{}
			next := map[string]int64{}
			connecttest.Source(t, connecttest.SourceSpec{
				Plugin: srcjdbc.Plugin(),
				Config: func(tb testing.TB) map[string]string {
					db := o.Open(tb)
					q := `CREATE TABLE "items" ("id" BIGINT NOT NULL PRIMARY KEY, "name" VARCHAR(40), "ts" BIGINT NOT NULL)`
					if db.Dialect.Name == "MySqlDatabaseDialect" {
						q = "CREATE TABLE `items` (`id` BIGINT NOT NULL PRIMARY KEY, `name` VARCHAR(40), `ts` BIGINT NOT NULL)"
					}
					if _, err := db.DB.Exec(q); err != nil {
						tb.Fatal(err)
					}
					cfg := config(db, "mode", "incrementing", "incrementing.column.name", "id", "poll.interval.ms", "5")
					mu.Lock()
					dbs[db.URL] = db
					mu.Unlock()
					return cfg
				},
				Produce: func(tb testing.TB, cfg map[string]string, n int) {
					mu.Lock()
					db := dbs[cfg["connection.url"]]
					from := next[db.URL]
					next[db.URL] = from + int64(n)
					mu.Unlock()
					for i := from + 1; i <= from+int64(n); i++ {
						q := `INSERT INTO "items" ("id","name","ts") VALUES (` + db.Dialect.Placeholder(1) + "," +
							db.Dialect.Placeholder(2) + ",0)"
						if db.Dialect.Name == "MySqlDatabaseDialect" {
							q = "INSERT INTO `items` (`id`,`name`,`ts`) VALUES (?,?,0)"
						}
						if _, err := db.DB.Exec(q, i, fmt.Sprint("row-", i)); err != nil {
							tb.Fatal(err)
						}
					}
				},
				RequiredKeys: []string{srcjdbc.ConnectionURLConfig, srcjdbc.TopicPrefixConfig, srcjdbc.ModeConfig},
			})
		})
	}
}
