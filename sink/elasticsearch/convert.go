package elasticsearch

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter/jsonconv"
)

// Documents are the record value as Kafka Connect's JsonConverter writes
// it with schemas.enable=false, as Confluent's connector writes them. With
// the schema used (schema.ignore=false) decimals are numbers, as the
// double Confluent's mapping gives them, rather than the converter's
// base64 bytes.
var (
	rawJSON    = jsonconv.New(jsonconv.SchemasEnable(false))
	mappedJSON = jsonconv.New(jsonconv.SchemasEnable(false), jsonconv.WithDecimalFormat(jsonconv.Numeric))
)

// documentID is a record's document id: topic+partition+offset when the
// key is ignored, else the key, which must be a string or an integer, as
// Confluent's connector allows.
func documentID(r *connect.Record, ignoreKey bool) (string, error) {
	if ignoreKey {
		pos := kafkaPosition(r)
		return r.Topic + "+" + strconv.FormatInt(int64(pos.Partition), 10) + "+" + strconv.FormatInt(pos.Offset, 10), nil
	}
	if r.Key == nil {
		return "", errors.New("key is used as document id and can not be null (set key.ignore=true to use topic+partition+offset)")
	}
	var id string
	switch k := r.Key.(type) {
	case string:
		id = k
	case int8:
		id = strconv.FormatInt(int64(k), 10)
	case int16:
		id = strconv.FormatInt(int64(k), 10)
	case int32:
		id = strconv.FormatInt(int64(k), 10)
	case int64:
		id = strconv.FormatInt(k, 10)
	case int:
		id = strconv.Itoa(k)
	default:
		what := fmt.Sprintf("%T", r.Key)
		if r.KeySchema != nil {
			what = r.KeySchema.Type.String()
		}
		return "", fmt.Errorf("%s is not supported as the document id (key.ignore=false takes string and integer keys)", what)
	}
	if id == "" {
		return "", errors.New("key is used as document id and can not be empty")
	}
	return id, nil
}

// headerVersion is a record's external version from its last header of
// that name: an integer, or a string holding one, as Confluent's connector
// reads it through the header converter. The error never quotes the value.
func headerVersion(r *connect.Record, name string) (int64, error) {
	h, ok := r.Headers.Last(name)
	if !ok || h.Value == nil {
		return 0, fmt.Errorf("the record has no header %s to take the document version from (%s)", name, ExternalVersionHeaderConfig)
	}
	switch v := h.Value.(type) {
	case int8:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case int:
		return int64(v), nil
	case string:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n, nil
		}
	case []byte:
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("header %s (%s) does not hold an integer version", name, ExternalVersionHeaderConfig)
}

// kafkaPosition is where a record was read: its Kafka origin, or for a
// record without one (made by hand), its topic and partition and no offset.
func kafkaPosition(r *connect.Record) connect.KafkaPosition {
	if p, ok := r.Origin(); ok {
		return p
	}
	p, _ := r.Partition()
	return connect.KafkaPosition{Topic: r.Topic, Partition: max(p, 0), Offset: -1}
}

// appendDocument appends the JSON document of a record's value; with the
// schema used, maps are written as nest says.
func appendDocument(dst []byte, r *connect.Record, useSchema bool, nest *nester) ([]byte, error) {
	if !useSchema {
		return rawJSON.FromConnect(dst, r.Topic, r.Headers, r.ValueSchema, r.Value)
	}
	s, v := r.ValueSchema, r.Value
	if ns := nest.schema(s); ns != s {
		var err error
		if v, err = nest.value(s, ns, v); err != nil {
			return nil, err
		}
		s = ns
	}
	return mappedJSON.FromConnect(dst, r.Topic, r.Headers, s, v)
}

// withTimestamp sets a data stream document's @timestamp: the first of
// fields the document has (its value as text), or the record's timestamp
// in epoch milliseconds (null without one), as Confluent's connector does.
func withTimestamp(doc []byte, fields []string, ts time.Time) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(doc, &m); err != nil || m == nil {
		return nil, errors.New("a data stream document must be a JSON object")
	}
	set := false
	for _, f := range fields {
		v, ok := m[f]
		if !ok {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			s = string(v) // a number or other literal, as its text
		}
		m["@timestamp"], _ = json.Marshal(s)
		set = true
		break
	}
	if !set {
		if ts.IsZero() {
			m["@timestamp"] = json.RawMessage("null")
		} else {
			m["@timestamp"] = strconv.AppendInt(nil, ts.UnixMilli(), 10)
		}
	}
	return json.Marshal(m)
}

// appendMapping appends the mapping Confluent's connector makes of a
// value schema: structs as properties, strings as text with a keyword
// sub-field, dates, times and timestamps as date, decimals as double,
// maps as key and value properties, arrays as their element, and a field's
// default value as its null_value.
func appendMapping(dst []byte, s *connect.Schema) ([]byte, error) {
	if s == nil {
		return nil, errors.New("cannot infer mapping without schema")
	}
	switch s.Logical() {
	case connect.LogicalDate, connect.LogicalTime, connect.LogicalTimestamp:
		return appendPrimitive(dst, "date", s.Default), nil
	case connect.LogicalDecimal:
		return appendPrimitive(dst, "double", s.Default), nil
	}
	switch s.Type {
	case connect.ArrayType:
		return appendMapping(dst, s.Elem)
	case connect.MapType:
		dst = append(dst, `{"properties":{"key":`...)
		dst, err := appendMapping(dst, s.Key)
		if err != nil {
			return nil, err
		}
		dst = append(dst, `,"value":`...)
		if dst, err = appendMapping(dst, s.Elem); err != nil {
			return nil, err
		}
		return append(dst, "}}"...), nil
	case connect.StructType:
		dst = append(dst, `{"properties":{`...)
		for i, f := range s.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, f.Name)
			dst = append(dst, ':')
			var err error
			if dst, err = appendMapping(dst, f.Schema); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		return append(dst, "}}"...), nil
	}
	t, ok := esTypes[s.Type]
	if !ok {
		return nil, fmt.Errorf("invalid primitive type %s", s.Type)
	}
	return appendPrimitive(dst, t, s.Default), nil
}

var esTypes = map[connect.Type]string{
	connect.BooleanType: "boolean",
	connect.Int8Type:    "byte",
	connect.Int16Type:   "short",
	connect.Int32Type:   "integer",
	connect.Int64Type:   "long",
	connect.Float32Type: "float",
	connect.Float64Type: "double",
	connect.StringType:  "text",
	connect.BytesType:   "binary",
}

func appendPrimitive(dst []byte, typ string, def any) []byte {
	dst = append(dst, `{"type":"`...)
	dst = append(dst, typ...)
	dst = append(dst, '"')
	if typ == "text" {
		// Strings are searchable as text and sortable and aggregatable as
		// keyword, as Elasticsearch's own dynamic mapping makes them.
		dst = append(dst, `,"fields":{"keyword":{"type":"keyword","ignore_above":256}}`...)
	}
	if def != nil && typ != "text" && typ != "binary" {
		if v, ok := nullValue(def); ok {
			dst = append(dst, `,"null_value":`...)
			dst = append(dst, v...)
		}
	}
	return append(dst, '}')
}

func nullValue(def any) (string, bool) {
	switch v := def.(type) {
	case bool:
		return strconv.FormatBool(v), true
	case int8:
		return strconv.FormatInt(int64(v), 10), true
	case int16:
		return strconv.FormatInt(int64(v), 10), true
	case int32:
		return strconv.FormatInt(int64(v), 10), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float32:
		if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
			return "", false
		}
		return strconv.FormatFloat(float64(v), 'g', -1, 32), true
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "", false
		}
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case time.Time:
		return strconv.FormatInt(v.UnixMilli(), 10), true
	case connect.Decimal:
		return strconv.FormatFloat(v.Float64(), 'g', -1, 64), true
	}
	return "", false
}
