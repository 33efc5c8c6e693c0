package offset

import (
	"bufio"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

// TestParseKeyGoldenRoundTrip reads keys written by Apache Kafka's
// JsonConverter from java.util.HashMap partitions and checks that Key
// writes the same bytes again.
func TestParseKeyGoldenRoundTrip(t *testing.T) {
	f, err := os.Open("../connect/testdata/hashmap/golden.txt")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		conn, p, err := ParseKey([]byte(line))
		require.NoError(t, err, line)
		require.Equal(t, "conn", conn)
		require.Equal(t, line, string(Key(nil, conn, p)), "round trip")
		n++
	}
	require.NoError(t, sc.Err())
	require.Greater(t, n, 10)
}

func TestParseKey(t *testing.T) {
	tests := []struct {
		name, key string
		conn      string
		partition string // JSON; "null" for none
		reKey     string // Key's bytes when not the input
	}{
		{name: "file source", key: `["local-file-source",{"filename":"test.txt"}]`, conn: "local-file-source", partition: `{"filename":"test.txt"}`},
		{name: "jdbc hashmap order", key: `["jdbc",{"protocol":"1","table":"users"}]`, conn: "jdbc", partition: `{"protocol":"1","table":"users"}`},
		{name: "null partition", key: `["c",null]`, conn: "c", partition: "null"},
		{name: "empty partition", key: `["c",{}]`, conn: "c", partition: "{}"},
		{name: "types", key: `["c",{"a":1,"b":1.5,"c":true,"d":null,"e":"x"}]`, conn: "c", partition: `{"a":1,"b":1.5,"c":true,"d":null,"e":"x"}`},
		{name: "big integer stays int64", key: `["c",{"n":9223372036854775807}]`, conn: "c", partition: `{"n":9223372036854775807}`},
		{name: "escapes", key: `["c\"\\",{"f":"\u00e9\n"}]`, conn: "c\"\\", partition: `{"f":"é\n"}`, reKey: `["c\"\\",{"f":"é\n"}]`},
		{name: "white space", key: ` [ "c" , { "f" : 1 } ] `, conn: "c", partition: `{"f":1}`, reKey: `["c",{"f":1}]`},
		{name: "linked order", key: `["jdbc",{"table":"users","protocol":"1"}]`, conn: "jdbc", partition: `{"protocol":"1","table":"users"}`, reKey: `["jdbc",{"protocol":"1","table":"users"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, p, err := ParseKey([]byte(tt.key))
			require.NoError(t, err)
			require.Equal(t, tt.conn, conn)
			require.Equal(t, tt.partition, p.String())
			want := tt.reKey
			if want == "" {
				want = tt.key
			}
			require.Equal(t, want, string(Key(nil, conn, p)))
		})
	}
}

func TestParseKeyMalformed(t *testing.T) {
	for _, key := range []string{
		``, `null`, `{}`, `"c"`, `[]`, `["c"]`, `["c",{},1]`, `[1,{}]`, `[null,{}]`,
		`["c",[1]]`, `["c","p"]`, `["c",1]`, `["c",{"a":{"b":1}}]`, `["c",{"a":[1]}]`,
		`["c",{"a":1,"a":2}]`, `["c",{"a":1}] x`, `["c",{"a":1}`, `["c",{"a":}]`, `not json`,
	} {
		t.Run(key, func(t *testing.T) {
			_, _, err := ParseKey([]byte(key))
			require.ErrorIs(t, err, ErrMalformedKey)
		})
	}
}

func TestParseValue(t *testing.T) {
	tests := []struct {
		value string
		want  string // Offset.String
	}{
		{`{"position":30}`, `{"position":30}`},
		{`{"lsn":1,"txId":2,"ts_usec":3}`, `{"lsn":1,"txId":2,"ts_usec":3}`},
		{`{"f":0.1,"s":"x","b":false,"n":null}`, `{"b":false,"s":"x","f":0.1,"n":null}`},
		{`null`, `null`},
		{`{}`, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			o, err := ParseValue([]byte(tt.value))
			require.NoError(t, err)
			require.Equal(t, tt.want, o.String())
		})
	}
	o, err := ParseValue(nil)
	require.NoError(t, err)
	require.True(t, o.IsZero())

	for _, bad := range []string{``, `1`, `[]`, `"x"`, `{"a":{}}`, `{"a":[]}`, `{"a":1} {}`, `{"a":1`, `{"a":1,"a":2}`} {
		_, err := ParseValue([]byte(bad))
		require.Error(t, err, bad)
	}
}

// Offsets read back keep their value bytes: Value(ParseValue(v)) == v for
// values written from HashMaps.
func TestValueRoundTrip(t *testing.T) {
	for _, o := range []connect.Offset{
		connect.Int64Offset("position", 30),
		connect.StringOffset("lsn", "0/16B3748"),
		connect.NewOffset("incrementing", int64(5), "timestamp", int64(1700000000000), "timestamp_nanos", int64(0)),
		connect.NewOffset("f", 1.5, "g", float32(0.1), "b", true, "n", nil),
	} {
		b, err := Value(nil, o)
		require.NoError(t, err)
		back, err := ParseValue(b)
		require.NoError(t, err)
		b2, err := Value(nil, back)
		require.NoError(t, err)
		require.Equal(t, string(b), string(b2))
	}
}

func TestMurmur2(t *testing.T) {
	// Vectors from Apache Kafka's UtilsTest.testMurmur2.
	for in, want := range map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		require.Equal(t, want, int32(murmur2([]byte(in))), in)
	}
}
