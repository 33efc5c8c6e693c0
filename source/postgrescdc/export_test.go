package postgrescdc

import "github.com/kconnect-go/kconnect/source"

// Queued is the number of records a task has queued that Poll has not
// returned yet.
func Queued(t source.Task) int { return len(t.(*task).queue) }

// JavaKey reads an incremental snapshot key of the offsets (the hex of a
// serialized Object[]) as the text of each value.
func JavaKey(hex string) ([]string, error) {
	vals, err := decodeJavaKey(hex)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		if out[i], err = keyLiteralText(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}
