package dev.kiln.cli;

import dev.kiln.oci.Trees;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * {@code @TempDir(factory = TmpfsTempDir.class)}: the temp folder on tmpfs ({@code
 * /dev/shm/kiln-it}) when the host has one with room, else where JUnit puts it. For the ITs whose
 * KILN_HOME holds Debian roots: every bake with a run step unpacks the ~126 MB, 6,600-file base
 * into its work root, and every new image is unpacked again into the home's rootfs. On the build
 * machines' ext4 that costs about 6 s of system time per unpack (inode allocation: {@code tar -xf}
 * of the same root takes 5.6 s there against 0.13 s on tmpfs), which made the unpacks, not apt or
 * the rollouts, most of PatchIT's time. What the tests prove does not depend on the file system.
 */
public final class TmpfsTempDir implements TempDirFactory {
  /**
   * Room left on tmpfs, and memory available, for one test's home: PatchIT and PatchBaseRefreshIT
   * side by side took 1.3 GB of tmpfs at their peak (Debian roots and their layers), which is RAM.
   */
  private static final long NEEDED = 3L << 30;

  @Override
  public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context)
      throws IOException {
    Path shm = Path.of("/dev/shm");
    try {
      FileStore store = Files.getFileStore(shm);
      if (store.type().equals("tmpfs")
          && Files.isWritable(shm)
          && store.getUsableSpace() >= NEEDED
          && memAvailable() >= NEEDED) {
        Path dir = Files.createDirectories(shm.resolve("kiln-it"));
        // a test JVM killed mid-test leaves its folder, in RAM until a reboot: gone after a day
        Trees.deleteChildrenOlderThan(dir, System.currentTimeMillis() - 24L * 3600 * 1000);
        return Files.createTempDirectory(dir, "junit-");
      }
    } catch (IOException e) {
      // no /dev/shm (a container without it): the default below
    }
    return Files.createTempDirectory("junit-");
  }

  /** MemAvailable of /proc/meminfo in bytes, 0 when it cannot be read. */
  private static long memAvailable() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo")))
        if (line.startsWith("MemAvailable:"))
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    } catch (IOException | NumberFormatException e) {
      // not Linux, or an odd kernel: no tmpfs then
    }
    return 0;
  }
}
