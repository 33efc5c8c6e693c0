package mongodb

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/internal/mongodb"
)

const idField = "_id"

// sinkDoc is a record's key and value as BSON documents, the official
// connector's SinkDocument: either may be absent (a null key or value).
type sinkDoc struct {
	key, value       bson.D
	hasKey, hasValue bool
	// prior is the random id an earlier delivery of the record's batch
	// gave it, a write of which may have reached the server (task.ids);
	// made is the random id the record has now, once one is asked for.
	prior, made any
}

// randomID is the record's random id (BsonOidStrategy, UuidStrategy): the
// one an earlier delivery of its batch gave it, so that a write whose
// answer was lost is not made a second time under another id, else a
// fresh one. A record asked twice gets the same id.
func (d *sinkDoc) randomID(fresh func() any) any {
	if d.made == nil {
		if d.prior != nil {
			d.made = d.prior
		} else {
			d.made = fresh()
		}
	}
	return d.made
}

func newObjectID() any { return bson.NewObjectID() }

func (d *sinkDoc) clone() *sinkDoc {
	return &sinkDoc{key: mongodb.Clone(d.key), value: mongodb.Clone(d.value), hasKey: d.hasKey, hasValue: d.hasValue}
}

// The names of the id strategies, namespace mappers, write model
// strategies and post processors kconnect has, by simple class name.
var (
	idStrategies     = classes(idPackage, "BsonOidStrategy", "FullKeyStrategy", "KafkaMetaDataStrategy", "PartialKeyStrategy", "PartialValueStrategy", "ProvidedInKeyStrategy", "ProvidedInValueStrategy", "UuidProvidedInKeyStrategy", "UuidProvidedInValueStrategy", "UuidStrategy")
	namespaceMappers = classes(namespacePackage, "DefaultNamespaceMapper", "FieldPathNamespaceMapper")
	writeModels      = classes(writeModelPkg, "DefaultWriteModelStrategy", "ReplaceOneDefaultStrategy", "ReplaceOneBusinessKeyStrategy",
		"UpdateOneDefaultStrategy", "UpdateOneTimestampsStrategy", "UpdateOneBusinessKeyTimestampStrategy", "InsertOneDefaultStrategy",
		"DeleteOneDefaultStrategy", "DeleteOneBusinessKeyStrategy", "DeleteOneTombstoneBusinessKeyStrategy")
	postProcessors = classes(processorPackage, "DocumentIdAdder", "KafkaMetaAdder", "NullFieldValueRemover", "BlockListKeyProjector", "BlockListValueProjector",
		"AllowListKeyProjector", "AllowListValueProjector", "BlacklistKeyProjector", "BlacklistValueProjector", "WhitelistKeyProjector",
		"WhitelistValueProjector", "field.renaming.RenameByMapping", "field.renaming.RenameByRegExp")
)

// classes maps simple class names to full ones, in pkg.
func classes(pkg string, names ...string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n[strings.LastIndexByte(n, '.')+1:]] = pkg + n
	}
	return out
}

// ---- id strategies ----

// idStrategy generates a document's _id, the official IdStrategy.
type idStrategy struct {
	name string
	gen  func(d *sinkDoc, r *connect.Record) (any, error)
}

// kafkaPosition returns the record's topic, partition and offset as the
// official connector's SinkRecord gives them.
func kafkaPosition(r *connect.Record) (string, int32, int64) {
	o, ok := r.Origin()
	offset := int64(-1)
	part := int32(-1)
	if ok {
		offset, part = o.Offset, o.Partition
	}
	if p, ok := r.Partition(); ok {
		part = p
	}
	return r.Topic, part, offset
}

func newIDStrategy(name string, cfg *connect.Config) (*idStrategy, error) {
	s := &idStrategy{name: name}
	switch name {
	case "BsonOidStrategy":
		s.gen = func(d *sinkDoc, _ *connect.Record) (any, error) { return d.randomID(newObjectID), nil }
	case "FullKeyStrategy":
		s.gen = func(d *sinkDoc, _ *connect.Record) (any, error) {
			if !d.hasKey {
				return bson.D{}, nil
			}
			return mongodb.Clone(d.key), nil
		}
	case "KafkaMetaDataStrategy":
		s.gen = func(_ *sinkDoc, r *connect.Record) (any, error) {
			topic, part, offset := kafkaPosition(r)
			return topic + "#" + strconv.Itoa(int(part)) + "#" + strconv.FormatInt(offset, 10), nil
		}
	case "ProvidedInKeyStrategy", "ProvidedInValueStrategy":
		inKey := name == "ProvidedInKeyStrategy"
		s.gen = func(d *sinkDoc, _ *connect.Record) (any, error) { return providedID(d, inKey) }
	case "UuidProvidedInKeyStrategy", "UuidProvidedInValueStrategy":
		inKey := name == "UuidProvidedInKeyStrategy"
		s.gen = func(d *sinkDoc, _ *connect.Record) (any, error) {
			id, err := providedID(d, inKey)
			if err != nil {
				return nil, err
			}
			return uuidFrom(id)
		}
	case "UuidStrategy":
		binary := strings.EqualFold(cfg.String(UUIDFormatConfig), "binary")
		fresh := func() any {
			var u [16]byte
			_, _ = rand.Read(u[:]) // never fails (crypto/rand)
			u[6] = u[6]&0x0f | 0x40
			u[8] = u[8]&0x3f | 0x80
			if binary {
				return bson.Binary{Subtype: bson.TypeBinaryUUID, Data: u[:]}
			}
			return formatUUID(u[:])
		}
		s.gen = func(d *sinkDoc, _ *connect.Record) (any, error) { return d.randomID(fresh), nil }
	case "PartialKeyStrategy", "PartialValueStrategy":
		key := name == "PartialKeyStrategy"
		typeKey, listKey, fallbackType, fallbackList := PartialValueProjectionTypeConfig, PartialValueProjectionListConfig, ValueProjectionTypeConfig, ValueProjectionListConfig
		if key {
			typeKey, listKey, fallbackType, fallbackList = PartialKeyProjectionTypeConfig, PartialKeyProjectionListConfig, KeyProjectionTypeConfig, KeyProjectionListConfig
		}
		ptype, list := cfg.String(typeKey), cfg.String(listKey)
		if ptype == "" {
			ptype = cfg.String(fallbackType)
		}
		if list == "" {
			list = cfg.String(fallbackList)
		}
		var p *projector
		switch strings.ToLower(ptype) {
		case "blocklist", "blacklist":
			p = newProjector(false, key, list)
		case "allowlist", "whitelist":
			p = newProjector(true, key, list)
		default:
			return nil, fmt.Errorf("%s: %s needs %s (or %s) set to AllowList or BlockList, not %q", DocumentIDStrategyConfig, name, typeKey, fallbackType, ptype)
		}
		s.gen = func(d *sinkDoc, r *connect.Record) (any, error) {
			c := d.clone()
			p.process(c, r)
			if key {
				if !c.hasKey {
					return bson.D{}, nil
				}
				return c.key, nil
			}
			if !c.hasValue {
				return bson.D{}, nil
			}
			return c.value, nil
		}
	default:
		return nil, fmt.Errorf("%s: unknown id strategy %q", DocumentIDStrategyConfig, name)
	}
	return s, nil
}

func (s *idStrategy) partial() bool {
	return s.name == "PartialKeyStrategy" || s.name == "PartialValueStrategy"
}

func providedID(d *sinkDoc, inKey bool) (any, error) {
	doc, has := d.value, d.hasValue
	if inKey {
		doc, has = d.key, d.hasKey
	}
	var id any
	found := false
	if has {
		id, found = mongodb.Get(doc, idField)
	}
	if !found {
		return nil, errors.New("provided id strategy is used but the document structure either contained no _id field or it was null")
	}
	if id == nil {
		return nil, errors.New("provided id strategy used but the document structure contained an _id of type BsonNull")
	}
	return id, nil
}

func uuidFrom(id any) (any, error) {
	switch x := id.(type) {
	case bson.Binary:
		if x.Subtype == bson.TypeBinaryUUID || x.Subtype == bson.TypeBinaryUUIDOld {
			return x, nil
		}
	case string:
		s := x
		if len(s) == 32 {
			s = s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
		}
		if b, ok := parseUUID(s); ok {
			return bson.Binary{Subtype: bson.TypeBinaryUUID, Data: b}, nil
		}
		return nil, fmt.Errorf("UUID cannot be constructed from provided value: `%s`", x)
	}
	return nil, fmt.Errorf("UUID cannot be constructed from provided value: `%v`", id)
}

func formatUUID(u []byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[b>>4], hex[b&0xf])
	}
	return string(out)
}

func parseUUID(s string) ([]byte, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, false
	}
	hexs := strings.ReplaceAll(s, "-", "")
	out := make([]byte, 16)
	for i := range out {
		v, err := strconv.ParseUint(hexs[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, false
		}
		out[i] = byte(v)
	}
	return out, true
}

// ---- write model strategies ----

// writeModelStrategy builds the write of one document, the official
// WriteModelStrategy.
type writeModelStrategy func(d *sinkDoc) (mongo.WriteModel, error)

var (
	errNoValue = errors.New("could not build the WriteModel, the value document was missing unexpectedly")
	errNoKey   = errors.New("could not build the WriteModel, the key document was missing unexpectedly")
	errNoID    = errors.New("could not build the WriteModel, the `_id` field was missing unexpectedly")
	errNoBK    = errors.New("could not build the WriteModel, the value document does not contain an _id field of type " +
		"BsonDocument which holds the business key fields; if you are including an existing `_id` value in the business " +
		"key then ensure `document.id.strategy.overwrite.existing=true`")
)

// now is the clock of the timestamp strategies.
var now = time.Now

func newWriteModelStrategy(name string, ids *idStrategy) (writeModelStrategy, error) {
	partial := ids.partial()
	businessKey := func(d *sinkDoc) (bson.D, bson.D, error) {
		if !d.hasValue {
			return nil, nil, errNoValue
		}
		id, _ := mongodb.Get(d.value, idField)
		bk, ok := id.(bson.D)
		if !ok {
			return nil, nil, errNoBK
		}
		vd := mongodb.Remove(d.value, idField)
		if partial {
			bk = flattenKeys(bk)
		}
		return bk, vd, nil
	}
	valueID := func(d *sinkDoc) (any, error) {
		if !d.hasValue {
			return nil, errNoValue
		}
		id, ok := mongodb.Get(d.value, idField)
		if !ok {
			return nil, errNoID
		}
		return id, nil
	}
	switch name {
	case "DefaultWriteModelStrategy", "ReplaceOneDefaultStrategy":
		return func(d *sinkDoc) (mongo.WriteModel, error) {
			id, err := valueID(d)
			if err != nil {
				return nil, err
			}
			return mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: idField, Value: id}}).SetReplacement(d.value).SetUpsert(true), nil
		}, nil
	case "ReplaceOneBusinessKeyStrategy":
		return func(d *sinkDoc) (mongo.WriteModel, error) {
			bk, vd, err := businessKey(d)
			if err != nil {
				return nil, err
			}
			return mongo.NewReplaceOneModel().SetFilter(bk).SetReplacement(vd).SetUpsert(true), nil
		}, nil
	case "UpdateOneDefaultStrategy":
		return func(d *sinkDoc) (mongo.WriteModel, error) {
			id, err := valueID(d)
			if err != nil {
				return nil, err
			}
			vd := mongodb.Remove(d.value, idField)
			return mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: idField, Value: id}}).
				SetUpdate(bson.D{{Key: "$set", Value: vd}}).SetUpsert(true), nil
		}, nil
	case "UpdateOneTimestampsStrategy":
		return func(d *sinkDoc) (mongo.WriteModel, error) {
			id, err := valueID(d)
			if err != nil {
				return nil, err
			}
			ts := bson.NewDateTimeFromTime(now())
			// The official strategy leaves _id in the $set: setting it
			// to the value it is matched by is allowed.
			set := mongodb.Set(d.value, "_modifiedTS", ts)
			return mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: idField, Value: id}}).
				SetUpdate(bson.D{{Key: "$set", Value: set}, {Key: "$setOnInsert", Value: bson.D{{Key: "_insertedTS", Value: ts}}}}).
				SetUpsert(true), nil
		}, nil
	case "UpdateOneBusinessKeyTimestampStrategy":
		return func(d *sinkDoc) (mongo.WriteModel, error) {
			bk, vd, err := businessKey(d)
			if err != nil {
				return nil, err
			}
			ts := bson.NewDateTimeFromTime(now())
			vd = mongodb.Set(vd, "_modifiedTS", ts)
			return mongo.NewUpdateOneModel().SetFilter(bk).
				SetUpdate(bson.D{{Key: "$set", Value: vd}, {Key: "$setOnInsert", Value: bson.D{{Key: "_insertedTS", Value: ts}}}}).
				SetUpsert(true), nil
		}, nil
	case "InsertOneDefaultStrategy":
		return func(d *sinkDoc) (mongo.WriteModel, error) {
			if !d.hasValue {
				return nil, errNoValue
			}
			// The official connector's Java driver writes an inserted
			// document's _id first (MongoDB itself moves it there;
			// mongo-java-server keeps the order it is sent).
			if i := mongodb.Index(d.value, idField); i > 0 {
				id := d.value[i]
				copy(d.value[1:i+1], d.value[:i])
				d.value[0] = id
			}
			return mongo.NewInsertOneModel().SetDocument(d.value), nil
		}, nil
	case "DeleteOneDefaultStrategy":
		return deleteOneDefault(nil), nil
	case "DeleteOneBusinessKeyStrategy":
		return func(d *sinkDoc) (mongo.WriteModel, error) {
			bk, _, err := businessKey(d)
			if err != nil {
				return nil, err
			}
			return mongo.NewDeleteOneModel().SetFilter(bk), nil
		}, nil
	case "DeleteOneTombstoneBusinessKeyStrategy":
		if ids.name != "PartialKeyStrategy" {
			return nil, errors.New("DeleteOneTombstoneBusinessKeyStrategy expects PartialKeyStrategy to be defined")
		}
		return func(d *sinkDoc) (mongo.WriteModel, error) {
			if !d.hasKey {
				return nil, errNoKey
			}
			id, err := ids.gen(d, nil)
			if err != nil {
				return nil, err
			}
			return mongo.NewDeleteOneModel().SetFilter(flattenKeys(id.(bson.D))), nil
		}, nil
	}
	return nil, fmt.Errorf("unknown write model strategy %q", name)
}

// deleteOneDefault deletes by the key: with ids, by {_id: <its id>};
// without, by the key document itself when it has an _id, else by
// {_id: <key document>}.
func deleteOneDefault(ids *idStrategy) writeModelStrategy {
	return func(d *sinkDoc) (mongo.WriteModel, error) {
		if !d.hasKey {
			return nil, errNoKey
		}
		if ids == nil {
			if _, ok := mongodb.Get(d.key, idField); ok {
				return mongo.NewDeleteOneModel().SetFilter(d.key), nil
			}
			return mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: idField, Value: d.key}}), nil
		}
		id, err := ids.gen(d, nil)
		if err != nil {
			return nil, err
		}
		return mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: idField, Value: id}}), nil
	}
}

// flattenKeys turns nested business key fields into dotted paths, so that
// a filter matches the fields rather than a whole embedded document.
func flattenKeys(d bson.D) bson.D {
	out := make(bson.D, 0, len(d))
	var walk func(prefix string, e bson.E)
	walk = func(prefix string, e bson.E) {
		if sub, ok := e.Value.(bson.D); ok {
			for _, se := range sub {
				walk(prefix+e.Key+".", se)
			}
			return
		}
		out = append(out, bson.E{Key: prefix + e.Key, Value: e.Value})
	}
	for _, e := range d {
		walk("", e)
	}
	return out
}

// ---- namespace mappers ----

type namespace struct{ db, coll string }

func (n namespace) String() string { return n.db + "." + n.coll }

type namespaceMapper func(d *sinkDoc) (namespace, error)

func newNamespaceMapper(name string, cfg *connect.Config, topic string) (namespaceMapper, error) {
	def := namespace{db: cfg.String(DatabaseConfig), coll: cfg.String(CollectionConfig)}
	if def.coll == "" {
		def.coll = topic
	}
	if name == "DefaultNamespaceMapper" {
		return func(*sinkDoc) (namespace, error) { return def, nil }, nil
	}
	keyDB, valueDB := cfg.String(KeyDatabaseFieldConfig), cfg.String(ValueDatabaseFieldConfig)
	keyColl, valueColl := cfg.String(KeyCollectionFieldConfig), cfg.String(ValueCollectionFieldConfig)
	strict := cfg.Bool(NamespaceErrorIfInvalidConfig)
	switch {
	case keyDB == "" && valueDB == "" && keyColl == "" && valueColl == "":
		return nil, fmt.Errorf("%s: missing configuration for the FieldPathNamespaceMapper: set the database and / or collection field path", NamespaceMapperConfig)
	case keyDB != "" && valueDB != "":
		return nil, fmt.Errorf("%s: cannot set both %s and %s", KeyDatabaseFieldConfig, KeyDatabaseFieldConfig, ValueDatabaseFieldConfig)
	case keyColl != "" && valueColl != "":
		return nil, fmt.Errorf("%s: cannot set both %s and %s", KeyCollectionFieldConfig, KeyCollectionFieldConfig, ValueCollectionFieldConfig)
	}
	lookup := func(d *sinkDoc, path string, isKey bool, fallback string) (string, error) {
		doc, has, which := d.value, d.hasValue, "value"
		if isKey {
			doc, has, which = d.key, d.hasKey, "key"
		}
		if !has {
			if strict {
				return "", fmt.Errorf("invalid %s document: it is null", which)
			}
			return fallback, nil
		}
		v, ok := mongodb.Lookup(doc, path)
		if !ok {
			if strict {
				return "", fmt.Errorf("missing %s document path '%s'", which, path)
			}
			return fallback, nil
		}
		s, ok := v.(string)
		if !ok {
			if strict {
				return "", fmt.Errorf("invalid type %T for %s field path '%s', expected a String", v, which, path)
			}
			return fallback, nil
		}
		return s, nil
	}
	return func(d *sinkDoc) (namespace, error) {
		ns := def
		var err error
		if keyDB != "" {
			ns.db, err = lookup(d, keyDB, true, ns.db)
		} else if valueDB != "" {
			ns.db, err = lookup(d, valueDB, false, ns.db)
		}
		if err != nil {
			return ns, err
		}
		if keyColl != "" {
			ns.coll, err = lookup(d, keyColl, true, ns.coll)
		} else if valueColl != "" {
			ns.coll, err = lookup(d, valueColl, false, ns.coll)
		}
		return ns, err
	}, nil
}
