package connect_test

import (
	"fmt"
	"strconv"

	"github.com/kconnect-go/kconnect/connect"
)

// A source reading typed cells builds its rows with SetAtUnchecked: each
// value is made for its field's schema, so SetAt's check would only repeat
// what the code already knows. A cell the code cannot make such a value
// from (here an empty, optional cell) goes through SetAt, which keeps the
// rules: a null is refused for a required field.
func ExampleStruct_SetAtUnchecked() {
	schema := connect.StructOf(
		connect.F("id", connect.Int64Schema),
		connect.F("name", connect.StringSchema),
		connect.F("score", connect.OptionalFloat64Schema),
	)
	row := []string{"42", "Ada", ""}

	st := connect.NewStruct(schema)
	id, err := strconv.ParseInt(row[0], 10, 64)
	if err != nil {
		fmt.Println(err)
		return
	}
	st.SetAtUnchecked(0, connect.Int64Value(id))         // INT64 field, KindInt64 value
	st.SetAtUnchecked(1, connect.StringValue(row[1]))    // STRING field, KindString value
	if err := st.SetAt(2, connect.Value{}); err != nil { // a null: SetAt checks the field is optional
		fmt.Println(err)
		return
	}
	fmt.Println(st, st.Validate())
	// Output: Struct{id=42,name=Ada} <nil>
}
