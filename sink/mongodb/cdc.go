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
}

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
