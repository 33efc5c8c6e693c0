package mongodb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
	"github.com/kconnect-go/kconnect/internal/mongodb"
	"github.com/kconnect-go/kconnect/internal/testenv"
)

// TestTimeseriesConfig checks the timeseries.* keys with the official
// connector's defaults and errors.
func TestTimeseriesConfig(t *testing.T) {
	// Without a time field, the other keys must keep their defaults.
	for k, v := range map[string]string{"timeseries.metafield": "m", "timeseries.expire.after.seconds": "10", "timeseries.granularity": "hours"} {
		_, err := checkConfig(baseConfig(k, v))
		require.ErrorContains(t, err, k+": Missing timeseries configuration: `timeseries.timefield`")
	}
	for _, c := range []struct{ k, v, err string }{
		{"timeseries.granularity", "days", "Invalid enumerator value. Should be one of: [seconds, minutes, hours]"},
		{"timeseries.expire.after.seconds", "-1", "at least 0"},
		{"timeseries.timefield.auto.convert.date.format", "yyyy-MM-dd'T", "incomplete string literal"},
	} {
		_, err := checkConfig(baseConfig("timeseries.timefield", "t", c.k, c.v))
		require.ErrorContains(t, err, c.err, c.k)
		require.ErrorContains(t, err, c.k)
	}
	_, err := checkConfig(baseConfig("timeseries.timefield", "t", "timeseries.timefield.auto.convert", "true",
		"timeseries.timefield.auto.convert.date.format", "dd MMM yyyy", "timeseries.timefield.auto.convert.locale.language.tag", "fr"))
	require.ErrorContains(t, err, "timeseries.timefield.auto.convert.locale.language.tag")
	// Without month or AM/PM names, any locale does.
	_, err = checkConfig(baseConfig("timeseries.timefield", "t", "timeseries.timefield.auto.convert", "true",
		"timeseries.timefield.auto.convert.locale.language.tag", "fr"))
	require.NoError(t, err)
	_, err = checkConfig(baseConfig("timeseries.timefield", "t", "timeseries.granularity", "Minutes", "timeseries.metafield", "m",
		"timeseries.expire.after.seconds", "3600"))
	require.NoError(t, err)

	// The default write model inserts into a time series collection; a
	// configured one is kept.
	_, m, err := prepared(t, baseConfig("timeseries.timefield", "t"), record(nil, `{"_id": 1, "t": 5}`))
	require.NoError(t, err)
	require.Equal(t, mongo.NewInsertOneModel().SetDocument(doc("_id", int32(1), "t", int32(5))), m)
	_, m, err = prepared(t, baseConfig("timeseries.timefield", "t", "writemodel.strategy", writeModelPkg+"ReplaceOneDefaultStrategy"),
		record(nil, `{"_id": 1, "t": 5}`))
	require.NoError(t, err)
	require.IsType(t, &mongo.ReplaceOneModel{}, m)
}

// TestTimeseriesAutoConvert converts the time field as the official
// TimeseriesTimeFieldAutoConversion does.
func TestTimeseriesAutoConvert(t *testing.T) {
	cfg := baseConfig("timeseries.timefield", "t", "timeseries.timefield.auto.convert", "true", "writemodel.strategy", writeModelPkg+"InsertOneDefaultStrategy")
	convert := func(cfg map[string]string, value string) any {
		t.Helper()
		_, m, err := prepared(t, cfg, record(nil, value))
		require.NoError(t, err)
		v, _ := mongodb.Get(m.(*mongo.InsertOneModel).Document.(bson.D), "t")
		return v
	}
	for _, c := range []struct {
		value string
		want  any
	}{
		{`{"_id": 1, "t": 1704164645000}`, bson.DateTime(1704164645000)},
		{`{"_id": 1, "t": 1000}`, bson.DateTime(1000)},
		{`{"_id": 1, "t": -1999.9}`, bson.DateTime(-1999)}, // the fraction dropped, toward zero
		{`{"_id": 1, "t": "2024-01-02T03:04:05.123Z"}`, bson.DateTime(1704164645123)},
		{`{"_id": 1, "t": "2024-01-02"}`, bson.DateTime(1704153600000)},
		{`{"_id": 1, "t": "yesterday"}`, "yesterday"},                                        // left as is
		{`{"_id": 1, "t": true}`, true},                                                      // neither number nor string
		{`{"_id": 1, "t": {"$numberDecimal": "1000"}}`, mustDecimal(t, "1000")},              // not a BSON number either
		{`{"_id": 1, "t": {"$date": "2024-01-02T03:04:05Z"}}`, bson.DateTime(1704164645000)}, // already a datetime
	} {
		require.Equal(t, c.want, convert(cfg, c.value), c.value)
	}
	require.Equal(t, int64(math.MaxInt64), javaLong(1e300))
	require.Equal(t, int64(0), javaLong(math.NaN()))

	// A custom pattern; and nothing converted without auto.convert.
	custom := baseConfig("timeseries.timefield", "t", "timeseries.timefield.auto.convert", "true",
		"timeseries.timefield.auto.convert.date.format", "dd MMMM yyyy HH:mm", "timeseries.timefield.auto.convert.locale.language.tag", "en-US")
	require.Equal(t, bson.DateTime(1704164640000), convert(custom, `{"_id": 1, "t": "02 January 2024 03:04"}`))
	delete(cfg, "timeseries.timefield.auto.convert")
	require.Equal(t, int64(1000), convert(cfg, `{"_id": 1, "t": {"$numberLong": "1000"}}`))
}

func mustDecimal(t *testing.T, s string) bson.Decimal128 {
	t.Helper()
	d, err := bson.ParseDecimal128(s)
	require.NoError(t, err)
	return d
}

// commandLog records the commands a client sends.
type commandLog struct {
	mu       sync.Mutex
	commands []bson.Raw
}

func (l *commandLog) named(name string) []bson.Raw {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []bson.Raw
	for _, c := range l.commands {
		if _, err := c.LookupErr(name); err == nil {
			out = append(out, c)
		}
	}
	return out
}

// TestTimeseriesCollection checks how the task makes a time series
// collection before its first write, watching the commands it sends:
// FerretDB reports wire version 21 but refuses time series collections,
// mongo-java-server has no hello command (so counts as older than
// MongoDB 5.0); neither can hold one, so the writes into one stay
// untested.
func TestTimeseriesCollection(t *testing.T) {
	for _, s := range []struct{ name, env string }{{"mongo-java-server", "KCONNECT_MONGODB_URI"}, {"ferretdb", "KCONNECT_FERRETDB_URI"}} {
		t.Run(s.name, func(t *testing.T) {
			uri := testenv.Integration(t, s.env)
			var b [6]byte
			_, _ = rand.Read(b[:])
			db := "kc_" + hex.EncodeToString(b[:])
			log := &commandLog{}
			newClient := func(ctx context.Context, uri string) (*mongo.Client, error) {
				monitor := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
					log.mu.Lock()
					log.commands = append(log.commands, append(bson.Raw(nil), e.Command...))
					log.mu.Unlock()
				}}
				return mongo.Connect(options.Client().ApplyURI(uri).SetMonitor(monitor))
			}
			config := map[string]string{"connection.uri": uri, "database": db, "topics": "t",
				"timeseries.timefield": "ts", "timeseries.metafield": "sensor", "timeseries.granularity": "Minutes",
				"timeseries.expire.after.seconds": "3600", "timeseries.timefield.auto.convert": "true"}
			ctx := context.Background()
			start := func(collection string) *task {
				t.Helper()
				config["collection"] = collection
				tk := &task{newClient: newClient}
				require.NoError(t, tk.Start(ctx, config, connecttest.NewSinkTaskContext(config)))
				t.Cleanup(func() {
					_ = tk.client.Database(db).Drop(ctx)
					_ = tk.Stop(ctx)
				})
				return tk
			}
			r := connect.Record{Topic: "t", Value: `{"ts": "2024-01-02T03:04:05Z", "sensor": "a", "v": 1}`}
			r.SetOrigin(connect.KafkaPosition{Topic: "t", Offset: 7})

			// An existing collection that is not a time series one is
			// refused, naming it, and nothing is created or written.
			tk := start("plain")
			_, err := tk.client.Database(db).Collection("plain").InsertOne(ctx, bson.D{{Key: "a", Value: 1}})
			require.NoError(t, err)
			err = tk.Put(ctx, []connect.Record{r})
			require.ErrorContains(t, err, "timeseries.timefield: A collection already exists for: `"+db+".plain` that is not a timeseries collection.")
			require.Empty(t, log.named("create"))
			require.Empty(t, log.named("insert")[1:]) // the test's own insert only

			// A missing collection is created as a time series one, with
			// the options of the timeseries.* keys.
			tk = start("series")
			err = tk.Put(ctx, []connect.Record{r})
			require.Error(t, err)
			if s.name == "mongo-java-server" {
				require.ErrorContains(t, err, "timeseries.timefield: Timeseries support requires MongoDB 5.0 or newer")
				require.Empty(t, log.named("create"))
				return
			}
			require.ErrorContains(t, err, "timeseries.timefield: Failed to create collection for: `"+db+".series`.")
			require.ErrorContains(t, err, `field "timeseries"`) // FerretDB's NotImplemented
			creates := log.named("create")
			require.Len(t, creates, 1)
			var create struct {
				Create     string `bson:"create"`
				Timeseries bson.D `bson:"timeseries"`
				Expire     int64  `bson:"expireAfterSeconds"`
			}
			require.NoError(t, bson.Unmarshal(creates[0], &create))
			require.Equal(t, "series", create.Create)
			require.Equal(t, bson.D{{Key: "timeField", Value: "ts"}, {Key: "metaField", Value: "sensor"}, {Key: "granularity", Value: "minutes"}}, create.Timeseries)
			require.Equal(t, int64(3600), create.Expire)
			require.Len(t, log.named("insert"), 1) // nothing written
		})
	}
}
