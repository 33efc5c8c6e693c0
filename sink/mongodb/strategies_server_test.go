package mongodb_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/mongodb"
	sinkmongodb "github.com/kconnect-go/kconnect/sink/mongodb"
)

const (
	idPkg    = "com.mongodb.kafka.connect.sink.processor.id.strategy."
	modelPkg = "com.mongodb.kafka.connect.sink.writemodel.strategy."
)

// TestUuidProvidedStrategiesOnServer: UuidProvidedInKeyStrategy and
// UuidProvidedInValueStrategy store the provided _id, a UUID string with or
// without dashes, as a standard binary UUID (subtype 4); an _id that is not
// a UUID is reported, naming the record, and the others are written. As
// the official DocumentIdAdder, the value's own _id is replaced only with
// document.id.strategy.overwrite.existing=true.
func TestUuidProvidedStrategiesOnServer(t *testing.T) {
	onServers(t, testUuidProvidedStrategiesOnServer)
}

func testUuidProvidedStrategiesOnServer(t *testing.T, uri string, client *mongo.Client, db string) {
	const u1, u2 = "123e4567-e89b-12d3-a456-426614174000", "00112233445566778899aabbccddeeff"
	want := func(u string) bson.Binary {
		b, err := hex.DecodeString(strings.ReplaceAll(u, "-", ""))
		require.NoError(t, err)
		return bson.Binary{Subtype: bson.TypeBinaryUUID, Data: b}
	}
	for _, c := range []struct {
		strategy   string
		key, value func(id string) any
	}{
		{"UuidProvidedInKeyStrategy", func(id string) any { return `{"_id": "` + id + `"}` }, func(string) any { return `{"n": 1}` }},
		{"UuidProvidedInValueStrategy", func(string) any { return nil }, func(id string) any { return `{"_id": "` + id + `", "n": 1}` }},
	} {
		t.Run(c.strategy, func(t *testing.T) {
			config := map[string]string{"connection.uri": uri, "database": db, "collection": c.strategy, "topics": "t",
				"document.id.strategy": idPkg + c.strategy, "document.id.strategy.overwrite.existing": "true"}
			task, tc := started(t, config)
			require.NoError(t, task.Put(context.Background(), []connect.Record{
				rec("t", 0, c.key(u1), c.value(u1)), rec("t", 1, c.key("not-a-uuid"), c.value("not-a-uuid")), rec("t", 2, c.key(u2), c.value(u2)),
			}))
			reported := tc.Reported()
			require.Len(t, reported, 1)
			require.ErrorContains(t, reported[0].Err, "record topic t partition 0 offset 1")
			require.ErrorContains(t, reported[0].Err, "UUID cannot be constructed from provided value: `not-a-uuid`")
			var ids []any
			for _, d := range find(t, client, db, c.strategy, nil) {
				id, _ := mongodb.Get(d, "_id")
				ids = append(ids, id)
			}
			require.ElementsMatch(t, []any{want(u1), want(u2)}, ids)
		})
	}
}

// TestDeleteOneBusinessKeyOnServer: DeleteOneBusinessKeyStrategy deletes the
// document whose fields match the value's business key (the fields the
// PartialValueStrategy projects), not by _id.
func TestDeleteOneBusinessKeyOnServer(t *testing.T) { onServers(t, testDeleteOneBusinessKeyOnServer) }

func testDeleteOneBusinessKeyOnServer(t *testing.T, uri string, client *mongo.Client, db string) {
	ctx := context.Background()
	_, err := client.Database(db).Collection("c").InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: 1}, {Key: "sku", Value: "a"}, {Key: "shop", Value: bson.D{{Key: "id", Value: 1}}}, {Key: "n", Value: 1}},
		bson.D{{Key: "_id", Value: 2}, {Key: "sku", Value: "a"}, {Key: "shop", Value: bson.D{{Key: "id", Value: 2}}}, {Key: "n", Value: 1}},
		bson.D{{Key: "_id", Value: 3}, {Key: "sku", Value: "b"}, {Key: "shop", Value: bson.D{{Key: "id", Value: 1}}}, {Key: "n", Value: 1}},
	})
	require.NoError(t, err)
	config := map[string]string{"connection.uri": uri, "database": db, "collection": "c", "topics": "t",
		"writemodel.strategy":                                modelPkg + "DeleteOneBusinessKeyStrategy",
		"document.id.strategy":                               idPkg + "PartialValueStrategy",
		"document.id.strategy.partial.value.projection.type": "AllowList",
		"document.id.strategy.partial.value.projection.list": "sku,shop.id"}
	task, tc := started(t, config)
	require.NoError(t, task.Put(ctx, []connect.Record{rec("t", 0, nil, `{"sku": "a", "shop": {"id": 2}, "n": 99}`)}))
	require.Empty(t, tc.Reported())
	var ids []any
	for _, d := range find(t, client, db, "c", nil) {
		id, _ := mongodb.Get(d, "_id")
		ids = append(ids, id)
	}
	require.Equal(t, []any{int32(1), int32(3)}, ids)
}

// TestDeleteOneTombstoneBusinessKeyOnServer: with delete.on.null.values and
// DeleteOneTombstoneBusinessKeyStrategy, a tombstone deletes the document
// whose fields match the key's business key (the PartialKeyStrategy's
// projection); records with a value are written by the write model
// strategy as usual.
func TestDeleteOneTombstoneBusinessKeyOnServer(t *testing.T) {
	onServers(t, testDeleteOneTombstoneBusinessKeyOnServer)
}

func testDeleteOneTombstoneBusinessKeyOnServer(t *testing.T, uri string, client *mongo.Client, db string) {
	ctx := context.Background()
	config := map[string]string{"connection.uri": uri, "database": db, "collection": "c", "topics": "t",
		"delete.on.null.values":                            "true",
		"delete.writemodel.strategy":                       modelPkg + "DeleteOneTombstoneBusinessKeyStrategy",
		"writemodel.strategy":                              modelPkg + "ReplaceOneBusinessKeyStrategy",
		"document.id.strategy":                             idPkg + "PartialKeyStrategy",
		"document.id.strategy.partial.key.projection.type": "AllowList",
		"document.id.strategy.partial.key.projection.list": "sku,shop.id"}
	task, tc := started(t, config)
	require.NoError(t, task.Put(ctx, []connect.Record{
		rec("t", 0, `{"sku": "a", "shop": {"id": 1}, "x": 1}`, `{"sku": "a", "shop": {"id": 1}, "n": 1}`),
		rec("t", 1, `{"sku": "a", "shop": {"id": 2}, "x": 1}`, `{"sku": "a", "shop": {"id": 2}, "n": 2}`),
		rec("t", 2, `{"sku": "a", "shop": {"id": 1}, "x": 2}`, nil),
	}))
	require.Empty(t, tc.Reported())
	docs := find(t, client, db, "c", bson.D{{Key: "n", Value: 1}})
	require.Len(t, docs, 1)
	n, _ := mongodb.Get(docs[0], "n")
	require.Equal(t, int32(2), n)

	// Without PartialKeyStrategy the task refuses to start, naming the
	// strategy it needs.
	config["document.id.strategy"] = idPkg + "ProvidedInKeyStrategy"
	err := startErr(t, config)
	require.ErrorContains(t, err, "DeleteOneTombstoneBusinessKeyStrategy expects PartialKeyStrategy to be defined")
}

// startErr starts a task with config and returns the error of its Start.
func startErr(t *testing.T, config map[string]string) error {
	t.Helper()
	task := sinkmongodb.Plugin().New().NewTask()
	err := task.Start(context.Background(), config, connecttest.NewSinkTaskContext(config))
	if err == nil {
		_ = task.Stop(context.Background())
	}
	return err
}
