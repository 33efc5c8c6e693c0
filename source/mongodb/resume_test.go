package mongodb

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/connecttest"
)

// resumeTask is a task whose committed offset holds a resume token and
// whose server rejects that token with err; it records the tokens it was
// asked to resume after (nil: none).
func resumeTask(t *testing.T, config map[string]string, err error) (*task, *[]bson.Raw, *bytes.Buffer) {
	t.Helper()
	tk := testTask(t, config)
	offsets := connecttest.NewOffsets()
	offsets.Commit(tk.partition, connect.NewOffset(idField, `{"_data": "8263AA"}`))
	tk.offsets = offsets
	var logs bytes.Buffer
	tk.log = slog.New(slog.NewTextHandler(&logs, nil))
	var asked []bson.Raw
	tk.watchFn = func(_ context.Context, token bson.Raw) (*mongo.ChangeStream, error) {
		asked = append(asked, token)
		if token != nil {
			return nil, err
		}
		return nil, nil
	}
	return tk, &asked, &logs
}

var historyLost = mongo.CommandError{Code: 286, Name: "ChangeStreamHistoryLost",
	Message: "Resume of change stream was not possible, as the resume point may no longer be in the oplog."}

// TestLostResumeTokenFails: with errors.tolerance=none a resume token the
// server no longer has fails the task, with an error naming the partition
// and a log line saying what to do; the stream is not restarted without
// the token.
func TestLostResumeTokenFails(t *testing.T) {
	tk, asked, logs := resumeTask(t, nil, historyLost)
	_, err := tk.Poll(context.Background())
	require.ErrorContains(t, err, "resume token not found")
	require.ErrorContains(t, err, "mongodb://h1:27017,h2/engineering.users")
	require.Len(t, *asked, 1)
	require.Equal(t, `{"_data": "8263AA"}`, toJSON(rawDoc((*asked)[0]), modeRelaxed))
	require.Contains(t, logs.String(), "level=WARN")
	require.Contains(t, logs.String(), "errors.tolerance=all")
	require.NotContains(t, logs.String(), "secret")
}

// TestLostResumeTokenTolerated: with errors.tolerance=all (or
// mongo.errors.tolerance=all) the stream restarts without the token, and
// an error line says changes may have been lost.
func TestLostResumeTokenTolerated(t *testing.T) {
	for _, key := range []string{ErrorsToleranceConfig, MongoErrorsToleranceConfig} {
		tk, asked, logs := resumeTask(t, map[string]string{key: "all"}, historyLost)
		recs, err := tk.Poll(context.Background())
		require.NoError(t, err, key)
		require.Empty(t, recs)
		require.Len(t, *asked, 2)
		require.Nil(t, (*asked)[1])
		require.Contains(t, logs.String(), "level=ERROR")
		require.Contains(t, logs.String(), "potential for data loss")
	}
	// A message that says the token is gone counts too.
	tk, asked, _ := resumeTask(t, map[string]string{ErrorsToleranceConfig: "all"},
		mongo.CommandError{Code: 0, Message: "cannot resume stream; the resume token was not found."})
	_, err := tk.Poll(context.Background())
	require.NoError(t, err)
	require.Len(t, *asked, 2)
}

// TestInvalidatedResumeToken: a token the server reports invalidated (code
// 260) restarts the stream without it whatever errors.tolerance says, as
// the official connector does.
func TestInvalidatedResumeToken(t *testing.T) {
	tk, asked, _ := resumeTask(t, nil, mongo.CommandError{Code: 260, Message: "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification."})
	_, err := tk.Poll(context.Background())
	require.NoError(t, err)
	require.Len(t, *asked, 2)
	require.Nil(t, (*asked)[1])
}

// TestOtherOpenErrorsFail: an error that does not concern the token fails
// the task (errors.tolerance does not hide it), naming the pipeline for an
// illegal stage.
func TestOtherOpenErrorsFail(t *testing.T) {
	tk, _, _ := resumeTask(t, map[string]string{ErrorsToleranceConfig: "all"}, mongo.CommandError{Code: 20, Message: "$out is not permitted in a $changeStream pipeline"})
	_, err := tk.Poll(context.Background())
	require.ErrorContains(t, err, PipelineConfig)
}

// TestCopyOffsetIgnoredForResume: a committed offset with the copy marker
// is not a resume token.
func TestCopyOffsetIgnoredForResume(t *testing.T) {
	tk, asked, _ := resumeTask(t, nil, historyLost)
	offsets := connecttest.NewOffsets()
	offsets.Commit(tk.partition, connect.NewOffset(idField, `{"_id": 1, "copyingData": true}`, copyKey, "true"))
	tk.offsets = offsets
	_, err := tk.Poll(context.Background())
	require.NoError(t, err)
	require.Equal(t, []bson.Raw{nil}, *asked)
}
