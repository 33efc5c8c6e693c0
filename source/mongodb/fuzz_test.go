package mongodb

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

var fuzzDocuments = []string{
	`{"_id": {"$oid": "5f1d0c3e9d3b2a1b2c3d4e5f"}, "i": 1, "l": {"$numberLong": "2"}, "d": 1.5, "s": "a\"b\\c\né",
	  "t": true, "n": null, "dt": {"$date": {"$numberLong": "1704067200100"}}, "dec": {"$numberDecimal": "1.50"},
	  "bin": {"$binary": {"base64": "AQI=", "subType": "04"}}, "ts": {"$timestamp": {"t": 1, "i": 2}},
	  "re": {"$regularExpression": {"pattern": "a.*", "options": "i"}}, "arr": [1, "x", {"a": [null]}],
	  "sym": {"$symbol": "s"}, "min": {"$minKey": 1}, "max": {"$maxKey": 1}, "js": {"$code": "f()"},
	  "big": {"$date": {"$numberLong": "253402300800000"}}, "nan": {"$numberDouble": "NaN"}}`,
	`{"_id": {"_data": "8263"}, "operationType": "insert", "ns": {"db": "d", "coll": "c"},
	  "documentKey": {"_id": 1}, "fullDocument": {"_id": 1, "a": {"b": [1, 2.5]}},
	  "clusterTime": {"$timestamp": {"t": 1, "i": 2}}}`,
	`{"_id": {"_data": "8263"}, "operationType": "update", "documentKey": {"_id": 1},
	  "updateDescription": {"updatedFields": {"a": 3}, "removedFields": ["b"], "truncatedArrays": []}}`,
	`{}`,
}

// FuzzDocuments writes arbitrary documents as each JSON mode, infers
// their schema and converts them to it and to the default value schema:
// whatever a collection holds, a change is a record or an error, never a
// panic.
func FuzzDocuments(f *testing.F) {
	for _, s := range fuzzDocuments {
		f.Add(s)
	}
	value, err := avroToSchema(defaultAvroValueSchema)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var d bson.D
		if bson.UnmarshalExtJSON([]byte(text), true, &d) != nil {
			return
		}
		for _, m := range []jsonMode{modeStrict, modeExtended, modeRelaxed, modeSimplified} {
			_ = toJSON(d, m)
			_, _ = toConnect(value, d, m)
		}
		_, _ = toConnect(inferSchema(d), d, modeRelaxed)
	})
}

// FuzzAvroSchema reads arbitrary text as output.schema.key or
// output.schema.value: a schema kconnect cannot take is an error, never a
// panic, and one it takes converts documents.
func FuzzAvroSchema(f *testing.F) {
	for _, s := range []string{
		defaultAvroKeySchema, defaultAvroValueSchema,
		`{"type": "record", "name": "r", "namespace": "n", "fields": [{"name": "m", "type": {"type": "map", "values": "long"}},
		  {"name": "a", "type": {"type": "array", "items": ["null", "double"]}, "default": []},
		  {"name": "b", "type": "bytes"}, {"name": "f", "type": "float", "default": 1.5}, {"name": "i", "type": "int"}]}`,
		`{"type": "record", "name": "a", "fields": [{"name": "x", "type": ["null", "a"]}]}`,
		`{"type": "enum", "name": "e", "symbols": ["A"]}`,
		`"string"`,
	} {
		f.Add(s)
	}
	var docs []bson.D
	for _, s := range fuzzDocuments {
		var d bson.D
		if err := bson.UnmarshalExtJSON([]byte(s), true, &d); err != nil {
			f.Fatal(err)
		}
		docs = append(docs, d)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := avroToSchema(text)
		if err != nil {
			return
		}
		for _, d := range docs {
			_, _ = toConnect(s, d, modeRelaxed)
		}
	})
}
