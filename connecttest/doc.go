// Package connecttest is a conformance kit for connector authors: run it
// from a Go test to check a source or sink connector against the contracts
// of packages source and sink, as kconnect's runtime relies on them.
//
// A source connector's test gives Source the plugin, a function returning a
// fresh valid configuration, and a function making records available:
//
//	func TestConformance(t *testing.T) {
//		connecttest.Source(t, connecttest.SourceSpec{
//			Plugin: mysource.Plugin(),
//			Config: func(t testing.TB) map[string]string {
//				return map[string]string{"table": newTable(t), "topic": "t"}
//			},
//			Produce: func(t testing.TB, cfg map[string]string, n int) {
//				insertRows(t, cfg["table"], n)
//			},
//		})
//	}
//
// and a sink connector's test gives Sink a way to read back what it wrote:
//
//	connecttest.Sink(t, connecttest.SinkSpec{
//		Plugin:   mysink.Plugin(),
//		Config:   func(t testing.TB) map[string]string { ... },
//		ReadBack: func(t testing.TB, cfg map[string]string) []any { ... },
//	})
//
// Each check is a sub-test (see Source and Sink for the list): the
// plugin's description and ConfigDef (Spec/...), TaskConfigs and tasks.max,
// reading everything, resuming from committed offsets with nothing lost or
// repeated, writing and reading back in partition order, stopping promptly
// when a context is cancelled, and leaving no goroutine behind. A spec's Skip
// field names checks that do not apply. The kit waits for events where
// the contract offers one and otherwise polls within a deadline, so a
// failing connector fails the test rather than hanging it; a Poll or Put
// that never returns is reported and abandoned.
//
// The fakes the kit drives connectors with are exported for authors' own
// tests: Offsets (committed source offsets), ConnectorContext,
// SourceTaskContext and SinkTaskContext.
//
// The kit depends on the standard library and kconnect's contract packages
// only. Its goroutine-leak check compares the goroutines running before and
// after a run, ignoring the test framework's own; other tests running in
// parallel and starting goroutines meanwhile would be reported, so do not
// call Source or Sink from a parallel test.
package connecttest
