package mongodb

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// altNamespaceField holds a copied document's namespace while the user's
// pipeline has run, as in the official MongoCopyDataManager: the namespace
// is built as "ns" so that pipeline stages can match on it, then moved to
// the end of the event under this name and renamed back.
const altNamespaceField = "__"

// copier copies the existing documents of the watched namespaces, one
// after the other, into a bounded queue that Poll drains. Each document
// becomes an insert-shaped event:
//
//	{"_id": {"_id": <doc id>, "copyingData": true}, "operationType": "insert",
//	 "documentKey": {"_id": <doc id>}, "fullDocument": <doc>, "ns": {"db": …, "coll": …}}
type copier struct {
	queue  chan bson.D
	done   atomic.Bool // set after the last document is queued
	err    atomic.Pointer[error]
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startCopier(ctx context.Context, client *mongo.Client, s *settings, log *slog.Logger) *copier {
	size := s.copyQueueSize
	if size <= 0 {
		size = 16000
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &copier{queue: make(chan bson.D, size), cancel: cancel}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.done.Store(true)
		if err := c.run(ctx, client, s, log); err != nil && ctx.Err() == nil {
			c.err.Store(&err)
		}
	}()
	return c
}

func (c *copier) run(ctx context.Context, client *mongo.Client, s *settings, log *slog.Logger) error {
	namespaces, err := copyNamespaces(ctx, client, s)
	if err != nil {
		return err
	}
	for _, ns := range namespaces {
		db, coll, _ := strings.Cut(ns, ".")
		log.Info("copying existing data", "namespace", ns)
		cur, err := client.Database(db).Collection(coll).Aggregate(ctx, copyPipeline(s, db, coll),
			options.Aggregate().SetAllowDiskUse(s.copyAllowDiskUse))
		if err != nil {
			return fmt.Errorf("namespace %s: %w", ns, err)
		}
		for cur.Next(ctx) {
			var d bson.D
			if err := bson.Unmarshal(cur.Current, &d); err != nil {
				_ = cur.Close(ctx)
				return fmt.Errorf("namespace %s: %w", ns, err)
			}
			if i := indexOf(d, altNamespaceField); i >= 0 {
				d[i].Key = nsKey
			}
			select {
			case c.queue <- d:
			case <-ctx.Done():
				_ = cur.Close(ctx)
				return ctx.Err()
			}
		}
		err = cur.Err()
		_ = cur.Close(ctx)
		if err != nil {
			return fmt.Errorf("namespace %s: %w", ns, err)
		}
	}
	return nil
}

// copyNamespaces lists what to copy: the collection, the database's
// collections, or every collection of every database but admin, config
// and local (system collections never); those whose "db.coll" the
// namespace regex finds a match in, when it is set (Java's
// Pattern.asPredicate: a match anywhere, not of the whole name).
func copyNamespaces(ctx context.Context, client *mongo.Client, s *settings) ([]string, error) {
	all, err := listNamespaces(ctx, client, s)
	if err != nil || s.copyNamespaceFilter == nil {
		return all, err
	}
	out := all[:0]
	for _, ns := range all {
		if s.copyNamespaceFilter.MatchString(ns) {
			out = append(out, ns)
		}
	}
	return out, nil
}

func listNamespaces(ctx context.Context, client *mongo.Client, s *settings) ([]string, error) {
	if s.collection != "" {
		return []string{s.database + "." + s.collection}, nil
	}
	dbs := []string{s.database}
	if s.database == "" {
		all, err := client.ListDatabaseNames(ctx, bson.D{})
		if err != nil {
			return nil, fmt.Errorf("listing databases: %w", err)
		}
		dbs = dbs[:0]
		for _, d := range all {
			if !strings.HasPrefix(d, "admin") && !strings.HasPrefix(d, "config") && !strings.HasPrefix(d, "local") {
				dbs = append(dbs, d)
			}
		}
	}
	var out []string
	for _, db := range dbs {
		colls, err := client.Database(db).ListCollectionNames(ctx, bson.D{})
		if err != nil {
			return nil, fmt.Errorf("listing the collections of %s: %w", db, err)
		}
		for _, c := range colls {
			if !strings.HasPrefix(c, "system.") {
				out = append(out, db+"."+c)
			}
		}
	}
	return out, nil
}

// copyPipeline is the official connector's: the copy pipeline, the stage
// shaping each document as an insert event, the change stream pipeline,
// then the namespace moved last.
func copyPipeline(s *settings, db, coll string) bson.A {
	p := bson.A{}
	p = append(p, s.copyPipeline...)
	p = append(p, bson.D{{Key: "$replaceRoot", Value: bson.D{{Key: "newRoot", Value: bson.D{
		{Key: "_id", Value: bson.D{{Key: "_id", Value: "$_id"}, {Key: "copyingData", Value: true}}},
		{Key: "operationType", Value: "insert"},
		{Key: "ns", Value: bson.D{{Key: "db", Value: db}, {Key: "coll", Value: coll}}},
		{Key: "documentKey", Value: bson.D{{Key: "_id", Value: "$_id"}}},
		{Key: "fullDocument", Value: "$$ROOT"},
	}}}}})
	p = append(p, s.pipeline...)
	p = append(p, bson.D{{Key: "$addFields", Value: bson.D{{Key: altNamespaceField, Value: "$ns"}}}})
	p = append(p, bson.D{{Key: "$project", Value: bson.D{{Key: "ns", Value: 0}}}})
	return p
}

// poll returns up to max queued documents, waiting up to wait for the
// first; done says the copy is over and every document has been taken.
func (c *copier) poll(ctx context.Context, max int, wait time.Duration) (docs []bson.D, done bool, err error) {
	if wait > time.Second {
		wait = time.Second
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for len(docs) < max {
		// Read done before draining: a document queued before done was
		// set is then in the queue when it is found empty.
		finished := c.done.Load()
		select {
		case d := <-c.queue:
			docs = append(docs, d)
			continue
		default:
		}
		if finished {
			if e := c.err.Load(); e != nil {
				return nil, false, *e
			}
			return docs, true, nil
		}
		if len(docs) > 0 {
			return docs, false, nil
		}
		select {
		case d := <-c.queue:
			docs = append(docs, d)
		case <-timer.C:
			return docs, false, nil
		case <-ctx.Done():
			return docs, false, nil
		}
	}
	return docs, c.done.Load() && len(c.queue) == 0 && c.err.Load() == nil, nil
}

func (c *copier) stop() {
	c.cancel()
	c.wg.Wait()
}

func indexOf(d bson.D, key string) int {
	for i := range d {
		if d[i].Key == key {
			return i
		}
	}
	return -1
}
