package protobuf

import (
	"testing"

	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/kconnect-go/kconnect/connect"
)

// FuzzToConnect: no input makes the decoder panic; it returns a value or
// an error.
func FuzzToConnect(f *testing.F) {
	reg := srfake.New()
	f.Cleanup(reg.Close)
	c := newConv(f, reg.URL(), WrapperForNullablesConfig, "true")
	s := orderSchema()
	out, err := c.FromConnect(nil, "fz", connect.Headers{}, s, order(f, s))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(out)
	f.Add([]byte{0, 0, 0, 0, 1, 2, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = c.ToConnect("fz", connect.Headers{}, data)
	})
}
