package postgrescdc

import "testing"

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
