package jdbc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/jdbc"
	"github.com/kconnect-go/kconnect/internal/version"
	"github.com/kconnect-go/kconnect/source"
)

// Class is the Kafka Connect class name of the connector, Confluent's.
const Class = "io.confluent.connect.jdbc.JdbcSourceConnector"

// Plugin describes the connector to a runtime.
func Plugin() source.Plugin {
	return source.Plugin{
		PluginInfo: connect.PluginInfo{
			Class:   Class,
			Aliases: []string{"JdbcSourceConnector"},
			Kind:    connect.SourcePlugin,
			Version: version.Kconnect(),
			Doc:     "Reads the rows of tables or of a query of PostgreSQL, MySQL, MariaDB or SQLite, as Confluent's JDBC source.",
			Config:  configDef,
		},
		New: func() source.Connector { return &connector{} },
	}
}

type connector struct {
	config map[string]string
	s      *settings
	cc     source.ConnectorContext
	db     *sql.DB
	cancel context.CancelFunc // ends the table monitor
	wg     sync.WaitGroup

	mu     sync.Mutex
	tables []string // qualified names, sorted
	absent []string // table.whitelist names no table has, last logged
}

// Start checks the configuration and, unless a query is set, lists the
// tables to copy, then looks for tables created or dropped every
// table.poll.interval.ms, asking for new task configurations when the
// list changes.
func (c *connector) Start(ctx context.Context, config map[string]string, cc source.ConnectorContext) error {
	s, err := parseSettings(config)
	if err != nil {
		return fmt.Errorf("JdbcSourceConnector: %w", err)
	}
	c.s, c.cc, c.config = s, cc, maps.Clone(config)
	if s.query != "" {
		return nil
	}
	log := slog.New(slog.DiscardHandler)
	if cc != nil {
		log = cc.Logger()
	}
	if c.db, err = open(ctx, s, log); err != nil {
		return fmt.Errorf("JdbcSourceConnector: %w", err)
	}
	if c.tables, err = c.list(ctx, log); err != nil {
		c.db.Close()
		return fmt.Errorf("JdbcSourceConnector: %w", err)
	}
	// The monitor ends at Stop at the latest, whether or not the runtime
	// has cancelled ctx by then.
	ctx, c.cancel = context.WithCancel(ctx)
	c.wg.Add(1)
	go c.monitor(ctx, log)
	return nil
}

// list returns the tables to copy, and warns (once until it changes) of
// the table.whitelist names no table has: those are waited for, and
// copied once created.
func (c *connector) list(ctx context.Context, log *slog.Logger) ([]string, error) {
	d := c.s.target.Dialect
	pattern := c.s.schema
	if d == jdbc.MySQL {
		pattern = c.s.catalog
	}
	all, err := d.Tables(ctx, c.db, pattern, c.s.types)
	if err != nil {
		return nil, err
	}
	var out []string
	found := map[string]bool{}
	for _, t := range all {
		if c.s.wanted(t) {
			out = append(out, t.Qualified)
			found[t.Qualified], found[t.Name], found[t.ID.String()] = true, true, true
		}
	}
	slices.Sort(out)
	var absent []string
	for _, n := range c.s.whitelist {
		if !found[n] {
			absent = append(absent, n)
		}
	}
	if !slices.Equal(absent, c.absent) && len(absent) > 0 {
		log.Warn("tables of table.whitelist do not exist; each is copied once it is created", "tables", absent,
			TablePollIntervalConfig, c.s.tablePoll.Milliseconds())
	}
	c.absent = absent
	return out, nil
}

func (c *connector) monitor(ctx context.Context, log *slog.Logger) {
	defer c.wg.Done()
	tick := time.NewTicker(c.s.tablePoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		tables, err := c.list(ctx, log)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("listing the tables failed; the tasks keep theirs", "error", err)
			}
			continue
		}
		c.mu.Lock()
		changed := !slices.Equal(tables, c.tables)
		c.tables = tables
		c.mu.Unlock()
		if changed && c.cc != nil {
			log.Info("the tables to copy changed", "tables", len(tables))
			c.cc.RequestTaskReconfiguration()
		}
	}
}

// TaskConfigs gives a query to one task, and spreads the tables
// round-robin over min(tables, maxTasks) tasks; a table is read by one
// task only.
func (c *connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	if c.s == nil {
		return nil, errors.New("JdbcSourceConnector: TaskConfigs called before Start")
	}
	if c.s.query != "" {
		return []map[string]string{maps.Clone(c.config)}, nil
	}
	c.mu.Lock()
	tables := slices.Clone(c.tables)
	c.mu.Unlock()
	n := min(len(tables), max(maxTasks, 1))
	groups := make([][]string, n)
	for i, t := range tables {
		groups[i%n] = append(groups[i%n], t)
	}
	out := make([]map[string]string, n)
	for i, g := range groups {
		out[i] = maps.Clone(c.config)
		out[i][tablesConfig] = strings.Join(g, "\n")
	}
	return out, nil
}

func (c *connector) NewTask() source.Task { return &task{} }

func (c *connector) Stop(context.Context) error {
	if c.cancel != nil {
		c.cancel()
	}
	c.wg.Wait()
	if c.db != nil {
		return c.db.Close()
	}
	return nil
}

// open connects, trying connection.attempts times connection.backoff.ms
// apart while the database cannot be reached, after warning of the URL's
// parameters the Go driver has no equivalent for.
func open(ctx context.Context, s *settings, log *slog.Logger) (*sql.DB, error) {
	return s.conn.Open(ctx, s.loc, log)
}
