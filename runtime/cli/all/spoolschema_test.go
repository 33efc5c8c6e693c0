package all_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/syncbuf"
	"github.com/kconnect-go/kconnect/runtime/cli"
	"github.com/kconnect-go/kconnect/runtime/cli/all"
)

// TestSpoolDirSchema prints the schemas spooldir's generation infers from
// a directory's CSV files, as properties lines; a directory without one
// is an error naming it.
func TestSpoolDirSchema(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.csv"), []byte("id,name\n1,Zoë\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.csv"), []byte("id,score\n2,0.5\n"), 0o644))
	var out, errOut syncbuf.Buffer
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.csv"), []byte("ünï\nx\n"), 0o644))
	require.Equal(t, 0, cli.Main(context.Background(), []string{"spooldir-schema", "-key", "id", dir}, append(all.Options(), cli.Output(nil, &out, &errOut))...), errOut.String())
	require.Equal(t, `key.schema={"name":"com.github.jcustenborder.kafka.connect.model.Key","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":true}}}
value.schema={"name":"com.github.jcustenborder.kafka.connect.model.Value","type":"STRUCT","isOptional":false,"fieldSchemas":{"id":{"type":"INT64","isOptional":true},"name":{"type":"STRING","isOptional":true},"score":{"type":"FLOAT64","isOptional":true},"\u00fcn\u00ef":{"type":"STRING","isOptional":true}}}
`, out.String())

	empty := t.TempDir()
	errOut = syncbuf.Buffer{}
	require.Equal(t, cli.ExitConfig, cli.Main(context.Background(), []string{"spooldir-schema", "-json", empty}, append(all.Options(), cli.Output(nil, &out, &errOut))...))
	require.Contains(t, errOut.String(), empty)
	errOut = syncbuf.Buffer{}
	require.Equal(t, cli.ExitUsage, cli.Main(context.Background(), []string{"spooldir-schema"}, append(all.Options(), cli.Output(nil, &out, &errOut))...))
	require.Contains(t, errOut.String(), "kconnect: spooldir-schema: usage: kconnect spooldir-schema [-json]")
}
