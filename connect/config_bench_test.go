package connect_test

import (
	"testing"

	"github.com/kconnect-go/kconnect/connect"
)

func BenchmarkConfigDefParse(b *testing.B) {
	def := connect.NewConfigDef().
		Define(connect.ConfigKey{Name: "name", Type: connect.ConfigString, Required: true, Importance: connect.High, Validator: connect.NonEmpty()}).
		Define(connect.ConfigKey{Name: "connector.class", Type: connect.ConfigClass, Required: true, Importance: connect.High}).
		Define(connect.ConfigKey{Name: "tasks.max", Type: connect.ConfigInt, Default: 1, Importance: connect.High, Validator: connect.AtLeast(1)}).
		Define(connect.ConfigKey{Name: "topics", Type: connect.ConfigList, Default: "", Importance: connect.High}).
		Define(connect.ConfigKey{Name: "batch.size", Type: connect.ConfigLong, Default: 2000, Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "ratio", Type: connect.ConfigDouble, Default: 0.5, Importance: connect.Low, Validator: connect.Range(0.0, 1.0)}).
		Define(connect.ConfigKey{Name: "enabled", Type: connect.ConfigBoolean, Default: true, Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "password", Type: connect.ConfigPassword, Importance: connect.Medium}).
		Define(connect.ConfigKey{Name: "poll.interval", Type: connect.ConfigDuration, Default: "1s", Importance: connect.Low}).
		Define(connect.ConfigKey{Name: "mode", Type: connect.ConfigString, Default: "append", Importance: connect.Low, Validator: connect.OneOf("append", "overwrite")})
	raw := map[string]string{
		"name": "c1", "connector.class": "FileStreamSource", "tasks.max": "4", "topics": "a, b, c",
		"batch.size": "5000", "ratio": "0.25", "enabled": "false", "password": "secret",
		"poll.interval": "500", "mode": "overwrite", "producer.override.acks": "all",
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := def.Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}
