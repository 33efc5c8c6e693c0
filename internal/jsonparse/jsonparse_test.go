package jsonparse

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kconnect-go/kconnect/connect"
)

func TestParse(t *testing.T) {
	in := ` {"b": [1, -2.5e3, "x\u00e9", true, false, null], "a": {}, "b": "last"} `
	n, err := Parse([]byte(in))
	require.NoError(t, err)
	require.Equal(t, Object, n.Kind)
	require.Equal(t, []string{"b", "a"}, n.Keys, "document order, a repeated key keeps its first place")
	require.Equal(t, 1, n.Start)
	require.Equal(t, len(in)-1, n.End, "the span leaves out white space")
	b := n.Member("b")
	require.Equal(t, String, b.Kind)
	require.Equal(t, "last", b.Str, "the last of repeated keys wins")
	require.Equal(t, "a string", b.Describe())
	require.Nil(t, n.Member("c"))

	n, err = Parse([]byte(`[1, -2.5e3, "x\u00e9", true, false, null, []]`))
	require.NoError(t, err)
	var kinds []Kind
	var strs []string
	for _, k := range n.Kids {
		kinds = append(kinds, k.Kind)
		strs = append(strs, k.Str)
	}
	require.Equal(t, []Kind{Number, Number, String, True, False, Null, Array}, kinds)
	require.Equal(t, []string{"1", "-2.5e3", "xé", "", "", "", ""}, strs)
	require.Equal(t, `"x\u00e9"`, `[1, -2.5e3, "x\u00e9", true, false, null, []]`[n.Kids[2].Start:n.Kids[2].End])
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, err string
	}{
		{"", "invalid JSON: empty input"},
		{"  ", "invalid JSON: empty input"},
		{`{"a":1} x`, "invalid JSON at byte 8: unexpected data after the JSON value"},
		{`[1,]`, "invalid JSON at byte 3: unexpected character ']'"},
		{`{"a" 1}`, "invalid JSON at byte 5: expected ':' after object key"},
		{`{1:2}`, "invalid JSON at byte 1: expected a string key in object"},
		{`[1 2]`, "invalid JSON at byte 3: expected ',' or ']' in array"},
		{`{"a":1`, "invalid JSON at byte 6: unterminated object"},
		{`tru`, "invalid JSON at byte 0: invalid literal"},
		{`01`, "invalid JSON at byte 1: unexpected data after the JSON value"},
		{`-`, "invalid JSON at byte 1: invalid number"},
		{`1.`, "invalid JSON at byte 2: invalid number"},
		{`1e+`, "invalid JSON at byte 3: invalid number"},
		{`"a`, "invalid JSON at byte 2: unterminated string"},
		{`"a\`, "invalid JSON at byte 3: unterminated string"},
		{"\"a\x01\"", "invalid JSON at byte 2: control character in string"},
		{`"\x"`, "invalid JSON at byte 3: invalid escape \\x"},
		{`"\u12"`, "invalid JSON at byte 3: invalid \\u escape"},
		{strings.Repeat("[", MaxDepth+1), fmt.Sprintf("invalid JSON at byte %d: nested deeper than %d", MaxDepth, MaxDepth)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			require.EqualError(t, err, tt.err)
			_, err = ParseAny([]byte(tt.in), numberText)
			require.EqualError(t, err, tt.err, "ParseAny")
		})
	}
}

// numberText is a ParseAny number function that keeps a number's text.
func numberText(s string) any { return json.Number(s) }

// nodeAny converts a Node tree to the values ParseAny returns.
func nodeAny(n *Node) any {
	switch n.Kind {
	case True:
		return true
	case False:
		return false
	case String:
		return n.Str
	case Number:
		return json.Number(n.Str)
	case Array:
		out := []any{}
		for i := range n.Kids {
			out = append(out, nodeAny(&n.Kids[i]))
		}
		return out
	case Object:
		out := []connect.MapEntry{}
		for i, k := range n.Keys {
			out = append(out, connect.MapEntry{Key: k, Value: nodeAny(&n.Kids[i])})
		}
		return connect.JavaHashMapEntries(out)
	}
	return nil
}

func TestParseAny(t *testing.T) {
	got, err := ParseAny([]byte(` {"a":[1,-2.5e3,{"b":null}],"c":"\u00e9","d":true,"e":false,"a2":[],"o":{},"c":"last"} `), numberText)
	require.NoError(t, err)
	// java.util.HashMap order: by bucket, "a" (97) and "a2" (3057) both in
	// bucket 1 in document order, then "c", "d", "e" and "o" (111).
	require.Equal(t, []connect.MapEntry{
		{Key: "a", Value: []any{json.Number("1"), json.Number("-2.5e3"), []connect.MapEntry{{Key: "b", Value: nil}}}},
		{Key: "a2", Value: []any{}},
		{Key: "c", Value: "last"}, {Key: "d", Value: true}, {Key: "e", Value: false}, {Key: "o", Value: []connect.MapEntry{}},
	}, got)
}

// Keys sharing a bucket keep document order, as the HashMap JsonConverter
// fills: "q" (113) and "a" (97) share bucket 1, "BB" and "Aa" hash alike.
// A repeated key keeps its first place and its last value.
func TestParseAnyHashMapOrder(t *testing.T) {
	got, err := ParseAny([]byte(`{"q":1,"a":2,"BB":3,"Aa":4,"q":5}`), numberText)
	require.NoError(t, err)
	require.Equal(t, []connect.MapEntry{
		{Key: "BB", Value: json.Number("3")}, {Key: "Aa", Value: json.Number("4")},
		{Key: "q", Value: json.Number("5")}, {Key: "a", Value: json.Number("2")},
	}, got)
}

func TestReadString(t *testing.T) {
	tests := []struct {
		name, in    string
		raw, decode string // without and with ReplaceInvalidUTF8
	}{
		{"plain", `"abc"`, "abc", "abc"},
		{"escapes", `"\"\\\/\b\f\n\r\t"`, "\"\\/\b\f\n\r\t", "\"\\/\b\f\n\r\t"},
		{"pair", `"\ud83d\ude00"`, "😀", "😀"},
		{"lone high surrogate", `"\ud800x"`, "\ufffdx", "\ufffdx"},
		{"high then an escape", `"\ud800\n"`, "\ufffd\n", "\ufffd\n"},
		{"two highs", `"\ud800\ud800"`, "\ufffd\ufffd", "\ufffd\ufffd"},
		{"lone low", `"\udc00"`, "\ufffd", "\ufffd"},
		{"invalid UTF-8", "\"a\xffb\"", "a\xffb", "a\ufffdb"},
		{"invalid UTF-8 after an escape", "\"\\n\xfe\"", "\n\xfe", "\n\ufffd"},
		{"valid UTF-8", `"héllo"`, "héllo", "héllo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, replace := range []bool{false, true} {
				p := Parser{Data: []byte(tt.in), ReplaceInvalidUTF8: replace}
				s, err := p.ReadString()
				require.NoError(t, err)
				require.Equal(t, len(tt.in), p.Pos)
				if replace {
					require.Equal(t, tt.decode, s)
				} else {
					require.Equal(t, tt.raw, s)
				}
			}
		})
	}
}

// fuzzKeys is shared by every input of FuzzParse, as a converter's Keys
// are shared by every record.
var fuzzKeys Keys

// FuzzParse checks Parse against encoding/json: the same documents are
// valid (within MaxDepth), Skip agrees with Value, and strings decode as
// encoding/json decodes them when ReplaceInvalidUTF8 is set.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5e-3,{"b":null}],"c":"\u00e9\ud83d\ude00\ud800"}`, `"\"\\\/\b\f\n\r\t"`, "\"\xff\xfe\"",
		`[]`, `{}`, `-0`, `01`, `1.`, `.5`, `"\u12"`, `tru`, `[1,]`, `{"a" 1}`, ` null `, `"\ud800\u0041"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(data)
		if depth(data) <= MaxDepth && (err == nil) != json.Valid(data) {
			t.Fatalf("%q: Parse error %v, json.Valid %v", data, err, json.Valid(data))
		}
		v, anyErr := ParseAny(data, numberText)
		if fmt.Sprint(anyErr) != fmt.Sprint(err) {
			t.Fatalf("%q: ParseAny error %v, Parse error %v", data, anyErr, err)
		}
		if err == nil {
			require.Equal(t, nodeAny(&n), v, "%q: ParseAny and Parse disagree", data)
		}
		// With interned member names (twice: the second from the table),
		// the same values and errors.
		for range 2 {
			ip := Parser{Data: data, Keys: &fuzzKeys}
			iv, ierr := ip.AnyDocument(numberText)
			if fmt.Sprint(ierr) != fmt.Sprint(err) {
				t.Fatalf("%q: with Keys error %v, Parse error %v", data, ierr, err)
			}
			require.Equal(t, v, iv, "%q: with Keys", data)
		}
		p := Parser{Data: data}
		p.SkipSpace()
		start := p.Pos
		skipErr := p.Skip()
		q := Parser{Data: data, Pos: start}
		_, valueErr := q.Value()
		if (skipErr == nil) != (valueErr == nil) || (skipErr == nil && p.Pos != q.Pos) {
			t.Fatalf("%q: Skip %v at %d, Value %v at %d", data, skipErr, p.Pos, valueErr, q.Pos)
		}
		if err != nil || n.Kind != String {
			return
		}
		var want string
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		r := Parser{Data: data, Pos: n.Start, ReplaceInvalidUTF8: true}
		got, err := r.ReadString()
		if err != nil || got != want {
			t.Fatalf("%q: ReadString %q %v, encoding/json %q", data, got, err, want)
		}
	})
}

// depth is the deepest nesting of brackets outside strings, roughly.
func depth(data []byte) int {
	d, most, inStr := 0, 0, false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && (c == '[' || c == '{'):
			d++
			most = max(most, d)
		case !inStr && (c == ']' || c == '}'):
			d--
		}
	}
	return most
}

func ExampleParse() {
	data := []byte(`{"schema": {"type": "int64"}, "payload": 9007199254740993}`)
	n, err := Parse(data)
	if err != nil {
		panic(err)
	}
	schema := n.Member("schema")
	fmt.Println(n.Keys, string(data[schema.Start:schema.End]), n.Member("payload").Str)
	// Output: [schema payload] {"type": "int64"} 9007199254740993
}

// Keys used by many goroutines at once, past their size limit, give every
// document its own names.
func TestKeysConcurrent(t *testing.T) {
	var keys Keys
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				doc := fmt.Sprintf(`{"k%d":1,"same":{"k%d":[%d]},"x\u0041":2}`, (i*7+g)%1500, i, g)
				p := Parser{Data: []byte(doc), Keys: &keys}
				got, err := p.AnyDocument(numberText)
				require.NoError(t, err)
				want, err := ParseAny([]byte(doc), numberText)
				require.NoError(t, err)
				require.Equal(t, want, got)
			}
		})
	}
	wg.Wait()
	require.LessOrEqual(t, len(*keys.m.Load()), maxKeys)
}
