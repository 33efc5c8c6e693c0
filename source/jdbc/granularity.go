package jdbc

import (
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/kconnect-go/kconnect/connect"
)

// granularity is Confluent's timestamp.granularity: how the values of
// TIMESTAMP columns are written in records. The offsets are the same
// whatever it is: the timestamp read back from the written value.
type granularity int

const (
	connectLogical granularity = iota
	microsLong
	microsString
	microsISO
	nanosLong
	nanosString
	nanosISO
)

var granularities = map[string]granularity{
	"connect_logical": connectLogical, "micros_long": microsLong, "micros_string": microsString,
	"micros_iso_datetime_string": microsISO, "nanos_long": nanosLong, "nanos_string": nanosString,
	"nanos_iso_datetime_string": nanosISO,
}

var granularityNames = []string{"connect_logical", "micros_long", "micros_string", "micros_iso_datetime_string",
	"nanos_long", "nanos_string", "nanos_iso_datetime_string"}

// Confluent's DateTimeUtils formats, wall clocks of db.timezone without a
// zone.
const (
	isoMicros = "2006-01-02T15:04:05.000000"
	isoNanos  = "2006-01-02T15:04:05.000000000"
)

// schema returns the schema of a TIMESTAMP column's values.
func (g granularity) schema(optional bool) *connect.Schema {
	var s *connect.Schema
	switch g {
	case microsLong, nanosLong:
		s = connect.Int64Schema
	case microsString, microsISO, nanosString, nanosISO:
		s = connect.StringSchema
	default:
		s = connect.TimestampSchema
	}
	if optional {
		s = s.AsOptional()
	}
	return s
}

// epoch splits t as java.sql.Timestamp does: whole seconds of its
// milliseconds (truncated towards zero, as Java divides) and the
// nanoseconds of its second.
func epoch(t time.Time) (sec int64, nanos int64) {
	return t.UnixMilli() / 1000, int64(t.Nanosecond())
}

// from returns the value written for t.
func (g granularity) from(t time.Time, loc *time.Location) any {
	sec, nanos := epoch(t)
	switch g {
	case microsLong:
		return sec*1_000_000 + nanos/1000
	case microsString:
		return strconv.FormatInt(sec*1_000_000+nanos/1000, 10)
	case microsISO:
		return t.In(loc).Format(isoMicros)
	case nanosLong:
		return sec*1_000_000_000 + nanos
	case nanosString:
		n := new(big.Int).Mul(big.NewInt(sec), big.NewInt(1_000_000_000))
		return n.Add(n, big.NewInt(nanos)).String()
	case nanosISO:
		return t.In(loc).Format(isoNanos)
	}
	return t
}

// to reads a written value back into the timestamp of the offset.
func (g granularity) to(v any, loc *time.Location) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case int64:
		if g == microsLong {
			return time.UnixMicro(x).UTC(), nil
		}
		return time.Unix(0, x).UTC(), nil
	case string:
		switch g {
		case microsString:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("Invalid value for timestamp column with micros-string granularity: %s", x)
			}
			return time.UnixMicro(n).UTC(), nil
		case nanosString:
			n, ok := new(big.Int).SetString(x, 10)
			if !ok {
				return time.Time{}, fmt.Errorf("Invalid value for timestamp column with nanos-string granularity: %s", x)
			}
			sec, nanos := new(big.Int).DivMod(n, big.NewInt(1_000_000_000), new(big.Int))
			return time.Unix(sec.Int64(), nanos.Int64()).UTC(), nil
		case microsISO, nanosISO:
			t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", x, loc)
			if err != nil {
				return time.Time{}, err
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("a timestamp column holds a %T", v)
}
