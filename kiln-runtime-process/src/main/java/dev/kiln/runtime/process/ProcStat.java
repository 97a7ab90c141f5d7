package dev.kiln.runtime.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads {@code /proc/<pid>/stat}. A pid alone names a process only until it is recycled; pid plus
 * start time (field 22, in clock ticks since boot) names exactly one process for the life of the
 * host.
 */
final class ProcStat {
  private ProcStat() {}

  /** The process's start time, if it exists and is not a zombie. */
  static OptionalLong startTime(long pid) {
    Snapshot s = snapshot(pid);
    return s.startTime() < 0 ? OptionalLong.empty() : OptionalLong.of(s.startTime());
  }

  /**
   * One read of a process's {@code stat}.
   *
   * @param startTime -1 if the process is gone or a zombie
   * @param execMark changes when the process execs: its code, stack, argument and environment
   *     addresses (fields 26-28 and 48-51; randomised per exec), which is what {@code cmdline} and
   *     {@code environ} are read from
   */
  record Snapshot(long startTime, long execMark) {
    static final Snapshot GONE = new Snapshot(-1, 0);
  }

  /** Reads {@code /proc/PID/stat}, parsed in place (no split: the drift scan reads it per tick). */
  static Snapshot snapshot(long pid) {
    if (pid <= 0) return Snapshot.GONE;
    byte[] buffer = new byte[1024]; // a stat line is some 300 bytes
    return parse(buffer, read("/proc/" + pid + "/stat", buffer));
  }

  /**
   * Re-reads an open {@code stat} file ({@link ProcFile}) into {@code buffer} and parses it in
   * place: the drift scan's per-instance read, with no allocation.
   */
  static Snapshot snapshot(ProcFile stat, byte[] buffer) {
    return parse(buffer, stat.read(buffer));
  }

  /** Parses the first {@code length} bytes of {@code stat}; -1: unreadable (gone). */
  static Snapshot parse(byte[] stat, int length) {
    if (length < 0) return Snapshot.GONE;
    // the command name (field 2) may contain spaces and parentheses: fields resume after the last
    // ')'
    int i = length - 1;
    while (i >= 0 && stat[i] != ')') i--;
    i += 2; // field 3, the state
    if (i >= length || stat[i] == 'Z' || stat[i] == 'X') return Snapshot.GONE;
    long start = -1;
    long mark = 17;
    for (int field = 3; i < length && field <= 51; field++) {
      long v = 0;
      for (; i < length && stat[i] != ' ' && stat[i] != '\n'; i++) {
        v = stat[i] >= '0' && stat[i] <= '9' ? v * 10 + (stat[i] - '0') : v;
      }
      i++;
      if (field == 22) start = v;
      if ((field >= 26 && field <= 28) || field >= 48) mark = mark * 31 + v;
    }
    return new Snapshot(start, mark);
  }

  /**
   * Reads the start of a small {@code /proc} file into {@code buffer}: its length, or -1 if it
   * cannot be read. A plain stream: the drift scan reads a few such files per instance per tick.
   */
  static int read(String file, byte[] buffer) {
    int n = 0;
    try (java.io.FileInputStream in = new java.io.FileInputStream(file)) {
      // a small procfs file comes whole in one read: a short read is its end (no read of EOF)
      for (int r; n < buffer.length && (r = in.read(buffer, n, buffer.length - n)) > 0; ) {
        n += r;
        if (n < buffer.length) break;
      }
    } catch (IOException e) {
      return -1;
    }
    return n;
  }

  /** True if the process that had this pid and start time still runs. */
  static boolean alive(long pid, long startTime) {
    OptionalLong now = startTime(pid);
    return now.isPresent() && now.getAsLong() == startTime;
  }

  /**
   * The pid the process has in its own (innermost) pid namespace: the last field of {@code NSpid}
   * in {@code /proc/<pid>/status}.
   */
  static OptionalLong pidInNamespace(long pid) {
    if (pid <= 0) return OptionalLong.empty();
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (!line.startsWith("NSpid:")) continue;
        String[] fields = line.substring("NSpid:".length()).trim().split("\\s+");
        return OptionalLong.of(Long.parseLong(fields[fields.length - 1]));
      }
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty(); // gone meanwhile, or a kernel without NSpid (before 4.1)
    }
    return OptionalLong.empty();
  }
}
