package protobuf

import (
	"testing"

	"github.com/twmb/franz-go/pkg/sr/srfake"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/kconnect-go/kconnect/connect"
)

// FuzzToConnect: no input makes the decoder panic; and whatever payload
// google.golang.org/protobuf reads into the record's message, the decoder
// reads too, into the same Struct.
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
	rm, err := c.message(1, []int{0})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, v, err := c.ToConnect("fz", connect.Headers{}, data)
		if len(data) < 6 || data[0] != 0 || data[4] != 1 || data[1]|data[2]|data[3] != 0 || data[5] != 0 {
			return
		}
		m := dynamicpb.NewMessage(rm.md)
		if unmarshal(data[6:], m) != nil {
			return
		}
		ref, rerr := c.data.toConnect(rm.schema, m)
		if rerr != nil {
			return
		}
		if err != nil {
			t.Fatalf("google.golang.org/protobuf reads %x, the decoder does not: %v", data[6:], err)
		}
		if !v.(*connect.Struct).Equal(ref) {
			t.Fatalf("%x:\nread:      %v\nreference: %v", data[6:], v, ref)
		}
	})
}
