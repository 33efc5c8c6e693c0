package kconnect.golden;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.apache.kafka.connect.runtime.distributed.ConnectProtocol;
import org.apache.kafka.connect.runtime.distributed.ExtendedAssignment;
import org.apache.kafka.connect.runtime.distributed.ExtendedWorkerState;
import org.apache.kafka.connect.runtime.distributed.IncrementalCooperativeConnectProtocol;
import org.apache.kafka.connect.util.ConnectorTaskId;

/**
 * Runs Apache Kafka's ConnectProtocol and IncrementalCooperativeConnectProtocol on each case of
 * cases.txt and writes one line per case to golden.txt: the hex of what Kafka encodes, or for the
 * decode cases what Kafka's decoders read, rendered as the Go test renders it ("ERROR" when Kafka
 * throws).
 *
 * Cases (tab-separated; lists comma-separated, a task "connector:number"):
 *   assign  VERSION ERROR LEADER LEADER_URL OFFSET CONNECTORS TASKS REVOKED_CONNECTORS REVOKED_TASKS DELAY
 *   meta    VERSION URL OFFSET -            (no assignment)
 *   meta    VERSION URL OFFSET ERROR LEADER LEADER_URL OFFSET CONNECTORS TASKS REVOKED_CONNECTORS REVOKED_TASKS DELAY
 *   decode-assign HEX
 *   decode-meta   HEX
 *
 * Arguments: casesFile goldenFile
 */
public final class ConnectProtocolGolden {

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            String result;
            switch (f[0]) {
                case "assign": {
                    short version = Short.parseShort(f[1]);
                    ExtendedAssignment a = assignment(version, f, 2);
                    ByteBuffer b = version == 0
                            ? ConnectProtocol.serializeAssignment(a)
                            : IncrementalCooperativeConnectProtocol.serializeAssignment(a, version == 2);
                    result = hex(b);
                    break;
                }
                case "meta": {
                    short version = Short.parseShort(f[1]);
                    String url = f[2];
                    long offset = Long.parseLong(f[3]);
                    ExtendedAssignment a = f[4].equals("-") ? null : assignment(version, f, 4);
                    ByteBuffer b = version == 0
                            ? ConnectProtocol.serializeMetadata(new ExtendedWorkerState(url, offset, a))
                            : IncrementalCooperativeConnectProtocol.serializeMetadata(
                                    new ExtendedWorkerState(url, offset, a), version == 2);
                    result = hex(b);
                    break;
                }
                case "decode-assign":
                    try {
                        result = render(IncrementalCooperativeConnectProtocol.deserializeAssignment(
                                ByteBuffer.wrap(HexFormat.of().parseHex(f[1]))));
                    } catch (RuntimeException e) {
                        result = "ERROR";
                    }
                    break;
                case "decode-meta":
                    try {
                        ExtendedWorkerState s = IncrementalCooperativeConnectProtocol.deserializeMetadata(
                                ByteBuffer.wrap(HexFormat.of().parseHex(f[1])));
                        result = "url=" + s.url() + " offset=" + s.offset() + " assignment="
                                + (s.assignment() == ExtendedAssignment.empty() ? "null" : render(s.assignment()));
                    } catch (RuntimeException e) {
                        result = "ERROR";
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown case kind: " + line);
            }
            if (result.contains("\t") || result.contains("\n") || result.contains("\r")) {
                throw new IllegalStateException("result holds a tab or line break: " + line);
            }
            out.append(result).append('\n');
        }
        Files.write(Paths.get(args[1]), out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static ExtendedAssignment assignment(short version, String[] f, int i) {
        return new ExtendedAssignment(version, Short.parseShort(f[i]), f[i + 1], f[i + 2], Long.parseLong(f[i + 3]),
                names(f[i + 4]), tasks(f[i + 5]), names(f[i + 6]), tasks(f[i + 7]), Integer.parseInt(f[i + 8]));
    }

    private static List<String> names(String s) {
        return s.isEmpty() ? new ArrayList<>() : new ArrayList<>(Arrays.asList(s.split(",", -1)));
    }

    private static List<ConnectorTaskId> tasks(String s) {
        List<ConnectorTaskId> out = new ArrayList<>();
        if (s.isEmpty()) {
            return out;
        }
        for (String t : s.split(",", -1)) {
            int colon = t.lastIndexOf(':');
            out.add(new ConnectorTaskId(t.substring(0, colon), Integer.parseInt(t.substring(colon + 1))));
        }
        return out;
    }

    private static String render(ExtendedAssignment a) {
        if (a == null) {
            return "null";
        }
        return "version=" + a.version() + " error=" + a.error() + " leader=" + a.leader() + " leaderUrl="
                + a.leaderUrl() + " offset=" + a.offset() + " connectors=" + a.connectors() + " tasks="
                + a.tasks() + " revokedConnectors=" + a.revokedConnectors() + " revokedTasks="
                + a.revokedTasks() + " delay=" + a.delay();
    }

    private static String hex(ByteBuffer b) {
        if (b == null) {
            return "null";
        }
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
