// Package all is what cmd/kconnect adds to the worker program of
// runtime/cli: every connector and converter that comes with kconnect,
// and the spooldir-schema command.
//
//	os.Exit(cli.Main(ctx, os.Args[1:], all.Options()...))
//
// Linking it links the libraries of every plugin family (the SQL drivers,
// the MongoDB and Elasticsearch clients, the schema registry converters'
// Avro, JSON Schema and Protobuf libraries), and every process of the
// program runs their package initialisation: a distributed worker idles
// at about 35 MiB with all of them against 20 MiB with FileStream alone
// (BENCHMARKS.md). A worker that runs a few of them is leaner naming them
// itself, with cli.Plugins.
package all

import (
	"github.com/kconnect-go/kconnect/connect"
	avroconv "github.com/kconnect-go/kconnect/converter/avro"
	jsonschemaconv "github.com/kconnect-go/kconnect/converter/jsonschema"
	protoconv "github.com/kconnect-go/kconnect/converter/protobuf"
	"github.com/kconnect-go/kconnect/runtime/cli"
	sinkelasticsearch "github.com/kconnect-go/kconnect/sink/elasticsearch"
	sinkjdbc "github.com/kconnect-go/kconnect/sink/jdbc"
	sinkmongodb "github.com/kconnect-go/kconnect/sink/mongodb"
	sourcejdbc "github.com/kconnect-go/kconnect/source/jdbc"
	sourcemongodb "github.com/kconnect-go/kconnect/source/mongodb"
	"github.com/kconnect-go/kconnect/source/postgrescdc"
	"github.com/kconnect-go/kconnect/source/spooldir"
)

// Plugins returns the connectors and converters that come with kconnect
// beyond runtime/cli's own (the FileStream connectors, Kafka's converters
// and transforms): kafka-connect-spooldir's sources, the JDBC source and
// sink, Debezium's PostgreSQL source, the MongoDB source and sink, the
// Elasticsearch sink, and Confluent's AvroConverter, JsonSchemaConverter
// and ProtobufConverter.
func Plugins() []connect.Plugin {
	ps := []connect.Plugin{sourcejdbc.Plugin(), sinkjdbc.Plugin(), postgrescdc.Plugin(),
		sourcemongodb.Plugin(), sinkmongodb.Plugin(), sinkelasticsearch.Plugin(),
		avroconv.Plugin(), jsonschemaconv.Plugin(), protoconv.Plugin()}
	for _, p := range spooldir.Plugins() {
		ps = append(ps, p)
	}
	return ps
}

// Options returns Plugins and the spooldir-schema command as options of
// the program.
func Options() []cli.Option {
	return []cli.Option{cli.Plugins(Plugins()...), cli.Commands(SpoolDirSchema())}
}
