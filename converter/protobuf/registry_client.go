package protobuf

import (
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/internal/schemaregistry"
)

// registryClient adapts the schema-registry converters' shared client to
// schemaRegistry.
type registryClient struct{ c *schemaregistry.Client }

func newRegistry(config map[string]string) (schemaRegistry, error) {
	cfg, err := schemaregistry.Define(connect.NewConfigDef()).Parse(config)
	if err != nil {
		return nil, err
	}
	// The client does not depend on whether it serves keys or values;
	// the subjects are the converter's.
	c, _, err := schemaregistry.New(cfg, sr.TypeProtobuf, false)
	if err != nil {
		return nil, err
	}
	return registryClient{c}, nil
}

func (r registryClient) schemaText(id int) (string, map[string]string, error) {
	s, err := r.c.SchemaByID(id)
	if err != nil || len(s.References) == 0 {
		return s.Schema, nil, err
	}
	refs, err := r.c.References(s)
	if err != nil {
		return "", nil, err
	}
	imports := make(map[string]string, len(refs))
	for _, ref := range refs {
		imports[ref.Name] = ref.Schema.Schema
	}
	return s.Schema, imports, nil
}

func (r registryClient) id(subject, schema string, register, normalize bool) (int, error) {
	return r.c.ID(subject, schema, register, normalize)
}

func (r registryClient) headerID(headers []converter.KafkaHeader, name string) (int, bool, error) {
	return r.c.HeaderID(headers, name)
}

func (r registryClient) latest(subject string) (int, error) {
	s, err := r.c.LatestVersion(subject)
	return s.ID, err
}

func (r registryClient) notFound(err error) bool { return schemaregistry.NotFound(err) }

func (r registryClient) Close() error {
	r.c.Close()
	return nil
}
