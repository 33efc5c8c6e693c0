package transform

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

func TestSchemaCache(t *testing.T) {
	var c schemaCache[int]
	a, b := connect.StructOf(), connect.StructOf()
	_, ok := c.get(a)
	require.False(t, ok)
	require.Equal(t, 1, c.put(a, 1))
	v, ok := c.get(a)
	require.True(t, ok)
	require.Equal(t, 1, v)
	_, ok = c.get(b)
	require.False(t, ok, "keyed by pointer, not by equality")

	calls := 0
	derive := func(*connect.Schema) (int, error) { calls++; return 2, nil }
	v, err := c.getOrCompute(b, derive)
	require.NoError(t, err)
	require.Equal(t, 2, v)
	v, err = c.getOrCompute(b, derive)
	require.NoError(t, err)
	require.Equal(t, 2, v)
	require.Equal(t, 1, calls)

	boom := errors.New("boom")
	s := connect.StructOf()
	_, err = c.getOrCompute(s, func(*connect.Schema) (int, error) { return 0, boom })
	require.ErrorIs(t, err, boom)
	_, ok = c.get(s)
	require.False(t, ok, "errors are not cached")
}

func TestSchemaCacheBounded(t *testing.T) {
	c := schemaCache[int]{max: 4}
	var schemas []*connect.Schema
	for i := 0; i < 10; i++ {
		s := connect.StructOf()
		schemas = append(schemas, s)
		c.put(s, i)
		require.LessOrEqual(t, len(*c.m.Load()), 4)
	}
	v, ok := c.get(schemas[9])
	require.True(t, ok)
	require.Equal(t, 9, v)
}

func TestSchemaCacheConcurrent(t *testing.T) {
	var c schemaCache[*connect.Schema]
	schemas := make([]*connect.Schema, 50)
	for i := range schemas {
		schemas[i] = connect.StructOf()
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				s := schemas[i%len(schemas)]
				v, err := c.getOrCompute(s, func(in *connect.Schema) (*connect.Schema, error) { return in, nil })
				if err != nil || v != s {
					t.Errorf("got %p, want %p", v, s)
					return
				}
			}
		}()
	}
	wg.Wait()
}
