package jdbc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoCopy marks a bulk load the database refuses for the table itself
// (PostgreSQL copies into no view): a statement may still write to it.
var ErrNoCopy = errors.New("the table takes no COPY")

// CanCopy reports whether the dialect bulk-loads rows with CopyFrom
// (PostgreSQL's COPY).
func (d *Dialect) CanCopy() bool { return d.copyFrom != nil }

// CopyFrom writes rows into table t's columns cols through the database's
// bulk load, on conn and within the transaction open on it, so the rows
// commit or roll back with it. Each row holds the values Bind returned,
// in the order of cols. One bad row fails the whole load, as a statement
// of several rows does. With Never, the names are folded as the database
// folds a bare identifier, so the load reaches the table an INSERT would.
func (d *Dialect) CopyFrom(ctx context.Context, conn *sql.Conn, t TableID, cols []string, rows [][]any, q Quoting) error {
	if d.copyFrom == nil || d.foldBare == nil {
		return fmt.Errorf("%s has no bulk load", d.Name)
	}
	fold := func(s string) (string, error) {
		if q == Never {
			if !plainIdent(s) {
				return "", fmt.Errorf("identifier %q cannot be written unquoted (quote.sql.identifiers=never)", s)
			}
			return d.foldBare(s), nil
		}
		if s == "" || strings.IndexByte(s, 0) >= 0 {
			return "", fmt.Errorf("identifier %q is empty or holds a NUL character", s)
		}
		return s, nil
	}
	var err error
	if t.Name, err = fold(t.Name); err != nil {
		return err
	}
	if t.Schema != "" {
		if t.Schema, err = fold(t.Schema); err != nil {
			return err
		}
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		if names[i], err = fold(c); err != nil {
			return err
		}
	}
	return conn.Raw(func(dc any) error { return d.copyFrom(ctx, dc, t, names, rows) })
}

// pgCopyFrom is COPY … FROM STDIN (BINARY) through pgx's connection under
// database/sql's.
func pgCopyFrom(ctx context.Context, dc any, t TableID, cols []string, rows [][]any) error {
	c, ok := dc.(interface{ Conn() *pgx.Conn })
	if !ok {
		return fmt.Errorf("COPY needs a pgx connection, not a %T", dc)
	}
	table := pgx.Identifier{t.Name}
	if t.Schema != "" {
		table = pgx.Identifier{t.Schema, t.Name}
	}
	n, err := c.Conn().CopyFrom(ctx, table, cols, pgx.CopyFromRows(rows))
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42809" { // wrong_object_type: a view
		return fmt.Errorf("%w: %w", ErrNoCopy, err)
	}
	if err != nil {
		return err
	}
	if n != int64(len(rows)) {
		return errors.New("COPY wrote " + fmt.Sprint(n) + " rows of " + fmt.Sprint(len(rows)))
	}
	return nil
}
