package stringconv

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/kconnect-go/kconnect/connect"
)

// appendJava appends v as Java's String.valueOf prints the value Kafka
// Connect holds for it (see the package doc and connect.AppendJavaString).
// A byte slice anywhere in v, or a Go type outside the data model, is a
// *connect.DataError naming its path.
func appendJava(dst []byte, v any) ([]byte, error) {
	return connect.AppendJavaString(dst, v, rejectNonText)
}

// rejectNonText is connect.AppendJavaString's other: StringConverter writes
// neither bytes (Kafka Connect writes the array's identity) nor Go types
// outside the data model.
func rejectNonText(dst []byte, v any) ([]byte, error) {
	if _, ok := v.([]byte); ok {
		return dst, &connect.DataError{Err: errors.New("a BYTES value has no text form (Kafka Connect writes the Java array's identity, such as [B@1b6d3586); use ByteArrayConverter")}
	}
	return dst, &connect.DataError{Err: fmt.Errorf("%s is not a connect value type", reflect.TypeOf(v))}
}
