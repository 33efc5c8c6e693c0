package protobuf

import "github.com/kconnect-go/kconnect/converter"

// schemaRegistry is what the converter needs of a schema registry: the
// text registered under an id with the files it imports from other
// subjects (by import path), and a subject's id for a schema text.
// registry_client.go satisfies it with the client the schema-registry
// converters share (internal/schemaregistry), which brings failover,
// retries, caches, auth and TLS.
type schemaRegistry interface {
	schemaText(id int) (text string, imports map[string]string, err error)
	id(subject, schema string, register, normalize bool) (int, error)
	notFound(err error) bool
	// latest is the id of subject's latest version.
	latest(subject string) (int, error)
	// headerID reads a schema id from the last header called name, as
	// schemaregistry.Client.HeaderID does.
	headerID(headers []converter.KafkaHeader, name string) (id int, found bool, err error)
	Close() error
}
