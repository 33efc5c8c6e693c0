import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.TextFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes X.getDescriptor().toProto() of each well-known file as text format. */
public class Dump {
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    String versions = args[1];
    List<FileDescriptor> files = List.of(
        com.google.protobuf.AnyProto.getDescriptor(),
        com.google.protobuf.DurationProto.getDescriptor(),
        com.google.protobuf.EmptyProto.getDescriptor(),
        com.google.protobuf.FieldMaskProto.getDescriptor(),
        com.google.protobuf.StructProto.getDescriptor(),
        com.google.protobuf.TimestampProto.getDescriptor(),
        com.google.protobuf.WrappersProto.getDescriptor(),
        com.google.type.DateProto.getDescriptor(),
        com.google.type.TimeOfDayProto.getDescriptor());
    for (FileDescriptor fd : files) {
      Path p = out.resolve(fd.getName() + ".java.txtpb");
      Files.createDirectories(p.getParent());
      String text = "# " + fd.getName() + ": Java's getDescriptor().toProto(), " + versions + "\n"
          + TextFormat.printer().printToString(fd.toProto());
      Files.writeString(p, text, StandardCharsets.UTF_8);
    }
  }
}
