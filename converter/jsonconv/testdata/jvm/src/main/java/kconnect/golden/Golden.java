package kconnect.golden;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * Writes the golden bytes described in converter/jsonconv/testdata/CASES.md using Apache Kafka's
 * own JsonConverter.
 *
 * Arguments: [goldenDir] [hashmapDir]
 *   goldenDir  : converter/jsonconv/testdata/golden  (receives <case>.<variant>.json / .error)
 *   hashmapDir : connect/testdata/hashmap            (reads keys.txt, writes golden.txt)
 */
public final class Golden {

    private static final String TOPIC = "golden";
    private static final long MS_PER_DAY = 24L * 60 * 60 * 1000;

    /** One row of the CASES.md table. */
    private record Case(String name, Schema schema, Object value, boolean numeric, boolean noreplace) {}

    private static final List<Case> CASES = new ArrayList<>();

    private static void add(String name, Schema schema, Object value) {
        CASES.add(new Case(name, schema, value, false, false));
    }

    private static void addN(String name, Schema schema, Object value) {
        CASES.add(new Case(name, schema, value, true, false));
    }

    private static void addR(String name, Schema schema, Object value) {
        CASES.add(new Case(name, schema, value, false, true));
    }

    private static java.util.Date days(long d) {
        return new java.util.Date(d * MS_PER_DAY);
    }

    private static java.util.Date millis(long ms) {
        return new java.util.Date(ms);
    }

    private static <T> ArrayList<T> list(T... items) {
        return new ArrayList<>(Arrays.asList(items));
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    private static void buildCases() {
        // --- primitives -------------------------------------------------------------------
        add("int8", Schema.INT8_SCHEMA, (byte) 42);
        add("int8_min", Schema.INT8_SCHEMA, (byte) -128);
        add("int16", Schema.INT16_SCHEMA, (short) -30000);
        add("int32", Schema.INT32_SCHEMA, 2147483647);
        add("int64", Schema.INT64_SCHEMA, 9007199254740993L);
        add("int64_min", Schema.INT64_SCHEMA, Long.MIN_VALUE);
        add("float32", Schema.FLOAT32_SCHEMA, 3.14f);
        add("float32_whole", Schema.FLOAT32_SCHEMA, 1.0f);
        add("float32_big", Schema.FLOAT32_SCHEMA, 1.0e20f);
        add("float64", Schema.FLOAT64_SCHEMA, 199.99);
        add("float64_whole", Schema.FLOAT64_SCHEMA, 1.0);
        add("float64_exp", Schema.FLOAT64_SCHEMA, 1.0e10);
        add("float64_small", Schema.FLOAT64_SCHEMA, 1.5e-7);
        add("float64_negzero", Schema.FLOAT64_SCHEMA, -0.0);
        add("float64_max", Schema.FLOAT64_SCHEMA, Double.MAX_VALUE);
        add("float64_nan", Schema.FLOAT64_SCHEMA, Double.NaN);
        add("float64_inf", Schema.FLOAT64_SCHEMA, Double.POSITIVE_INFINITY);
        add("boolean", Schema.BOOLEAN_SCHEMA, true);
        add("string", Schema.STRING_SCHEMA, "hello, world");

        // q " b \ TAB LF U+0001 < / > & U+007F  (12 chars)
        String escapes = new String(new char[] {
            'q', '"', 'b', '\\', '\t', '\n', (char) 0x01, '<', '/', '>', '&', (char) 0x7F});
        if (escapes.length() != 12) {
            throw new IllegalStateException("string_escapes must be 12 chars");
        }
        add("string_escapes", Schema.STRING_SCHEMA, escapes);

        // "héllo 世界 😀" + U+2028
        String unicode = "h" + (char) 0xE9 + "llo " + (char) 0x4E16 + (char) 0x754C + " "
            + new String(Character.toChars(0x1F600)) + (char) 0x2028;
        add("string_unicode", Schema.STRING_SCHEMA, unicode);
        add("string_empty", Schema.STRING_SCHEMA, "");
        add("bytes", Schema.BYTES_SCHEMA, bytes(0x00, 0x01, 0xFE, 0xFF, 0x7F));
        add("bytes_empty", Schema.BYTES_SCHEMA, new byte[0]);

        // --- optional / defaults ----------------------------------------------------------
        add("optional_null", Schema.OPTIONAL_INT32_SCHEMA, null);
        add("optional_string_null", Schema.OPTIONAL_STRING_SCHEMA, null);
        addR("default_int32", SchemaBuilder.int32().optional().defaultValue(7).build(), null);

        // --- named schema -----------------------------------------------------------------
        Schema named = SchemaBuilder.string()
            .name("com.example.Name")
            .version(3)
            .doc("a \"doc\"")
            .parameter("b", "2")
            .parameter("a", "1")
            .build();
        add("named", named, "x");

        // --- arrays / maps ----------------------------------------------------------------
        add("array_int32", SchemaBuilder.array(Schema.INT32_SCHEMA).build(), list(1, 2, 3));
        add("array_optional_string", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build(),
            list("a", null, "c"));
        add("array_empty", SchemaBuilder.array(Schema.INT64_SCHEMA).build(), new ArrayList<Long>());

        HashMap<String, Long> msl = new HashMap<>();
        msl.put("zeta", 1L);
        msl.put("alpha", 2L);
        msl.put("mid", 3L);
        add("map_string_int64", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build(), msl);

        HashMap<Integer, String> mis = new HashMap<>();
        mis.put(2, "two");
        mis.put(1, "one");
        add("map_int32_string", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build(), mis);

        add("map_empty", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build(),
            new HashMap<String, String>());

        // --- decimals ---------------------------------------------------------------------
        addN("decimal", Decimal.schema(2), new BigDecimal(BigInteger.valueOf(12345), 2));
        addN("decimal_negative", Decimal.schema(3), new BigDecimal(BigInteger.valueOf(-1000), 3));
        addN("decimal_big", Decimal.schema(0),
            new BigDecimal(new BigInteger("123456789012345678901234567890"), 0));
        addN("decimal_zero_scale5", Decimal.schema(5), new BigDecimal(BigInteger.ZERO, 5));
        addN("decimal_neg_small", Decimal.schema(2), new BigDecimal(BigInteger.valueOf(-1), 2));
        addN("decimal_128", Decimal.schema(0), new BigDecimal(BigInteger.valueOf(128), 0));
        addN("decimal_tiny", Decimal.schema(10), new BigDecimal(BigInteger.ONE, 10));
        addN("decimal_negscale", Decimal.schema(-2), new BigDecimal(BigInteger.valueOf(12), -2));
        add("struct_optional_null", SchemaBuilder.struct().optional().field("a", Schema.INT32_SCHEMA).build(), null);

        // --- date / time / timestamp ------------------------------------------------------
        add("date", Date.SCHEMA, days(19797));
        add("date_before_epoch", Date.SCHEMA, days(-1));
        add("time", Time.SCHEMA, millis(49530123L));
        add("timestamp", Timestamp.SCHEMA, millis(1700000000123L));
        add("timestamp_before_epoch", Timestamp.SCHEMA, millis(-1L));

        // --- structs ----------------------------------------------------------------------
        Schema flat = SchemaBuilder.struct()
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("ok", Schema.BOOLEAN_SCHEMA)
            .build();
        add("struct_flat", flat, new Struct(flat).put("id", 1L).put("name", "a").put("ok", false));

        Schema inner = SchemaBuilder.struct().name("com.example.Inner")
            .field("x", Schema.INT32_SCHEMA)
            .field("y", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .build();
        Schema kStruct = SchemaBuilder.struct().field("k", Schema.STRING_SCHEMA).build();
        Schema vStruct = SchemaBuilder.struct().field("v", Schema.INT16_SCHEMA).build();
        Schema outer = SchemaBuilder.struct().name("com.example.Outer").version(1)
            .field("inner", inner)
            .field("list", SchemaBuilder.array(kStruct).build())
            .field("m", SchemaBuilder.map(Schema.STRING_SCHEMA, vStruct).build())
            .build();
        HashMap<String, Struct> nestedMap = new HashMap<>();
        nestedMap.put("only", new Struct(vStruct).put("v", (short) 9));
        Struct outerVal = new Struct(outer)
            .put("inner", new Struct(inner).put("x", 5).put("y", null))
            .put("list", list(new Struct(kStruct).put("k", "p"), new Struct(kStruct).put("k", "q")))
            .put("m", nestedMap);
        add("struct_nested", outer, outerVal);

        Schema defaults = SchemaBuilder.struct()
            .field("a", SchemaBuilder.int32().optional().defaultValue(10).build())
            .field("b", SchemaBuilder.string().optional().defaultValue("dflt").build())
            .field("c", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .field("d", Schema.STRING_SCHEMA)
            .build();
        addR("struct_defaults", defaults, new Struct(defaults).put("d", "set"));

        Schema logical = SchemaBuilder.struct()
            .field("price", Decimal.schema(2))
            .field("day", Date.SCHEMA)
            .field("at", Timestamp.SCHEMA)
            .field("t", Time.SCHEMA)
            .field("maybe", Timestamp.builder().optional().build())
            .build();
        addN("struct_logical", logical, new Struct(logical)
            .put("price", new BigDecimal(BigInteger.valueOf(999), 2))
            .put("day", days(19797))
            .put("at", millis(1700000000123L))
            .put("t", millis(49530123L))
            .put("maybe", null));

        HashMap<String, Integer> mpDefault = new HashMap<>();
        mpDefault.put("k", 1);
        Schema allDefaults = SchemaBuilder.struct()
            .field("i8", SchemaBuilder.int8().defaultValue((byte) 1).build())
            .field("i16", SchemaBuilder.int16().defaultValue((short) 2).build())
            .field("i32", SchemaBuilder.int32().defaultValue(3).build())
            .field("i64", SchemaBuilder.int64().defaultValue(4L).build())
            .field("f32", SchemaBuilder.float32().defaultValue(5.5f).build())
            .field("f64", SchemaBuilder.float64().defaultValue(6.25).build())
            .field("bo", SchemaBuilder.bool().defaultValue(true).build())
            .field("s", SchemaBuilder.string().defaultValue("s").build())
            .field("by", SchemaBuilder.bytes().defaultValue(bytes(0x01, 0x02)).build())
            .field("dec", Decimal.builder(1).defaultValue(new BigDecimal(BigInteger.valueOf(15), 1)).build())
            .field("arr", SchemaBuilder.array(Schema.INT32_SCHEMA).defaultValue(list(1, 2)).build())
            .field("mp", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).defaultValue(mpDefault).build())
            .build();
        add("struct_all_defaults", allDefaults, new Struct(allDefaults)
            .put("i8", (byte) -1)
            .put("i16", (short) -2)
            .put("i32", -3)
            .put("i64", -4L)
            .put("f32", -5.5f)
            .put("f64", -6.25)
            .put("bo", false)
            .put("s", "t")
            .put("by", bytes(0x03))
            .put("dec", new BigDecimal(BigInteger.valueOf(-15), 1))
            .put("arr", new ArrayList<Integer>())
            .put("mp", new HashMap<String, Integer>()));

        Schema order = SchemaBuilder.struct().name("com.example.Order")
            .field("id", Schema.INT64_SCHEMA)
            .field("customer", Schema.STRING_SCHEMA)
            .field("email", Schema.OPTIONAL_STRING_SCHEMA)
            .field("amount", Schema.FLOAT64_SCHEMA)
            .field("quantity", Schema.INT32_SCHEMA)
            .field("active", Schema.BOOLEAN_SCHEMA)
            .field("created", Timestamp.SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .field("score", Schema.FLOAT32_SCHEMA)
            .build();
        add("bench10", order, new Struct(order)
            .put("id", 1234567890123L)
            .put("customer", "Ada Lovelace")
            .put("email", "ada@example.com")
            .put("amount", 199.99)
            .put("quantity", 3)
            .put("active", true)
            .put("created", millis(1700000000123L))
            .put("tags", list("a", "b"))
            .put("note", null)
            .put("score", 4.5f));

        // --- schemaless -------------------------------------------------------------------
        HashMap<String, Object> nestedKv = new HashMap<>();
        nestedKv.put("k", "v");
        HashMap<Object, Object> sm = new HashMap<>();
        sm.put("name", "kc");
        sm.put("count", Integer.valueOf(5));
        sm.put("big", Long.valueOf(9007199254740993L));
        sm.put("ratio", Double.valueOf(2.5));
        sm.put("on", Boolean.TRUE);
        sm.put("nothing", null);
        sm.put("list", list((Object) Integer.valueOf(1), "two", Double.valueOf(3.0)));
        sm.put("nested", nestedKv);
        sm.put("raw", bytes(0x01, 0x02));
        add("schemaless_map", null, sm);
        add("schemaless_string", null, "just a string");
        add("schemaless_long", null, 42L);
        add("schemaless_double", null, 0.1);
        add("schemaless_list", null, list((Object) Boolean.TRUE, null, "x"));
        HashMap<Object, Object> ik = new HashMap<>();
        ik.put(Integer.valueOf(1), "a");
        ik.put(Integer.valueOf(2), "b");
        add("schemaless_int_keys", null, ik);
    }

    private static JsonConverter converter(Map<String, String> config) {
        JsonConverter c = new JsonConverter();
        c.configure(config, false);
        return c;
    }

    private static void write(Path file, byte[] data) throws IOException {
        Files.write(file, data);
    }

    private static int[] run(Path goldenDir) throws IOException {
        Files.createDirectories(goldenDir);
        // Remove outputs of a previous run so the directory reflects exactly this run.
        try (DirectoryStream<Path> old = Files.newDirectoryStream(goldenDir, "*.{json,error}")) {
            for (Path p : old) {
                Files.delete(p);
            }
        }

        Map<String, Map<String, String>> variants = new java.util.LinkedHashMap<>();
        variants.put("envelope", Map.of(
            "schemas.enable", "true", "decimal.format", "BASE64", "replace.null.with.default", "true"));
        variants.put("plain", Map.of(
            "schemas.enable", "false", "decimal.format", "BASE64", "replace.null.with.default", "true"));
        variants.put("numeric", Map.of(
            "schemas.enable", "true", "decimal.format", "NUMERIC"));
        variants.put("noreplace", Map.of(
            "schemas.enable", "true", "replace.null.with.default", "false"));

        int json = 0;
        int errors = 0;
        for (Case c : CASES) {
            for (Map.Entry<String, Map<String, String>> v : variants.entrySet()) {
                String variant = v.getKey();
                if (variant.equals("numeric") && !c.numeric()) continue;
                if (variant.equals("noreplace") && !c.noreplace()) continue;
                // Fresh converter per case/variant: no schema-cache interaction between cases.
                JsonConverter conv = converter(v.getValue());
                String base = c.name() + "." + variant;
                try {
                    byte[] out = conv.fromConnectData(TOPIC, c.schema(), c.value());
                    if (out == null) {
                        throw new IllegalStateException("converter returned null for " + base);
                    }
                    write(goldenDir.resolve(base + ".json"), out);
                    json++;
                } catch (RuntimeException e) {
                    String msg = e.getClass().getName() + ": " + e.getMessage();
                    write(goldenDir.resolve(base + ".error"), msg.getBytes(StandardCharsets.UTF_8));
                    System.out.println("error  " + base + " -> " + msg);
                    errors++;
                } finally {
                    conv.close();
                }
            }
        }
        return new int[] {json, errors};
    }

    private static int runHashMap(Path hashmapDir) throws IOException {
        List<String> lines = Files.readAllLines(hashmapDir.resolve("keys.txt"), StandardCharsets.UTF_8);
        JsonConverter conv = converter(Map.of("schemas.enable", "false"));
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (String line : lines) {
            String[] keys = line.split(" ", -1);
            HashMap<String, Object> map = new HashMap<>();
            for (int i = 0; i < keys.length; i++) {
                map.put(keys[i], Integer.valueOf(i));
            }
            List<Object> key = Arrays.asList("conn", map);
            byte[] out = conv.fromConnectData(TOPIC, null, key);
            sb.append(new String(out, StandardCharsets.UTF_8)).append('\n');
            n++;
        }
        conv.close();
        Files.write(hashmapDir.resolve("golden.txt"), sb.toString().getBytes(StandardCharsets.UTF_8));
        return n;
    }

    public static void main(String[] args) throws IOException {
        Path goldenDir = Paths.get(args.length > 0 ? args[0] : "converter/jsonconv/testdata/golden")
            .toAbsolutePath().normalize();
        Path hashmapDir = Paths.get(args.length > 1 ? args[1] : "connect/testdata/hashmap")
            .toAbsolutePath().normalize();

        buildCases();
        int[] counts = run(goldenDir);
        int hm = runHashMap(hashmapDir);
        System.out.println("wrote " + counts[0] + " .json and " + counts[1] + " .error files to " + goldenDir);
        System.out.println("wrote " + hm + " lines to " + hashmapDir.resolve("golden.txt"));
    }
}
