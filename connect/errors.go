package connect

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrRetriable marks an error the runtime should retry: a task returns an
// error wrapping it (fmt.Errorf("...: %w", connect.ErrRetriable), or
// Retriable(err)) when the same call may succeed later, such as a database
// that is briefly unreachable. The runtime retries within errors.retry.timeout
// and with back-off; other errors fail the task, or are tolerated per record
// as errors.tolerance says.
var ErrRetriable = errors.New("retriable")

// ErrFatal marks an error no retry or tolerance setting may absorb: the task
// fails at once. Use it for misconfiguration discovered at run time.
var ErrFatal = errors.New("fatal")

// Retriable wraps err so that errors.Is(err, ErrRetriable) holds; nil stays nil.
func Retriable(err error) error {
	if err == nil {
		return nil
	}
	return &markedError{err: err, mark: ErrRetriable}
}

// Fatal wraps err so that errors.Is(err, ErrFatal) holds; nil stays nil.
func Fatal(err error) error {
	if err == nil {
		return nil
	}
	return &markedError{err: err, mark: ErrFatal}
}

// IsRetriable reports whether err is marked retriable.
func IsRetriable(err error) bool { return errors.Is(err, ErrRetriable) }

type markedError struct {
	err  error
	mark error
}

func (e *markedError) Error() string   { return e.err.Error() }
func (e *markedError) Unwrap() []error { return []error{e.err, e.mark} }

// Position says where a record is: the Kafka topic, partition and offset it
// was read from (sink records), or the source partition and offset a source
// task gave it (source records). Either half may be empty.
type Position struct {
	Topic     string
	Partition int32
	// Offset is the Kafka offset; -1 when the record has not been in Kafka.
	Offset int64

	SourcePartition SourcePartition
	SourceOffset    Offset
}

// IsZero reports whether p says nothing.
func (p Position) IsZero() bool {
	return p.Topic == "" && p.SourcePartition.IsZero() && p.SourceOffset.IsZero()
}

// String describes p for logs and error messages, such as
// "topic orders partition 3 offset 42" or
// `source partition {"filename":"a.txt"} offset {"position":30}`.
func (p Position) String() string {
	var parts []string
	if p.Topic != "" {
		s := "topic " + p.Topic + " partition " + strconv.Itoa(int(p.Partition))
		if p.Offset >= 0 {
			s += " offset " + strconv.FormatInt(p.Offset, 10)
		}
		parts = append(parts, s)
	}
	if !p.SourcePartition.IsZero() || !p.SourceOffset.IsZero() {
		parts = append(parts, "source partition "+p.SourcePartition.String()+" offset "+p.SourceOffset.String())
	}
	return strings.Join(parts, ", ")
}

// DataError is an error about one record's data: a value that does not match
// its schema, bytes a converter cannot read, a field a transform cannot
// handle. It says where the record is and, within the value, which element.
// The runtime routes records that fail with a DataError by errors.tolerance.
type DataError struct {
	// Position locates the record; the zero Position when unknown.
	Position Position
	// Path names the element within the key or value, such as "address.zip"
	// or "tags[3]"; empty for the whole value.
	Path string
	// Err is the cause.
	Err error
}

func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString("connect: ")
	if !e.Position.IsZero() {
		b.WriteString("record at ")
		b.WriteString(e.Position.String())
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("invalid data")
	}
	return b.String()
}

func (e *DataError) Unwrap() error { return e.Err }

// WithPosition returns err with the record position p attached: a copy of
// the *DataError within err with Position set, or a new DataError wrapping
// err. It leaves nil as nil.
func WithPosition(err error, p Position) error {
	if err == nil {
		return nil
	}
	var de *DataError
	if errors.As(err, &de) {
		c := *de
		c.Position = p
		return &c
	}
	return &DataError{Position: p, Err: err}
}

// prefixPath returns err with elem prepended to the path of its DataError.
func prefixPath(err error, elem string) error {
	var de *DataError
	if errors.As(err, &de) {
		c := *de
		c.Path = joinPath(elem, de.Path)
		return &c
	}
	return &DataError{Path: elem, Err: err}
}

// Errorf returns a *DataError at path with a formatted cause.
func Errorf(path, format string, args ...any) error {
	return &DataError{Path: path, Err: fmt.Errorf(format, args...)}
}
