// Writes javaser.txt: the bytes java.io.ObjectOutputStream writes for the
// Object[] key arrays Debezium keeps in an incremental snapshot's offsets
// (AbstractIncrementalSnapshotContext's arrayToSerializedString), in hex
// as Debezium's HexConverter writes them, one "name<TAB>hex" a line.
// Run by gen.sh; TestJavaSerializationGolden reads the file.
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.UUID;

public class JavaKeys {
    static void line(String name, Object[] key) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
            oos.writeObject(key);
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : bos.toByteArray()) {
            sb.append(String.format("%02x", b & 0xff));
        }
        System.out.println(name + "\t" + sb);
    }

    public static void main(String[] args) throws Exception {
        line("null", null);
        line("empty", new Object[0]);
        line("int", new Object[]{ 42 });
        line("int-min", new Object[]{ Integer.MIN_VALUE });
        line("ints", new Object[]{ 1, -7, null });
        line("long", new Object[]{ 9007199254740993L });
        line("short", new Object[]{ (short) -3 });
        line("byte", new Object[]{ (byte) 5 });
        line("bool", new Object[]{ true, false });
        line("double", new Object[]{ 1.5d, -0.0d });
        line("float", new Object[]{ 2.25f });
        line("string", new Object[]{ "a" });
        line("strings", new Object[]{ "key 'x'", "", "\u00e9\u0000\u20ac\ud83d\ude00" });
        line("mixed", new Object[]{ 3, "b", 4L, 5, "c" });
        line("decimal", new Object[]{ new BigDecimal("12345.678") });
        line("decimal-neg", new Object[]{ new BigDecimal("-0.05"), new BigDecimal("0") });
        line("decimal-big", new Object[]{ new BigDecimal("123456789012345678901234567890.12345"), new BigDecimal("1E+3") });
        line("decimal-two", new Object[]{ new BigDecimal("1.1"), new BigDecimal("2.2") });
        line("biginteger", new Object[]{ new BigInteger("-256"), BigInteger.ZERO });
        line("uuid", new Object[]{ UUID.fromString("0189f7ea-ae2c-7a4b-8c3d-4e5f60718293") });
        line("uuid-int", new Object[]{ UUID.fromString("ffffffff-0000-0000-8000-000000000001"), 7 });
        line("cached", new Object[]{ 1, 1, 200, 200, 5L, 5L, (short) 5, true, true, (byte) -1, (byte) -1 });
        line("cached-decimal", new Object[]{ new BigDecimal("1.1"), new BigDecimal("0.11"), new BigDecimal("-16"), new BigDecimal("-1.6"), new BigDecimal("1.7") });
        line("long-string", new Object[]{ "x".repeat(70000) });
    }
}
