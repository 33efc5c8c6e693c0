// Runs mongo-java-server's in-memory backend for kconnect's MongoDB tests:
// oplog on (for change streams), bound to 127.0.0.1 on a free port, which it
// prints as "port <n>" once it listens. It reports MongoDB 4.4 (wire version
// 9) because the Go driver refuses its own MONGO_5_0 (wire version 8).
// With the argument "no-oplog" it keeps no oplog (no change streams), whose
// entries would otherwise stay in memory for good, for benchmarks.
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.util.List;

public class MongoServerMain {
  public static void main(String[] args) throws Exception {
    MongoVersion v44 = new MongoVersion() {
      public List<Integer> getVersionArray() { return List.of(4, 4, 0); }
      public int getWireVersion() { return 9; }
    };
    MemoryBackend backend = new MemoryBackend();
    backend.version(v44);
    MongoServer server = new MongoServer(backend);
    if (args.length == 0 || !args[0].equals("no-oplog")) {
      server.enableOplog();
    }
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    System.out.println("port " + server.getLocalAddress().getPort());
    System.out.flush();
    Thread.currentThread().join();
  }
}
