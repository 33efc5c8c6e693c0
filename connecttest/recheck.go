package connecttest

import (
	"fmt"
	"strconv"

	"github.com/kconnect-go/kconnect/connect"
)

// Recheck returns an error for the first Struct in v (v itself, or one in
// an array, a map or another Struct, at any depth) holding a field value
// that Struct.SetAt refuses, naming its path, or that a copy rebuilt
// through SetAt does not equal; nil when there is none. It is for the
// tests of code that builds Structs with Struct.SetAtUnchecked: what that
// code builds must be what the checked setters would have built.
func Recheck(v any) error { return recheck(v, "") }

func recheck(v any, path string) error {
	switch x := v.(type) {
	case *connect.Struct:
		if x == nil {
			return nil
		}
		rebuilt := connect.NewStruct(x.Schema())
		for i, f := range x.Schema().Fields {
			p := f.Name
			if path != "" {
				p = path + "." + f.Name
			}
			fv := x.At(i)
			if err := rebuilt.SetAt(i, fv); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if err := recheck(fv.Any(), p); err != nil {
				return err
			}
		}
		if !rebuilt.Equal(x) {
			return fmt.Errorf("%s: rebuilt through SetAt, %v is not equal to %v", path, rebuilt, x)
		}
	case []any:
		for i, e := range x {
			if err := recheck(e, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range x {
			if err := recheck(e, path+"["+k+"]"); err != nil {
				return err
			}
		}
	case []connect.MapEntry:
		for i, e := range x {
			if err := recheck(e.Key, path+"["+strconv.Itoa(i)+"].key"); err != nil {
				return err
			}
			if err := recheck(e.Value, path+"["+strconv.Itoa(i)+"].value"); err != nil {
				return err
			}
		}
	}
	return nil
}
