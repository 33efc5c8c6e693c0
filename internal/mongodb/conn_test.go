package mongodb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/internal/mongodb"
	"github.com/kconnect-go/kconnect/internal/testenv"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"mongodb://localhost:27017":                                                               "mongodb://localhost:27017",
		"mongodb://alice:s3cr%40t@h1:1,h2:2/db?authSource=admin":                                  "mongodb://****@h1:1,h2:2/db?authSource=admin",
		"mongodb+srv://alice:p@ss/w@cluster0.example.net/?w=majority":                             "mongodb+srv://****@cluster0.example.net/?w=majority",
		"mongodb://h/?tlsCertificateKeyFilePassword=hunter22&appName=x":                           "mongodb://h/?tlsCertificateKeyFilePassword=****&appName=x",
		"mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:tok123": "mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=****",
		"just-a-secret": "****",
	} {
		require.Equal(t, want, mongodb.Redact(in), in)
	}
}

func TestRedactError(t *testing.T) {
	uri := "mongodb://alice:s3cr%40t@h1:1/?tlsCertificateKeyFilePassword=hunter22"
	base := errors.New("auth failed for alice:s3cr@t and s3cr%40t, key hunter22")
	err := mongodb.RedactError(base, uri)
	require.NotContains(t, err.Error(), "s3cr")
	require.NotContains(t, err.Error(), "hunter22")
	require.ErrorIs(t, err, base)
	require.NoError(t, mongodb.RedactError(nil, uri))
}

// A connection string the driver refuses, or a server that does not
// answer, gives an error without the credentials.
func TestConnectErrorsHideCredentials(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, uri := range []string{
		"mongodb://alice:topsecret99@127.0.0.1:1/?connectTimeoutMS=200&serverSelectionTimeoutMS=300",
		"mongodb://alice:topsecret99@127.0.0.1:1/?w=notanumber&wtimeoutMS=abc",
		"mongodb://alice:topsecret99@[::1/",
	} {
		_, err := mongodb.Connect(ctx, uri, "test", "0")
		require.Error(t, err, uri)
		require.NotContains(t, err.Error(), "topsecret99", uri)
		require.False(t, strings.Contains(err.Error(), "alice:"), err.Error())
	}
}

func TestConnect(t *testing.T) {
	uri := testenv.Integration(t, "KCONNECT_MONGODB_URI")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := mongodb.Connect(ctx, uri, "test", "0")
	require.NoError(t, err)
	require.NoError(t, c.Disconnect(ctx))
}
