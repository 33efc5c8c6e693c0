package spooldir

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/source"
)

// TestExactlyOnceSupport: supported, but with files.notifications (a
// resumed file is announced again) or a configuration that cannot be
// parsed.
func TestExactlyOnceSupport(t *testing.T) {
	d := newDirs(t)
	for _, p := range Plugins() {
		c := p.New().(source.ExactlyOnceConnector)
		require.Equal(t, source.ExactlyOnceSupported, c.ExactlyOnceSupport(d.config(`.*`)), p.Class)
		require.Equal(t, source.ExactlyOnceUnsupported, c.ExactlyOnceSupport(d.config(`.*`, FilesNotificationsConfig, "true")), p.Class)
		require.Equal(t, source.ExactlyOnceUnsupported, c.ExactlyOnceSupport(map[string]string{}), p.Class)
	}
}

// TestAlterOffsets: resets and offsets of the shape the connector (or a
// JVM spooldir) writes are accepted, others refused naming what is wrong.
func TestAlterOffsets(t *testing.T) {
	own := connect.NewSourcePartition(FileNameField, "a.csv", FileLengthField, int64(10), FileModifiedField, int64(1000))
	jvm := connect.NewSourcePartition(FileNameField, "a.csv")
	c := CsvPlugin().New().(source.OffsetAlterer)
	for _, tc := range []struct {
		change source.OffsetChange
		err    string
	}{
		{source.OffsetChange{Partition: own, Offset: connect.NewOffset(OffsetField, int64(2), PositionField, int64(8), LineField, int64(3))}, ""},
		{source.OffsetChange{Partition: own}, ""},
		{source.OffsetChange{Partition: jvm, Offset: connect.NewOffset(OffsetField, int64(2))}, ""},
		{source.OffsetChange{Partition: own, Offset: connect.NewOffset(OffsetField, int64(2))}, `"position"`},
		{source.OffsetChange{Partition: own, Offset: connect.NewOffset(OffsetField, int64(2), PositionField, int64(-1), LineField, int64(3))}, `"position"`},
		{source.OffsetChange{Partition: jvm, Offset: connect.NewOffset(OffsetField, "2")}, `"offset"`},
		{source.OffsetChange{Partition: connect.NewSourcePartition("filename", "a.csv"), Offset: connect.NewOffset(OffsetField, int64(2))}, `"fileName"`},
	} {
		handled, err := c.AlterOffsets(context.Background(), nil, []source.OffsetChange{tc.change})
		require.False(t, handled)
		if tc.err == "" {
			require.NoError(t, err, "%v", tc.change)
		} else {
			require.ErrorContains(t, err, tc.err, "%v", tc.change)
			require.ErrorContains(t, err, CsvClass)
		}
	}
}
