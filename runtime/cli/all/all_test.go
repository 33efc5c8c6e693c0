package all_test

import (
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/cli/all"
)

// TestBuiltinSpoolDir: all adds kafka-connect-spooldir's connectors, by
// their class names and aliases.
func TestBuiltinSpoolDir(t *testing.T) {
	ps := connect.Plugins(all.Plugins())
	for _, name := range []string{
		"com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector",
		"SpoolDirJsonSourceConnector", "SpoolDirSchemaLessJsonSource", "SpoolDirLineDelimitedSourceConnector",
		"SpoolDirBinaryFileSource", "com.github.jcustenborder.kafka.connect.spooldir.elf.SpoolDirELFSourceConnector",
	} {
		if _, err := ps.Find(connect.SourcePlugin, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestBuiltinAvroConverter: all adds Confluent's
// AvroConverter and ProtobufConverter by their class names and aliases.
func TestBuiltinAvroConverter(t *testing.T) {
	ps := connect.Plugins(all.Plugins())
	for _, name := range []string{"io.confluent.connect.avro.AvroConverter", "AvroConverter",
		"io.confluent.connect.protobuf.ProtobufConverter", "ProtobufConverter"} {
		if _, err := ps.Find(connect.ConverterPlugin, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestBuiltinJsonSchemaConverter: all adds Confluent's
// JsonSchemaConverter by its class name and alias.
func TestBuiltinJsonSchemaConverter(t *testing.T) {
	ps := connect.Plugins(all.Plugins())
	for _, name := range []string{"io.confluent.connect.json.JsonSchemaConverter", "JsonSchemaConverter"} {
		if _, err := ps.Find(connect.ConverterPlugin, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestBuiltinPostgresCDC: all adds the PostgreSQL change
// data capture source by Debezium's class name and its alias.
func TestBuiltinPostgresCDC(t *testing.T) {
	ps := connect.Plugins(all.Plugins())
	for _, name := range []string{"io.debezium.connector.postgresql.PostgresConnector", "PostgresConnector"} {
		if _, err := ps.Find(connect.SourcePlugin, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestBuiltinMongoSource: all adds the MongoDB source by the
// official connector's class name and its alias.
func TestBuiltinMongoSource(t *testing.T) {
	ps := connect.Plugins(all.Plugins())
	for _, name := range []string{"com.mongodb.kafka.connect.MongoSourceConnector", "MongoSourceConnector"} {
		if _, err := ps.Find(connect.SourcePlugin, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
