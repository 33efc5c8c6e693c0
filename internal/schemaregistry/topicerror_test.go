package schemaregistry

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

func TestTopicError(t *testing.T) {
	err := TopicError("avro", "orders", connect.Retriable(errors.New("registry down")))
	require.True(t, connect.IsRetriable(err))
	require.EqualError(t, err, "avro: topic orders: registry down")

	err = TopicError("protobuf", "orders", &connect.DataError{Path: "items[2].qty", Err: errors.New("not an int")})
	var de *connect.DataError
	require.True(t, errors.As(err, &de))
	require.Equal(t, "items[2].qty", de.Path, "the field's path is kept")
	require.ErrorContains(t, err, "protobuf: topic orders: not an int")

	err = TopicError("jsonschema", "orders", errors.New("no magic byte"))
	require.True(t, errors.As(err, &de), "bytes a converter cannot read are the record's fault")
	require.ErrorContains(t, err, "jsonschema: topic orders: no magic byte")
}
