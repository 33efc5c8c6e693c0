package mongodb

import (
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/internal/mongodb"
)

// The change data capture handlers kconnect has, the official class names.
var cdcHandlers = map[string]bool{
	"com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.RdbmsHandler":             true,
	"com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.postgres.PostgresHandler": true,
	"com.mongodb.kafka.connect.sink.cdc.debezium.rdbms.mysql.MysqlHandler":       true,
	"com.mongodb.kafka.connect.sink.cdc.mongodb.ChangeStreamHandler":             true,
	debeziumMongoDbHandler:           true,
	debeziumMongoChangeStreamHandler: true,
}

// The handlers of Debezium's MongoDB connector's events.
const (
	debeziumMongoDbHandler           = "com.mongodb.kafka.connect.sink.cdc.debezium.mongodb.MongoDbHandler"
	debeziumMongoChangeStreamHandler = "com.mongodb.kafka.connect.sink.cdc.debezium.mongodb.ChangeStreamHandler"
)

// cdcHandler turns a change event into a write, the official CdcHandler: a
// nil write with a nil error means the event needs none (a tombstone, a
// schema change).
type cdcHandler func(d *sinkDoc) (mongo.WriteModel, error)

// rdbmsHandler replays Debezium's relational change events (PostgreSQL,
// MySQL and the others sharing their envelope: op, before, after), as the
// official RdbmsHandler does: the document's _id is the event's key
// document; c and r replace (upsert) the document with the after image
// less the key fields, u likewise, d deletes it. Without a key, inserts
// get a new ObjectId and updates and deletes match the before image.
func rdbmsHandler(d *sinkDoc) (mongo.WriteModel, error) {
	key := d.key
	if !d.hasKey {
		key = bson.D{}
	}
	if !d.hasValue || len(d.value) == 0 {
		return nil, nil // a tombstone, for compaction
	}
	v := d.value
	opv, hasOp := mongodb.Get(v, "op")
	if !hasOp {
		if _, ddl := mongodb.Get(v, "ddl"); ddl {
			return nil, nil
		}
	}
	op, ok := opv.(string)
	if !ok {
		return nil, errors.New("value document is missing or CDC operation is not a string")
	}
	switch op {
	case "c", "r", "u", "d":
	default:
		return nil, fmt.Errorf("unknown operation type %s", op)
	}
	filter, err := rdbmsFilter(key, v, op)
	if err != nil {
		return nil, err
	}
	if op == "d" {
		return mongo.NewDeleteOneModel().SetFilter(filter), nil
	}
	after, _ := mongodb.Get(v, "after")
	afterDoc, ok := after.(bson.D)
	if !ok || len(afterDoc) == 0 {
		return nil, errors.New("value document must contain non-empty 'after' field of type document for insert/update operation")
	}
	doc := bson.D{}
	if id, ok := mongodb.Get(filter, idField); ok {
		doc = append(doc, bson.E{Key: idField, Value: id})
	}
	for _, e := range afterDoc {
		if mongodb.Index(key, e.Key) < 0 {
			doc = mongodb.Set(doc, e.Key, e.Value)
		}
	}
	return mongo.NewReplaceOneModel().SetFilter(filter).SetReplacement(doc).SetUpsert(true), nil
}

func rdbmsFilter(key, value bson.D, op string) (bson.D, error) {
	if len(key) > 0 {
		return bson.D{{Key: idField, Value: mongodb.Clone(key)}}, nil
	}
	if op == "c" || op == "r" {
		return bson.D{{Key: idField, Value: bson.NewObjectID()}}, nil
	}
	before, _ := mongodb.Get(value, "before")
	if b, ok := before.(bson.D); ok && len(b) > 0 {
		return b, nil
	}
	return nil, errors.New("value doc 'before' field is empty or has invalid type for update/delete operation")
}

// changeStreamHandler replays MongoDB change events (the official source
// connector's records, MongoDB's change event documents), as the official
// ChangeStreamHandler 1.13 does: insert and replace replace (upsert) the
// document matching documentKey with fullDocument; update replaces it with
// fullDocument when the event has one (without upsert), else applies
// updateDescription ($set updatedFields, $unset removedFields); delete
// deletes it; every other operation (drop, rename, dropDatabase,
// invalidate) needs no write. A value that is not a change event (a
// tombstone too) is a record error.
//
// Unlike 1.13, which refuses an updateDescription with any field beyond
// updatedFields and removedFields, an empty truncatedArrays and any
// disambiguatedPaths are taken: MongoDB 5.0 and later send them with every
// update. A non-empty truncatedArrays is still refused, as applying the
// update without it would lose the truncation.
func changeStreamHandler(d *sinkDoc) (mongo.WriteModel, error) {
	v := d.value
	opv, ok := mongodb.Get(v, "operationType")
	if !d.hasValue || !ok {
		return nil, errors.New("the change event has no operationType field")
	}
	op, ok := opv.(string)
	if !ok {
		return nil, fmt.Errorf("the change event's operationType is a %T, not a string", opv)
	}
	switch op {
	case "insert", "replace", "update", "delete":
	default:
		return nil, nil
	}
	key, err := eventDocument(v, "documentKey")
	if err != nil {
		return nil, err
	}
	switch op {
	case "delete":
		return mongo.NewDeleteOneModel().SetFilter(key), nil
	case "update":
		if full, has := mongodb.Get(v, "fullDocument"); !has || full == nil {
			update, err := updateFromDescription(v)
			if err != nil {
				return nil, err
			}
			return mongo.NewUpdateOneModel().SetFilter(key).SetUpdate(update), nil
		}
		full, err := eventDocument(v, "fullDocument")
		if err != nil {
			return nil, err
		}
		return mongo.NewReplaceOneModel().SetFilter(key).SetReplacement(full), nil
	}
	full, err := eventDocument(v, "fullDocument")
	if err != nil {
		return nil, err
	}
	return mongo.NewReplaceOneModel().SetFilter(key).SetReplacement(full).SetUpsert(true), nil
}

// eventDocument returns the change event's field name, which must be a
// document.
func eventDocument(event bson.D, name string) (bson.D, error) {
	f, ok := mongodb.Get(event, name)
	if !ok {
		return nil, fmt.Errorf("the change event has no %s field", name)
	}
	d, ok := f.(bson.D)
	if !ok {
		return nil, fmt.Errorf("the change event's %s is a %T, not a document", name, f)
	}
	return d, nil
}

// updateFromDescription makes the update of an update event's
// updateDescription.
func updateFromDescription(event bson.D) (bson.D, error) {
	desc, err := eventDocument(event, "updateDescription")
	if err != nil {
		return nil, err
	}
	var set bson.D
	var unset bson.D
	haveSet, haveRemoved := false, false
	for _, e := range desc {
		switch e.Key {
		case "updatedFields":
			d, ok := e.Value.(bson.D)
			if !ok {
				return nil, fmt.Errorf("the change event's updateDescription.updatedFields is a %T, not a document", e.Value)
			}
			set, haveSet = d, true
		case "removedFields":
			a, ok := e.Value.(bson.A)
			if !ok {
				return nil, fmt.Errorf("the change event's updateDescription.removedFields is a %T, not an array", e.Value)
			}
			for _, f := range a {
				name, ok := f.(string)
				if !ok {
					return nil, fmt.Errorf("the change event's updateDescription.removedFields holds a %T, not a field name", f)
				}
				unset = append(unset, bson.E{Key: name, Value: ""})
			}
			haveRemoved = true
		case "truncatedArrays":
			if a, ok := e.Value.(bson.A); !ok || len(a) > 0 {
				return nil, errors.New("the change event's updateDescription.truncatedArrays is not empty: kconnect cannot apply truncated arrays, and the update without them would lose data")
			}
		case "disambiguatedPaths":
		default:
			return nil, fmt.Errorf("the change event's updateDescription has the unexpected field %q: it cannot be applied without risk of losing data", e.Key)
		}
	}
	if !haveSet {
		return nil, errors.New("the change event's updateDescription has no updatedFields")
	}
	if !haveRemoved {
		return nil, errors.New("the change event's updateDescription has no removedFields")
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	return update, nil
}

// debeziumMongoHandler replays the change events of Debezium's MongoDB
// connector, as the official …cdc.debezium.mongodb.MongoDbHandler
// (changeStream false: its oplog event format, updates as a patch) and
// …cdc.debezium.mongodb.ChangeStreamHandler (changeStream true: Debezium
// 1.7 and later, updates with the full document after) do. The key is
// Debezium's {"id": <the document's _id as Extended JSON text>}; c and r
// replace (upsert) the document by the _id of after (Extended JSON text);
// u either replaces it (upsert) with patch when patch holds an _id, else
// applies patch, less its $v, to the document of the key's id, or, in the
// change stream format, replaces that document (upsert) with after; d
// deletes the document of the key's id. A key with an id and no value (the
// delete's tombstone) and a schema change event need no write.
func debeziumMongoHandler(changeStream bool) cdcHandler {
	return func(d *sinkDoc) (mongo.WriteModel, error) {
		if !d.hasKey || len(d.key) == 0 {
			return nil, errors.New("key document must not be missing for CDC mode")
		}
		var v bson.D
		if d.hasValue {
			v = d.value
		}
		if _, ok := mongodb.Get(d.key, debeziumIDField); ok && len(v) == 0 {
			return nil, nil // the tombstone after a delete, for compaction
		}
		opv, hasOp := mongodb.Get(v, "op")
		if !hasOp {
			if _, ddl := mongodb.Get(v, "ddl"); ddl {
				return nil, nil
			}
		}
		op, ok := opv.(string)
		if !ok {
			return nil, errors.New("value document is missing or CDC operation is not a string")
		}
		switch op {
		case "c", "r":
			doc, err := debeziumJSONField(v, "after", "insert")
			if err != nil {
				return nil, err
			}
			id, ok := mongodb.Get(doc, idField)
			if !ok {
				return nil, errors.New("the after document of an insert has no _id")
			}
			return mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: idField, Value: id}}).SetReplacement(doc).SetUpsert(true), nil
		case "u":
			if changeStream {
				doc, err := debeziumJSONField(v, "after", "update")
				if err != nil {
					return nil, err
				}
				filter, err := debeziumKeyFilter(d.key, "update")
				if err != nil {
					return nil, err
				}
				return mongo.NewReplaceOneModel().SetFilter(filter).SetReplacement(doc).SetUpsert(true), nil
			}
			patch, err := debeziumJSONField(v, "patch", "update")
			if err != nil {
				return nil, err
			}
			// MongoDB 3.6 and later add the oplog's internal $v, which is
			// no update operator.
			patch = mongodb.Remove(patch, "$v")
			if id, ok := mongodb.Get(patch, idField); ok {
				// The patch is the whole new document.
				return mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: idField, Value: id}}).SetReplacement(patch).SetUpsert(true), nil
			}
			filter, err := debeziumKeyFilter(d.key, "update")
			if err != nil {
				return nil, err
			}
			return mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(patch), nil
		case "d":
			filter, err := debeziumKeyFilter(d.key, "delete")
			if err != nil {
				return nil, err
			}
			return mongo.NewDeleteOneModel().SetFilter(filter), nil
		}
		return nil, fmt.Errorf("unknown operation type %s", op)
	}
}

// debeziumIDField is the field of a Debezium MongoDB key holding the
// document's _id.
const debeziumIDField = "id"

// debeziumJSONField parses the event's field name, a document as Extended
// JSON text, for an operation (insert, update).
func debeziumJSONField(event bson.D, name, operation string) (bson.D, error) {
	f, ok := mongodb.Get(event, name)
	if !ok {
		return nil, fmt.Errorf("%s document missing `%s` field", operation, name)
	}
	s, ok := f.(string)
	if !ok {
		return nil, fmt.Errorf("the %s event's %s is %s, not a document as Extended JSON text", operation, name, typeName(f))
	}
	var doc bson.D
	if err := bson.UnmarshalExtJSON([]byte(s), false, &doc); err != nil {
		return nil, fmt.Errorf("the %s event's %s is not a document as Extended JSON: %w", operation, name, err)
	}
	return doc, nil
}

// debeziumKeyFilter returns the filter {_id: <id>} of a Debezium MongoDB
// key {"id": <id as Extended JSON text>}.
func debeziumKeyFilter(key bson.D, operation string) (bson.D, error) {
	f, ok := mongodb.Get(key, debeziumIDField)
	if !ok {
		return nil, fmt.Errorf("%s document missing `%s` field", operation, debeziumIDField)
	}
	s, ok := f.(string)
	if !ok {
		return nil, fmt.Errorf("the %s event's key id is %s, not an _id as Extended JSON text", operation, typeName(f))
	}
	var filter bson.D
	if err := bson.UnmarshalExtJSON([]byte(`{"`+idField+`": `+s+`}`), false, &filter); err != nil {
		return nil, fmt.Errorf("the %s event's key id %q is not a value as Extended JSON: %w", operation, s, err)
	}
	return filter, nil
}

// typeName names a document value's type in errors.
func typeName(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}
