package avro

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"

	hamba "github.com/hamba/avro/v2"

	"github.com/kconnect-go/kconnect/connect"
)

type propser interface{ Prop(string) any }

func prop(s hamba.Schema, key string) any {
	if p, ok := s.(propser); ok {
		return p.Prop(key)
	}
	return nil
}

func propString(s hamba.Schema, key string) string {
	v, _ := prop(s, key).(string)
	return v
}

func deref(s hamba.Schema) hamba.Schema {
	if r, ok := s.(*hamba.RefSchema); ok {
		return r.Schema()
	}
	return s
}

// optionalBranch returns T of a union [null, T] or [T, null].
func optionalBranch(u *hamba.UnionSchema) (hamba.Schema, bool) {
	ts := u.Types()
	if len(ts) == 1 {
		return ts[0], true
	}
	if len(ts) != 2 {
		return nil, false
	}
	switch {
	case ts[0].Type() == hamba.Null && ts[1].Type() != hamba.Null:
		return ts[1], true
	case ts[1].Type() == hamba.Null && ts[0].Type() != hamba.Null:
		return ts[0], true
	}
	return nil, false
}

// toConnectSchema is AvroData.toConnectSchema: the Connect schema of an Avro
// schema, with version (the registry's, 0 for none) where the schema
// carries no connect.version. Unions other than a type with null are not
// supported.
func (d dataConfig) toConnectSchema(as hamba.Schema, version int) (*connect.Schema, error) {
	return d.toConnect(as, false, nil, false, version, map[string]bool{})
}

func (d dataConfig) toConnect(as hamba.Schema, optional bool, fieldDefault any, hasFieldDefault bool, version int, seen map[string]bool) (*connect.Schema, error) {
	as = deref(as)
	s := &connect.Schema{}
	logical := propString(as, propLogicalType)
	if p, ok := as.(interface{ Logical() hamba.LogicalSchema }); ok && p.Logical() != nil {
		logical = string(p.Logical().Type())
	}
	switch as.Type() {
	case hamba.Boolean:
		s.Type = connect.BooleanType
	case hamba.Bytes, hamba.Fixed:
		s.Type = connect.BytesType
		if logical == "decimal" {
			scale, prec := 0, -1
			if p, ok := as.(interface{ Logical() hamba.LogicalSchema }); ok {
				if dl, ok := p.Logical().(*hamba.DecimalLogicalSchema); ok {
					scale, prec = dl.Scale(), dl.Precision()
				}
			}
			if n, ok := jsonInt(prop(as, "scale")); ok {
				scale = n
			}
			if v := prop(as, "precision"); v != nil {
				n, ok := jsonInt(v)
				if !ok {
					return nil, errors.New("precision property must be a JSON Integer")
				}
				prec = n
			}
			s.Name, s.Version = connect.DecimalName, 1
			s.Parameters = append(s.Parameters, connect.Parameter{Key: connect.DecimalScaleParameter, Value: strconv.Itoa(scale)})
			if prec >= 0 && prec != defaultPrecision {
				s.Parameters = append(s.Parameters, connect.Parameter{Key: propDecimalPrec, Value: strconv.Itoa(prec)})
			}
		}
		if f, ok := as.(*hamba.FixedSchema); ok {
			s.Parameters = append(s.Parameters, connect.Parameter{Key: propFixedSize, Value: strconv.Itoa(f.Size())})
		}
	case hamba.Double:
		s.Type = connect.Float64Type
	case hamba.Float:
		s.Type = connect.Float32Type
	case hamba.Int:
		ct := propString(as, propConnectType)
		switch {
		case logical == "date":
			s.Type, s.Name, s.Version = connect.Int32Type, connect.DateName, 1
		case logical == "time-millis":
			s.Type, s.Name, s.Version = connect.Int32Type, connect.TimeName, 1
		case logical != "" || ct == "":
			s.Type = connect.Int32Type
		case ct == "int8":
			s.Type = connect.Int8Type
		case ct == "int16":
			s.Type = connect.Int16Type
		default:
			return nil, fmt.Errorf("connect.type %q of an Avro int is neither int8 nor int16", ct)
		}
	case hamba.Long:
		s.Type = connect.Int64Type
		if logical == "timestamp-millis" {
			s.Name, s.Version = connect.TimestampName, 1
		}
	case hamba.String:
		s.Type = connect.StringType
	case hamba.Array:
		items := deref(as.(*hamba.ArraySchema).Items())
		if rec, ok := items.(*hamba.RecordSchema); ok && isMapEntry(rec) {
			fs := rec.Fields()
			if len(fs) != 2 || fs[0].Name() != "key" || fs[1].Name() != "value" {
				return nil, errors.New("found map encoded as array of key-value pairs, but array elements do not match the expected format")
			}
			k, err := d.toConnect(fs[0].Type(), false, nil, false, 0, seen)
			if err != nil {
				return nil, prefix(err, "key")
			}
			v, err := d.toConnect(fs[1].Type(), false, nil, false, 0, seen)
			if err != nil {
				return nil, prefix(err, "value")
			}
			s.Type, s.Key, s.Elem = connect.MapType, k, v
			break
		}
		e, err := d.toConnect(items, false, nil, false, 0, seen)
		if err != nil {
			return nil, prefix(err, "items")
		}
		s.Type, s.Elem = connect.ArrayType, e
	case hamba.Map:
		v, err := d.toConnect(as.(*hamba.MapSchema).Values(), false, nil, false, 0, seen)
		if err != nil {
			return nil, prefix(err, "values")
		}
		s.Type, s.Key, s.Elem = connect.MapType, connect.StringSchema, v
	case hamba.Record:
		rec := as.(*hamba.RecordSchema)
		if seen[rec.FullName()] {
			return nil, fmt.Errorf("recursive record %s is not supported", rec.FullName())
		}
		seen[rec.FullName()] = true
		defer delete(seen, rec.FullName())
		if d.connectMetaData && rec.Doc() != "" {
			s.Parameters = append(s.Parameters, connect.Parameter{Key: paramRecordDoc, Value: rec.Doc()})
		}
		fields := make([]connect.Field, 0, len(rec.Fields()))
		for _, f := range rec.Fields() {
			if d.connectMetaData && f.Doc() != "" {
				s.Parameters = append(s.Parameters, connect.Parameter{Key: paramFieldDoc + f.Name(), Value: f.Doc()})
			}
			fs, err := d.toConnect(f.Type(), false, f.Default(), f.HasDefault(), 0, seen)
			if err != nil {
				return nil, prefix(err, f.Name())
			}
			fields = append(fields, connect.F(f.Name(), fs))
		}
		built := connect.StructOf(fields...)
		s.Type, s.Fields = connect.StructType, built.Fields
		s = withFields(s, built)
	case hamba.Enum:
		en := as.(*hamba.EnumSchema)
		s.Type = connect.StringType
		if d.connectMetaData {
			if en.Doc() != "" {
				s.Parameters = append(s.Parameters, connect.Parameter{Key: paramEnumDoc + en.Name(), Value: en.Doc()})
			}
			if en.HasDefault() {
				s.Parameters = append(s.Parameters, connect.Parameter{Key: paramEnumDefault + en.Name(), Value: en.Default()})
			}
		}
		s.Parameters = append(s.Parameters, connect.Parameter{Key: paramEnum, Value: en.FullName()})
		for _, sym := range en.Symbols() {
			s.Parameters = append(s.Parameters, connect.Parameter{Key: paramEnum + "." + sym, Value: sym})
		}
	case hamba.Union:
		t, ok := optionalBranch(as.(*hamba.UnionSchema))
		if ok && len(as.(*hamba.UnionSchema).Types()) == 1 {
			return d.toConnect(t, optional, nil, false, 0, seen)
		}
		if ok {
			return d.toConnect(t, true, nil, false, 0, seen)
		}
		// Any other union is a struct named io.confluent.connect.avro.Union
		// with an optional field per type, of which one is set.
		var fields []connect.Field
		names := map[string]bool{}
		for _, m := range as.(*hamba.UnionSchema).Types() {
			m = deref(m)
			if m.Type() == hamba.Null {
				s.Optional = true
				continue
			}
			name := d.unionMemberName(m)
			if names[name] {
				return nil, fmt.Errorf("multiple union schemas map to the Connect union field name %s", name)
			}
			names[name] = true
			fs, err := d.toConnect(m, true, nil, false, 0, seen)
			if err != nil {
				return nil, prefix(err, name)
			}
			fields = append(fields, connect.F(name, fs))
		}
		s.Name = unionName
		s = withFields(s, connect.StructOf(fields...))
	case hamba.Null:
		return nil, errors.New("standalone null schemas are not supported by this converter")
	default:
		return nil, fmt.Errorf("couldn't translate unsupported schema type %s", as.Type())
	}

	if d.connectMetaData {
		if doc := propString(as, propConnectDoc); doc != "" {
			s.Doc = doc
		}
	}
	if v := prop(as, propConnectVersion); v != nil {
		n, ok := jsonInt(v)
		if !ok {
			return nil, fmt.Errorf("invalid Connect version found: %v", v)
		}
		version = n
	}
	if version > 0 {
		if s.Version != 0 && int(s.Version) != version {
			return nil, fmt.Errorf("mismatched versions: %d in the logical type, %d in the schema", s.Version, version)
		}
		s.Version = int32(version)
	}
	if params := prop(as, propConnectParams); d.connectMetaData && params != nil {
		m, ok := params.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("expected JSON object for schema parameters but found: %v", params)
		}
		// The schema's JSON object has lost its order on parsing; parameters
		// are kept sorted, which Connect's schema equality ignores.
		for _, k := range sortedKeys(m) {
			str, ok := m[k].(string)
			if !ok {
				return nil, fmt.Errorf("expected schema parameter values to be strings but found: %v", m[k])
			}
			s = setParam(s, k, str)
		}
	}
	if p, ok := as.(interface{ Props() map[string]any }); ok {
		for _, k := range sortedKeys(p.Props()) {
			if len(k) >= 4 && k[:4] == "avro" {
				s = setParam(s, k, fmt.Sprint(p.Props()[k]))
			}
		}
	}
	connectDefault := prop(as, propConnectDefault)
	if !hasFieldDefault && connectDefault != nil {
		fieldDefault, hasFieldDefault = connectDefault, true
	} else if hasFieldDefault && d.connectMetaData && connectDefault == nil {
		s = setParam(s, paramFieldDefault, "true")
	}
	if name := propString(as, propConnectName); name != "" {
		s.Name = name
	} else if n, ok := as.(hamba.NamedSchema); ok && (as.Type() == hamba.Record || as.Type() == hamba.Enum || as.Type() == hamba.Fixed && s.Name != connect.DecimalName) {
		if full := n.FullName(); len(full) < len(defaultFullName) || full[:len(defaultFullName)] != defaultFullName {
			s.Name = full
		}
	}
	if optional {
		s.Optional = true
	}
	if hasFieldDefault && fieldDefault != nil {
		// An invalid default is dropped, as AvroData drops it with a warning.
		if v, err := defaultToConnect(s, fieldDefault); err == nil {
			s.Default = v
		}
	}
	return s, nil
}

// withFields keeps the field index StructOf built for a large struct.
func withFields(s, built *connect.Schema) *connect.Schema {
	c := *built
	c.Optional, c.Name, c.Version, c.Doc, c.Parameters = s.Optional, s.Name, s.Version, s.Doc, s.Parameters
	return &c
}

func setParam(s *connect.Schema, k, v string) *connect.Schema {
	for i, p := range s.Parameters {
		if p.Key == k {
			s.Parameters[i].Value = v
			return s
		}
	}
	s.Parameters = append(s.Parameters, connect.Parameter{Key: k, Value: v})
	return s
}

func isMapEntry(rec *hamba.RecordSchema) bool {
	return rec.FullName() == namespace+"."+mapEntryName || propString(rec, propInternalType) == mapEntryName
}

func jsonInt(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), n == math.Trunc(n)
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	return 0, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// defaultToConnect converts a default as hamba/avro parsed it (JSON numbers,
// strings, bytes, maps and slices) to the Go value of s.
func defaultToConnect(s *connect.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch s.Logical() {
	case connect.LogicalDecimal:
		b, err := defaultBytes(v)
		if err != nil {
			return nil, err
		}
		scale, err := s.DecimalScale()
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return connect.Decimal{Unscaled: new(big.Int), Scale: scale}, nil
		}
		return connect.DecimalFromBytes(b, scale)
	case connect.LogicalDate:
		n, err := defaultInt(v)
		return connect.DaysToDate(int32(n)), err
	case connect.LogicalTime:
		n, err := defaultInt(v)
		return connect.MillisToTime(int32(n)), err
	case connect.LogicalTimestamp:
		n, err := defaultInt(v)
		return connect.MillisToTimestamp(n), err
	}
	switch s.Type {
	case connect.Int8Type:
		n, err := defaultInt(v)
		if err == nil && !fits(s.Type, n) {
			err = fmt.Errorf("default %d does not fit INT8", n)
		}
		return int8(n), err
	case connect.Int16Type:
		n, err := defaultInt(v)
		if err == nil && !fits(s.Type, n) {
			err = fmt.Errorf("default %d does not fit INT16", n)
		}
		return int16(n), err
	case connect.Int32Type:
		n, err := defaultInt(v)
		if err == nil && !fits(s.Type, n) {
			err = fmt.Errorf("default %d does not fit INT32", n)
		}
		return int32(n), err
	case connect.Int64Type:
		return defaultInt(v)
	case connect.Float32Type:
		f, err := defaultFloat(v)
		return float32(f), err
	case connect.Float64Type:
		return defaultFloat(v)
	case connect.BooleanType:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("default %v is not a boolean", v)
		}
		return b, nil
	case connect.StringType:
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("default %v is not a string", v)
		}
		return str, nil
	case connect.BytesType:
		return defaultBytes(v)
	case connect.ArrayType:
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("default %v is not an array", v)
		}
		out := make([]any, len(a))
		for i, e := range a {
			c, err := defaultToConnect(s.Elem, e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case connect.MapType:
		if m, ok := v.(map[string]any); ok && s.Key.Type == connect.StringType {
			out := make(map[string]any, len(m))
			for k, e := range m {
				c, err := defaultToConnect(s.Elem, e)
				if err != nil {
					return nil, err
				}
				out[k] = c
			}
			return out, nil
		}
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("default %v is not a map", v)
		}
		out := make([]connect.MapEntry, 0, len(a))
		for _, e := range a {
			var k, val any
			switch kv := e.(type) {
			case []any:
				if len(kv) != 2 {
					return nil, fmt.Errorf("map entry default %v is not a pair", e)
				}
				k, val = kv[0], kv[1]
			case map[string]any:
				k, val = kv["key"], kv["value"]
			default:
				return nil, fmt.Errorf("map entry default %v is not a pair", e)
			}
			ck, err := defaultToConnect(s.Key, k)
			if err != nil {
				return nil, err
			}
			cv, err := defaultToConnect(s.Elem, val)
			if err != nil {
				return nil, err
			}
			out = append(out, connect.MapEntry{Key: ck, Value: cv})
		}
		return out, nil
	case connect.StructType:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("default %v is not a record", v)
		}
		st := connect.NewStruct(s)
		for _, f := range s.Fields {
			fv, present := m[f.Name]
			if !present {
				continue
			}
			c, err := defaultToConnect(f.Schema, fv)
			if err != nil {
				return nil, prefix(err, f.Name)
			}
			if err := st.Put(f.Name, c); err != nil {
				return nil, err
			}
		}
		return st, nil
	}
	return nil, fmt.Errorf("no default for %s", s.Type)
}

func defaultInt(v any) (int64, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case int64:
		return n, nil
	case float64:
		if n == math.Trunc(n) {
			return int64(n), nil
		}
	case float32:
		return int64(n), nil
	}
	return 0, fmt.Errorf("default %v is not an integer", v)
}

func defaultFloat(v any) (float64, error) {
	switch n := v.(type) {
	case int:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case float32:
		return float64(n), nil
	case float64:
		return n, nil
	}
	return 0, fmt.Errorf("default %v is not a number", v)
}

func defaultBytes(v any) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case string:
		out := make([]byte, 0, len(b))
		for _, r := range b {
			if r > 0xff {
				return nil, fmt.Errorf("bytes default %q holds a character above U+00FF", b)
			}
			out = append(out, byte(r))
		}
		return out, nil
	}
	// A fixed default comes as a byte array.
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Array && rv.Type().Elem().Kind() == reflect.Uint8 {
		out := make([]byte, rv.Len())
		reflect.Copy(reflect.ValueOf(out), rv)
		return out, nil
	}
	return nil, fmt.Errorf("default %v is not bytes", v)
}

// unionMemberName names the Connect union field of a union member, as
// AvroData's unionMemberFieldName does: a named type by its name (its full
// name with enhanced.avro.schema.support), any other by its type.
func (d dataConfig) unionMemberName(m hamba.Schema) string {
	if n, ok := m.(hamba.NamedSchema); ok {
		if d.enhanced {
			return n.FullName()
		}
		return n.Name()
	}
	return string(m.Type())
}

// isUnion reports whether s is a union held as a struct.
func isUnion(s *connect.Schema) bool { return s.Type == connect.StructType && s.Name == unionName }
