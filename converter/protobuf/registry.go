package protobuf

// schemaRegistry is what the converter needs of a schema registry: the
// text registered under an id, and a subject's id for a schema text.
// registry_client.go satisfies it with the client the schema-registry
// converters share (internal/schemaregistry), which brings failover,
// retries, caches, auth and TLS.
type schemaRegistry interface {
	schemaText(id int) (string, error)
	id(subject, schema string, register, normalize bool) (int, error)
	notFound(err error) bool
	Close() error
}
