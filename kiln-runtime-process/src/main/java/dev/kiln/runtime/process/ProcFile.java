package dev.kiln.runtime.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A small {@code /proc} file kept open between reads and re-read from offset 0 ({@code pread}): the
 * kernel regenerates a seq_file from the start when it is read at 0. Measured on the development
 * machine (kernel 6.18): {@code /proc/PID/stat} 7.4 µs open-read-close against 3.1 µs re-read,
 * {@code net/sockstat} 9.1 against 1.6 µs — the path walk through {@code /proc/PID} was most of it.
 *
 * <p>An open {@code /proc/PID/...} file stays bound to that process: once it exits, a read fails
 * (ESRCH) even if the pid is reused, so a failed read means gone, never another process's data. Not
 * thread-safe: each is used by the drift scan's one thread.
 */
final class ProcFile implements AutoCloseable {
  private final Path path;
  private @Nullable FileChannel channel;
  private final ByteBuffer buffer;

  ProcFile(Path path, int capacity) {
    this.path = path;
    this.buffer = ByteBuffer.allocateDirect(capacity);
  }

  /**
   * Reads the file (up to {@code into.length} bytes) into {@code into}: its length, or -1 if it
   * cannot be opened or read. A failed read closes the file and the next one opens it again (an
   * interrupt closes a channel too): a caller that names a process by pid checks its start time.
   */
  int read(byte[] into) {
    try {
      FileChannel c = channel;
      if (c == null) channel = c = FileChannel.open(path);
      buffer.clear().limit(Math.min(buffer.capacity(), into.length));
      int n = 0;
      // a small procfs file comes whole in one read: a short read is its end
      for (int r; buffer.hasRemaining() && (r = c.read(buffer, n)) > 0; ) {
        n += r;
        if (buffer.hasRemaining()) break;
      }
      buffer.flip().get(into, 0, n);
      return n;
    } catch (IOException | RuntimeException e) {
      close();
      return -1;
    }
  }

  @Override
  public void close() {
    FileChannel c = channel;
    channel = null;
    if (c == null) return;
    try {
      c.close();
    } catch (IOException e) {
      // a procfs file: nothing was written that closing could lose
    }
  }
}
