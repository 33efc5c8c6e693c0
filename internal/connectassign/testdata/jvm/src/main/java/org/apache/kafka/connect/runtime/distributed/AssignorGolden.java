/*
 * Runs Apache Kafka's own IncrementalCooperativeAssignor over the scenarios of
 * ../scenarios.txt and writes what it decides each round to ../golden.txt, and the
 * assignments performAssignment encodes to ../golden-wire.txt. It sits in
 * Kafka's package to reach performTaskAssignment, the entry point Kafka's own
 * IncrementalCooperativeAssignorTest drives, and the coordinator's fields. See README.md.
 */
package org.apache.kafka.connect.runtime.distributed;

import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.LogContext;
import org.apache.kafka.connect.runtime.TargetState;
import org.apache.kafka.connect.runtime.distributed.WorkerCoordinator.ConnectorsAndTasks;
import org.apache.kafka.connect.storage.AppliedConnectorConfig;
import org.apache.kafka.connect.storage.ClusterConfigState;
import org.apache.kafka.connect.util.ConnectorTaskId;

import org.apache.kafka.clients.consumer.internals.AbstractCoordinator;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;

import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

public class AssignorGolden {
    static final class FakeTime implements Time {
        long ms = 1_700_000_000_000L;
        public long milliseconds() { return ms; }
        public long nanoseconds() { return ms * 1_000_000L; }
        public void sleep(long d) { ms += d; }
        public void waitObject(Object o, Supplier<Boolean> c, long deadline) { throw new UnsupportedOperationException(); }
    }

    String name;
    int maxDelay;
    FakeTime time;
    IncrementalCooperativeAssignor assignor;
    int generation;
    int round;
    boolean wire;
    long behind = -1; // the next wire round's fresh snapshot offset, its joined one being 600
    Map<String, Integer> connectors;
    Map<String, ConnectorsAndTasks> members;

    void start(String name, int maxDelay) {
        this.name = name;
        this.maxDelay = maxDelay;
        time = new FakeTime();
        generation = 1000;
        round = 0;
        connectors = new LinkedHashMap<>();
        members = new LinkedHashMap<>();
        newLeader();
    }

    void newLeader() {
        assignor = new IncrementalCooperativeAssignor(new LogContext(), time, maxDelay);
        assignor.previousGenerationId = generation;
    }

    ClusterConfigState snapshot() {
        return snapshot(618);
    }

    ClusterConfigState snapshot(long offset) {
        Map<String, Integer> counts = new HashMap<>(connectors);
        Map<String, Map<String, String>> configs = new HashMap<>();
        Map<String, TargetState> states = new HashMap<>();
        Map<ConnectorTaskId, Map<String, String>> taskConfigs = new HashMap<>();
        Map<String, AppliedConnectorConfig> applied = new HashMap<>();
        counts.forEach((c, n) -> {
            configs.put(c, Collections.emptyMap());
            states.put(c, TargetState.STARTED);
            applied.put(c, new AppliedConnectorConfig(Collections.emptyMap()));
            for (int i = 0; i < n; i++)
                taskConfigs.put(new ConnectorTaskId(c, i), Collections.emptyMap());
        });
        return new ClusterConfigState(offset, null, counts, configs, states, taskConfigs,
                Collections.emptyMap(), Collections.emptyMap(), applied, Collections.emptySet(), Collections.emptySet());
    }

    static String list(Collection<?> xs, boolean sort) {
        List<String> out = new ArrayList<>();
        for (Object x : xs) out.add(x.toString());
        if (sort) Collections.sort(out);
        return "[" + String.join(",", out) + "]";
    }

    static final String HEX = "0123456789abcdef";

    static String hex(ByteBuffer b) {
        StringBuilder sb = new StringBuilder();
        ByteBuffer d = b.duplicate();
        while (d.hasRemaining()) {
            int x = d.get() & 0xff;
            sb.append(HEX.charAt(x >> 4)).append(HEX.charAt(x & 15));
        }
        return sb.toString();
    }

    static void set(Class<?> c, Object o, String field, Object value) throws Exception {
        Field f = c.getDeclaredField(field);
        f.setAccessible(true);
        f.set(o, value);
    }

    // A WorkerCoordinator with only what performAssignment reads: the config snapshot,
    // the generation and the last completed generation. Building a real one takes a
    // network client; Unsafe allocates one without running a constructor.
    WorkerCoordinator coordinator(int last) throws Exception {
        Field uf = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
        uf.setAccessible(true);
        sun.misc.Unsafe unsafe = (sun.misc.Unsafe) uf.get(null);
        WorkerCoordinator c = (WorkerCoordinator) unsafe.allocateInstance(WorkerCoordinator.class);
        set(WorkerCoordinator.class, c, "configSnapshot", snapshot(behind < 0 ? 618 : 600));
        if (behind >= 0) {
            ClusterConfigState fresh = snapshot(behind);
            Object store = java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {org.apache.kafka.connect.storage.ConfigBackingStore.class}, (proxy, method, args) -> {
                        if (method.getName().equals("snapshot")) return fresh;
                        throw new UnsupportedOperationException(method.getName());
                    });
            set(WorkerCoordinator.class, c, "configStorage", store);
            behind = -1;
        }
        set(WorkerCoordinator.class, c, "lastCompletedGenerationId", last);
        String leader = members.keySet().iterator().next();
        java.lang.reflect.Constructor<?> gen = Class.forName(AbstractCoordinator.class.getName() + "$Generation")
                .getConstructor(int.class, String.class, String.class);
        gen.setAccessible(true);
        set(AbstractCoordinator.class, c, "generation", gen.newInstance(generation, leader, "sessioned"));
        return c;
    }

    // wire runs a round through performAssignment, the bytes in and out: members send
    // their metadata (sessioned) in the order they joined, the first of them leads, and
    // each gets the bytes Kafka encodes, which it decodes and applies.
    void wire(PrintWriter w, boolean failed, boolean mismatch) throws Exception {
        generation++;
        int last = mismatch ? generation - 2 : generation - 1;
        String leader = members.keySet().iterator().next();
        List<JoinGroupResponseMember> joined = new ArrayList<>();
        for (Map.Entry<String, ConnectorsAndTasks> e : members.entrySet()) {
            ExtendedAssignment held = new ExtendedAssignment((short) 2, (short) 0, "", "", 618,
                    e.getValue().connectors(), e.getValue().tasks(), Collections.emptyList(), Collections.emptyList(), 0);
            ExtendedWorkerState state = new ExtendedWorkerState("http://" + e.getKey() + ":8083/", 618, held);
            ByteBuffer meta = IncrementalCooperativeConnectProtocol.serializeMetadata(state, true);
            byte[] b = new byte[meta.remaining()];
            meta.get(b);
            joined.add(new JoinGroupResponseMember().setMemberId(e.getKey()).setMetadata(b));
        }
        Map<String, ByteBuffer> out = assignor.performAssignment(leader, ConnectProtocolCompatibility.SESSIONED, joined, coordinator(last));
        round++;
        w.println(name + " round " + round + " delay=" + assignor.delay);
        List<String> sorted = new ArrayList<>(members.keySet());
        Collections.sort(sorted);
        for (String m : sorted) w.println("  " + m + " " + hex(out.get(m)));
        if (failed) return;
        for (Map.Entry<String, ConnectorsAndTasks> e : members.entrySet()) {
            ExtendedAssignment a = IncrementalCooperativeConnectProtocol.deserializeAssignment(out.get(e.getKey()).duplicate());
            e.getValue().connectors().removeAll(a.revokedConnectors());
            e.getValue().connectors().addAll(a.connectors());
            e.getValue().tasks().removeAll(a.revokedTasks());
            e.getValue().tasks().addAll(a.tasks());
        }
    }

    // eager runs Kafka's EagerAssignor over the members (version 0 metadata, in the order
    // they joined, the first leading) and the connectors, writing each member's bytes.
    void eager(PrintWriter w) throws Exception {
        String leader = members.keySet().iterator().next();
        List<JoinGroupResponseMember> joined = new ArrayList<>();
        for (String m : members.keySet()) {
            ByteBuffer meta = ConnectProtocol.serializeMetadata(new ConnectProtocol.WorkerState("http://" + m + ":8083/", 618));
            byte[] b = new byte[meta.remaining()];
            meta.get(b);
            joined.add(new JoinGroupResponseMember().setMemberId(m).setMetadata(b));
        }
        Map<String, ByteBuffer> out = new EagerAssignor(new LogContext())
                .performAssignment(leader, ConnectProtocolCompatibility.EAGER, joined, coordinator(generation));
        w.println(name + " eager");
        List<String> sorted = new ArrayList<>(members.keySet());
        Collections.sort(sorted);
        for (String m : sorted) w.println("  " + m + " " + hex(out.get(m)));
    }

    void rebalance(PrintWriter w, boolean failed, boolean mismatch) throws Exception {
        if (wire) {
            wire(w, failed, mismatch);
            return;
        }
        generation++;
        int last = mismatch ? generation - 2 : generation - 1;
        // Kafka's leader holds its members in a HashMap filled in JoinGroup order.
        Map<String, ConnectorsAndTasks> copy = new HashMap<>();
        members.forEach((m, a) -> copy.put(m, new ConnectorsAndTasks.Builder().with(a.connectors(), a.tasks()).build()));
        IncrementalCooperativeAssignor.ClusterAssignment r = assignor.performTaskAssignment(snapshot(), last, generation, copy);
        round++;
        w.println(name + " round " + round + " delay=" + assignor.delay);
        List<String> sorted = new ArrayList<>(members.keySet());
        Collections.sort(sorted);
        for (String m : sorted) {
            w.println("  " + m + " +c" + list(r.newlyAssignedConnectors(m), false) + " +t" + list(r.newlyAssignedTasks(m), false)
                    + " -c" + list(r.newlyRevokedConnectors(m), true) + " -t" + list(r.newlyRevokedTasks(m), true));
        }
        if (failed) return;
        members.forEach((m, a) -> {
            a.connectors().removeAll(r.newlyRevokedConnectors(m));
            a.connectors().addAll(r.newlyAssignedConnectors(m));
            a.tasks().removeAll(r.newlyRevokedTasks(m));
            a.tasks().addAll(r.newlyAssignedTasks(m));
        });
    }

    // Arguments: the scenarios, the golden file of decisions and the golden file of
    // assignments on the wire.
    public static void main(String[] args) throws Exception {
        run(args[0], args[1], false);
        run(args[0], args[2], true);
    }

    static void run(String scenarios, String golden, boolean wire) throws Exception {
        AssignorGolden g = new AssignorGolden();
        g.wire = wire;
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Paths.get(golden), StandardCharsets.UTF_8))) {
            for (String line : Files.readAllLines(Paths.get(scenarios), StandardCharsets.UTF_8)) {
                line = line.trim();
                if (line.isEmpty() || line.startsWith("#")) continue;
                String[] f = line.split("\\s+");
                switch (f[0]) {
                    case "scenario": g.start(f[1], Integer.parseInt(f[2])); break;
                    case "connector": g.connectors.put(f[1], Integer.parseInt(f[2])); break;
                    case "delete": g.connectors.remove(f[1]); break;
                    case "join": {
                        List<String> conns = new ArrayList<>();
                        List<ConnectorTaskId> tasks = new ArrayList<>();
                        for (int i = 2; i < f.length; i++) {
                            int colon = f[i].lastIndexOf(':');
                            if (colon < 0) conns.add(f[i]);
                            else tasks.add(new ConnectorTaskId(f[i].substring(0, colon), Integer.parseInt(f[i].substring(colon + 1))));
                        }
                        g.members.put(f[1], new ConnectorsAndTasks.Builder().with(conns, tasks).build());
                        break;
                    }
                    case "leave": g.members.remove(f[1]); break;
                    case "sleep": g.time.sleep(Long.parseLong(f[1])); break;
                    case "sleepdelay": g.time.sleep(g.assignor.delay / Integer.parseInt(f[1])); break;
                    case "leader": g.newLeader(); break;
                    case "eager": if (g.wire) g.eager(w); break;
                    case "behind": if (g.wire) g.behind = Long.parseLong(f[1]); break;
                    case "rebalance": g.rebalance(w, false, false); break;
                    case "failed": g.rebalance(w, true, false); break;
                    case "mismatch": g.rebalance(w, false, true); break;
                    default: throw new IllegalArgumentException("unknown step: " + line);
                }
            }
        }
    }
}
