// The disk's sync, as a journal commit pays it (measurements, not a test): 4 KiB appended to a file,
// then FileChannel.force(true) (fsync: data and metadata) N times; then the same with force(false)
// (fdatasync). Prints median, p90 (nearest rank) and max. No C, no server: a single-file program.
//   java bench/FsyncProbe.java [DIR=$KILN_HOME or ~/.kiln] [N=100]
// Run it on the file system KILN_HOME is on; say the load (uptime) beside the figures.
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

public class FsyncProbe {
  public static void main(String[] args) throws Exception {
    String home = System.getenv("KILN_HOME");
    Path dir =
        Path.of(
            args.length > 0
                ? args[0]
                : home != null ? home : System.getProperty("user.home") + "/.kiln");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    Files.createDirectories(dir);
    for (boolean metadata : new boolean[] {true, false}) {
      long[] took = new long[n];
      Path f = Files.createTempFile(dir, "fsync-probe", ".bin");
      try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        ByteBuffer page = ByteBuffer.allocate(4096);
        for (int i = 0; i < n; i++) {
          page.clear();
          long t = System.nanoTime();
          c.write(page);
          c.force(metadata);
          took[i] = System.nanoTime() - t;
        }
      } finally {
        Files.delete(f);
      }
      Arrays.sort(took);
      System.out.printf(
          "%-38s %s: n=%d median %.3f ms  p90 %.3f ms  max %.3f ms%n",
          metadata ? "4 KiB + force(true)  (fsync)" : "4 KiB + force(false) (fdatasync)",
          dir,
          n,
          took[n / 2] / 1e6,
          took[Math.max(0, (n * 9 + 9) / 10 - 1)] / 1e6,
          took[n - 1] / 1e6);
    }
  }
}
