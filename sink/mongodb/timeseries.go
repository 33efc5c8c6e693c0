package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/mongodb"
)

// timeseriesSettings are a topic's timeseries.* keys; nil unless
// timeseries.timefield is set.
type timeseriesSettings struct {
	timeField, metaField, granularity string
	expireAfter                       int64
	// convert parses string time fields; nil unless
	// timeseries.timefield.auto.convert.
	convert *dateTimePattern
	log     *slog.Logger
}

// parseTimeseries reads the timeseries.* keys as the official
// MongoSinkTopicConfig and TimeseriesValidation check them: without
// timeseries.timefield, the metafield, expiry and granularity keys must
// keep their defaults.
func parseTimeseries(cfg *connect.Config) (*timeseriesSettings, error) {
	timeField := strings.TrimSpace(cfg.String(TimeseriesTimefieldConfig))
	if timeField == "" {
		for _, k := range []struct {
			key   string
			unset bool
		}{
			{TimeseriesMetafieldConfig, cfg.String(TimeseriesMetafieldConfig) == ""},
			{TimeseriesExpireAfterConfig, cfg.Long(TimeseriesExpireAfterConfig) == 0},
			{TimeseriesGranularityConfig, cfg.String(TimeseriesGranularityConfig) == ""},
		} {
			if !k.unset {
				return nil, fmt.Errorf("%s: Missing timeseries configuration: `%s`", k.key, TimeseriesTimefieldConfig)
			}
		}
		return nil, nil
	}
	ts := &timeseriesSettings{
		timeField:   timeField,
		metaField:   strings.TrimSpace(cfg.String(TimeseriesMetafieldConfig)),
		granularity: strings.ToLower(strings.TrimSpace(cfg.String(TimeseriesGranularityConfig))),
		expireAfter: cfg.Long(TimeseriesExpireAfterConfig),
		log:         slog.New(slog.DiscardHandler),
	}
	if cfg.Bool(TimeseriesAutoConvertConfig) {
		p, err := compileDateTimePattern(cfg.String(TimeseriesDateFormatConfig))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", TimeseriesDateFormatConfig, err)
		}
		tag := cfg.String(TimeseriesLocaleConfig)
		switch strings.ToLower(tag) {
		case "", "und":
		case "en", "en-us":
			p.english = true
		default:
			if p.text {
				return nil, fmt.Errorf("%s: %q: kconnect has Locale.ROOT's and English (en, en-US) month and AM/PM names only, and the pattern %q uses them",
					TimeseriesLocaleConfig, tag, cfg.String(TimeseriesDateFormatConfig))
			}
		}
		ts.convert = p
	}
	return ts, nil
}

// process is the official TimeseriesTimeFieldAutoConversion: a number in
// the time field becomes the datetime of those milliseconds since the
// epoch (fraction dropped), a string the datetime it parses to; a string
// that does not parse is left as it is, with a log line.
func (ts *timeseriesSettings) process(d *sinkDoc, r *connect.Record) error {
	if !d.hasValue {
		return nil
	}
	i := mongodb.Index(d.value, ts.timeField)
	if i < 0 {
		return nil
	}
	switch v := d.value[i].Value.(type) {
	case int32:
		d.value[i].Value = bson.DateTime(v)
	case int64:
		d.value[i].Value = bson.DateTime(v)
	case float64:
		d.value[i].Value = bson.DateTime(javaLong(v))
	case string:
		ms, err := ts.convert.toEpochMilli(v)
		if err != nil {
			ts.log.Info("Failed to convert the time field to a valid date time, so leaving it as is",
				"field", ts.timeField, "record", recordName(r), "error", err)
			return nil
		}
		d.value[i].Value = bson.DateTime(ms)
	}
	return nil
}

// javaLong converts as Java's (long) cast: toward zero, NaN to 0,
// saturating at the int64 range.
func javaLong(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// createOptions are the options of the time series collection, as the
// official TimeseriesValidation creates it.
func (ts *timeseriesSettings) createOptions() *options.CreateCollectionOptionsBuilder {
	tso := options.TimeSeries().SetTimeField(ts.timeField)
	if ts.metaField != "" {
		tso.SetMetaField(ts.metaField)
	}
	if ts.granularity != "" {
		tso.SetGranularity(ts.granularity)
	}
	opts := options.CreateCollection().SetTimeSeriesOptions(tso)
	if ts.expireAfter > 0 {
		opts.SetExpireAfterSeconds(ts.expireAfter)
	}
	return opts
}

// ensureTimeseries makes sure the namespace is a time series collection
// before the first write to it, as the official connector does: a time
// series collection is taken as it is (its options are not compared), a
// missing or empty collection without indexes is created as one, any
// other collection is refused. Creating one needs MongoDB 5.0 (wire
// version 13) or newer.
func (t *task) ensureTimeseries(ctx context.Context, ns namespace, ts *timeseriesSettings) error {
	if t.timeseriesChecked[ns] {
		return nil
	}
	db := t.client.Database(ns.db)
	isTS, indexes, err := collStats(ctx, db, ns.coll)
	if err != nil {
		return fmt.Errorf("%s: checking whether %s is a time series collection: %w", TimeseriesTimefieldConfig, ns, err)
	}
	notTS := fmt.Errorf("%s: A collection already exists for: `%s` that is not a timeseries collection.", TimeseriesTimefieldConfig, ns)
	switch {
	case isTS:
	case indexes > 0:
		return notTS
	default:
		if err := t.checkTimeseriesSupport(ctx); err != nil {
			return err
		}
		err := db.CreateCollection(ctx, ns.coll, ts.createOptions())
		var ce mongo.CommandError
		switch {
		case err == nil:
			t.log.Info("created a time series collection", "namespace", ns.String(), "timeseries.timefield", ts.timeField)
		case errors.As(err, &ce) && ce.Code == 48:
			// Created meanwhile (another task): the official connector
			// fails here even when it is a time series collection;
			// kconnect takes it then.
			if isTS, _, serr := collStats(ctx, db, ns.coll); serr != nil || !isTS {
				return notTS
			}
		case errors.As(err, &ce) && ce.Code == 13:
			return fmt.Errorf("%s: Failed to create collection for: `%s`. Unauthorized, user does not have the correct permissions "+
				"to check for and create the collection. %w", TimeseriesTimefieldConfig, ns, err)
		default:
			return fmt.Errorf("%s: Failed to create collection for: `%s`. %w", TimeseriesTimefieldConfig, ns, err)
		}
	}
	if t.timeseriesChecked == nil {
		t.timeseriesChecked = map[namespace]bool{}
	}
	t.timeseriesChecked[ns] = true
	return nil
}

// collStats reports whether a collection is a time series collection and
// how many indexes it has (none when it does not exist).
func collStats(ctx context.Context, db *mongo.Database, coll string) (bool, int64, error) {
	var stats bson.D
	if err := db.RunCommand(ctx, bson.D{{Key: "collStats", Value: coll}}).Decode(&stats); err != nil {
		return false, 0, err
	}
	_, isTS := mongodb.Get(stats, "timeseries")
	var n int64
	switch v, _ := mongodb.Get(stats, "nindexes"); v := v.(type) {
	case int32:
		n = int64(v)
	case int64:
		n = v
	case float64:
		n = int64(v)
	}
	return isTS, n, nil
}

// checkTimeseriesSupport refuses a server older than MongoDB 5.0, as the
// official connector's validation does (by hello's maxWireVersion, 13 or
// more; a server without hello is older).
func (t *task) checkTimeseriesSupport(ctx context.Context) error {
	var hello struct {
		MaxWireVersion int32 `bson:"maxWireVersion"`
	}
	err := t.client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello)
	if err != nil || hello.MaxWireVersion < 13 {
		detail := fmt.Sprintf("it reports wire version %d", hello.MaxWireVersion)
		if err != nil {
			detail = "hello failed: " + mongodb.RedactError(err, t.uri).Error()
		}
		return fmt.Errorf("%s: Timeseries support requires MongoDB 5.0 or newer (%s)", TimeseriesTimefieldConfig, detail)
	}
	return nil
}
