package source

import (
	"context"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/stretchr/testify/require"
)

func TestSimpleConnectorCopiesConfig(t *testing.T) {
	ctx := context.Background()
	c := SimpleConnector(func() Task { return TaskFunc(func(context.Context) ([]connect.Record, error) { return nil, nil }) })
	cfg := map[string]string{"a": "1"}
	require.NoError(t, c.Start(ctx, cfg, nil))
	cfg["a"] = "changed"
	tcs, err := c.TaskConfigs(3)
	require.NoError(t, err)
	require.Equal(t, []map[string]string{{"a": "1"}}, tcs)
	tcs[0]["a"] = "x"
	again, _ := c.TaskConfigs(1)
	require.Equal(t, "1", again[0]["a"])
	none, _ := c.TaskConfigs(0)
	require.Empty(t, none)
	require.NoError(t, c.Stop(ctx))
}

func TestTaskFuncHonoursCancel(t *testing.T) {
	task := TaskFunc(func(ctx context.Context) ([]connect.Record, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := task.Poll(ctx)
	require.ErrorIs(t, err, context.Canceled)
}
