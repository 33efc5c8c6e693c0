package kconnect.golden;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.function.Supplier;

import org.apache.kafka.connect.converters.BooleanConverter;
import org.apache.kafka.connect.converters.ByteArrayConverter;
import org.apache.kafka.connect.converters.DoubleConverter;
import org.apache.kafka.connect.converters.FloatConverter;
import org.apache.kafka.connect.converters.IntegerConverter;
import org.apache.kafka.connect.converters.LongConverter;
import org.apache.kafka.connect.converters.ShortConverter;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.data.Values;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.apache.kafka.connect.storage.StringConverter;

/**
 * Writes goldens for connect/values.go and the stringconv, bytesconv, numconv and simpleheader
 * packages using Apache Kafka's own classes. See README.md for the file formats.
 *
 * Arguments: valuesDir goldenDir
 *   valuesDir : connect/testdata/values (reads parse.txt; writes parse.golden, tostring.golden,
 *               convert.golden)
 *   goldenDir : converter/testdata/golden (writes stringconv.golden, numconv.golden,
 *               simpleheader.golden)
 */
public final class ConverterGolden {

    private static final long DAY = 24L * 60 * 60 * 1000;

    public static void main(String[] args) throws IOException {
        // Values formats and parses dates in the JVM's default time zone; pin it to UTC as
        // kconnect does.
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
        Path valuesDir = Paths.get(args[0]);
        Path goldenDir = Paths.get(args[1]);
        Files.createDirectories(goldenDir);
        writeParse(valuesDir);
        writeToString(valuesDir, goldenDir);
        writeConvert(valuesDir);
        writeNumbers(goldenDir);
        writeStrings(goldenDir);
        writeHeaders(goldenDir);
    }

    // ---------------------------------------------------------------- escaping and descriptions

    /** Escapes a string for one golden line: \\ \t \n \r and \\uXXXX outside printable ASCII. */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\': sb.append("\\\\"); break;
                case '\t': sb.append("\\t"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                default:
                    if (c < 0x20 || c >= 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.toString();
    }

    static String unesc(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                sb.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 't': sb.append('\t'); break;
                case 'n': sb.append('\n'); break;
                case 'r': sb.append('\r'); break;
                case 'u':
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                    break;
                default: sb.append(n);
            }
        }
        return sb.toString();
    }

    static String hex(byte[] b) {
        if (b == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xff));
        }
        return sb.toString();
    }

    static byte[] unhex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    /** Describes a schema: type or logical name, "?" prefix when optional, element schemas. */
    static String sdesc(Schema s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder();
        if (s.isOptional()) {
            sb.append('?');
        }
        String name = s.name();
        if (Decimal.LOGICAL_NAME.equals(name)) {
            sb.append("Decimal(").append(s.parameters().get(Decimal.SCALE_FIELD)).append(')');
        } else if (Date.LOGICAL_NAME.equals(name)) {
            sb.append("Date");
        } else if (Time.LOGICAL_NAME.equals(name)) {
            sb.append("Time");
        } else if (Timestamp.LOGICAL_NAME.equals(name)) {
            sb.append("Timestamp");
        } else {
            sb.append(s.type().name());
            if (name != null) {
                sb.append('(').append(name).append(')');
            }
        }
        switch (s.type()) {
            case ARRAY:
                sb.append('<').append(sdesc(s.valueSchema())).append('>');
                break;
            case MAP:
                sb.append('<').append(sdesc(s.keySchema())).append(',').append(sdesc(s.valueSchema())).append('>');
                break;
            case STRUCT:
                sb.append('{');
                boolean first = true;
                for (org.apache.kafka.connect.data.Field f : s.fields()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    sb.append(f.name()).append(':').append(sdesc(f.schema()));
                }
                sb.append('}');
                break;
            default:
        }
        return sb.toString();
    }

    /** Describes a value with its Java type, so that Go can compare types as well as values. */
    static String vdesc(Object v) {
        if (v == null) {
            return "null";
        } else if (v instanceof Byte) {
            return "i8:" + v;
        } else if (v instanceof Short) {
            return "i16:" + v;
        } else if (v instanceof Integer) {
            return "i32:" + v;
        } else if (v instanceof Long) {
            return "i64:" + v;
        } else if (v instanceof Float) {
            return String.format("f32:%08x", Float.floatToRawIntBits((Float) v));
        } else if (v instanceof Double) {
            return String.format("f64:%016x", Double.doubleToRawLongBits((Double) v));
        } else if (v instanceof Boolean) {
            return "bool:" + v;
        } else if (v instanceof String) {
            return "str:\"" + esc((String) v).replace("\"", "\\\"") + "\"";
        } else if (v instanceof BigDecimal) {
            BigDecimal d = (BigDecimal) v;
            return "dec:" + d.unscaledValue() + "/" + d.scale();
        } else if (v instanceof java.util.Date) {
            return "ms:" + ((java.util.Date) v).getTime();
        } else if (v instanceof byte[]) {
            return "bytes:" + hex((byte[]) v);
        } else if (v instanceof List) {
            StringBuilder sb = new StringBuilder("[");
            boolean first = true;
            for (Object e : (List<?>) v) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(vdesc(e));
            }
            return sb.append(']').toString();
        } else if (v instanceof Map) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(vdesc(e.getKey())).append('=').append(vdesc(e.getValue()));
            }
            return sb.append('}').toString();
        } else if (v instanceof Struct) {
            Struct st = (Struct) v;
            StringBuilder sb = new StringBuilder("struct{");
            boolean first = true;
            for (org.apache.kafka.connect.data.Field f : st.schema().fields()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(f.name()).append('=').append(vdesc(st.getWithoutDefault(f.name())));
            }
            return sb.append('}').toString();
        }
        return "?" + v.getClass().getName();
    }

    static String err(Throwable t) {
        return "ERROR\t" + t.getClass().getSimpleName() + ": " + esc(String.valueOf(t.getMessage()));
    }

    // ---------------------------------------------------------------- Values.parseString

    static void writeParse(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("parse.txt"), StandardCharsets.UTF_8)) {
            if (!line.startsWith("case:")) {
                continue;
            }
            String in = unesc(line.substring("case:".length()));
            out.add(esc(in) + "\t" + parseLine(in));
        }
        // Deep nesting, generated rather than listed.
        for (int depth : new int[] {50, 200}) {
            String in = "[".repeat(depth) + "]".repeat(depth);
            out.add("depth:" + depth + "\t" + parseLine(in));
        }
        Files.write(dir.resolve("parse.golden"), out, StandardCharsets.UTF_8);
    }

    static String parseLine(String in) {
        SchemaAndValue sv;
        try {
            sv = Values.parseString(in);
        } catch (Throwable t) {
            return err(t);
        }
        if (sv == null) {
            return "NULL";
        }
        String str;
        try {
            str = esc(String.valueOf(Values.convertToString(sv.schema(), sv.value())));
        } catch (Throwable t) {
            str = "ERROR " + t.getClass().getSimpleName();
        }
        return sdesc(sv.schema()) + "\t" + vdesc(sv.value()) + "\t" + str;
    }

    // ---------------------------------------------------------------- named values

    static java.util.Date days(long d) {
        return new java.util.Date(d * DAY);
    }

    static java.util.Date millis(long ms) {
        return new java.util.Date(ms);
    }

    @SafeVarargs
    static <T> ArrayList<T> list(T... items) {
        return new ArrayList<>(Arrays.asList(items));
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    static BigDecimal dec(String unscaled, int scale) {
        return new BigDecimal(new BigInteger(unscaled), scale);
    }

    static final Schema INNER = SchemaBuilder.struct().name("Inner").field("x", Schema.FLOAT64_SCHEMA).build();
    static final Schema RICH = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("opt", Schema.OPTIONAL_STRING_SCHEMA)
            .field("def", SchemaBuilder.int32().optional().defaultValue(7).build())
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("inner", INNER)
            .field("when", Timestamp.SCHEMA)
            .field("day", Date.SCHEMA)
            .field("amount", Decimal.schema(2))
            .field("f", Schema.FLOAT32_SCHEMA)
            .field("m", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build())
            .build();
    static final Schema WITH_BYTES = SchemaBuilder.struct().field("b", Schema.BYTES_SCHEMA).build();
    static final Schema EMPTY = SchemaBuilder.struct().build();

    /** The named values of tostring.golden and stringconv.golden; Go builds the same by name. */
    static Map<String, Object> namedValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("i8", (byte) -5);
        m.put("i16", (short) 300);
        m.put("i32", -70000);
        m.put("i64", 1L << 40);
        m.put("i64_min", Long.MIN_VALUE);
        m.put("f32", 1.5f);
        m.put("f32_big", 1e10f);
        m.put("f32_small", 1.0e-5f);
        m.put("f32_point1", 0.1f);
        m.put("f32_nan", Float.NaN);
        m.put("f32_neginf", Float.NEGATIVE_INFINITY);
        m.put("f64", 0.1);
        m.put("f64_neg0", -0.0);
        m.put("f64_big", 1e21);
        m.put("f64_1e7", 1e7);
        m.put("f64_inf", Double.POSITIVE_INFINITY);
        m.put("f64_nan", Double.NaN);
        m.put("bool_t", true);
        m.put("bool_f", false);
        m.put("str", "hello");
        m.put("str_empty", "");
        m.put("str_esc", "a\"b\\c");
        m.put("str_unicode", "\u00e9\u65e5\u672c\n\ud83d\ude00");
        m.put("bytes", bytes(0, 1, 2, 0xff));
        m.put("bytes_empty", bytes());
        m.put("dec_2", dec("12345", 2));
        m.put("dec_neg_scale", dec("1", -3));
        m.put("dec_neg_scale2", dec("-12", -1));
        m.put("dec_small", dec("1", 7));
        m.put("dec_e6", dec("1", 6));
        m.put("dec_neg_small", dec("-5", 6));
        m.put("dec_zero3", dec("0", 3));
        m.put("dec_zero_neg", dec("0", -2));
        m.put("dec_big", dec("123456789012345678901234567890", 10));
        m.put("dec_int", dec("42", 0));
        m.put("dec_sci", dec("12345", 12));
        m.put("date", days(19797));
        m.put("time", millis(45296789));
        m.put("ts", millis(1710506096789L));
        m.put("ts_neg", millis(-1));
        m.put("ts_zero", millis(0));
        m.put("ts_day", millis(DAY));
        m.put("ts_1494", millis(-15000000000000L));
        m.put("ts_cutover", millis(-12219292800000L));
        m.put("ts_before_cutover", millis(-12219292800001L));
        m.put("ts_0001", millis(-62135596800000L));
        m.put("ts_0000", millis(-62198755200000L));
        m.put("ts_bc", millis(-100000000000000L));
        m.put("ts_10000", millis(253402300800000L));
        m.put("list", list(1, 2, 3));
        m.put("list_mixed", list("a", null, 1.5f));
        m.put("list_nested", list(list(1), list(2, 3)));
        m.put("list_empty", list());
        m.put("list_strs", list("x\"y", "z"));
        m.put("list_dates", list(days(1), millis(1000)));
        m.put("list_bytes", list(bytes(1, 2)));
        Map<String, Object> linked = new LinkedHashMap<>();
        linked.put("b", 1);
        linked.put("a", null);
        m.put("map_linked", linked);
        Map<String, Object> hash = new HashMap<>();
        hash.put("c", 1);
        hash.put("a", 2);
        hash.put("b", 3);
        hash.put("key10", 4);
        hash.put("Aa", 5);
        m.put("map_hash", hash);
        Map<Object, Object> intKeys = new LinkedHashMap<>();
        intKeys.put(1, "x");
        intKeys.put(2, "y");
        m.put("map_intkeys", intKeys);
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("a", list(1, 2));
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("x", true);
        nested.put("m", inner);
        m.put("map_nested", nested);
        m.put("map_empty", new LinkedHashMap<>());
        Struct in = new Struct(INNER).put("x", 1.5);
        Map<String, Long> sm = new LinkedHashMap<>();
        sm.put("k", 9L);
        Struct rich = new Struct(RICH)
                .put("id", 1)
                .put("name", "x\"y")
                .put("tags", list("a", "b"))
                .put("inner", in)
                .put("when", millis(1710506096789L))
                .put("day", days(19797))
                .put("amount", dec("123", 2))
                .put("f", 2.5f)
                .put("m", sm);
        m.put("struct", rich);
        m.put("struct_bytes", new Struct(WITH_BYTES).put("b", bytes(1, 2)));
        m.put("struct_empty", new Struct(EMPTY));
        return m;
    }

    static void writeToString(Path valuesDir, Path goldenDir) throws IOException {
        List<String> values = new ArrayList<>();
        List<String> strconv = new ArrayList<>();
        StringConverter sc = new StringConverter();
        sc.configure(Map.of(), false);
        for (Map.Entry<String, Object> e : namedValues().entrySet()) {
            String name = e.getKey();
            Object v = e.getValue();
            try {
                values.add(name + "\t" + esc(Values.convertToString(null, v)));
            } catch (Throwable t) {
                values.add(name + "\t" + err(t));
            }
            if (name.contains("bytes")) {
                continue; // Java writes the array's identity ("[B@1b6d3586"), which nobody can match
            }
            strconv.add("value:" + name + "\t" + hex(sc.fromConnectData("t", null, v)));
        }
        Files.write(valuesDir.resolve("tostring.golden"), values, StandardCharsets.UTF_8);
        Files.write(goldenDir.resolve("stringconv.golden"), strconv, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- Values.convertTo*

    static void conv(List<String> out, String name, Supplier<Object> f) {
        try {
            out.add(name + "\t" + vdesc(f.get()));
        } catch (Throwable t) {
            out.add(name + "\t" + err(t));
        }
    }

    static void writeConvert(Path dir) throws IOException {
        List<String> o = new ArrayList<>();
        conv(o, "bool_str_true", () -> Values.convertToBoolean(null, "true"));
        conv(o, "bool_str_TRUE", () -> Values.convertToBoolean(null, "TRUE"));
        conv(o, "bool_str_1", () -> Values.convertToBoolean(null, "1"));
        conv(o, "bool_str_0", () -> Values.convertToBoolean(null, "0"));
        conv(o, "bool_str_1.5", () -> Values.convertToBoolean(null, "1.5"));
        conv(o, "bool_str_0.5", () -> Values.convertToBoolean(null, "0.5"));
        conv(o, "bool_i32", () -> Values.convertToBoolean(null, 5));
        conv(o, "bool_f64", () -> Values.convertToBoolean(null, 0.3));
        conv(o, "bool_list", () -> Values.convertToBoolean(null, list(1)));
        conv(o, "bool_bool", () -> Values.convertToBoolean(null, false));
        conv(o, "i8_i32", () -> Values.convertToByte(null, 300));
        conv(o, "i8_str", () -> Values.convertToByte(null, "-5"));
        conv(o, "i8_str_frac", () -> Values.convertToByte(null, "12.7"));
        conv(o, "i8_str_exp", () -> Values.convertToByte(null, "1e3"));
        conv(o, "i8_str_space", () -> Values.convertToByte(null, " 5"));
        conv(o, "i8_bool", () -> Values.convertToByte(null, true));
        conv(o, "i16_f32", () -> Values.convertToShort(null, 3.9f));
        conv(o, "i16_i64", () -> Values.convertToShort(null, 70000L));
        conv(o, "i32_f64_neg", () -> Values.convertToInteger(null, -3.9));
        conv(o, "i32_str_huge", () -> Values.convertToInteger(null, "1e30"));
        conv(o, "i32_str_big", () -> Values.convertToInteger(null, "4294967297"));
        conv(o, "i64_nan", () -> Values.convertToLong(null, Double.NaN));
        conv(o, "i64_f64_huge", () -> Values.convertToLong(null, 1e30));
        conv(o, "i64_f64_neghuge", () -> Values.convertToLong(null, -1e30));
        conv(o, "i64_f32_inf", () -> Values.convertToLong(null, Float.POSITIVE_INFINITY));
        conv(o, "i64_bool", () -> Values.convertToLong(null, true));
        conv(o, "i64_str_bad", () -> Values.convertToLong(null, "abc"));
        conv(o, "i64_str_empty", () -> Values.convertToLong(null, ""));
        conv(o, "i64_date_schema", () -> Values.convertToLong(Date.SCHEMA, days(5)));
        conv(o, "i64_date_schema_bad", () -> Values.convertToLong(Date.SCHEMA, millis(5)));
        conv(o, "i64_time_schema", () -> Values.convertToLong(Time.SCHEMA, millis(5000)));
        conv(o, "i64_ts_schema", () -> Values.convertToLong(Timestamp.SCHEMA, millis(1234)));
        conv(o, "i64_ts_noschema", () -> Values.convertToLong(null, millis(1234)));
        conv(o, "i64_str_schema", () -> Values.convertToLong(Schema.STRING_SCHEMA, "x"));
        conv(o, "i64_dec", () -> Values.convertToLong(null, dec("12399", 2)));
        conv(o, "i64_dec_neg", () -> Values.convertToLong(null, dec("-12399", 2)));
        conv(o, "i64_str_huge", () -> Values.convertToLong(null, "123456789012345678901234567890"));
        conv(o, "i64_str_negexp", () -> Values.convertToLong(null, "-7e20"));
        conv(o, "i64_str_plus", () -> Values.convertToLong(null, "+42"));
        conv(o, "i64_list", () -> Values.convertToLong(null, list()));
        conv(o, "f32_str", () -> Values.convertToFloat(null, "1.5"));
        conv(o, "f32_str_exp", () -> Values.convertToFloat(null, "1e40"));
        conv(o, "f32_f64", () -> Values.convertToFloat(null, 0.1));
        conv(o, "f32_i64", () -> Values.convertToFloat(null, 16777217L));
        conv(o, "f64_i64", () -> Values.convertToDouble(null, Long.MAX_VALUE));
        conv(o, "f64_str_bad", () -> Values.convertToDouble(null, "x"));
        conv(o, "f64_bool", () -> Values.convertToDouble(null, true));
        conv(o, "f64_dec", () -> Values.convertToDouble(null, dec("1", 400)));
        conv(o, "f64_str_long", () -> Values.convertToDouble(null, "0.1000000000000000055511151231257827"));
        conv(o, "f64_date_schema", () -> Values.convertToDouble(Date.SCHEMA, days(3)));
        conv(o, "f64_f32", () -> Values.convertToDouble(null, 0.1f));
        conv(o, "dec_f64", () -> Values.convertToDecimal(null, 1.5, 2));
        conv(o, "dec_f32", () -> Values.convertToDecimal(null, 0.1f, 2));
        conv(o, "dec_f64_big", () -> Values.convertToDecimal(null, 1e21, 0));
        conv(o, "dec_str", () -> Values.convertToDecimal(null, "1.50", 2));
        conv(o, "dec_str_bad", () -> Values.convertToDecimal(null, "x", 2));
        conv(o, "dec_bytes", () -> Values.convertToDecimal(null, bytes(1, 0), 2));
        conv(o, "dec_bytes_neg", () -> Values.convertToDecimal(null, bytes(0xff), 1));
        conv(o, "dec_i32", () -> Values.convertToDecimal(null, 7, 2));
        conv(o, "dec_i64", () -> Values.convertToDecimal(null, 123456789012345678L, 2));
        conv(o, "dec_dec", () -> Values.convertToDecimal(null, dec("5", 3), 2));
        conv(o, "dec_bool", () -> Values.convertToDecimal(null, true, 2));
        conv(o, "dec_null", () -> Values.convertToDecimal(null, null, 2));
        conv(o, "date_str", () -> Values.convertToDate(null, "2024-01-15"));
        conv(o, "date_str_ts", () -> Values.convertToDate(null, "2024-01-15T12:34:56.789Z"));
        conv(o, "date_i32", () -> Values.convertToDate(null, 19797));
        conv(o, "date_i64_big", () -> Values.convertToDate(null, 4294967297L));
        conv(o, "date_ts_schema", () -> Values.convertToDate(Timestamp.SCHEMA, millis(1710506096789L)));
        conv(o, "date_ts_schema_neg", () -> Values.convertToDate(Timestamp.SCHEMA, millis(-86400001L)));
        conv(o, "date_date_schema", () -> Values.convertToDate(Date.SCHEMA, days(3)));
        conv(o, "date_time_schema", () -> Values.convertToDate(Time.SCHEMA, millis(5000)));
        conv(o, "date_str_num", () -> Values.convertToDate(null, "19797"));
        conv(o, "date_bad", () -> Values.convertToDate(null, "abc"));
        conv(o, "date_null", () -> Values.convertToDate(null, null));
        conv(o, "date_bool", () -> Values.convertToDate(null, true));
        conv(o, "time_ts_schema", () -> Values.convertToTime(Timestamp.SCHEMA, millis(1710506096789L)));
        conv(o, "time_ts_schema_neg", () -> Values.convertToTime(Timestamp.SCHEMA, millis(-1L)));
        conv(o, "time_i32", () -> Values.convertToTime(null, 1000));
        conv(o, "time_i32_big", () -> Values.convertToTime(null, 90000000));
        conv(o, "time_i32_max", () -> Values.convertToTime(null, 86400000));
        conv(o, "time_i32_neg", () -> Values.convertToTime(null, -1));
        conv(o, "time_str", () -> Values.convertToTime(null, "12:34:56.789Z"));
        conv(o, "time_date_schema", () -> Values.convertToTime(Date.SCHEMA, days(3)));
        conv(o, "time_time_schema", () -> Values.convertToTime(Time.SCHEMA, millis(5)));
        conv(o, "time_time_schema_bad", () -> Values.convertToTime(Time.SCHEMA, millis(DAY + 5)));
        conv(o, "ts_date_schema", () -> Values.convertToTimestamp(Date.SCHEMA, days(3)));
        conv(o, "ts_time_schema", () -> Values.convertToTimestamp(Time.SCHEMA, millis(5000)));
        conv(o, "ts_ts_schema", () -> Values.convertToTimestamp(Timestamp.SCHEMA, millis(-5)));
        conv(o, "ts_i64", () -> Values.convertToTimestamp(null, 1710506096789L));
        conv(o, "ts_str", () -> Values.convertToTimestamp(null, "2024-01-15T12:34:56.789Z"));
        conv(o, "ts_str_num", () -> Values.convertToTimestamp(null, "1710506096789"));
        conv(o, "ts_str_date", () -> Values.convertToTimestamp(null, "2024-01-15"));
        conv(o, "ts_f64", () -> Values.convertToTimestamp(null, 1.9));
        conv(o, "ts_null", () -> Values.convertToTimestamp(null, null));
        conv(o, "list_str", () -> Values.convertToList(null, "[1,2]"));
        conv(o, "list_str_bad", () -> Values.convertToList(null, "abc"));
        conv(o, "list_list", () -> Values.convertToList(null, list("a")));
        conv(o, "list_null", () -> Values.convertToList(null, null));
        conv(o, "list_i32", () -> Values.convertToList(null, 1));
        conv(o, "map_str", () -> Values.convertToMap(null, "{\"a\":1,\"b\":2}"));
        conv(o, "map_str_bad", () -> Values.convertToMap(null, "[1]"));
        conv(o, "map_null", () -> Values.convertToMap(null, null));
        conv(o, "struct_str", () -> Values.convertToStruct(null, "{}"));
        conv(o, "struct_struct", () -> Values.convertToStruct(null, new Struct(INNER).put("x", 2.0)));
        conv(o, "struct_null", () -> Values.convertToStruct(null, null));
        conv(o, "bool_null", () -> Values.convertToBoolean(null, null));
        conv(o, "str_null", () -> Values.convertToString(null, null));
        // Schema inference.
        conv(o, "infer_str", () -> sdesc(Values.inferSchema("x")));
        conv(o, "infer_i16", () -> sdesc(Values.inferSchema((short) 1)));
        conv(o, "infer_f32", () -> sdesc(Values.inferSchema(1f)));
        conv(o, "infer_bytes", () -> sdesc(Values.inferSchema(bytes(1))));
        conv(o, "infer_date", () -> sdesc(Values.inferSchema(days(1))));
        conv(o, "infer_dec", () -> sdesc(Values.inferSchema(dec("1", 1))));
        conv(o, "infer_list", () -> sdesc(Values.inferSchema(list(1, 2))));
        conv(o, "infer_list_null", () -> sdesc(Values.inferSchema(list(1, null))));
        conv(o, "infer_list_mixed", () -> sdesc(Values.inferSchema(list(1, 2L))));
        conv(o, "infer_list_empty", () -> sdesc(Values.inferSchema(list())));
        conv(o, "infer_list_onlynull", () -> sdesc(Values.inferSchema(list((Object) null))));
        conv(o, "infer_list_nested", () -> sdesc(Values.inferSchema(list(list(1)))));
        conv(o, "infer_list_struct", () -> sdesc(Values.inferSchema(list(new Struct(INNER).put("x", 1.0)))));
        Map<String, Object> im = new LinkedHashMap<>();
        im.put("a", 1L);
        im.put("b", null);
        conv(o, "infer_map", () -> sdesc(Values.inferSchema(im)));
        conv(o, "infer_map_empty", () -> sdesc(Values.inferSchema(new HashMap<>())));
        conv(o, "infer_struct", () -> sdesc(Values.inferSchema(new Struct(INNER).put("x", 1.0))));
        conv(o, "infer_null", () -> sdesc(Values.inferSchema(null)));
        Files.write(dir.resolve("convert.golden"), o, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- converters

    static void writeNumbers(Path dir) throws IOException {
        List<String> o = new ArrayList<>();
        num(o, "short", new ShortConverter(), (short) 0, (short) 1, (short) -2, Short.MIN_VALUE, Short.MAX_VALUE);
        num(o, "integer", new IntegerConverter(), 0, 1, -2, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x01020304);
        num(o, "long", new LongConverter(), 0L, 1L, -2L, Long.MIN_VALUE, Long.MAX_VALUE, 0x0102030405060708L);
        num(o, "float", new FloatConverter(), 0f, -0f, 1.5f, Float.NaN, Float.NEGATIVE_INFINITY, Float.MIN_VALUE);
        num(o, "double", new DoubleConverter(), 0d, -0d, 1.5, Double.NaN, Double.POSITIVE_INFINITY, Double.MIN_VALUE);
        num(o, "boolean", new BooleanConverter(), true, false);
        num(o, "bytearray", new ByteArrayConverter(), bytes(), bytes(1, 2, 0xff));
        // Error messages for wrong lengths and wrong types.
        Object[][] bad = {
            {"short", new ShortConverter()}, {"integer", new IntegerConverter()}, {"long", new LongConverter()},
            {"float", new FloatConverter()}, {"double", new DoubleConverter()}, {"boolean", new BooleanConverter()},
        };
        for (Object[] b : bad) {
            Converter c = (Converter) b[1];
            c.configure(Map.of(), false);
            try {
                c.toConnectData("t", bytes(1, 2, 3));
                o.add(b[0] + ":read:010203\tOK");
            } catch (Throwable t) {
                o.add(b[0] + ":read:010203\t" + err(t) + " / " + esc(String.valueOf(t.getCause())));
            }
            try {
                c.fromConnectData("t", null, "x");
                o.add(b[0] + ":write:str\tOK");
            } catch (Throwable t) {
                o.add(b[0] + ":write:str\t" + err(t));
            }
        }
        BooleanConverter bc = new BooleanConverter();
        bc.configure(Map.of(), false);
        try {
            bc.toConnectData("t", bytes(2));
        } catch (Throwable t) {
            o.add("boolean:read:02\t" + err(t) + " / " + esc(String.valueOf(t.getCause())));
        }
        try {
            bc.fromConnectData("t", Schema.INT8_SCHEMA, true);
        } catch (Throwable t) {
            o.add("boolean:write:schema\t" + err(t));
        }
        ByteArrayConverter ba = new ByteArrayConverter();
        try {
            ba.fromConnectData("t", Schema.STRING_SCHEMA, bytes(1));
        } catch (Throwable t) {
            o.add("bytearray:write:schema\t" + err(t));
        }
        try {
            ba.fromConnectData("t", null, "x");
        } catch (Throwable t) {
            o.add("bytearray:write:str\t" + err(t));
        }
        Files.write(dir.resolve("numconv.golden"), o, StandardCharsets.UTF_8);
    }

    static void num(List<String> o, String name, Converter c, Object... values) {
        c.configure(Map.of(), false);
        for (Object v : values) {
            byte[] b = c.fromConnectData("t", null, v);
            SchemaAndValue back = c.toConnectData("t", b);
            o.add(name + ":" + vdesc(v) + "\t" + hex(b) + "\t" + sdesc(back.schema()) + "\t" + vdesc(back.value()));
        }
        SchemaAndValue nul = c.toConnectData("t", null);
        o.add(name + ":null\t" + hex(c.fromConnectData("t", null, null)) + "\t" + sdesc(nul.schema()) + "\t" + vdesc(nul.value()));
    }

    static final String[] ENCODINGS = {"UTF-8", "ISO-8859-1", "US-ASCII", "UTF-16", "UTF-16BE", "UTF-16LE"};
    static final String[] TEXTS = {"", "hello", "caf\u00e9", "\u65e5\u672c", "\ud83d\ude00", "a\u0000b", "\u00ff\u0100"};
    static final String[] BYTES = {
        "", "68656c6c6f", "c3a9", "e282", "e28241", "ff", "c0af", "eda080", "f0908080", "f09080", "f4908080",
        "80", "feff0041", "fffe4100", "0041d800", "00", "d83dde00", "41",
        "e241", "f09041", "f041", "f0", "c3", "e08080", "eda041", "f5808080", "f7bfbfbf", "ed9fbf",
        "efbfbf", "c2", "e2", "f4", "f48f", "f48fbf", "f48fbfbf", "e0a0", "e09f", "c0", "c1bf", "80bf",
        "fe", "f8", "e0a080", "ed", "eda0", "f09f98", "f09f9841", "41f09f", "c3c3a9", "e2e282ac",
        "f0f09f9880", "edbfbf", "ee8080", "f0808080", "f08f8080", "f3bfbfbf", "f490", "f49041",
    };

    static void writeStrings(Path dir) throws IOException {
        List<String> o = new ArrayList<>(Files.readAllLines(dir.resolve("stringconv.golden"), StandardCharsets.UTF_8));
        for (String enc : ENCODINGS) {
            StringConverter sc = new StringConverter();
            sc.configure(Map.of("converter.encoding", enc), false);
            for (String t : TEXTS) {
                o.add("encode:" + enc + ":" + esc(t) + "\t" + hex(sc.fromConnectData("t", null, t)));
            }
            for (String h : BYTES) {
                SchemaAndValue sv = sc.toConnectData("t", unhex(h));
                o.add("decode:" + enc + ":" + h + "\t" + sdesc(sv.schema()) + "\t" + vdesc(sv.value()));
            }
        }
        StringConverter sc = new StringConverter();
        sc.configure(Map.of("converter.encoding", "utf8"), false);
        o.add("alias:utf8\t" + hex(sc.fromConnectData("t", null, "\u00e9")));
        sc = new StringConverter();
        sc.configure(Map.of("converter.encoding", "latin1"), true);
        o.add("alias:latin1\t" + hex(sc.fromConnectData("t", null, "\u00e9")));
        sc = new StringConverter();
        sc.configure(Map.of("converter.encoding", "UTF-16", "key.serializer.encoding", "UTF-16LE"), true);
        o.add("override:key.serializer.encoding\t" + hex(sc.fromConnectData("t", null, "A")));
        try {
            sc = new StringConverter();
            sc.configure(Map.of("converter.encoding", "no-such-charset"), false);
            o.add("bad:no-such-charset\tOK");
        } catch (Throwable t) {
            o.add("bad:no-such-charset\t" + err(t));
        }
        sc = new StringConverter();
        sc.configure(Map.of(), false);
        SchemaAndValue nul = sc.toConnectData("t", null);
        o.add("null\t" + hex(sc.fromConnectData("t", null, null)) + "\t" + sdesc(nul.schema()) + "\t" + vdesc(nul.value()));
        Files.write(dir.resolve("stringconv.golden"), o, StandardCharsets.UTF_8);
    }

    static void writeHeaders(Path dir) throws IOException {
        List<String> o = new ArrayList<>();
        SimpleHeaderConverter hc = new SimpleHeaderConverter();
        hc.configure(Map.of());
        for (String h : BYTES) {
            SchemaAndValue sv = hc.toConnectHeader("t", "k", unhex(h));
            o.add("read:" + h + "\t" + (sv == null ? "NULL" : sdesc(sv.schema()) + "\t" + vdesc(sv.value())));
        }
        String[] extra = {"5b315d", "7b2261223a317d", "6e756c6c", "5b312c6e756c6c5d"};
        for (String h : extra) {
            SchemaAndValue sv = hc.toConnectHeader("t", "k", unhex(h));
            o.add("read:" + h + "\t" + (sv == null ? "NULL" : sdesc(sv.schema()) + "\t" + vdesc(sv.value())));
        }
        SchemaAndValue nul = hc.toConnectHeader("t", "k", null);
        o.add("read:null\t" + sdesc(nul.schema()) + "\t" + vdesc(nul.value()));
        o.add("write:null\t" + hex(hc.fromConnectHeader("t", "k", null, null)));
        for (Map.Entry<String, Object> e : namedValues().entrySet()) {
            try {
                o.add("write:" + e.getKey() + "\t" + hex(hc.fromConnectHeader("t", "k", null, e.getValue())));
            } catch (Throwable t) {
                o.add("write:" + e.getKey() + "\t" + err(t));
            }
        }
        Files.write(dir.resolve("simpleheader.golden"), o, StandardCharsets.UTF_8);
    }
}
