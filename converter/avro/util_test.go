package avro

import (
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/sr/srfake"
)

type atomicString struct{ v atomic.Value }

func (a *atomicString) Load() string {
	s, _ := a.v.Load().(string)
	return s
}

func (a *atomicString) Store(s string) { a.v.Store(s) }

func newRegistryB(b *testing.B) string {
	reg := srfake.New()
	b.Cleanup(reg.Close)
	return reg.URL()
}
