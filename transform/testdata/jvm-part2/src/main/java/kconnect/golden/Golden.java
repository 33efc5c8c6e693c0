package kconnect.golden;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.text.ParsePosition;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.Cast;
import org.apache.kafka.connect.transforms.MaskField;
import org.apache.kafka.connect.transforms.TimestampConverter;

/**
 * Writes one tab-separated line per case; see ../README.md for the line formats.
 * The Go tests (transform/cast_test.go, timestampconverter_test.go, maskfield_test.go and
 * internal/javatime/javatime_test.go) read the file.
 */
public final class Golden {
    private static final List<String> out = new ArrayList<>();
    private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

    public static void main(String[] args) throws Exception {
        formats();
        parses();
        casts();
        timestamps();
        masks();
        Files.write(Paths.get(args[0]), (String.join("\n", out) + "\n").getBytes(StandardCharsets.UTF_8));
        System.out.println("wrote " + out.size() + " lines to " + args[0]);
    }

    private static void line(String... cols) {
        out.add(String.join("\t", cols));
    }

    private static String err(Throwable e) {
        return "ERR";
    }

    // ---- SimpleDateFormat ----

    static final String[] PATTERNS = {
        "yyyy-MM-dd'T'HH:mm:ss.SSSZ", "yyyyMMdd", "yyyy-MM-dd HH:mm:ss", "yy-M-d H:m:s.S",
        "EEE, d MMM yyyy HH:mm:ss Z", "EEEE MMMM dd yyyy hh:mm a", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
        "X", "XX", "XXX", "z zzzz", "G yyyy D DDD", "k K h H kk KK hh HH", "u E", "''yyyy''", "'It''s' yyyy",
        "SSSSSS S SS", "yyyyy y yyy", "MMM MMMMM M", "L LL LLL LLLL", "yyyy-MM-dd-HH", "dd/MM/yy",
    };

    static final long[] INSTANTS = {
        0L, 1L, -1L, 43200000L, 1700000000123L, 951782400000L, 253402300799999L, 1000000000000L,
        -12219292800000L /* 1582-10-15 */, 1234567890L, 86399999L, 946684799999L, 4102444800000L,
    };

    static void formats() {
        for (String p : PATTERNS) {
            SimpleDateFormat f = new SimpleDateFormat(p);
            f.setTimeZone(UTC);
            for (long ms : INSTANTS) {
                line("fmt", p, Long.toString(ms), f.format(new Date(ms)));
            }
        }
    }

    static final String[][] PARSES = {
        {"yyyy-MM-dd", "2020-01-02"}, {"yyyy-MM-dd", "2020-13-01"}, {"yyyy-MM-dd", "2020-02-30"},
        {"yyyy-MM-dd", "2020-1-2"}, {"yyyy-MM-dd", " 2020-01-02"}, {"yyyy-MM-dd", "2020-01-02 trailing"},
        {"yyyy-MM-dd", "2020/01/02"}, {"yyyy-MM-dd", "2020-01"}, {"yyyy-MM-dd", ""}, {"yyyy-MM-dd", "-5-01-02"},
        {"yyyyMMdd", "20200102"}, {"yyyyMMdd", "202001"}, {"yyyyMMdd", "2020010"}, {"yyyyMMdd", "202001023"},
        {"yyyyMMddHHmmss", "20200102030405"}, {"yyyyMMddHH", "20200102"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2020-01-02T03:04:05.678+0100"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2020-01-02T03:04:05.678-0830"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2020-01-02T03:04:05.678Z"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2020-01-02T03:04:05.678GMT+01:00"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2020-01-02T03:04:05.678UTC"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSX", "2020-01-02T03:04:05.678Z"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSX", "2020-01-02T03:04:05.678+01"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSX", "2020-01-02T03:04:05.678+0130"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSXX", "2020-01-02T03:04:05.678+0130"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2020-01-02T03:04:05.678+01:30"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2020-01-02T03:04:05.678+0130"},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2020-01-02T03:04:05.678z"},
        {"yyyy-MM-dd HH:mm:ss z", "2020-01-02 03:04:05 GMT"},
        {"yyyy-MM-dd HH:mm:ss z", "2020-01-02 03:04:05 GMT-5:00"},
        {"yyyy-MM-dd HH:mm:ss z", "2020-01-02 03:04:05 UTC"},
        {"yyyy-MM-dd HH:mm:ss z", "2020-01-02 03:04:05 PST"},
        {"yyyy-MM-dd HH:mm:ss z", "2020-01-02 03:04:05 EDT"},
        {"yyyy-MM-dd HH:mm:ss z", "2020-01-02 03:04:05 +0200"},
        {"MMM d, yyyy", "Jan 2, 2020"}, {"MMM d, yyyy", "JANUARY 2, 2020"}, {"MMMM d yyyy", "february 29 2020"},
        {"MMM d yyyy", "Foo 2 2020"}, {"EEE, d MMM yyyy", "Thu, 2 Jan 2020"}, {"EEEE d MMM yyyy", "Monday 2 Jan 2020"},
        {"hh:mm a", "12:30 PM"}, {"hh:mm a", "12:30 AM"}, {"hh:mm a", "01:30 pm"}, {"h:mm", "12:30"},
        {"KK:mm a", "11:30 PM"}, {"kk:mm", "24:30"}, {"HH:mm", "24:00"}, {"HH:mm", "25:61"},
        {"yyyy SSS", "2020 1234"}, {"yyyy SSS", "2020 5"}, {"ss.SSS", "01.5"}, {"yyyy D", "2020 60"},
        {"yyyy-MM-dd'T'HH:mm:ss", "2020-01-02T03:04:05"}, {"yyyy-MM-dd'T'HH:mm:ss", "2020-01-02 03:04:05"},
        {"''yyyy", "'2020"}, {"G yyyy", "BC 0010"}, {"G yyyy", "AD 2020"},
        {"yyyy-MM-dd", "+2020-01-02"}, {"yyyy-MM-dd", "0000-01-01"}, {"yyyy", "12345"},
        {"dd/MM/yyyy", "31/12/1999"}, {"yyyy-MM-dd HH:mm:ss.SSS", "2023-11-14 22:13:20.123"},
    };

    static void parses() {
        for (String[] c : PARSES) {
            SimpleDateFormat f = new SimpleDateFormat(c[0]);
            f.setTimeZone(UTC);
            String res;
            try {
                res = Long.toString(f.parse(c[1]).getTime());
            } catch (Exception e) {
                res = err(e);
            }
            line("parse", c[0], c[1], res);
        }
    }

    // ---- Cast ----

    static Schema schemaFor(String type) {
        switch (type) {
            case "int8": return Schema.INT8_SCHEMA;
            case "int16": return Schema.INT16_SCHEMA;
            case "int32": return Schema.INT32_SCHEMA;
            case "int64": return Schema.INT64_SCHEMA;
            case "float32": return Schema.FLOAT32_SCHEMA;
            case "float64": return Schema.FLOAT64_SCHEMA;
            case "boolean": return Schema.BOOLEAN_SCHEMA;
            case "string": return Schema.STRING_SCHEMA;
            case "bytes": return Schema.BYTES_SCHEMA;
            case "date": return org.apache.kafka.connect.data.Date.SCHEMA;
            case "time": return Time.SCHEMA;
            case "timestamp": return Timestamp.SCHEMA;
            default:
                if (type.startsWith("decimal")) return Decimal.schema(Integer.parseInt(type.substring(7)));
                throw new IllegalArgumentException(type);
        }
    }

    static Object valueFor(String type, String repr) {
        switch (type) {
            case "int8": return Byte.parseByte(repr);
            case "int16": return Short.parseShort(repr);
            case "int32": return Integer.parseInt(repr);
            case "int64": return Long.parseLong(repr);
            case "float32": return Float.parseFloat(repr);
            case "float64": return Double.parseDouble(repr);
            case "boolean": return Boolean.parseBoolean(repr);
            case "string": return repr;
            case "bytes": return Base64.getDecoder().decode(repr);
            case "date": case "time": case "timestamp": return new Date(Long.parseLong(repr));
            default:
                if (type.startsWith("decimal")) return new BigDecimal(repr).setScale(Integer.parseInt(type.substring(7)));
                throw new IllegalArgumentException(type);
        }
    }

    static String show(Object v) {
        if (v == null) return "null";
        if (v instanceof Float) return "float32:" + Integer.toHexString(Float.floatToRawIntBits((Float) v));
        if (v instanceof Double) return "float64:" + Long.toHexString(Double.doubleToRawLongBits((Double) v));
        if (v instanceof Byte) return "int8:" + v;
        if (v instanceof Short) return "int16:" + v;
        if (v instanceof Integer) return "int32:" + v;
        if (v instanceof Long) return "int64:" + v;
        if (v instanceof Boolean) return "boolean:" + v;
        if (v instanceof String) return "string:" + v;
        if (v instanceof Date) return "date:" + ((Date) v).getTime();
        if (v instanceof BigDecimal) return "decimal:" + ((BigDecimal) v).toPlainString() + "/" + ((BigDecimal) v).scale();
        return v.getClass().getSimpleName() + ":" + v;
    }

    static final String[][] CAST_INPUTS = {
        {"int8", "127"}, {"int8", "-128"}, {"int16", "300"}, {"int16", "-32768"}, {"int32", "70000"}, {"int32", "-129"},
        {"int64", "-1"}, {"int64", "9223372036854775807"}, {"int64", "4294967296"}, {"int64", "16777217"},
        {"float32", "1.5"}, {"float32", "-0.5"}, {"float32", "3.4E38"}, {"float32", "0.1"}, {"float32", "NaN"},
        {"float64", "1e10"}, {"float64", "-1e300"}, {"float64", "NaN"}, {"float64", "0.1"}, {"float64", "123456789.125"},
        {"float64", "1e-5"}, {"float64", "-2.5"}, {"float64", "1e7"}, {"float64", "0.001"}, {"float64", "9999999.0"},
        {"float64", "-0.0"}, {"float64", "Infinity"}, {"float64", "2147483648.7"}, {"float64", "100"},
        {"boolean", "true"}, {"boolean", "false"},
        {"string", "42"}, {"string", "+42"}, {"string", " 42"}, {"string", "300"}, {"string", "-129"}, {"string", "1.5"},
        {"string", "1e3"}, {"string", "NaN"}, {"string", "-Infinity"}, {"string", "0x1p3"}, {"string", "1.5f"},
        {"string", " 2.5 "}, {"string", "true"}, {"string", "TRUE"}, {"string", "yes"}, {"string", "abc"}, {"string", "-0"},
        {"string", "9223372036854775807"}, {"string", "9223372036854775808"}, {"string", ".5"}, {"string", "5."},
        {"string", "1_000"}, {"string", "1e"}, {"string", "0x10"}, {"string", "3.4028236E38"},
        {"bytes", "AQID"}, {"bytes", ""},
        {"decimal2", "123.45"}, {"decimal2", "-0.05"}, {"decimal2", "-123.99"}, {"decimal0", "12345678901234567890"},
        {"decimal7", "0.0000001"}, {"decimal10", "0.0000000001"}, {"decimal-3", "1E+3"}, {"decimal-3", "12E+3"},
        {"decimal1", "300.9"}, {"decimal0", "0"}, {"decimal3", "0.000"},
        {"date", "1555200000000"}, {"date", "0"}, {"time", "3723004"}, {"time", "0"},
        {"timestamp", "1700000000123"}, {"timestamp", "-1"}, {"timestamp", "86400000"}, {"timestamp", "0"},
    };

    static final String[] CAST_TARGETS = {"int8", "int16", "int32", "int64", "float32", "float64", "boolean", "string"};

    static void casts() {
        for (String[] in : CAST_INPUTS) {
            for (String target : CAST_TARGETS) {
                String res;
                try {
                    Cast.Value<SinkRecord> cast = new Cast.Value<>();
                    Map<String, Object> props = new HashMap<>();
                    props.put("spec", target);
                    cast.configure(props);
                    Schema s = schemaFor(in[0]);
                    SinkRecord r = new SinkRecord("t", 0, null, null, s, valueFor(in[0], in[1]), 0);
                    res = show(cast.apply(r).value());
                } catch (Exception e) {
                    res = err(e);
                }
                line("cast", in[0], in[1], target, res);
            }
        }
    }

    // ---- TimestampConverter (schemaless whole value) ----

    static void timestamps() {
        String[][] inputs = {
            {"int64", "1700000000123"}, {"int64", "-1500"}, {"int64", "0"}, {"int64", "9223372036854775807"},
            {"int64", "-9223372036854775808"}, {"int64", "1700000000123456"},
            {"string", "2023-11-14 22:13:20.123"}, {"string", "1969-12-31 23:59:59.500"}, {"string", "garbage"},
            {"timestamp", "1700000000123"}, {"timestamp", "-1"}, {"timestamp", "-86400001"},
        };
        String[] targets = {"string", "unix", "Date", "Time", "Timestamp"};
        String[] precisions = {"seconds", "milliseconds", "microseconds", "nanoseconds"};
        for (String[] in : inputs) {
            for (String target : targets) {
                for (String precision : precisions) {
                    String res;
                    try {
                        TimestampConverter.Value<SinkRecord> tc = new TimestampConverter.Value<>();
                        Map<String, Object> props = new HashMap<>();
                        props.put("target.type", target);
                        props.put("format", "yyyy-MM-dd HH:mm:ss.SSS");
                        props.put("unix.precision", precision);
                        tc.configure(props);
                        Object v = valueFor(in[0], in[1]);
                        res = show(tc.apply(new SinkRecord("t", 0, null, null, null, v, 0)).value());
                    } catch (Exception e) {
                        res = err(e);
                    }
                    line("ts", in[0], in[1], target, precision, res);
                }
            }
        }
    }

    // ---- MaskField with a replacement (schemaless) ----

    static void masks() {
        String[][] fields = {
            {"int8", "1"}, {"int16", "1"}, {"int32", "1"}, {"int64", "1"}, {"float32", "1"}, {"float64", "1"},
            {"string", "x"}, {"boolean", "true"},
        };
        String[] replacements = {"12", "12.7", "-12.7", "1e3", "300", "abc", "9223372036854775808", " 5", "0x10", "1.5e-3", "+7"};
        for (String[] f : fields) {
            for (String repl : replacements) {
                String res;
                try {
                    MaskField.Value<SinkRecord> m = new MaskField.Value<>();
                    Map<String, Object> props = new HashMap<>();
                    props.put("fields", "f");
                    props.put("replacement", repl);
                    m.configure(props);
                    Map<String, Object> value = new HashMap<>();
                    value.put("f", valueFor(f[0], f[1]));
                    Object outV = m.apply(new SinkRecord("t", 0, null, null, null, value, 0)).value();
                    res = show(((Map<?, ?>) outV).get("f"));
                } catch (Exception e) {
                    res = err(e);
                }
                line("mask", f[0], f[1], repl, res);
            }
        }
    }
}
