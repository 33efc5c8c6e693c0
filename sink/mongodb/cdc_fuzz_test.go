package mongodb

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzCDCHandlers replays arbitrary keys and change events, given as
// Extended JSON, through every change data capture handler: an event the
// handler cannot replay (a Debezium MongoDB after, patch or key id whose
// Extended JSON text is broken, a missing op) is an error, never a panic.
func FuzzCDCHandlers(f *testing.F) {
	for _, s := range []struct{ key, value string }{
		{dbzMongoKey, dbzMongoEvent("c", `"after": `+dbzMongoAfter+`, "patch": null, "filter": null`)},
		{dbzMongoOIDKey, dbzMongoEvent("r", `"after": `+dbzMongoAfter)},
		{dbzMongoKey, dbzMongoEvent("u", `"after": null, "patch": "{\"$v\" : 1,\"$set\" : {\"first_name\" : \"Anne Marie\"}}", "filter": "{\"_id\" : {\"$numberLong\" : \"1004\"}}"`)},
		{dbzMongoKey, dbzMongoEvent("u", `"after": `+dbzMongoAfter+`, "updateDescription": {"updatedFields": "{\"a\": 1}", "removedFields": ["b"]}`)},
		{dbzMongoKey, dbzMongoEvent("d", `"after": null, "patch": null, "filter": "{\"_id\" : {\"$numberLong\" : \"1004\"}}"`)},
		{dbzMongoKey, dbzMongoEvent("c", `"after": "{\"a\": 1}"`)},
		{`{"id": 1}`, `{"op": "c", "before": null, "after": {"id": 1, "name": "x"}}`},
		{`{"id": 1}`, `{"op": "u", "before": {"id": 1}, "after": {"id": 1, "name": "y"}}`},
		{`{"id": 1}`, `{"op": "d", "before": {"id": 1}, "after": null}`},
		{`{"_id": {"_data": "8263"}}`, `{"operationType": "insert", "fullDocument": {"_id": 1, "a": 2}, "documentKey": {"_id": 1}}`},
		{`{"_id": {"_data": "8263"}}`, `{"operationType": "update", "documentKey": {"_id": 1}, "updateDescription": {"updatedFields": {"a": 3}, "removedFields": ["b"]}}`},
		{`{"_id": {"_data": "8263"}}`, `{"operationType": "delete", "documentKey": {"_id": 1}}`},
		{`{"id": "1"}`, `{"ddl": "CREATE TABLE t"}`},
		{`{"id": "1"}`, ``},
	} {
		f.Add(s.key, s.value)
	}
	handlers := []cdcHandler{rdbmsHandler, changeStreamHandler, debeziumMongoHandler(false), debeziumMongoHandler(true)}
	f.Fuzz(func(t *testing.T, key, value string) {
		d := &sinkDoc{}
		if bson.UnmarshalExtJSON([]byte(key), false, &d.key) == nil {
			d.hasKey = true
		}
		if bson.UnmarshalExtJSON([]byte(value), false, &d.value) == nil {
			d.hasValue = true
		}
		for _, h := range handlers {
			_, _ = h(d.clone())
		}
	})
}
