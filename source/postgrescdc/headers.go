package postgrescdc

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// The headers Debezium puts on change events.
const (
	newKeyHeader = "__debezium.newkey"
	oldKeyHeader = "__debezium.oldkey"
)

// contextHeaders are the four headers Debezium 3.x puts on every change
// event and tombstone, in its order: the logical name (topic.prefix), the
// task's number, the connector's short name, and an id of this run of the
// task. They are shared, so that adding a key-change header copies only
// that one.
func contextHeaders(prefix, runID string) connect.Headers {
	return connect.NewHeaders(
		connect.Header{Key: "__debezium.context.connectorLogicalName", Schema: connect.StringSchema, Value: prefix},
		connect.Header{Key: "__debezium.context.taskId", Schema: connect.StringSchema, Value: "0"},
		connect.Header{Key: "__debezium.context.connectorName", Schema: connect.StringSchema, Value: "postgresql"},
		connect.Header{Key: "__debezium.context.runId", Schema: connect.StringSchema, Value: runID},
	).Shared()
}

// keyHeader is a key-change header (the other key, with the key schema)
// followed by the context headers.
func keyHeader(name string, schema *connect.Schema, key *connect.Struct, ctx connect.Headers) connect.Headers {
	hs := []connect.Header{{Key: name, Schema: schema, Value: key}}
	for h := range ctx.All() {
		hs = append(hs, h)
	}
	return connect.NewHeaders(hs...)
}

// newRunID returns a version 7 UUID (RFC 9562: milliseconds since the
// epoch, then random bits), as Debezium's run ids are.
func newRunID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	binary.BigEndian.PutUint64(u[:8], uint64(time.Now().UnixMilli())<<16|uint64(binary.BigEndian.Uint16(u[6:8])))
	u[6] = u[6]&0x0f | 0x70
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
