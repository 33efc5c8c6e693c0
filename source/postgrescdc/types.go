package postgrescdc

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// The PostgreSQL type OIDs the connector maps (pg_type.dat).
const (
	oidBool        = 16
	oidBytea       = 17
	oidChar        = 18
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidOID         = 26
	oidJSON        = 114
	oidXML         = 142
	oidCIDR        = 650
	oidFloat4      = 700
	oidFloat8      = 701
	oidMoney       = 790
	oidMacaddr     = 829
	oidInet        = 869
	oidBpchar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidInterval    = 1186
	oidTimetz      = 1266
	oidBit         = 1560
	oidNumeric     = 1700
	oidUUID        = 2950
	oidJSONB       = 3802
)

// The names of Debezium's semantic types.
const (
	zonedTimestampName = "io.debezium.time.ZonedTimestamp"
	zonedTimeName      = "io.debezium.time.ZonedTime"
	microTimestampName = "io.debezium.time.MicroTimestamp"
	timestampName      = "io.debezium.time.Timestamp"
	dateName           = "io.debezium.time.Date"
	microTimeName      = "io.debezium.time.MicroTime"
	timeName           = "io.debezium.time.Time"
	microDurationName  = "io.debezium.time.MicroDuration"
	intervalName       = "io.debezium.time.Interval"
	uuidName           = "io.debezium.data.Uuid"
	jsonName           = "io.debezium.data.Json"
	xmlName            = "io.debezium.data.Xml"
	enumName           = "io.debezium.data.Enum"
	variableScaleName  = "io.debezium.data.VariableScaleDecimal"
	precisionParameter = "connect.decimal.precision"
	unavailableValue   = "__debezium_unavailable_value"
)

// typeInfo is what the catalog says of a column's type beyond its OID.
type typeInfo struct {
	oid    uint32
	typmod int32
	// elem is the element type of an array type, 0 otherwise.
	elem uint32
	// enum holds an enum type's labels in order; nil for other types.
	enum []string
	// name is the type's name, for errors and warnings.
	name string
}

// mapper turns a column's text into its Connect value; the text is what
// PostgreSQL's output function writes with the session settings the
// connector sets (DateStyle ISO, TimeZone UTC, IntervalStyle iso_8601,
// extra_float_digits 3, bytea_output hex).
type mapper struct {
	schema *connect.Schema // required; optional copies are made per column
	parse  func(string) (any, error)
	// zero is the value of a required column whose value is missing, as
	// Debezium's fallback values are.
	zero any
}

// mapType returns the mapper of a type, or an *unmappedError for a type
// the connector does not map.
func (s *settings) mapType(t typeInfo, elem *typeInfo) (mapper, error) {
	str := func(name string) mapper {
		sc := connect.StringSchema
		if name != "" {
			sc = &connect.Schema{Type: connect.StringType, Name: name, Version: 1}
		}
		return mapper{schema: sc, parse: func(v string) (any, error) { return v, nil }, zero: ""}
	}
	if t.enum != nil {
		sc := &connect.Schema{Type: connect.StringType, Name: enumName, Version: 1,
			Parameters: []connect.Parameter{{Key: "allowed", Value: strings.Join(t.enum, ",")}}}
		return mapper{schema: sc, parse: func(v string) (any, error) { return v, nil }, zero: ""}, nil
	}
	switch t.name {
	case "hstore":
		return s.hstoreMapper(), nil
	case "vector", "halfvec", "sparsevec":
		// Debezium's DoubleVector, FloatVector and SparseDoubleVector:
		// pgvector is not installed where kconnect is tested.
		return mapper{}, &unmappedError{typ: t.name, always: true}
	}
	if elem != nil {
		switch elem.oid {
		case oidPoint, oidBit, oidVarbit:
			// Debezium has no mapping for these arrays, whatever
			// include.unknown.datatypes says.
			return mapper{}, &unmappedError{typ: t.name, always: true}
		}
		em, err := s.mapType(*elem, nil)
		if err != nil {
			if !s.includeUnknown || err.(*unmappedError).always {
				return mapper{}, &unmappedError{typ: t.name, always: err.(*unmappedError).always}
			}
			em = s.unknown(elem.oid)
		}
		es := em.schema.AsOptional()
		return mapper{schema: connect.ArrayOf(es), zero: []any{}, parse: func(v string) (any, error) {
			items, err := parseArray(v)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(items))
			for i, it := range items {
				if it == nil {
					continue
				}
				if out[i], err = em.parse(*it); err != nil {
					return nil, err
				}
			}
			return out, nil
		}}, nil
	}
	switch t.oid {
	case oidBool:
		return mapper{schema: connect.BooleanSchema, zero: false, parse: func(v string) (any, error) { return v == "t", nil }}, nil
	case oidBit, oidVarbit:
		if t.typmod <= 1 {
			return mapper{schema: connect.BooleanSchema, zero: false, parse: func(v string) (any, error) {
				return strings.Contains(v, "1"), nil
			}}, nil
		}
		return bits(t.typmod), nil
	case oidPoint:
		return point(), nil
	case oidInt4Range, oidInt8Range, oidNumRange, oidTsRange, oidTstzRange, oidDateRange:
		return str(""), nil
	case oidInt2:
		return mapper{schema: connect.Int16Schema, zero: int16(0), parse: func(v string) (any, error) {
			n, err := strconv.ParseInt(v, 10, 16)
			return int16(n), err
		}}, nil
	case oidInt4:
		return mapper{schema: connect.Int32Schema, zero: int32(0), parse: func(v string) (any, error) {
			n, err := strconv.ParseInt(v, 10, 32)
			return int32(n), err
		}}, nil
	case oidInt8, oidOID:
		return mapper{schema: connect.Int64Schema, zero: int64(0), parse: func(v string) (any, error) {
			return strconv.ParseInt(v, 10, 64)
		}}, nil
	case oidFloat4:
		return mapper{schema: connect.Float32Schema, zero: float32(0), parse: func(v string) (any, error) {
			f, err := strconv.ParseFloat(v, 32)
			return float32(f), err
		}}, nil
	case oidFloat8:
		return mapper{schema: connect.Float64Schema, zero: float64(0), parse: func(v string) (any, error) {
			return strconv.ParseFloat(v, 64)
		}}, nil
	case oidNumeric:
		return s.numeric(t.typmod), nil
	case oidMoney:
		return s.money(), nil
	case oidText, oidVarchar, oidBpchar, oidChar, oidName, oidInet, oidCIDR, oidMacaddr:
		return str(""), nil
	case oidUUID:
		return str(uuidName), nil
	case oidJSON, oidJSONB:
		return str(jsonName), nil
	case oidXML:
		return str(xmlName), nil
	case oidBytea:
		return s.bytea(), nil
	case oidDate:
		return s.date(), nil
	case oidTime:
		return s.timeOfDay(precision(t.typmod)), nil
	case oidTimetz:
		m := str(zonedTimeName)
		m.parse = parseTimetz
		return m, nil
	case oidTimestamp:
		return s.timestamp(precision(t.typmod)), nil
	case oidTimestamptz:
		m := str(zonedTimestampName)
		width := precision(t.typmod)
		m.parse = func(v string) (any, error) { return zonedTimestamp(v, width) }
		m.zero = "1970-01-01T00:00:00Z"
		return m, nil
	case oidInterval:
		if s.interval == "string" {
			m := str(intervalName)
			m.parse = intervalString
			return m, nil
		}
		return mapper{schema: &connect.Schema{Type: connect.Int64Type, Name: microDurationName, Version: 1}, zero: int64(0),
			parse: intervalMicros}, nil
	}
	if s.includeUnknown {
		return s.unknown(t.oid), nil
	}
	return mapper{}, &unmappedError{typ: t.name}
}

// precision is a time type's fractional digits: its typmod, or 6 when it
// has none.
func precision(typmod int32) int {
	if typmod < 0 || typmod > 6 {
		return 6
	}
	return int(typmod)
}

func (s *settings) numeric(typmod int32) mapper {
	if typmod < 4 && s.decimal == "precise" {
		// NUMERIC without a precision: each value has its own scale.
		sc := connect.StructOf(connect.F("scale", connect.Int32Schema), connect.F("value", connect.BytesSchema))
		sc.Name, sc.Version, sc.Doc = variableScaleName, 1, "Variable scaled decimal"
		return mapper{schema: sc, parse: func(v string) (any, error) {
			if v == "NaN" || strings.HasSuffix(v, "Infinity") {
				return nil, nil
			}
			d, err := connect.ParseDecimal(v)
			if err != nil {
				return nil, err
			}
			st := connect.NewStruct(sc)
			_ = st.SetAt(0, connect.AnyValue(d.Scale))
			_ = st.SetAt(1, connect.AnyValue(connect.DecimalBytes(nil, d)))
			return st, nil
		}}
	}
	prec, scale := int32(0), int32(0)
	if typmod >= 4 {
		prec, scale = ((typmod-4)>>16)&0xffff, (typmod-4)&0xffff
	}
	switch s.decimal {
	case "double":
		return mapper{schema: connect.Float64Schema, zero: float64(0), parse: parseDoubleDecimal}
	case "string":
		return mapper{schema: connect.StringSchema, zero: "", parse: func(v string) (any, error) { return v, nil }}
	}
	sc := connect.DecimalSchema(scale).WithParameter(precisionParameter, strconv.Itoa(int(prec)))
	return mapper{schema: sc, zero: connect.NewDecimal(0, scale), parse: func(v string) (any, error) {
		if v == "NaN" || strings.HasSuffix(v, "Infinity") {
			return nil, nil
		}
		d, err := connect.ParseDecimal(v)
		if err != nil {
			return nil, err
		}
		return d.Rescale(scale)
	}}
}

func parseDoubleDecimal(v string) (any, error) { return strconv.ParseFloat(v, 64) }

func (s *settings) money() mapper {
	clean := func(v string) string {
		neg := strings.HasPrefix(v, "-") || strings.HasPrefix(v, "(")
		var b strings.Builder
		if neg {
			b.WriteByte('-')
		}
		for _, c := range v {
			if c >= '0' && c <= '9' || c == '.' {
				b.WriteRune(c)
			}
		}
		return b.String()
	}
	switch s.decimal {
	case "double":
		return mapper{schema: connect.Float64Schema, zero: float64(0), parse: func(v string) (any, error) {
			return strconv.ParseFloat(clean(v), 64)
		}}
	case "string":
		return mapper{schema: connect.StringSchema, zero: "", parse: func(v string) (any, error) { return clean(v), nil }}
	}
	return mapper{schema: connect.DecimalSchema(2), zero: connect.NewDecimal(0, 2), parse: func(v string) (any, error) {
		d, err := connect.ParseDecimal(clean(v))
		if err != nil {
			return nil, err
		}
		return d.Rescale(2)
	}}
}

func (s *settings) bytea() mapper {
	raw := func(v string) ([]byte, error) {
		if !strings.HasPrefix(v, `\x`) {
			return nil, fmt.Errorf("bytea %q is not in hex format", v)
		}
		return hex.DecodeString(v[2:])
	}
	var enc func([]byte) string
	switch s.binary {
	case "base64":
		enc = base64.StdEncoding.EncodeToString
	case "base64-url-safe":
		enc = base64.URLEncoding.EncodeToString
	case "hex":
		enc = hex.EncodeToString
	default:
		return mapper{schema: connect.BytesSchema, zero: []byte{}, parse: func(v string) (any, error) { return raw(v) }}
	}
	return mapper{schema: connect.StringSchema, zero: "", parse: func(v string) (any, error) {
		b, err := raw(v)
		if err != nil {
			return nil, err
		}
		return enc(b), nil
	}}
}

var epochDay = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

func parseDate(v string) (time.Time, error) {
	bc := strings.HasSuffix(v, " BC")
	v = strings.TrimSuffix(v, " BC")
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return t, err
	}
	if bc {
		t = t.AddDate(-2*t.Year()+1, 0, 0)
	}
	return t, nil
}

func (s *settings) date() mapper {
	if s.timePrecision == "connect" {
		return mapper{schema: connect.DateSchema, zero: epochDay, parse: func(v string) (any, error) { return parseDate(v) }}
	}
	return mapper{schema: &connect.Schema{Type: connect.Int32Type, Name: dateName, Version: 1}, zero: int32(0),
		parse: func(v string) (any, error) {
			t, err := parseDate(v)
			if err != nil {
				return nil, err
			}
			return int32(t.Sub(epochDay).Hours() / 24), nil
		}}
}

// timeMicros reads "15:04:05.999999" (and "24:00:00") as microseconds of
// the day.
func timeMicros(v string) (int64, error) {
	if len(v) < 8 || v[2] != ':' || v[5] != ':' {
		return 0, fmt.Errorf("time %q is not HH:MM:SS", v)
	}
	h, err1 := strconv.Atoi(v[:2])
	m, err2 := strconv.Atoi(v[3:5])
	sec, err3 := strconv.Atoi(v[6:8])
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, fmt.Errorf("time %q is not HH:MM:SS", v)
	}
	micros := int64(h*3600+m*60+sec) * 1e6
	if len(v) > 9 && v[8] == '.' {
		frac := v[9:]
		for len(frac) < 6 {
			frac += "0"
		}
		f, err := strconv.Atoi(frac[:6])
		if err != nil {
			return 0, fmt.Errorf("time %q has a bad fraction", v)
		}
		micros += int64(f)
	}
	return micros, nil
}

func (s *settings) timeOfDay(prec int) mapper {
	switch {
	case s.timePrecision == "connect":
		return mapper{schema: connect.TimeSchema, zero: epochDay, parse: func(v string) (any, error) {
			us, err := timeMicros(v)
			return epochDay.Add(time.Duration(us/1000) * time.Millisecond), err
		}}
	case s.timePrecision == "adaptive" && prec <= 3:
		return mapper{schema: &connect.Schema{Type: connect.Int32Type, Name: timeName, Version: 1}, zero: int32(0),
			parse: func(v string) (any, error) {
				us, err := timeMicros(v)
				return int32(us / 1000), err
			}}
	}
	return mapper{schema: &connect.Schema{Type: connect.Int64Type, Name: microTimeName, Version: 1}, zero: int64(0),
		parse: func(v string) (any, error) { return timeMicros(v) }}
}

// parseTimestamp reads "2006-01-02 15:04:05.999999[+07]" as a time; a
// value without an offset is UTC.
func parseTimestamp(v string) (time.Time, error) {
	bc := strings.HasSuffix(v, " BC")
	v = strings.TrimSuffix(v, " BC")
	layout := "2006-01-02 15:04:05.999999999"
	if i := strings.LastIndexAny(v, "+-"); i > 10 {
		layout += "-07"
		if strings.Count(v[i:], ":") == 1 {
			layout += ":00"
		} else if strings.Count(v[i:], ":") == 2 {
			layout += ":00:00"
		}
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		return t, err
	}
	if bc {
		t = t.AddDate(-2*t.Year()+1, 0, 0)
	}
	return t.UTC(), nil
}

func (s *settings) timestamp(prec int) mapper {
	infinity := func(v string) (int64, bool) {
		switch v {
		case "infinity":
			return math.MaxInt64, true
		case "-infinity":
			return math.MinInt64, true
		}
		return 0, false
	}
	switch {
	case s.timePrecision == "connect":
		return mapper{schema: connect.TimestampSchema, zero: epochDay, parse: func(v string) (any, error) {
			return parseTimestamp(v)
		}}
	case prec <= 3:
		return mapper{schema: &connect.Schema{Type: connect.Int64Type, Name: timestampName, Version: 1}, zero: int64(0),
			parse: func(v string) (any, error) {
				if n, ok := infinity(v); ok {
					return n, nil
				}
				t, err := parseTimestamp(v)
				return t.UnixMilli(), err
			}}
	}
	return mapper{schema: &connect.Schema{Type: connect.Int64Type, Name: microTimestampName, Version: 1}, zero: int64(0),
		parse: func(v string) (any, error) {
			if n, ok := infinity(v); ok {
				return n, nil
			}
			t, err := parseTimestamp(v)
			return t.UnixMicro(), err
		}}
}

// zonedTimestamp writes a timestamptz as Debezium's ZonedTimestamp: UTC,
// ISO 8601, with exactly width fractional digits (any as needed when the
// column's precision is 0, as Java's ISO_OFFSET_DATE_TIME writes it).
func zonedTimestamp(v string, width int) (any, error) {
	if v == "infinity" || v == "-infinity" {
		return v, nil
	}
	t, err := parseTimestamp(v)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 32)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	b = appendFraction(b, t.Nanosecond(), width)
	return string(append(b, 'Z')), nil
}

// appendFraction appends nanos as Java's DateTimeFormatter does: exactly
// width digits, or with width 0 as few as needed (none for 0).
func appendFraction(b []byte, nanos, width int) []byte {
	digits := fmt.Sprintf("%09d", nanos)
	if width > 0 {
		return append(append(b, '.'), digits[:width]...)
	}
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return b
	}
	return append(append(b, '.'), digits...)
}

// parseTimetz writes a timetz as Debezium's ZonedTime: the time in UTC
// with a Z.
func parseTimetz(v string) (any, error) {
	i := strings.LastIndexAny(v, "+-")
	if i < 8 {
		return nil, fmt.Errorf("timetz %q has no offset", v)
	}
	us, err := timeMicros(v[:i])
	if err != nil {
		return nil, err
	}
	off := v[i+1:]
	parts := strings.Split(off, ":")
	var secs int64
	for k, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, fmt.Errorf("timetz %q has a bad offset", v)
		}
		secs += int64(n) * []int64{3600, 60, 1}[min(k, 2)]
	}
	if v[i] == '+' {
		secs = -secs
	}
	us = ((us+secs*1e6)%(86400*1e6) + 86400*1e6) % (86400 * 1e6)
	t := epochDay.Add(time.Duration(us) * time.Microsecond)
	b := t.AppendFormat(nil, "15:04:05")
	b = appendFraction(b, t.Nanosecond(), 0)
	return string(append(b, 'Z')), nil
}

// intervalMicros reads an interval in IntervalStyle iso_8601
// ("P1Y2M3DT4H5M6.5S") as Debezium's MicroDuration: months count
// 365.25/12 days.
func intervalMicros(v string) (any, error) {
	if !strings.HasPrefix(v, "P") {
		return nil, fmt.Errorf("interval %q is not ISO 8601", v)
	}
	var years, months, days, hours, minutes float64
	var seconds float64
	inTime := false
	num := ""
	for _, c := range v[1:] {
		switch {
		case c == 'T':
			inTime = true
		case c >= '0' && c <= '9' || c == '.' || c == '-':
			num += string(c)
		default:
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return nil, fmt.Errorf("interval %q: %w", v, err)
			}
			num = ""
			switch {
			case c == 'Y':
				years = f
			case c == 'M' && !inTime:
				months = f
			case c == 'W':
				days += 7 * f
			case c == 'D':
				days += f
			case c == 'H':
				hours = f
			case c == 'M':
				minutes = f
			case c == 'S':
				seconds = f
			default:
				return nil, fmt.Errorf("interval %q: unexpected %q", v, c)
			}
		}
	}
	const daysPerMonth = 365.25 / 12.0
	nDays := (years*12+months)*daysPerMonth + days
	nSeconds := ((nDays*24+hours)*60+minutes)*60 + seconds
	return int64(nSeconds * 1e6), nil
}

// intervalString writes an interval in IntervalStyle iso_8601 as
// Debezium's Interval string: every component, as PGInterval splits the
// value (P0Y0M-1DT0H0M-1S, P0Y0M0DT0H0M0S for zero), seconds without
// trailing zeros, as Debezium's Interval.toIsoString.
func intervalString(v string) (any, error) {
	if !strings.HasPrefix(v, "P") {
		return nil, fmt.Errorf("interval %q is not ISO 8601", v)
	}
	var parts [5]string // years, months, days, hours, minutes
	seconds := "0"
	inTime := false
	num := ""
	for _, c := range v[1:] {
		switch {
		case c == 'T':
			inTime = true
		case c >= '0' && c <= '9' || c == '.' || c == '-':
			num += string(c)
		default:
			i := -1
			switch {
			case c == 'Y':
				i = 0
			case c == 'M' && !inTime:
				i = 1
			case c == 'D':
				i = 2
			case c == 'H':
				i = 3
			case c == 'M':
				i = 4
			case c == 'S':
				seconds = num
			default:
				return nil, fmt.Errorf("interval %q: unexpected %q", v, c)
			}
			if i >= 0 {
				parts[i] = num
			}
			num = ""
		}
	}
	for i, p := range parts {
		if p == "" {
			parts[i] = "0"
		}
	}
	if strings.Contains(seconds, ".") {
		seconds = strings.TrimRight(strings.TrimRight(seconds, "0"), ".")
	}
	if seconds == "-0" || seconds == "" {
		seconds = "0"
	}
	return "P" + parts[0] + "Y" + parts[1] + "M" + parts[2] + "DT" + parts[3] + "H" + parts[4] + "M" + seconds + "S", nil
}

// parseArray splits a one-dimensional array literal ({a,"b c",NULL}) into
// its elements, nil for NULL.
func parseArray(v string) ([]*string, error) {
	if len(v) < 2 || v[0] != '{' || v[len(v)-1] != '}' {
		return nil, fmt.Errorf("array %q is not {...}", v)
	}
	body := v[1 : len(v)-1]
	var out []*string
	if body == "" {
		return []*string{}, nil
	}
	for i := 0; i <= len(body); {
		if i < len(body) && body[i] == '{' {
			return nil, fmt.Errorf("array %q has more than one dimension", v)
		}
		var b strings.Builder
		quoted := false
		if i < len(body) && body[i] == '"' {
			quoted = true
			i++
			for i < len(body) && body[i] != '"' {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				b.WriteByte(body[i])
				i++
			}
			i++ // closing quote
		} else {
			for i < len(body) && body[i] != ',' {
				b.WriteByte(body[i])
				i++
			}
		}
		e := b.String()
		if !quoted && e == "NULL" {
			out = append(out, nil)
		} else {
			out = append(out, &e)
		}
		i++ // the comma
		if i > len(body) {
			break
		}
	}
	return out, nil
}
