package kconnect.golden;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.StringConverter;
import org.apache.kafka.connect.transforms.Flatten;

/**
 * Runs Apache Kafka's JsonConverter, StringConverter and Flatten$Value on each case of cases.txt
 * ("schemas.enable TAB JSON") and writes one line per case to golden.txt with four tab-separated
 * results:
 *
 *   1. StringConverter (toString) of the value JsonConverter read,
 *   2. that value written back by the same JsonConverter,
 *   3. Flatten$Value (default delimiter) of it, written by JsonConverter,
 *   4. the same Flatten output written by StringConverter.
 *
 * A result is "ERROR <exception class>" when Kafka throws. Results holding a tab, CR or LF are
 * refused, so that the file needs no escaping.
 *
 * Arguments: casesFile goldenFile
 */
public final class JavaOrder {

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", 2);
            boolean schemas = Boolean.parseBoolean(f[0]);
            JsonConverter json = new JsonConverter();
            json.configure(Map.of("schemas.enable", Boolean.toString(schemas)), false);
            StringConverter str = new StringConverter();
            str.configure(Map.of(), false);

            SchemaAndValue in = json.toConnectData("topic", f[1].getBytes(StandardCharsets.UTF_8));
            String toString = text(str.fromConnectData("topic", in.schema(), in.value()));
            String back = text(json.fromConnectData("topic", in.schema(), in.value()));

            String flatJson;
            String flatString;
            try {
                Flatten.Value<SourceRecord> flatten = new Flatten.Value<>();
                flatten.configure(Map.of());
                SourceRecord r = flatten.apply(new SourceRecord(null, null, "topic", null, null, null,
                        in.schema(), in.value()));
                flatJson = text(json.fromConnectData("topic", r.valueSchema(), r.value()));
                flatString = text(str.fromConnectData("topic", r.valueSchema(), r.value()));
            } catch (RuntimeException e) {
                flatJson = "ERROR " + e.getClass().getSimpleName();
                flatString = flatJson;
            }
            out.append(check(toString)).append('\t').append(check(back)).append('\t')
                    .append(check(flatJson)).append('\t').append(check(flatString)).append('\n');
        }
        Files.writeString(Path.of(args[1]), out.toString(), StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
    }

    private static String check(String s) {
        if (s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
            throw new IllegalStateException("result holds a tab or line break: " + s);
        }
        return s;
    }
}
