package offset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/kconnect-go/kconnect/connect"
)

// FuzzParse checks the flat reader against an encoding/json reference: the
// same inputs are accepted as keys, partitions (the File store's) and
// offsets, with the same connector, partition and offset.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`["local-file-source",{"filename":"test.txt"}]`, `["jdbc",{"protocol":"1","table":"users"}]`,
		`["c",null]`, `["c",{}]`, ` [ "c" , { "a" : -1.5e3 , "b" : true, "c": null, "d": false } ] `,
		`["c\u00e9\ud83d\ude00\ud800x",{"\n":"\"\/\b\f\r\t"}]`, "[\"\xff\xfe\",{}]",
		`{"position":30}`, `{"a":0,"b":-0,"c":1E400,"d":9223372036854775808}`, `null`, `{}`,
		`["c",{"a":{}}]`, `["c"]`, `[1,{}]`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":"\u12"}`, `{"a":tru}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k1, err1 := parseKey(data)
		k2, err2 := oracleParseKey(data)
		sameParse(t, "key", data, err1, err2, func(k parsedKey) string { return fmt.Sprintf("%q %s", k.connector, k.partition) }, k1, k2)
		p1, err1 := parsePartition(data)
		p2, err2 := oracleParsePartition(data)
		sameParse(t, "partition", data, err1, err2, connect.SourcePartition.String, p1, p2)
		o1, err1 := parseOffset(data)
		o2, err2 := oracleParseOffset(data)
		sameParse(t, "offset", data, err1, err2, connect.Offset.String, o1, o2)
	})
}

// sameParse fails t unless the reader and the reference both rejected data,
// or both read it as the same thing (compared by show).
func sameParse[T any](t *testing.T, what string, data []byte, err1, err2 error, show func(T) string, v1, v2 T) {
	t.Helper()
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("%s %q: reader error %v, reference error %v", what, data, err1, err2)
	}
	if err1 == nil && show(v1) != show(v2) {
		t.Fatalf("%s %q: reader %s, reference %s", what, data, show(v1), show(v2))
	}
}

func oracleParseKey(key []byte) (parsedKey, error) {
	d := newOracleReader(key)
	if err := d.delim('['); err != nil {
		return parsedKey{}, fmt.Errorf("not a JSON array: %w", err)
	}
	tok, err := d.token()
	if err != nil {
		return parsedKey{}, err
	}
	conn, ok := tok.(string)
	if !ok {
		if tok == json.Delim(']') {
			return parsedKey{}, errors.New("empty array, want [connector, partition]")
		}
		return parsedKey{}, fmt.Errorf("first element is %s, want the connector name as a string", oracleDescribe(tok))
	}
	if !d.dec.More() {
		return parsedKey{}, errors.New("1 element, want [connector, partition]")
	}
	entries, isNull, err := d.object("partition")
	if err != nil {
		return parsedKey{}, err
	}
	if d.dec.More() {
		return parsedKey{}, errors.New("more than 2 elements, want [connector, partition]")
	}
	if err := d.delim(']'); err != nil {
		return parsedKey{}, err
	}
	if err := d.end(); err != nil {
		return parsedKey{}, err
	}
	if isNull {
		return parsedKey{connector: conn}, nil
	}
	p, err := connect.SourcePartitionFromEntries(entries)
	if err != nil {
		return parsedKey{}, err
	}
	return parsedKey{connector: conn, partition: p}, nil
}

// parsePartition reads a partition object (or null) on its own, as the File
// store keeps it.
func oracleParsePartition(b []byte) (connect.SourcePartition, error) {
	d := newOracleReader(b)
	entries, isNull, err := d.object("partition")
	if err != nil {
		return connect.SourcePartition{}, err
	}
	if err := d.end(); err != nil {
		return connect.SourcePartition{}, err
	}
	if isNull {
		return connect.SourcePartition{}, nil
	}
	return connect.SourcePartitionFromEntries(entries)
}

// parseOffset reads an offset value: a JSON object of primitives in
// document order, or null (the zero Offset). An empty object {} also gives
// the zero Offset, which connect.Offset cannot tell apart from "none".
func oracleParseOffset(value []byte) (connect.Offset, error) {
	d := newOracleReader(value)
	entries, isNull, err := d.object("offset")
	if err != nil {
		return connect.Offset{}, err
	}
	if err := d.end(); err != nil {
		return connect.Offset{}, err
	}
	if isNull || len(entries) == 0 {
		return connect.Offset{}, nil
	}
	return connect.OffsetFromEntries(entries)
}

// oracleReader wraps a json.Decoder reading numbers as json.Number.
type oracleReader struct{ dec *json.Decoder }

func newOracleReader(b []byte) oracleReader {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return oracleReader{dec}
}

func (d oracleReader) token() (json.Token, error) {
	tok, err := d.dec.Token()
	if err == io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	return tok, err
}

func (d oracleReader) delim(want json.Delim) error {
	tok, err := d.token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("found %s, want %q", oracleDescribe(tok), string(want))
	}
	return nil
}

// end checks that nothing but white space follows the value.
func (d oracleReader) end() error {
	if _, err := d.dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data at byte %d", d.dec.InputOffset())
	}
	return nil
}

// object reads a JSON object of primitive members in document order, or
// null. Numbers become int64 when integral and in range, else float64, as
// Kafka Connect's JsonConverter reads them (connect.JSONNumber).
func (d oracleReader) object(what string) (entries []connect.MapEntry, isNull bool, err error) {
	tok, err := d.token()
	if err != nil {
		return nil, false, err
	}
	if tok == nil {
		return nil, true, nil
	}
	if tok != json.Delim('{') {
		return nil, false, fmt.Errorf("%s is %s, want an object or null", what, oracleDescribe(tok))
	}
	for d.dec.More() {
		tok, err := d.token()
		if err != nil {
			return nil, false, err
		}
		k, ok := tok.(string)
		if !ok { // encoding/json reports this itself; be safe
			return nil, false, fmt.Errorf("%s has a non-string key", what)
		}
		tok, err = d.token()
		if err != nil {
			return nil, false, err
		}
		var v any
		switch x := tok.(type) {
		case nil, bool, string:
			v = x
		case json.Number:
			v = connect.JSONNumber(string(x))
		default:
			return nil, false, fmt.Errorf("%s field %q is %s; only primitive values are supported", what, k, oracleDescribe(tok))
		}
		entries = append(entries, connect.MapEntry{Key: k, Value: v})
	}
	if err := d.delim('}'); err != nil {
		return nil, false, err
	}
	return entries, false, nil
}

func oracleDescribe(tok json.Token) string {
	switch x := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		switch x {
		case '{', '}':
			return "an object"
		default:
			return "an array"
		}
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", tok)
}
