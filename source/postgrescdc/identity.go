package postgrescdc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
)

// replicaIdentities are Debezium's descriptions of what the before-image
// of an update or delete holds under each REPLICA IDENTITY.
var replicaIdentities = map[string][2]string{
	"n": {"NOTHING", "UPDATE and DELETE events will not contain any old values"},
	"f": {"FULL", "UPDATE AND DELETE events will contain the previous values of all the columns"},
	"d": {"DEFAULT", "UPDATE and DELETE events will contain previous values only for PK columns"},
	"i": {"INDEX", "UPDATE and DELETE events will contain previous values only for columns present in the REPLICA IDENTITY index"},
}

// identity is what the catalog says of a table's REPLICA IDENTITY.
type identity struct {
	kind       string // pg_class.relreplident: d, n, f or i
	pk         bool   // the table has a primary key
	identIndex bool   // an index is marked as its replica identity
	// candidate is a unique index that could be the replica identity
	// (not partial, not deferrable, its columns NOT NULL), "" for none.
	candidate string
	// columns are the table's; identCols those whose old values a
	// delete, or an update of them, carries under DEFAULT or USING INDEX.
	columns, identCols []string
}

// identifies says whether PostgreSQL can identify the table's rows in
// UPDATE and DELETE changes: without it, while a publication publishes
// updates or deletes of the table, PostgreSQL refuses them ("cannot update
// table ... because it does not have a replica identity and publishes
// updates"). An index dropped after it was made the identity leaves the
// table as under NOTHING.
func (id identity) identifies() bool {
	return id.kind == "f" || id.kind == "d" && id.pk || id.kind == "i" && id.identIndex
}

const identitySQL = `SELECT c.oid, c.relreplident::text,
	EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
	EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident),
	coalesce((SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
		WHERE i.indrelid = c.oid AND i.indisunique AND i.indimmediate AND i.indisvalid
			AND i.indpred IS NULL AND i.indexprs IS NULL
			AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) k JOIN pg_attribute a
				ON a.attrelid = c.oid AND a.attnum = k WHERE NOT a.attnotnull)
		ORDER BY ic.relname LIMIT 1)::text, ''),
	ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
	ARRAY(SELECT a.attname::text FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) k(n)
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.n
		WHERE i.indrelid = c.oid AND CASE c.relreplident WHEN 'd' THEN i.indisprimary WHEN 'i' THEN i.indisreplident ELSE false END)
	FROM pg_class c WHERE c.oid = ANY($1)`

// identities reads the replica identity of tables by OID; a table
// dropped meanwhile is missing from the answer.
func (c *catalog) identities(ctx context.Context, oids []uint32) (map[uint32]identity, error) {
	rows, err := c.conn.Query(ctx, identitySQL, oids)
	if err != nil {
		return nil, fmt.Errorf("reading the replica identity of the captured tables: %w", err)
	}
	got := map[uint32]identity{}
	var (
		oid uint32
		id  identity
	)
	if _, err := pgx.ForEachRow(rows, []any{&oid, &id.kind, &id.pk, &id.identIndex, &id.candidate, &id.columns, &id.identCols}, func() error {
		got[oid] = id
		return nil
	}); err != nil {
		return nil, fmt.Errorf("reading the replica identity of the captured tables: %w", err)
	}
	return got, nil
}

// unidentified is a captured table whose changes cannot all be captured.
type unidentified struct {
	name string
	id   identity
}

// identityError is the failure of a start, or of the stream at a Relation
// message, when captured tables published with their updates or deletes
// have no primary key, no message.key.columns entry and a REPLICA
// IDENTITY that identifies no row.
type identityError struct {
	publication string
	tables      []unidentified
	keys        []keyOutside
}

// keyOutside is a captured table whose record key has columns outside
// its replica identity.
type keyOutside struct {
	name         string
	id           identity
	key, missing []string
	custom       bool // the key is message.key.columns'
}

func (e *identityError) Error() string {
	var parts []string
	if len(e.tables) > 0 {
		parts = append(parts, e.tablesText())
	}
	for _, k := range e.keys {
		from := "its primary key or unique index"
		if k.custom {
			from = MessageKeyColumnsConfig
		}
		parts = append(parts, fmt.Sprintf("the record key of %s (%s, from %s) has columns outside its REPLICA IDENTITY "+
			"%s (%s): PostgreSQL writes the old values of those columns only, so the key of a delete and of its tombstone, "+
			"and the old key of an update that changes the identity, would lack %s, and an update of %s alone would leave "+
			"the old key in place. ALTER TABLE %s REPLICA IDENTITY FULL (or USING INDEX a unique index on the key's columns), "+
			"or key it by columns of its identity (%s)",
			k.name, strings.Join(k.key, ", "), from, replicaIdentities[k.id.kind][0], strings.Join(k.id.identCols, ", "),
			strings.Join(k.missing, ", "), strings.Join(k.missing, ", "), k.name, MessageKeyColumnsConfig))
	}
	return strings.Join(parts, "; ")
}

func (e *identityError) tablesText() string {
	var b strings.Builder
	for i, u := range e.tables {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (REPLICA IDENTITY %s", u.name, replicaIdentities[u.id.kind][0])
		if u.id.kind == "i" {
			b.WriteString(" whose index has been dropped")
		}
		if u.id.candidate != "" {
			fmt.Fprintf(&b, "; ALTER TABLE %s REPLICA IDENTITY USING INDEX %s would do", u.name, quoteIdent(u.id.candidate))
		}
		b.WriteString(")")
	}
	return fmt.Sprintf("captured tables without a primary key whose REPLICA IDENTITY identifies no row: %s. While "+
		"publication %q (%s) publishes them, PostgreSQL refuses their UPDATEs and DELETEs (\"cannot update table ... "+
		"because it does not have a replica identity\"), so those changes cannot be captured. For each, add a primary "+
		"key, or ALTER TABLE ... REPLICA IDENTITY FULL (or USING INDEX a unique index), or, for a table only ever "+
		"inserted into, name its key columns in %s; or leave it out with %s",
		b.String(), e.publication, PublicationNameConfig, MessageKeyColumnsConfig, TableExcludeListConfig)
}

// quoteIdent quotes a name for SQL only where it needs it.
func quoteIdent(name string) string {
	for i, c := range name {
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && (c >= '0' && c <= '9' || c == '$')) {
			return pgx.Identifier{name}.Sanitize()
		}
	}
	return name
}

// publicationScope works out, before the publication is created or
// altered, which captured tables it will publish with their updates or
// deletes: all, or those named in in. ok false: none (it publishes
// neither, or it is missing and will not be created).
func (t *task) publicationScope(ctx context.Context) (in map[string]bool, ok bool, err error) {
	var all, changes bool
	err = t.conn.QueryRow(ctx, "SELECT puballtables, pubupdate OR pubdelete FROM pg_publication WHERE pubname = $1",
		t.s.publication).Scan(&all, &changes)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		// Created FOR ALL TABLES or for the captured ones, publishing
		// everything; in disabled mode the start fails on it anyway.
		return nil, t.s.autocreate != "disabled", nil
	case err != nil:
		return nil, false, fmt.Errorf("looking for publication %q: %w", t.s.publication, err)
	case !changes:
		return nil, false, nil
	case all || t.s.autocreate == "filtered":
		return nil, true, nil
	}
	published, err := t.publicationTables(ctx)
	if err != nil {
		return nil, false, err
	}
	in = map[string]bool{}
	for _, p := range published {
		in[p] = true
	}
	return in, true, nil
}

// checkReplicaIdentity logs the REPLICA IDENTITY of each captured table,
// as Debezium does when it starts streaming, and fails when a captured
// table the publication is to publish with its updates or deletes has no
// primary key, no message.key.columns entry and a replica identity that
// identifies no row, or a record key with columns outside its identity.
// It runs before the publication is created or altered, so that a start
// that fails has not made PostgreSQL refuse the table's UPDATEs and
// DELETEs.
func (t *task) checkReplicaIdentity(ctx context.Context) error {
	in, publishes, err := t.publicationScope(ctx)
	if err != nil {
		return err
	}
	// Also for the tables created later, whose Relation messages
	// checkRelation checks.
	t.pubChanges = publishes
	tables, err := t.cat.capturedTables(ctx)
	if err != nil || len(tables) == 0 {
		return err
	}
	oids := make([]uint32, len(tables))
	for i, tb := range tables {
		oids[i] = tb.oid
	}
	ids, err := t.cat.identities(ctx, oids)
	if err != nil {
		return err
	}
	bad := &identityError{publication: t.s.publication}
	for _, tb := range tables {
		id, ok := ids[tb.oid]
		if !ok {
			continue // dropped meanwhile
		}
		name := tb.schema + "." + tb.name
		d := replicaIdentities[id.kind]
		t.log.Info(fmt.Sprintf("REPLICA IDENTITY for '%s' is '%s'; %s", name, d[0], d[1]))
		if !publishes || in != nil && !in[name] {
			continue
		}
		if u := t.unidentified(tb.schema, tb.name, id); u != nil {
			bad.tables = append(bad.tables, *u)
		}
		k, err := t.keyOutside(ctx, tb.oid, tb.schema, tb.name, id)
		if err != nil {
			return err
		}
		if k != nil {
			bad.keys = append(bad.keys, *k)
		}
	}
	if len(bad.tables) > 0 || len(bad.keys) > 0 {
		return bad
	}
	return nil
}

// keyOutside says whether the record key of a published table has
// columns outside its replica identity, which identifies rows but not
// under FULL (nil when it has not, or no key): the old values of those
// columns are not in the WAL.
func (t *task) keyOutside(ctx context.Context, oid uint32, schema, name string, id identity) (*keyOutside, error) {
	if id.kind == "f" || !id.identifies() {
		return nil, nil
	}
	var key []string
	custom := t.s.keyColumnsOf(schema, name)
	switch {
	case custom != nil:
		// In the table's order, as the key schema has them.
		for _, c := range id.columns {
			if slices.Contains(custom, c) {
				key = append(key, c)
			}
		}
	case id.kind == "d":
		return nil, nil // the primary key is the identity
	default:
		var err error
		if key, err = t.cat.keyNames(ctx, oid); err != nil {
			return nil, fmt.Errorf("reading the primary key of %s.%s: %w", schema, name, err)
		}
	}
	var missing []string
	for _, k := range key {
		if !slices.Contains(id.identCols, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	return &keyOutside{name: schema + "." + name, id: id, key: key, missing: missing, custom: custom != nil}, nil
}

// unidentified says whether a published table's changes cannot all be
// captured (nil when they can). A table whose records have a key (a
// primary key, or message.key.columns) under an identity that identifies
// no row is taken, with a warning, as one only ever inserted into: the
// identity was chosen (NOTHING) or the key named for it.
func (t *task) unidentified(schema, name string, id identity) *unidentified {
	if id.identifies() {
		return nil
	}
	full := schema + "." + name
	if id.pk || t.s.keyColumnsOf(schema, name) != nil {
		t.log.Warn("PostgreSQL refuses the UPDATEs and DELETEs of this table while the publication publishes them, "+
			"as its REPLICA IDENTITY identifies no row: only its inserts and truncates are captured",
			"table", full, "replica_identity", replicaIdentities[id.kind][0], "publication", t.s.publication,
			"key_columns", t.s.keyColumnsOf(schema, name))
		return nil
	}
	return &unidentified{name: full, id: id}
}

// checkRelation checks a captured table whose Relation message says that
// its replica identity identifies no row, or whose key may have columns
// outside it (a table created or altered while the task streams), as the
// start checks the tables there are: the catalog, read now, decides, so
// that a table fixed since the change was written passes once the task
// is restarted. (A change written before the fix whose old row lacks the
// key's values still fails: see change.)
func (t *task) checkRelation(ctx context.Context, m *pglogrepl.RelationMessage) error {
	if !t.pubChanges || m.ReplicaIdentity == 'f' {
		return nil
	}
	identified := false
	for _, c := range m.Columns {
		identified = identified || c.Flags&1 != 0 // part of the replica identity
	}
	custom := t.s.keyColumnsOf(m.Namespace, m.RelationName) != nil
	if identified && m.ReplicaIdentity != 'n' && !custom && m.ReplicaIdentity != 'i' {
		return nil
	}
	ids, err := t.cat.identities(ctx, []uint32{m.RelationID})
	if err != nil {
		return err
	}
	id, ok := ids[m.RelationID]
	if !ok {
		return nil // dropped meanwhile
	}
	if u := t.unidentified(m.Namespace, m.RelationName, id); u != nil {
		return &identityError{publication: t.s.publication, tables: []unidentified{*u}}
	}
	k, err := t.keyOutside(ctx, m.RelationID, m.Namespace, m.RelationName, id)
	if err != nil || k == nil {
		return err
	}
	return &identityError{publication: t.s.publication, keys: []keyOutside{*k}}
}

// warnAllTables warns, before a publication FOR ALL TABLES is created, of
// the tables not captured whose UPDATEs and DELETEs PostgreSQL will then
// refuse, their replica identity identifying no row: the publication
// publishes them too. (Captured ones were checked already.)
func (t *task) warnAllTables(ctx context.Context) error {
	rows, err := t.conn.Query(ctx, `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
			AND (c.relreplident = 'n'
				OR c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
				OR c.relreplident = 'i' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident))
		ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("looking for tables without a replica identity: %w", err)
	}
	var others []string
	var schema, name string
	if _, err := pgx.ForEachRow(rows, []any{&schema, &name}, func() error {
		if !t.s.captured(schema, name) {
			others = append(others, schema+"."+name)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("looking for tables without a replica identity: %w", err)
	}
	if len(others) > 0 {
		t.log.Warn("the publication created FOR ALL TABLES makes PostgreSQL refuse the UPDATEs and DELETEs of tables "+
			"not captured whose REPLICA IDENTITY identifies no row; "+PublicationAutocreateConfig+"=filtered publishes "+
			"the captured tables only", "publication", t.s.publication, "tables", others)
	}
	return nil
}
