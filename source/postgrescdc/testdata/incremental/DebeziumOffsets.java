// Writes debezium-offsets.txt: the offset entries Debezium 3.6.1's own
// incremental snapshot context (SignalBasedIncrementalSnapshotContext, as
// PostgresOffsetContext makes it) stores for a snapshot in progress, one
// "name<TAB>JSON map" a line; with an argument, reads that file back
// through the context's load and checks that store writes every line
// again unchanged. Run by gen.sh; TestIncrementalOffsetsAsDebezium reads
// the file.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.debezium.pipeline.source.snapshot.incremental.AbstractIncrementalSnapshotContext;
import io.debezium.pipeline.source.snapshot.incremental.SignalBasedIncrementalSnapshotContext;

public class DebeziumOffsets {
    static final ObjectMapper JSON = new ObjectMapper();

    static String line(String name, AbstractIncrementalSnapshotContext<?> ctx) throws Exception {
        Map<String, Object> stored = ctx.store(new HashMap<>());
        return name + "\t" + JSON.writeValueAsString(new TreeMap<>(stored));
    }

    static SignalBasedIncrementalSnapshotContext<Object> started(String id, List<String> tables) {
        SignalBasedIncrementalSnapshotContext<Object> ctx = new SignalBasedIncrementalSnapshotContext<>(false);
        ctx.addDataCollectionNamesToSnapshot(id, tables, List.of(), "");
        return ctx;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1) {
            for (String l : Files.readAllLines(Path.of(args[0]))) {
                String[] parts = l.split("\t", 2);
                @SuppressWarnings("unchecked")
                Map<String, Object> offsets = JSON.readValue(parts[1], Map.class);
                AbstractIncrementalSnapshotContext<?> ctx = (AbstractIncrementalSnapshotContext<?>) SignalBasedIncrementalSnapshotContext.load(offsets, false);
                // store writes the key of the last row sent, which load
                // takes as where the next chunk starts.
                ctx.sendEvent(ctx.chunkEndPosititon());
                String again = line(parts[0], ctx);
                if (!again.equals(l)) {
                    System.err.println("read and stored again:\n" + again + "\nread:\n" + l);
                    System.exit(1);
                }
            }
            System.out.println("every line read and stored unchanged");
            return;
        }
        var ctx = started("sig-1", List.of("public.t"));
        System.out.println(line("started", ctx));
        ctx.maximumKey(new Object[]{ 1000 });
        System.out.println(line("maximum", ctx));
        ctx.sendEvent(new Object[]{ 50 });
        System.out.println(line("int", ctx));

        ctx = started("ad-hoc 2", List.of("public.orders", "s.\"odd\"", "public.t"));
        ctx.maximumKey(new Object[]{ 9000000000L, "zz" });
        ctx.sendEvent(new Object[]{ 42L, "k'1" });
        System.out.println(line("composite", ctx));

        ctx = started("sig-3", List.of("public.n"));
        ctx.maximumKey(new Object[]{ new java.math.BigDecimal("99.50"), java.util.UUID.fromString("ffffffff-ffff-ffff-ffff-ffffffffffff") });
        ctx.sendEvent(new Object[]{ new java.math.BigDecimal("1.25"), java.util.UUID.fromString("00000000-0000-0000-0000-000000000001") });
        System.out.println(line("decimal-uuid", ctx));

        ctx = started("sig-4", List.of("public.t"));
        ctx.unsetCorrelationId();
        ctx.maximumKey(new Object[]{ 7 });
        System.out.println(line("no-correlation", ctx));
    }
}
