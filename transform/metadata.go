package transform

import (
	"github.com/kconnect-go/kconnect/connect"
)

// SetSchemaMetadataConfig configures a SetSchemaMetadata transform. At
// least one of Name and Version must be set.
type SetSchemaMetadataConfig struct {
	// Key makes the transform work on the record key
	// (SetSchemaMetadata$Key) instead of the value (SetSchemaMetadata$Value).
	Key bool
	// Name is the schema name to set (schema.name); "" keeps the name.
	Name string
	// Version is the schema version to set (schema.version); 0 keeps the
	// version.
	Version int32
	// KeepNulls copies a null struct field as null even when its schema has
	// a default (replace.null.with.default=false). By default the default
	// is copied, as Kafka does.
	KeepNulls bool
}

// SetSchemaMetadata sets the name and/or version of the key or value
// schema. It is Kafka Connect's SetSchemaMetadata$Key and
// SetSchemaMetadata$Value.
//
// The new schema is a copy of the old one with the name or version
// replaced, built once per input schema. A *connect.Struct key or value is
// rebuilt with the new schema (its fields copied, null fields replaced by
// their defaults unless KeepNulls); nested structs are kept as they are, as
// in Kafka. A record with neither schema nor value passes unchanged; a
// value without a schema fails.
//
// As in Kafka (whose SetSchemaMetadata asks every schema for its fields),
// only STRUCT schemas can be changed: any other schema, Decimal and the
// other logical types included, fails the record, null or not. A config
// that works here therefore works on a JVM worker too.
//
// SetSchemaMetadata is safe for concurrent use.
type SetSchemaMetadata struct {
	name       string
	key        bool
	schemaName string
	setName    bool
	version    int32
	setVersion bool
	keep       bool
	cache      schemaCache[*connect.Schema]
}

const (
	setSchemaMetadataName    = "schema.name"
	setSchemaMetadataVersion = "schema.version"
)

// NewSetSchemaMetadata returns a SetSchemaMetadata. It fails when neither
// Name nor Version is set.
func NewSetSchemaMetadata(cfg SetSchemaMetadataConfig) (*SetSchemaMetadata, error) {
	return newSetSchemaMetadata(cfg, cfg.Name != "", cfg.Version != 0)
}

func newSetSchemaMetadata(cfg SetSchemaMetadataConfig, setName, setVersion bool) (*SetSchemaMetadata, error) {
	name := smtName("SetSchemaMetadata", cfg.Key)
	if !setName && !setVersion {
		return nil, smtConfigError(name, setSchemaMetadataName, "Neither schema name nor version configured")
	}
	return &SetSchemaMetadata{name: name, key: cfg.Key, schemaName: cfg.Name, setName: setName,
		version: cfg.Version, setVersion: setVersion, keep: cfg.KeepNulls}, nil
}

var setSchemaMetadataDef = connect.NewConfigDef().
	Define(connect.ConfigKey{Name: setSchemaMetadataName, Type: connect.ConfigString,
		Importance: connect.High, Doc: "Schema name to set."}).
	Define(connect.ConfigKey{Name: setSchemaMetadataVersion, Type: connect.ConfigInt,
		Importance: connect.High, Doc: "Schema version to set."}).
	Define(connect.ConfigKey{Name: replaceNullKey, Type: connect.ConfigBoolean, Default: true,
		Importance: connect.Medium, Doc: replaceNullDoc})

func newSetSchemaMetadataFromConfig(key bool, raw map[string]string) (Transformation, error) {
	cfg, err := parseSMTConfig(smtName("SetSchemaMetadata", key), setSchemaMetadataDef, raw)
	if err != nil {
		return nil, err
	}
	c := SetSchemaMetadataConfig{Key: key, Name: cfg.String(setSchemaMetadataName),
		Version: int32(cfg.Int(setSchemaMetadataVersion)), KeepNulls: !cfg.Bool(replaceNullKey)}
	return newSetSchemaMetadata(c, cfg.Get(setSchemaMetadataName) != nil, cfg.Get(setSchemaMetadataVersion) != nil)
}

func setSchemaMetadataPlugins() []Plugin {
	return sidePlugins("SetSchemaMetadata", setSchemaMetadataDef,
		"Set the schema name, version or both on the record's key or value schema.",
		newSetSchemaMetadataFromConfig)
}

// Apply sets the schema metadata of r's key or value.
func (t *SetSchemaMetadata) Apply(r connect.Record) (connect.Record, bool, error) {
	schema, value := operating(&r, t.key)
	if schema == nil {
		if valueIsNull(value) {
			return r, true, nil
		}
		return r, false, smtDataErrorf(t.name, "", "Schema required for [updating schema metadata]")
	}
	if schema.Type != connect.StructType {
		return r, false, smtDataErrorf(t.name, "",
			"Cannot list fields on non-struct type (SetSchemaMetadata changes STRUCT schemas only, as in Kafka): %s", schema)
	}
	updated, ok := t.cache.get(schema)
	if !ok {
		updated = t.cache.put(schema, t.updateSchema(schema))
	}
	if st, ok := value.(*connect.Struct); ok && st != nil {
		ns := connect.NewStruct(updated)
		n := min(st.Len(), len(updated.Fields))
		for i := 0; i < n; i++ {
			if err := ns.SetAt(i, structField(st, i, !t.keep)); err != nil {
				return r, false, smtDataError(t.name, updated.Fields[i].Name, err)
			}
		}
		value = ns
	}
	setOperating(&r, t.key, updated, value)
	return r, true, nil
}

// updateSchema returns a copy of the STRUCT schema s with the configured
// name and version.
func (t *SetSchemaMetadata) updateSchema(s *connect.Schema) *connect.Schema {
	u := s.WithName(s.Name) // a copy
	if t.setName {
		u.Name = t.schemaName
	}
	if t.setVersion {
		u.Version = t.version
	}
	u.Key, u.Elem = nil, nil
	return u
}
