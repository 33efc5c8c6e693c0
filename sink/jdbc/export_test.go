package jdbc

import "github.com/kconnect-go/kconnect/sink"

// CopiedRows returns how many rows a started task has written by bulk load
// (PostgreSQL's COPY) in committed transactions.
func CopiedRows(t sink.Task) int64 { return t.(*task).copied }

// Statements returns how many statements (a COPY counting as one) a
// started task has run in committed transactions.
func Statements(t sink.Task) int64 { return t.(*task).statements }

// Transactions returns how many explicit transactions (BEGIN … COMMIT) a
// started task has committed.
func Transactions(t sink.Task) int64 { return t.(*task).transactions }
