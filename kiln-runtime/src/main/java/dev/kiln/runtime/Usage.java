package dev.kiln.runtime;

/**
 * What an instance has used, as its driver accounts it (the process driver reads its cgroup; the
 * docker driver the engine's stats). Counters are totals since the instance started; for an exited
 * instance they are the last values read before its cgroup was removed.
 *
 * @param cpuNanos CPU time consumed by all its processes, user and system
 * @param memoryBytes memory in use now (zero once exited)
 * @param memoryPeakBytes the highest memory use seen
 * @param pids processes and threads now (zero once exited)
 * @param oomKills processes the OOM killer ended at the memory limit
 * @param pidsRefused forks refused at the pids limit
 */
public record Usage(
    long cpuNanos,
    long memoryBytes,
    long memoryPeakBytes,
    int pids,
    long oomKills,
    long pidsRefused) {
  public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0);

  /** The same totals once nothing runs any more. */
  public Usage exited() {
    return new Usage(cpuNanos, 0, memoryPeakBytes, 0, oomKills, pidsRefused);
  }
}
