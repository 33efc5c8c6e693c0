package connectproto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMatchesKafka encodes and decodes every case of testdata/cases.txt
// and compares with what Kafka 4.4's own classes produced for it
// (testdata/golden.txt; testdata/jvm/README.md says how to regenerate it).
func TestMatchesKafka(t *testing.T) {
	cases := readLines(t, "testdata/cases.txt", true)
	golden := readLines(t, "testdata/golden.txt", false)
	require.Len(t, golden, len(cases), "golden.txt is stale: regenerate it (testdata/jvm/README.md)")
	for i, c := range cases {
		f := strings.Split(c, "\t")
		var got string
		switch f[0] {
		case "assign":
			v := Version(atoi(t, f[1]))
			b, err := AppendAssignment(nil, v, parseAssignment(t, f[2:]))
			require.NoError(t, err, c)
			got = hex.EncodeToString(b)
		case "meta":
			v := Version(atoi(t, f[1]))
			s := WorkerState{URL: f[2], ConfigOffset: int64(atoi(t, f[3]))}
			if f[4] != "-" {
				s.Assignment = parseAssignment(t, f[4:])
			}
			b, err := AppendMetadata(nil, v, s)
			require.NoError(t, err, c)
			got = hex.EncodeToString(b)
		case "decode-assign":
			a, err := DecodeAssignment(unhex(t, f[1]))
			if err != nil {
				got = "ERROR"
			} else {
				got = a.String()
			}
		case "decode-meta":
			s, _, err := DecodeMetadata(unhex(t, f[1]))
			if err != nil {
				got = "ERROR"
			} else {
				got = s.String()
			}
		default:
			t.Fatalf("unknown case kind: %s", c)
		}
		require.Equal(t, golden[i], got, "case %d: %s", i+1, c)
	}
}

func readLines(t testing.TB, name string, skipComments bool) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if skipComments && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// parseAssignment reads ERROR LEADER LEADER_URL OFFSET CONNECTORS TASKS
// REVOKED_CONNECTORS REVOKED_TASKS DELAY.
func parseAssignment(t *testing.T, f []string) *Assignment {
	t.Helper()
	names := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	tasks := func(s string) []TaskID {
		var out []TaskID
		for _, x := range names(s) {
			i := strings.LastIndexByte(x, ':')
			out = append(out, TaskID{Connector: x[:i], Task: int32(atoi(t, x[i+1:]))})
		}
		return out
	}
	return &Assignment{Error: int16(atoi(t, f[0])), Leader: f[1], LeaderURL: f[2], ConfigOffset: atoi(t, f[3]),
		Connectors: names(f[4]), Tasks: tasks(f[5]), RevokedConnectors: names(f[6]), RevokedTasks: tasks(f[7]),
		Delay: int32(atoi(t, f[8]))}
}

func TestRoundTrip(t *testing.T) {
	a := &Assignment{Error: ConfigMismatch, Leader: "l", LeaderURL: "http://l/", ConfigOffset: 3,
		Connectors: []string{"a", "b"}, Tasks: []TaskID{{"a", 0}, {"c", 2}},
		RevokedConnectors: []string{"d"}, RevokedTasks: []TaskID{{"d", 1}}, Delay: 10}
	for _, v := range []Version{V0, V1, V2} {
		b, err := AppendAssignment(nil, v, a)
		require.NoError(t, err)
		got, err := DecodeAssignment(b)
		require.NoError(t, err)
		want := *a
		want.Version = v
		if v == V0 {
			want.RevokedConnectors, want.RevokedTasks, want.Delay = nil, nil, 0
		}
		require.Equal(t, want, got)

		m, err := AppendMetadata(nil, v, WorkerState{URL: "http://w/", ConfigOffset: 8, Assignment: a})
		require.NoError(t, err)
		s, mv, err := DecodeMetadata(m)
		require.NoError(t, err)
		require.Equal(t, v, mv)
		require.Equal(t, "http://w/", s.URL)
		require.EqualValues(t, 8, s.ConfigOffset)
		if v == V0 {
			require.Nil(t, s.Assignment, "version 0 metadata carries no assignment")
		} else {
			require.Equal(t, want, *s.Assignment)
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	long := strings.Repeat("x", 1<<15)
	_, err := AppendAssignment(nil, V1, &Assignment{Leader: long})
	require.ErrorContains(t, err, "leader is 32768 bytes")
	_, err = AppendMetadata(nil, V2, WorkerState{URL: long})
	require.ErrorContains(t, err, "url is 32768 bytes")
	_, err = AppendAssignment(nil, V1, &Assignment{Connectors: []string{long}})
	require.ErrorContains(t, err, "connector name")
	_, err = AppendAssignment(nil, 3, &Assignment{})
	require.ErrorContains(t, err, "unknown protocol version 3")
}

func TestDecodeErrors(t *testing.T) {
	_, err := DecodeAssignment(nil)
	require.ErrorIs(t, err, ErrTruncated)
	_, err = DecodeAssignment([]byte{0xff, 0xff})
	require.ErrorContains(t, err, "unsupported protocol version -1")
	_, _, err = DecodeMetadata([]byte{0, 1, 0, 1, 'u', 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9})
	require.ErrorIs(t, err, ErrTruncated)
}

func TestNames(t *testing.T) {
	for _, c := range []struct {
		v          Version
		name, mode string
	}{{V0, "default", "eager"}, {V1, "compatible", "compatible"}, {V2, "sessioned", "sessioned"}} {
		require.Equal(t, c.name, c.v.Name())
		v, ok := ByName(strings.ToUpper(c.name))
		require.True(t, ok)
		require.Equal(t, c.v, v)
		v, ok = ByMode(strings.ToUpper(c.mode))
		require.True(t, ok)
		require.Equal(t, c.v, v)
	}
	_, ok := ByName("eager")
	require.False(t, ok, "eager is a mode, its protocol is named default")

	names, metas, err := Metadata(V2, WorkerState{URL: "u", ConfigOffset: 1})
	require.NoError(t, err)
	require.Equal(t, []string{"sessioned", "compatible", "default"}, names)
	for i, m := range metas {
		_, v, err := DecodeMetadata(m)
		require.NoError(t, err)
		require.Equal(t, Version(2-i), v)
	}
}

// FuzzDecode checks that no input makes the decoders panic, and that what
// they accept encodes again and reads back the same.
func FuzzDecode(f *testing.F) {
	for _, l := range readLines(f, "testdata/cases.txt", true) {
		if h, ok := strings.CutPrefix(l, "decode-assign\t"); ok {
			b, _ := hex.DecodeString(h)
			f.Add(b)
		} else if h, ok := strings.CutPrefix(l, "decode-meta\t"); ok {
			b, _ := hex.DecodeString(h)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := bytes.Clone(b)
		if a, err := DecodeAssignment(b); err == nil {
			checkReencodes(t, a)
		} else if !errors.Is(err, ErrTruncated) && !strings.Contains(err.Error(), "connectproto:") {
			t.Fatalf("error without context: %v", err)
		}
		if s, v, err := DecodeMetadata(b); err == nil {
			out, err := AppendMetadata(nil, min(max(v, V0), V2), s)
			if err != nil {
				t.Fatalf("metadata decoded but does not encode: %v", err)
			}
			if _, _, err := DecodeMetadata(out); err != nil {
				t.Fatalf("re-encoded metadata does not decode: %v", err)
			}
		}
		if !bytes.Equal(in, b) {
			t.Fatal("a decoder changed its input")
		}
	})
}

func checkReencodes(t *testing.T, a Assignment) {
	t.Helper()
	out, err := AppendAssignment(nil, V1, &a)
	if err != nil {
		t.Fatalf("assignment decoded but does not encode: %v", err)
	}
	back, err := DecodeAssignment(out)
	if err != nil {
		t.Fatalf("re-encoded assignment does not decode: %v", err)
	}
	if len(back.Connectors)+len(back.Tasks) != len(distinct(a.Connectors))+len(a.Tasks) ||
		len(back.RevokedConnectors)+len(back.RevokedTasks) != len(distinct(a.RevokedConnectors))+len(a.RevokedTasks) ||
		back.Leader != a.Leader || back.LeaderURL != a.LeaderURL || back.ConfigOffset != a.ConfigOffset ||
		back.Error != a.Error || back.Delay != a.Delay {
		t.Fatalf("round trip changed the assignment:\n%v\n%v", a.String(), back.String())
	}
}
