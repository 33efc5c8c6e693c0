package postgrescdc

import "github.com/kconnect-go/kconnect/source"

// Queued is the number of records a task has queued that Poll has not
// returned yet.
func Queued(t source.Task) int { return len(t.(*task).queue) }
