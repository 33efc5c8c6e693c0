// Package transform holds Kafka Connect's single message transforms (SMTs)
// and predicates, configured exactly as in a Kafka Connect connector config,
// and the Chain that applies them.
//
// A Transformation takes a record and returns a new one, or drops it; a
// Predicate decides whether a transform applies to a record. Both are tiny
// interfaces in the spirit of net/http's Handler, with Func and PredicateFunc
// adapters for the cases a type would be too much.
//
// # Concurrency
//
// A configured Transformation or Predicate may be called from many goroutines
// at once (one per task), so implementations must be safe for concurrent
// use; the built-in ones are. Schema-changing transforms cache the schemas
// they derive, keyed by the input *connect.Schema, so their per-record cost
// stays flat.
//
// # Records
//
// Records are values. Apply receives its own copy and returns a (possibly
// modified) copy; headers are copy-on-write, so a transform cannot change the
// headers of its caller's record. Keys and values (structs, maps, slices)
// are shared: build new ones rather than modifying them.
package transform

import "github.com/kconnect-go/kconnect/connect"

// Transformation changes one record at a time.
type Transformation interface {
	// Apply returns the transformed record and true, or false to drop the
	// record. An error about the record's data should be a
	// *connect.DataError naming the transform and the field; the runtime
	// adds the record's position and routes it by errors.tolerance.
	Apply(r connect.Record) (connect.Record, bool, error)
}

// Predicate tests a record, to decide whether a transform applies to it.
type Predicate interface {
	Test(r *connect.Record) bool
}

// Func adapts a function to a Transformation.
type Func func(r connect.Record) (connect.Record, bool, error)

// Apply calls f.
func (f Func) Apply(r connect.Record) (connect.Record, bool, error) { return f(r) }

// PredicateFunc adapts a function to a Predicate.
type PredicateFunc func(r *connect.Record) bool

// Test calls f.
func (f PredicateFunc) Test(r *connect.Record) bool { return f(r) }

// Closer is implemented by transformations and predicates that hold
// resources. The runtime builds a Chain for each task and closes it
// (Chain.Close) when the task has stopped, whatever stopped it (a stop,
// restart, pause, reconfiguration, update or delete of its connector, the
// worker closing, or the task failing, its Start included); a chain built
// only to check a connector's configuration is closed right after, and
// ParseChain closes what it built when it fails. Each Transformation and
// Predicate the runtime creates is so closed once, and never while in
// use: a task abandoned for ignoring its context may still be applying its
// chain in its stuck goroutine, so that chain is closed only when the
// goroutine returns, and never if it never does.
type Closer interface {
	Close() error
}

// Plugin describes a Transformation implementation to a runtime: its Kafka
// Connect class name (e.g. "org.apache.kafka.connect.transforms.InsertField$Value"),
// aliases, configuration, and a constructor taking the transform's keys with
// the "transforms.<alias>." prefix removed.
type Plugin struct {
	connect.PluginInfo
	New func(config map[string]string) (Transformation, error)
}

// Info returns the plugin's description.
func (p Plugin) Info() connect.PluginInfo { return p.PluginInfo }

// PredicatePlugin describes a Predicate implementation to a runtime.
type PredicatePlugin struct {
	connect.PluginInfo
	New func(config map[string]string) (Predicate, error)
}

// Info returns the plugin's description.
func (p PredicatePlugin) Info() connect.PluginInfo { return p.PluginInfo }
