package dev.kiln.runtime.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * An instance's {@code log}: the process writes its stdout and stderr straight into it (opened with
 * {@code O_APPEND}), so capture needs no relay process that could die with Kiln.
 *
 * <p>Bounding is "copy, then truncate" (as logrotate's {@code copytruncate}): when the file passes
 * the limit, the driver copies it to {@code log.1} and truncates it; the writer's next append lands
 * at the new end. Lines written between the copy and the truncate can be lost; that is the price of
 * having no relay. Rotation runs on a timer in the driver and on every read, so an instance that a
 * stopped Kiln leaves running can overshoot the limit until a driver is back.
 */
final class LogFile {
  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger(LogFile.class.getName());

  /** Bounds the log of every instance under {@code instances}; failures are logged, not thrown. */
  static void rotateAll(Path instances, long maxBytes) {
    if (!Files.isDirectory(instances)) return;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(instances)) {
      for (Path dir : dirs) {
        try {
          new LogFile(dir.resolve("log"), maxBytes).rotateIfNeeded();
        } catch (IOException e) {
          LOG.warning("instance " + dir.getFileName() + ": log rotation failed: " + e);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warning("process runtime: log rotation pass failed: " + e);
    }
  }

  private final Path path;
  private final long maxBytes;

  LogFile(Path path, long maxBytes) {
    this.path = path;
    this.maxBytes = maxBytes;
  }

  Path path() {
    return path;
  }

  void rotateIfNeeded() throws IOException {
    if (!Files.exists(path) || Files.size(path) <= maxBytes) return;
    Path rotated = path.resolveSibling(path.getFileName() + ".1");
    Path temp = path.resolveSibling(path.getFileName() + ".1.tmp");
    Files.copy(path, temp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(temp, rotated, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
      channel.truncate(0);
    }
  }

  /** The last {@code maxBytes} of {@code log.1} + {@code log}. */
  String tail(int maxBytes) throws IOException {
    rotateIfNeeded();
    byte[] current = tailOf(path, maxBytes);
    byte[] older =
        current.length < maxBytes
            ? tailOf(path.resolveSibling(path.getFileName() + ".1"), maxBytes - current.length)
            : new byte[0];
    return new String(older, StandardCharsets.UTF_8) + new String(current, StandardCharsets.UTF_8);
  }

  private static byte[] tailOf(Path file, int maxBytes) throws IOException {
    if (!Files.exists(file) || maxBytes <= 0) return new byte[0];
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      int n = (int) Math.min(length, maxBytes);
      byte[] bytes = new byte[n];
      raf.seek(length - n);
      int read = 0;
      for (int r; read < n && (r = raf.read(bytes, read, n - read)) > 0; ) read += r;
      // the file may have been truncated by a rotation meanwhile: return what was there
      return read == n ? bytes : java.util.Arrays.copyOf(bytes, read);
    }
  }
}
