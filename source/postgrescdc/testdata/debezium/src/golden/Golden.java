/*
 * record.sh's Kafka and offset-file reader, so the recording needs only the JVM
 * and the Connect jars it already runs (kafka-clients on the class path).
 *
 *   Golden delete-topics BROKERS PREFIX        deletes the topics named PREFIX.* and waits until they are gone
 *   Golden dump BROKERS PREFIX OUT             writes every record of the topics PREFIX.* to OUT (records.jsonl)
 *   Golden offsets FILE OUT                    writes the entries of a FileOffsetBackingStore file to OUT (offsets.jsonl)
 *   Golden wait BROKERS TOPIC SECONDS          waits until TOPIC holds a record, at most SECONDS
 *
 * Keys, values and offsets are JsonConverter output, so their bytes are written
 * verbatim as JSON values (null for a null key or value): a line holds exactly the
 * bytes Kafka or the offset file holds. Header values are written as JSON strings
 * of their UTF-8 bytes.
 */
package golden;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class Golden {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage();
        }
        switch (args[0]) {
            case "delete-topics" -> deleteTopics(args[1], args[2]);
            case "dump" -> dump(args[1], args[2], args[3]);
            case "offsets" -> offsets(args[1], args[2]);
            case "wait" -> await(args[1], args[2], Integer.parseInt(args[3]));
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: Golden delete-topics BROKERS PREFIX | dump BROKERS PREFIX OUT | offsets FILE OUT | wait BROKERS TOPIC SECONDS");
        System.exit(2);
    }

    private static Set<String> topics(Admin admin, String prefix) throws Exception {
        return admin.listTopics().names().get().stream()
                .filter(t -> t.startsWith(prefix + "."))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static void deleteTopics(String brokers, String prefix) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        try (Admin admin = Admin.create(p)) {
            Set<String> ts = topics(admin, prefix);
            if (ts.isEmpty()) {
                return;
            }
            admin.deleteTopics(ts).all().get();
            long deadline = System.currentTimeMillis() + 60_000;
            while (!topics(admin, prefix).isEmpty()) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("topics " + topics(admin, prefix) + " still listed 60 s after deleting them");
                }
                Thread.sleep(200);
            }
        }
    }

    private static void await(String brokers, String topic, int seconds) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            while (true) {
                Map<String, List<PartitionInfo>> all = c.listTopics();
                if (all.containsKey(topic)) {
                    List<TopicPartition> tps = all.get(topic).stream()
                            .map(pi -> new TopicPartition(topic, pi.partition())).toList();
                    if (c.endOffsets(tps).values().stream().anyMatch(o -> o > 0)) {
                        return;
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    System.err.printf("no record in %s within %d s%n", topic, seconds);
                    System.exit(1);
                }
                Thread.sleep(200);
            }
        }
    }

    private static void dump(String brokers, String prefix, String out) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Set<String> names;
        try (Admin admin = Admin.create(p.entrySet().stream()
                .filter(e -> e.getKey().equals(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG))
                .collect(Collectors.toMap(e -> (String) e.getKey(), Map.Entry::getValue)))) {
            names = topics(admin, prefix);
        }
        int total = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             OutputStream w = Files.newOutputStream(Paths.get(out))) {
            for (String topic : names) {
                List<TopicPartition> parts = new ArrayList<>();
                for (PartitionInfo pi : c.partitionsFor(topic)) {
                    parts.add(new TopicPartition(topic, pi.partition()));
                }
                parts.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
                int n = 0;
                for (TopicPartition tp : parts) {
                    c.assign(Collections.singletonList(tp));
                    c.seekToBeginning(c.assignment());
                    long end = c.endOffsets(c.assignment()).get(tp);
                    while (c.position(tp) < end) {
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                            writeRecord(w, r);
                            n++;
                        }
                    }
                }
                System.err.printf("%s: %d records%n", topic, n);
                total += n;
            }
        }
        System.err.printf("%d records in %d topics%n", total, names.size());
    }

    private static void writeRecord(OutputStream w, ConsumerRecord<byte[], byte[]> r) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write("{\"topic\":".getBytes(StandardCharsets.UTF_8));
        b.write(quote(r.topic()));
        b.write(",\"key\":".getBytes(StandardCharsets.UTF_8));
        b.write(raw(r.key()));
        b.write(",\"value\":".getBytes(StandardCharsets.UTF_8));
        b.write(raw(r.value()));
        b.write(",\"headers\":{".getBytes(StandardCharsets.UTF_8));
        boolean first = true;
        for (Header h : r.headers()) {
            if (!first) {
                b.write(',');
            }
            first = false;
            b.write(quote(h.key()));
            b.write(':');
            b.write(h.value() == null ? "null".getBytes(StandardCharsets.UTF_8)
                    : quote(new String(h.value(), StandardCharsets.UTF_8)));
        }
        b.write("}}\n".getBytes(StandardCharsets.UTF_8));
        w.write(b.toByteArray());
    }

    @SuppressWarnings("unchecked")
    private static void offsets(String file, String out) throws Exception {
        Map<byte[], byte[]> m;
        try (ObjectInputStream in = new ObjectInputStream(new FileInputStream(file))) {
            m = (Map<byte[], byte[]>) in.readObject();
        }
        List<Map.Entry<byte[], byte[]>> es = new ArrayList<>(m.entrySet());
        es.sort((a, b) -> Arrays.compare(a.getKey(), b.getKey()));
        try (OutputStream w = Files.newOutputStream(Paths.get(out))) {
            for (Map.Entry<byte[], byte[]> e : es) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.write("{\"key\":".getBytes(StandardCharsets.UTF_8));
                b.write(raw(e.getKey()));
                b.write(",\"value\":".getBytes(StandardCharsets.UTF_8));
                b.write(raw(e.getValue()));
                b.write("}\n".getBytes(StandardCharsets.UTF_8));
                w.write(b.toByteArray());
            }
        }
        System.err.printf("%d offset entries%n", es.size());
    }

    // raw returns JsonConverter bytes as they are; they are one JSON value with
    // no raw line break (JSON escapes them inside strings).
    private static byte[] raw(byte[] v) {
        if (v == null) {
            return "null".getBytes(StandardCharsets.UTF_8);
        }
        for (byte x : v) {
            if (x == '\n' || x == '\r') {
                throw new IllegalStateException("a key or value holds a line break: not compact JSON");
            }
        }
        return v;
    }

    private static byte[] quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }
}
