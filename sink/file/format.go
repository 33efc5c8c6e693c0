package file

import (
	"fmt"

	"github.com/kconnect-go/kconnect/connect"
)

// AppendValue appends v as the sink writes it (without the newline): Java's
// String.valueOf of the value Kafka Connect holds, except that bytes are
// written as they are. See the package documentation for every form. It
// never fails and does not allocate for strings, bytes, numbers, booleans
// and times.
func AppendValue(dst []byte, v any) []byte {
	// writeOther never fails, so neither does AppendJavaString.
	dst, _ = connect.AppendJavaString(dst, v, writeOther)
	return dst
}

// writeOther is connect.AppendJavaString's other: bytes as they are, and a
// Go type outside the data model as fmt's %v prints it, so that no record is
// lost.
func writeOther(dst []byte, v any) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		return append(dst, b...), nil
	}
	return fmt.Append(dst, v), nil
}
