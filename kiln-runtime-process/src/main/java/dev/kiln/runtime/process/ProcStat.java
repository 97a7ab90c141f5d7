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
    if (pid <= 0) return OptionalLong.empty();
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (IOException e) {
      return OptionalLong.empty();
    }
    // the command name (field 2) may contain spaces and parentheses: fields resume after the last
    // ')'
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    String state = fields[0];
    if (state.equals("Z") || state.equals("X")) return OptionalLong.empty();
    return OptionalLong.of(Long.parseLong(fields[19]));
  }

  /** True if the process that had this pid and start time still runs. */
  static boolean alive(long pid, long startTime) {
    OptionalLong now = startTime(pid);
    return now.isPresent() && now.getAsLong() == startTime;
  }
}
