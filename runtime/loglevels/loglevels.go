// Package loglevels changes a program's log levels while it runs, logger by
// logger, as Kafka Connect's /admin/loggers changes log4j's: a slog.Handler
// wrapper (Levels.Handler) decides which records pass by the level of the
// logger each comes from, and Levels reads and sets those levels by name.
//
// # Logger names
//
// slog has no named loggers, so a record's logger is named by the
// attributes its slog.Logger was given with With (never by a record's own
// attributes: slog asks Enabled before a record has any), read in order:
//
//   - "logger" (LoggerKey): a component's dot-separated name, appended to
//     the name so far ("kconnect.worker", then "kconnect.worker.offsets").
//   - "connector" (ConnectorKey): starts the name again at
//     "connector.<name>", so that a connector's lines, the runtime's about
//     it and its own, are under one name wherever its logger came from.
//   - "task" (TaskKey): appends "task.<number>", as in
//     "connector.orders.task.0".
//
// runtime/worker gives each connector's and task's logger the connector
// and task attributes, so a connector's level is set as "connector.<name>"
// and one task's as "connector.<name>.task.<n>". A logger with none of
// these attributes is the root logger, "root". Attributes added after
// WithGroup are qualified by the group and name nothing.
//
// # Levels
//
// As in log4j, a logger without a level of its own takes its nearest
// ancestor's ("a.b" is the parent of "a.b.c"; a name that contains dots of
// its own, as a connector's may, is split at them too), and root's when
// none has one. SetLevel gives the named logger and every logger below it
// that has been seen this level, as Kafka Connect does. Kafka's level names
// map to slog's levels: TRACE is slog.LevelDebug-4, DEBUG, INFO, WARN and
// ERROR are slog's, FATAL is slog.LevelError+4, OFF lets nothing through
// and ALL everything.
package loglevels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The attributes that name a record's logger (see the package doc).
const (
	LoggerKey    = "logger"
	ConnectorKey = "connector"
	TaskKey      = "task"
)

// Root is the name of the root logger, whose level applies to every logger
// without one of its own or of an ancestor; names are compared with it
// ignoring case, as log4j does.
const Root = "root"

// The slog levels of Kafka's TRACE and FATAL, which slog does not name.
const (
	LevelTrace = slog.LevelDebug - 4
	LevelFatal = slog.LevelError + 4
)

// levels are Kafka's (log4j's) level names, from the most to the least
// verbose.
var levels = []struct {
	name  string
	level slog.Level
}{
	{"ALL", math.MinInt},
	{"TRACE", LevelTrace},
	{"DEBUG", slog.LevelDebug},
	{"INFO", slog.LevelInfo},
	{"WARN", slog.LevelWarn},
	{"ERROR", slog.LevelError},
	{"FATAL", LevelFatal},
	{"OFF", math.MaxInt},
}

// ParseLevel returns the slog level of one of Kafka's level names (ALL,
// TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF), in any case.
func ParseLevel(name string) (slog.Level, bool) {
	for _, l := range levels {
		if strings.EqualFold(name, l.name) {
			return l.level, true
		}
	}
	return 0, false
}

// LevelName returns Kafka's name for the least verbose of its levels that
// lets through everything l does: slog.LevelInfo is "INFO", and so is
// slog.LevelInfo-2, which lets through no DEBUG record.
func LevelName(l slog.Level) string {
	for _, k := range levels {
		if k.level >= l {
			return k.name
		}
	}
	return "OFF"
}

// LoggerLevel is a logger's level as GET /admin/loggers shows it.
type LoggerLevel struct {
	// Level is Kafka's name of the logger's level, its own or inherited.
	Level string
	// LastModified is when SetLevel last changed the logger's level; zero
	// when it never has.
	LastModified time.Time
}

// MarshalJSON writes Kafka Connect's {"level":"INFO","last_modified":ms},
// last_modified null when the level was never changed.
func (l LoggerLevel) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(l.Level)
	if err != nil {
		return nil, err
	}
	out := append([]byte(`{"level":`), b...)
	out = append(out, `,"last_modified":`...)
	if l.LastModified.IsZero() {
		out = append(out, "null"...)
	} else {
		out = strconv.AppendInt(out, l.LastModified.UnixMilli(), 10)
	}
	return append(out, '}'), nil
}

// Levels holds the levels of a program's loggers. Its methods are safe for
// concurrent use; the zero value is not usable, call New.
type Levels struct {
	mu    sync.Mutex
	root  entry
	named map[string]*entry // every logger seen or set; root is not here
	gen   atomic.Uint64     // bumped on every change, so handlers know to look again
	now   func() time.Time
}

type entry struct {
	level    slog.Level
	own      bool // the level is the logger's own, not inherited
	modified time.Time
}

// New returns Levels whose root logger is at level root, slog.LevelInfo
// for the usual default.
func New(root slog.Level) *Levels {
	return &Levels{root: entry{level: root, own: true}, named: map[string]*entry{}, now: time.Now}
}

// Handler returns a handler that passes to next the records at or above
// the level of the logger they come from, and drops the others. It alone
// decides: next's own level (its Enabled) is not consulted, so next should
// be a handler that writes what it is given, such as slog.TextHandler or
// slog.JSONHandler, whatever its HandlerOptions.Level.
func (l *Levels) Handler(next slog.Handler) slog.Handler {
	return &handler{l: l, next: next}
}

// Level returns the level of a logger that has been seen (by Handler) or
// set, or of the root logger; false for any other name.
func (l *Levels) Level(name string) (LoggerLevel, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.EqualFold(name, Root) {
		return LoggerLevel{Level: LevelName(l.root.level), LastModified: l.root.modified}, true
	}
	e, ok := l.named[name]
	if !ok {
		return LoggerLevel{}, false
	}
	return LoggerLevel{Level: LevelName(l.effectiveLocked(name)), LastModified: e.modified}, true
}

// Levels returns the loggers that have a level of their own, and the root
// logger, by name, as GET /admin/loggers lists them.
func (l *Levels) Levels() map[string]LoggerLevel {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]LoggerLevel{Root: {Level: LevelName(l.root.level), LastModified: l.root.modified}}
	for name, e := range l.named {
		if e.own {
			out[name] = LoggerLevel{Level: LevelName(e.level), LastModified: e.modified}
		}
	}
	return out
}

// SetLevel sets the level of the logger namespace and of every logger seen
// below it, or with namespace "root" of every logger, to one of Kafka's
// level names (see ParseLevel), and returns their names, sorted, as PUT
// /admin/loggers/{name} answers. A logger already at that level keeps its
// last modification time, as in Kafka Connect. A namespace not seen yet is
// created. An unknown level name or an empty namespace is an error, and
// changes nothing.
func (l *Levels) SetLevel(namespace, level string) ([]string, error) {
	lvl, ok := ParseLevel(level)
	if !ok {
		return nil, fmt.Errorf("loglevels: invalid log level %q", level)
	}
	if namespace == "" {
		return nil, errors.New("loglevels: empty logger name")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	isRoot := strings.EqualFold(namespace, Root)
	var affected []string
	if !isRoot {
		if _, ok := l.named[namespace]; !ok {
			l.named[namespace] = &entry{}
		}
	}
	for name := range l.named {
		if isRoot || name == namespace || strings.HasPrefix(name, namespace+".") {
			affected = append(affected, name)
		}
	}
	// Each is compared with its level before any is changed, children
	// before root, as Kafka Connect does.
	slices.Sort(affected)
	var changes []string
	for _, name := range affected {
		if l.effectiveLocked(name) != lvl {
			changes = append(changes, name)
		}
	}
	for _, name := range changes {
		*l.named[name] = entry{level: lvl, own: true, modified: now}
	}
	if isRoot {
		if l.root.level != lvl {
			l.root = entry{level: lvl, own: true, modified: now}
		}
		affected = append(affected, Root)
		slices.Sort(affected)
	}
	l.gen.Add(1)
	return affected, nil
}

// effectiveLocked returns the level of name: its own, its nearest
// ancestor's, or root's.
func (l *Levels) effectiveLocked(name string) slog.Level {
	for n := name; n != ""; {
		if e, ok := l.named[n]; ok && e.own {
			return e.level
		}
		i := strings.LastIndexByte(n, '.')
		if i < 0 {
			break
		}
		n = n[:i]
	}
	return l.root.level
}

// see records that a logger of this name exists, so that it is listed and
// set by name.
func (l *Levels) see(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.named[name]; !ok {
		l.named[name] = &entry{}
		l.gen.Add(1)
	}
}

// level returns the level of name ("" for root), at the cost of a lock only
// when a level changed since the handler last asked.
func (l *Levels) level(name string, cache *atomic.Pointer[cached]) slog.Level {
	gen := l.gen.Load()
	if c := cache.Load(); c != nil && c.gen == gen {
		return c.level
	}
	l.mu.Lock()
	lvl := l.root.level
	if name != "" {
		lvl = l.effectiveLocked(name)
	}
	l.mu.Unlock()
	cache.Store(&cached{gen: gen, level: lvl})
	return lvl
}

type cached struct {
	gen   uint64
	level slog.Level
}

// handler is Levels.Handler: next, filtered by the level of logger name.
type handler struct {
	l       *Levels
	next    slog.Handler
	name    string // "" for root
	grouped bool   // attributes no longer name the logger
	cache   atomic.Pointer[cached]
}

func (h *handler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.l.level(h.name, &h.cache)
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	// A handler wrapping this one may call Handle without asking Enabled.
	if r.Level < h.l.level(h.name, &h.cache) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	name := h.name
	if !h.grouped {
		for _, a := range attrs {
			switch a.Key {
			case LoggerKey:
				name = join(name, a.Value.String())
			case ConnectorKey:
				name = "connector." + a.Value.String()
			case TaskKey:
				name = join(name, "task."+a.Value.String())
			}
		}
		if name != h.name {
			h.l.see(name)
		}
	}
	return &handler{l: h.l, next: h.next.WithAttrs(attrs), name: name, grouped: h.grouped}
}

func (h *handler) WithGroup(group string) slog.Handler {
	if group == "" {
		return h
	}
	return &handler{l: h.l, next: h.next.WithGroup(group), name: h.name, grouped: true}
}

func join(name, more string) string {
	if name == "" {
		return more
	}
	if more == "" {
		return name
	}
	return name + "." + more
}
