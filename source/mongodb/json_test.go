package mongodb

import (
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestJSONFormatters checks the text each output.json.formatter writes
// against what the Java driver's JsonWriter writes in that mode.
func TestJSONFormatters(t *testing.T) {
	oid, err := bson.ObjectIDFromHex("5f1d0c3e9d3b2a1b2c3d4e5f")
	require.NoError(t, err)
	dec, err := bson.ParseDecimal128("1.50")
	require.NoError(t, err)
	doc := bson.D{
		{Key: "_id", Value: oid},
		{Key: "i", Value: int32(1)},
		{Key: "l", Value: int64(2)},
		{Key: "d", Value: 1.0},
		{Key: "big", Value: 1.5e7},
		{Key: "small", Value: 0.0001},
		{Key: "s", Value: "a\"b\\c\né\u0301\U0001F600"},
		{Key: "t", Value: true},
		{Key: "n", Value: nil},
		{Key: "dt", Value: bson.DateTime(1704067200100)},
		{Key: "dec", Value: dec},
		{Key: "bin", Value: bson.Binary{Subtype: 0x80, Data: []byte{1, 2, 3}}},
		{Key: "ts", Value: bson.Timestamp{T: 1, I: 2}},
		{Key: "re", Value: bson.Regex{Pattern: "^a", Options: "i"}},
		{Key: "arr", Value: bson.A{int32(1), "x", bson.D{}}},
	}
	cases := map[string]struct {
		mode jsonMode
		want string
	}{
		"DefaultJson": {modeStrict, `{"_id": {"$oid": "5f1d0c3e9d3b2a1b2c3d4e5f"}, "i": 1, "l": {"$numberLong": "2"}, "d": 1.0, ` +
			`"big": 1.5E7, "small": 1.0E-4, "s": "a\"b\\c\né\u0301\ud83d\ude00", "t": true, "n": null, "dt": {"$date": 1704067200100}, ` +
			`"dec": {"$numberDecimal": "1.50"}, "bin": {"$binary": "AQID", "$type": "80"}, "ts": {"$timestamp": {"t": 1, "i": 2}}, ` +
			`"re": {"$regex": "^a", "$options": "i"}, "arr": [1, "x", {}]}`},
		"ExtendedJson": {modeExtended, `{"_id": {"$oid": "5f1d0c3e9d3b2a1b2c3d4e5f"}, "i": {"$numberInt": "1"}, "l": {"$numberLong": "2"}, ` +
			`"d": {"$numberDouble": "1.0"}, "big": {"$numberDouble": "1.5E7"}, "small": {"$numberDouble": "1.0E-4"}, ` +
			`"s": "a\"b\\c\né\u0301\ud83d\ude00", "t": true, "n": null, "dt": {"$date": {"$numberLong": "1704067200100"}}, ` +
			`"dec": {"$numberDecimal": "1.50"}, "bin": {"$binary": {"base64": "AQID", "subType": "80"}}, "ts": {"$timestamp": {"t": 1, "i": 2}}, ` +
			`"re": {"$regularExpression": {"pattern": "^a", "options": "i"}}, "arr": [{"$numberInt": "1"}, "x", {}]}`},
		"relaxed": {modeRelaxed, `{"_id": {"$oid": "5f1d0c3e9d3b2a1b2c3d4e5f"}, "i": 1, "l": 2, "d": 1.0, "big": 1.5E7, "small": 1.0E-4, ` +
			`"s": "a\"b\\c\né\u0301\ud83d\ude00", "t": true, "n": null, "dt": {"$date": "2024-01-01T00:00:00.1Z"}, ` +
			`"dec": {"$numberDecimal": "1.50"}, "bin": {"$binary": {"base64": "AQID", "subType": "80"}}, "ts": {"$timestamp": {"t": 1, "i": 2}}, ` +
			`"re": {"$regularExpression": {"pattern": "^a", "options": "i"}}, "arr": [1, "x", {}]}`},
		"SimplifiedJson": {modeSimplified, `{"_id": "5f1d0c3e9d3b2a1b2c3d4e5f", "i": 1, "l": 2, "d": 1.0, "big": 1.5E7, "small": 1.0E-4, ` +
			`"s": "a\"b\\c\né\u0301\ud83d\ude00", "t": true, "n": null, "dt": "2024-01-01T00:00:00.1Z", ` +
			`"dec": "1.50", "bin": "AQID", "ts": {"$timestamp": {"t": 1, "i": 2}}, ` +
			`"re": {"$regularExpression": {"pattern": "^a", "options": "i"}}, "arr": [1, "x", {}]}`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, c.want, toJSON(doc, c.mode))
		})
	}
}

func TestJavaDouble(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0.0", 1: "1.0", -2.5: "-2.5", 100: "100.0", 1234567: "1234567.0", 1e7: "1.0E7", 0.001: "0.001",
		0.0001: "1.0E-4", 1.2345e-10: "1.2345E-10", 1e21: "1.0E21", math.MaxFloat64: "1.7976931348623157E308",
		math.Inf(1): "Infinity", math.NaN(): "NaN", 0.1: "0.1", 123.456: "123.456",
	} {
		require.Equal(t, want, javaDouble(f), "%v", f)
	}
}

// TestRelaxedDates checks the bounds between which relaxed mode writes an
// ISO date.
func TestRelaxedDates(t *testing.T) {
	require.Equal(t, `{"d": {"$date": "1970-01-01T00:00:00Z"}}`, toJSON(bson.D{{Key: "d", Value: bson.DateTime(0)}}, modeRelaxed))
	require.Equal(t, `{"d": {"$date": {"$numberLong": "-1"}}}`, toJSON(bson.D{{Key: "d", Value: bson.DateTime(-1)}}, modeRelaxed))
	require.Equal(t, `{"d": {"$date": "2024-01-01T00:00:00.123Z"}}`, toJSON(bson.D{{Key: "d", Value: bson.DateTime(1704067200123)}}, modeRelaxed))
	require.Equal(t, `{"d": {"$date": "9999-12-31T23:59:59.999Z"}}`, toJSON(bson.D{{Key: "d", Value: bson.DateTime(maxRelaxedDate)}}, modeRelaxed))
	require.Equal(t, `{"d": {"$date": {"$numberLong": "253402300800000"}}}`, toJSON(bson.D{{Key: "d", Value: bson.DateTime(maxRelaxedDate + 1)}}, modeRelaxed))
}

// TestJSONFormattersJVM compares the text of every formatter with what the
// official connector's formatters (mongo-kafka-connect 1.13.0 on bson
// 4.7.2) write for the same document: testdata/jvm_json.txt, made by
// testdata/Golden.java.txt.
func TestJSONFormattersJVM(t *testing.T) {
	oid, err := bson.ObjectIDFromHex("5f1d0c3e9d3b2a1b2c3d4e5f")
	require.NoError(t, err)
	dec, err := bson.ParseDecimal128("1.50")
	require.NoError(t, err)
	doc := bson.D{
		{Key: "_id", Value: oid}, {Key: "i", Value: int32(1)}, {Key: "l", Value: int64(2)}, {Key: "d", Value: 1.0},
		{Key: "big", Value: 1.5e7}, {Key: "small", Value: 0.0001},
		{Key: "s", Value: "a\"b\\c\n\u00e9\u0301\U0001F600\u02b0\u2028\u00ad"},
		{Key: "t", Value: true}, {Key: "n", Value: nil},
		{Key: "dt", Value: bson.DateTime(1704067200100)}, {Key: "dt0", Value: bson.DateTime(1704067200000)}, {Key: "dtneg", Value: bson.DateTime(-1)},
		{Key: "dec", Value: dec}, {Key: "bin", Value: bson.Binary{Subtype: 0x80, Data: []byte{1, 2, 3}}},
		{Key: "ts", Value: bson.Timestamp{T: 1, I: 2}}, {Key: "re", Value: bson.Regex{Pattern: "^a", Options: "i"}},
		{Key: "arr", Value: bson.A{int32(1), "x", bson.D{}}},
		{Key: "sym", Value: bson.Symbol("sy")}, {Key: "code", Value: bson.JavaScript("f()")},
		{Key: "min", Value: bson.MinKey{}}, {Key: "max", Value: bson.MaxKey{}}, {Key: "undef", Value: bson.Undefined{}},
		{Key: "nan", Value: math.NaN()}, {Key: "neg0", Value: math.Copysign(0, -1)}, {Key: "huge", Value: 1e21},
		{Key: "uuid", Value: bson.Binary{Subtype: 4, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}}},
	}
	// Round-trip through BSON, as events arrive from the server.
	raw, err := bson.Marshal(doc)
	require.NoError(t, err)
	var decoded bson.D
	require.NoError(t, bson.Unmarshal(raw, &decoded))
	golden, err := os.ReadFile("testdata/jvm_json.txt")
	require.NoError(t, err)
	modes := map[string]jsonMode{"DefaultJson": modeStrict, "ExtendedJson": modeExtended, "SimplifiedJson": modeSimplified, "relaxed": modeRelaxed}
	lines := strings.Split(strings.TrimSpace(string(golden)), "\n")
	require.Len(t, lines, len(modes))
	for _, line := range lines {
		name, want, ok := strings.Cut(line, "\t")
		require.True(t, ok, line)
		m, ok := modes[name]
		require.True(t, ok, name)
		require.Equal(t, want, toJSON(decoded, m), name)
	}
}
