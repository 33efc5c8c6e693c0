package jdbc_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/jdbc/jdbctest"
)

// TestSourceSchemas reads a row of each common column type and checks the
// Connect schema and value each dialect gives it, with numeric.mapping
// none and best_fit (NUMERIC(10,0) is an INT64 with best_fit).
func TestSourceSchemas(t *testing.T) {
	jdbctest.Each(t, func(t *testing.T, db *jdbctest.DB) {
		ctx := context.Background()
		d := db.Dialect
		q := func(s string) string {
			if d == jdbc.MySQL {
				return replaceQuotes(s)
			}
			return s
		}
		ts := "TIMESTAMP"
		if d == jdbc.MySQL {
			ts = "DATETIME(3)"
		}
		_, err := db.DB.ExecContext(ctx, q(`CREATE TABLE "types" ("i" INTEGER NOT NULL, "b" BIGINT, "n" NUMERIC(10,0), `+
			`"m" NUMERIC(8,2), "f" DOUBLE PRECISION, "s" VARCHAR(20), "t" `+ts+`)`))
		if err != nil && d == jdbc.MySQL {
			t.Fatal(err)
		}
		require.NoError(t, err)
		at := time.UnixMilli(1700000000123).UTC()
		ins := `INSERT INTO "types" VALUES (` + d.Placeholder(1) + `,` + d.Placeholder(2) + `,` + d.Placeholder(3) + `,` +
			d.Placeholder(4) + `,` + d.Placeholder(5) + `,` + d.Placeholder(6) + `,` + d.Placeholder(7) + `)`
		_, err = db.DB.ExecContext(ctx, q(ins), 7, int64(1)<<40, 1234567890, "12.50", 1.5, "héllo", d.BindTime(at, time.UTC))
		require.NoError(t, err)

		read := func(m jdbc.NumericMapping) ([]*connect.Schema, []any) {
			rows, err := db.DB.QueryContext(ctx, q(`SELECT * FROM "types"`))
			require.NoError(t, err)
			defer rows.Close()
			cts, err := rows.ColumnTypes()
			require.NoError(t, err)
			schemas := make([]*connect.Schema, len(cts))
			for i, ct := range cts {
				schemas[i], err = d.SourceSchema(ct, m)
				require.NoError(t, err, ct.Name())
			}
			require.True(t, rows.Next())
			raw := make([]any, len(cts))
			ptrs := make([]any, len(cts))
			for i := range raw {
				ptrs[i] = &raw[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			vals := make([]any, len(cts))
			for i := range raw {
				vals[i], err = d.SourceValue(raw[i], schemas[i], time.UTC)
				require.NoError(t, err, cts[i].Name())
			}
			return schemas, vals
		}
		schemas, vals := read(jdbc.NumericBestFit)
		require.Equal(t, connect.Int64Type, schemas[1].Type)
		require.True(t, schemas[1].Optional)
		require.Equal(t, int64(1)<<40, vals[1])
		require.Equal(t, connect.Int64Type, schemas[2].Type, "NUMERIC(10,0) with best_fit")
		require.Equal(t, int64(1234567890), vals[2])
		require.Equal(t, connect.Float64Type, schemas[3].Type, "NUMERIC(8,2) with best_fit")
		require.Equal(t, 12.5, vals[3])
		require.Equal(t, 1.5, vals[4])
		require.Equal(t, "héllo", vals[5])
		require.Equal(t, connect.LogicalTimestamp, schemas[6].Logical())
		require.True(t, at.Equal(vals[6].(time.Time)), "%v", vals[6])
		if d == jdbc.MySQL { // the others' drivers do not say whether a result column is nullable
			require.False(t, schemas[0].Optional)
		}

		schemas, vals = read(jdbc.NumericNone)
		require.Equal(t, connect.LogicalDecimal, schemas[2].Logical())
		require.Equal(t, "1234567890", vals[2].(connect.Decimal).String())
		require.Equal(t, connect.LogicalDecimal, schemas[3].Logical())
		require.Equal(t, "12.50", vals[3].(connect.Decimal).String())
	})
}

func replaceQuotes(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '"' {
			b[i] = '`'
		}
	}
	return string(b)
}
