package kconnect.golden;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.RegexRouter;
import org.apache.kafka.connect.transforms.TimestampRouter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.field.FieldSyntaxVersion;
import org.apache.kafka.connect.transforms.field.SingleFieldPath;
import org.apache.kafka.connect.transforms.predicates.TopicNameMatches;

/**
 * Runs Apache Kafka's connect-transforms on each line of cases.txt and writes one line per case
 * to golden.txt: the case kind, a tab, and the result (newlines escaped as \n). See
 * ../part1/cases.txt for the line formats.
 *
 * Arguments: casesFile goldenFile
 */
public final class Part1 {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            String res;
            try {
                res = run(f);
            } catch (Throwable e) {
                res = "ERROR\t" + e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            out.append(f[0]).append('\t').append(res.replace("\r", "\\r").replace("\n", "\\n")).append('\n');
        }
        Files.writeString(Path.of(args[1]), out.toString(), StandardCharsets.UTF_8);
    }

    private static String run(String[] f) throws Exception {
        switch (f[0]) {
            case "path":
                return path(f[1]);
            case "regex":
                return regex(f[1], f[2], f[3]);
            case "matches":
                return matches(f[1], f[2]);
            case "tsroute":
                return tsroute(f[1], f[2], Long.parseLong(f[3]), f[4]);
            case "smt":
                return smt(Boolean.parseBoolean(f[1]), f[2], f[3], f[4], f[5], f[6]);
            default:
                throw new IllegalArgumentException("unknown case kind " + f[0]);
        }
    }

    private static String path(String text) throws Exception {
        SingleFieldPath p = new SingleFieldPath(text, FieldSyntaxVersion.V2);
        Method m = SingleFieldPath.class.getDeclaredMethod("path");
        m.setAccessible(true);
        return "OK\t" + JSON.writeValueAsString(m.invoke(p));
    }

    private static SourceRecord record(String topic, Long ts) {
        return new SourceRecord(null, null, topic, null, null, null, null, null, ts);
    }

    private static String regex(String regex, String replacement, String topic) {
        RegexRouter<SourceRecord> t = new RegexRouter<>();
        t.configure(Map.of("regex", regex, "replacement", replacement));
        return "OK\t" + t.apply(record(topic, null)).topic();
    }

    private static String matches(String pattern, String topic) {
        TopicNameMatches<SourceRecord> p = new TopicNameMatches<>();
        p.configure(Map.of("pattern", pattern));
        return "OK\t" + p.test(record(topic, null));
    }

    private static String tsroute(String topicFormat, String tsFormat, long ts, String topic) {
        TimestampRouter<SourceRecord> t = new TimestampRouter<>();
        Map<String, String> cfg = new HashMap<>();
        if (!topicFormat.equals("-")) {
            cfg.put("topic.format", topicFormat);
        }
        if (!tsFormat.equals("-")) {
            cfg.put("timestamp.format", tsFormat);
        }
        t.configure(cfg);
        return "OK\t" + t.apply(record(topic, ts)).topic();
    }

    private static byte[] bytes(String s) {
        return s.equals("-") ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? "-" : new String(b, StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static String smt(boolean schemas, String cls, String config, String key, String value, String headers)
            throws Exception {
        JsonConverter kc = new JsonConverter();
        kc.configure(Map.of("schemas.enable", Boolean.toString(schemas), "replace.null.with.default", "false"), true);
        JsonConverter vc = new JsonConverter();
        vc.configure(Map.of("schemas.enable", Boolean.toString(schemas), "replace.null.with.default", "false"), false);
        SchemaAndValue k = kc.toConnectData("topic", bytes(key));
        SchemaAndValue v = vc.toConnectData("topic", bytes(value));
        ConnectHeaders hs = new ConnectHeaders();
        JsonNode hn = JSON.readTree(headers);
        for (Iterator<Map.Entry<String, JsonNode>> it = hn.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            hs.addString(e.getKey(), e.getValue().asText());
        }
        Map<String, String> cfg = JSON.readValue(config, Map.class);
        Transformation<SourceRecord> t = (Transformation<SourceRecord>) Class.forName(cls)
                .getDeclaredConstructor().newInstance();
        t.configure(cfg);
        SourceRecord in = new SourceRecord(null, null, "topic", null, k.schema(), k.value(), v.schema(), v.value(),
                1700000000000L, hs);
        SourceRecord r = t.apply(in);
        if (r == null) {
            return "DROP";
        }
        StringBuilder hout = new StringBuilder();
        for (Header h : r.headers()) {
            if (hout.length() > 0) {
                hout.append(';');
            }
            hout.append(h.key()).append('=').append(text(vc.fromConnectHeader(r.topic(), h.key(), h.schema(), h.value())));
        }
        String kout = text(kc.fromConnectData(r.topic(), r.keySchema(), r.key()));
        String vout = text(vc.fromConnectData(r.topic(), r.valueSchema(), r.value()));
        return "OK\t" + r.topic() + "\t" + kout + "\t" + vout + "\t" + hout;
    }
}
