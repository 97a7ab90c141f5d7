package dev.kiln.cli;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * {@code @TempDir(factory = TmpfsTempDir.class)}: the temp folder on tmpfs ({@code /dev/shm}) when
 * the host has one with room, else where JUnit puts it. For the ITs whose KILN_HOME holds Debian
 * roots: every bake with a run step unpacks the ~126 MB, 6,600-file base into its work root, and
 * every new image is unpacked again into the home's rootfs. On the build machines' ext4 that costs
 * about 6 s of system time per unpack (inode allocation: {@code tar -xf} of the same root takes 5.6
 * s there against 0.13 s on tmpfs), which made the unpacks, not apt or the rollouts, most of
 * PatchIT's time. What the tests prove does not depend on the file system.
 */
public final class TmpfsTempDir implements TempDirFactory {
  /** Room left on tmpfs for one test's home (a few Debian roots and their image layers). */
  private static final long NEEDED = 3L << 30;

  @Override
  public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context)
      throws IOException {
    Path shm = Path.of("/dev/shm");
    try {
      FileStore store = Files.getFileStore(shm);
      if (store.type().equals("tmpfs")
          && Files.isWritable(shm)
          && store.getUsableSpace() >= NEEDED) {
        return Files.createTempDirectory(shm, "junit-");
      }
    } catch (IOException e) {
      // no /dev/shm (a container without it): the default below
    }
    return Files.createTempDirectory("junit-");
  }
}
