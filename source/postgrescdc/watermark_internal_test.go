package postgrescdc

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

func TestParsePgSnapshot(t *testing.T) {
	for in, want := range map[string]pgSnapshot{
		"748:748:":               {748, 748},
		"748:752:748,750":        {748, 752},
		"4294967300:4294967302:": {4294967300, 4294967302},
	} {
		got, err := parsePgSnapshot(in)
		if err != nil || got != want {
			t.Errorf("parsePgSnapshot(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "748", "748:747:", "x:1:", "1:y:"} {
		if got, err := parsePgSnapshot(in); err == nil {
			t.Errorf("parsePgSnapshot(%q) = %v, want an error", in, got)
		}
	}
}

// TestXidBefore: the 32-bit ids pgoutput sends compare with the 64-bit
// watermarks' low halves modulo 2^32, so that the window works across
// the id's wraparound.
func TestXidBefore(t *testing.T) {
	for _, c := range []struct {
		a    uint32
		b    uint64
		want bool
	}{
		{100, 101, true},
		{101, 101, false},
		{102, 101, false},
		{0xFFFFFFF0, 1<<32 + 5, true}, // before the wrap, the watermark after it
		{3, 1<<32 - 16, false},        // after the wrap, the watermark before it
		{7, 2<<32 + 9, true},          // a later epoch
		{1<<31 + 9, 10, false},        // just under half the id space ahead
	} {
		if got := xidBefore(c.a, uint32(c.b)); got != c.want {
			t.Errorf("xidBefore(%d, %d) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestReadOnlyWindow: at the start of each transaction the stream sends,
// a read-only chunk's window opens from the low watermark's xmin on, and
// the chunk is sent (the window closed) at a transaction whose id is not
// before the high watermark's xmax or whose commit is at or past its WAL
// position; a keepalive between transactions at or past that position
// sends it too, one inside a transaction does not.
func TestReadOnlyWindow(t *testing.T) {
	const highLSN = 5000
	low := pgSnapshot{xmin: 1<<32 + 100, xmax: 1<<32 + 110}
	high := pgSnapshot{xmin: 1<<32 + 104, xmax: 1<<32 + 120}
	type begin struct {
		xid      uint32
		finalLSN uint64
	}
	for _, c := range []struct {
		name     string
		begins   []begin
		open     bool
		closedAt int // the begin that sent the chunk; -1: none
	}{
		{"before the low xmin", []begin{{99, 4000}}, false, -1},
		{"at the low xmin", []begin{{100, 4000}}, true, -1},
		{"in the window, then before the high xmax", []begin{{99, 4000}, {105, 4100}, {119, 4200}}, true, -1},
		{"at the high xmax", []begin{{105, 4000}, {120, 4100}}, false, 1},
		{"past the high WAL position", []begin{{101, 4000}, {102, highLSN}}, false, 1},
		{"an id before the wraparound", []begin{{0xFFFFFFF0, 4000}}, false, -1},
		{"the watermarks an epoch on", []begin{{120, 4000}}, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := readOnlyState(low, high, highLSN)
			closedAt := -1
			for i, b := range c.begins {
				if err := st.windowAtBegin(context.Background(), b.xid, b.finalLSN); err != nil {
					t.Fatal(err)
				}
				if closedAt < 0 && st.t.incr.window == "" {
					closedAt = i
				}
			}
			if closedAt != c.closedAt || st.t.incr.open != c.open {
				t.Fatalf("sent at begin %d (want %d), window open %v (want %v)", closedAt, c.closedAt, st.t.incr.open, c.open)
			}
		})
	}

	st := readOnlyState(low, high, highLSN)
	st.inTx, st.walEnd = true, highLSN
	if err := st.windowAtKeepalive(context.Background()); err != nil || st.t.incr.window == "" {
		t.Fatalf("a keepalive inside a transaction sent the chunk (%v)", err)
	}
	st.inTx, st.walEnd = false, highLSN-1
	if err := st.windowAtKeepalive(context.Background()); err != nil || st.t.incr.window == "" {
		t.Fatalf("a keepalive before the high WAL position sent the chunk (%v)", err)
	}
	st.walEnd = highLSN
	if err := st.windowAtKeepalive(context.Background()); err != nil || st.t.incr.window != "" {
		t.Fatalf("a keepalive at the high WAL position did not send the chunk (%v)", err)
	}
}

// readOnlyState is a stream with a read-only chunk of no rows in flight,
// which is the table's last.
func readOnlyState(low, high pgSnapshot, highLSN uint64) *streamState {
	in := &incremental{collections: []string{"public.t"}}
	in.setChunk("read-only", &table{}, nil, 10)
	in.readOnly, in.low, in.high, in.highLSN = true, low, high, highLSN
	return &streamState{t: &task{s: &settings{chunkSize: 10}, log: slog.New(slog.NewTextHandler(io.Discard, nil)), incr: in}}
}
