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
