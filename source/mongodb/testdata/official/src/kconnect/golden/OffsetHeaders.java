// Compiled by ../../../compare.sh onto the JVM worker's class path. A
// transform adding each source record's source partition and offset as the
// headers golden.partition and golden.offset (JSON objects, keys in the
// order the maps give them, string values only, as the MongoDB source
// writes them), so that the records read back from Kafka carry them.
package kconnect.golden;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;

public class OffsetHeaders implements Transformation<SourceRecord> {
  @Override
  public SourceRecord apply(SourceRecord r) {
    r.headers().addString("golden.partition", json(r.sourcePartition()));
    r.headers().addString("golden.offset", json(r.sourceOffset()));
    return r;
  }

  static String json(Map<String, ?> m) {
    if (m == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("{");
    for (Map.Entry<String, ?> e : m.entrySet()) {
      if (b.length() > 1) {
        b.append(',');
      }
      quote(b, e.getKey());
      b.append(':');
      Object v = e.getValue();
      if (v == null) {
        b.append("null");
      } else if (v instanceof String) {
        quote(b, (String) v);
      } else {
        b.append(v);
      }
    }
    return b.append('}').toString();
  }

  static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }

  @Override
  public ConfigDef config() {
    return new ConfigDef();
  }

  @Override
  public void configure(Map<String, ?> configs) {}

  @Override
  public void close() {}
}
