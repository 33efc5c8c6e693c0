// Writes pgkeys.txt: for each row of keytypes.sql's table, in id order,
// the hex of the Object[] Debezium 3.6.1 would keep as its key were every
// column a key column: each value read as PostgresConnection.getColumnValue
// reads it (numeric with getBigDecimal, the time types with getString,
// the rest with getObject) through PostgreSQL's JDBC driver. Run by
// gen.sh with the JDBC URL; TestJavaKeysAsPgJDBC reads the file.
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;

public class PgKeys {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0]);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT * FROM kconnect_keytypes ORDER BY b")) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Object[] key = new Object[md.getColumnCount()];
                for (int i = 1; i <= key.length; i++) {
                    switch (md.getColumnTypeName(i)) {
                        case "numeric" -> key[i - 1] = rs.getBigDecimal(i);
                        case "time", "timetz", "timestamp", "timestamptz" -> key[i - 1] = rs.getString(i);
                        default -> key[i - 1] = rs.getObject(i);
                    }
                }
                ByteArrayOutputStream bos = new ByteArrayOutputStream();
                try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
                    oos.writeObject(key);
                }
                StringBuilder sb = new StringBuilder();
                for (byte b : bos.toByteArray()) {
                    sb.append(String.format("%02x", b & 0xff));
                }
                System.out.println(sb);
            }
        }
    }
}
