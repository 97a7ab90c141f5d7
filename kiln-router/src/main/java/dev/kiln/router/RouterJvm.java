package dev.kiln.router;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options a router process gets, sized to the machine: what {@code bench/router.sh} found
 * fast, so that the router users run is the router that was measured. Pure (cores and memory in,
 * options out) so the sizing is unit-tested; the caller puts them before the main class.
 *
 * <ul>
 *   <li>A fixed heap with a large young generation, allocated and touched at start: the request
 *       path allocates short-lived buffers and headers only, so young collections find almost
 *       nothing alive and stay short; no heap growth pauses.
 *   <li>The parallel collector: the shortest young pauses for a heap this small and no concurrent
 *       marking threads competing with the event loops for cores.
 *   <li>No memory-mapped perf data file: a write to it can stall a thread on a busy disk, a known
 *       source of multi-millisecond outliers in p99.
 *   <li>An AppCDS archive, created on the first run's exit and used on every later start: the
 *       router's and Netty's classes load already parsed and verified, shortening the warm-up.
 *   <li>Netty's leak detection off (it samples and wraps buffers on the hot path).
 * </ul>
 */
public final class RouterJvm {
  private RouterJvm() {}

  /**
   * @param cores the cores the process may use
   * @param memoryBytes the machine's (or container's) memory
   * @param cdsArchive where the class-data archive lives (created when missing)
   */
  public static List<String> options(int cores, long memoryBytes, Path cdsArchive) {
    long mib = memoryBytes / (1024 * 1024);
    // an eighth of memory, between 256 MiB and 1 GiB: routing state is small, buffers are pooled
    long heap = Math.max(256, Math.min(1024, mib / 8));
    long young = heap * 3 / 4;
    int gcThreads = Math.max(1, Math.min(cores, 4));
    List<String> o = new ArrayList<>();
    o.add("-Xms" + heap + "m");
    o.add("-Xmx" + heap + "m");
    o.add("-Xmn" + young + "m");
    o.add("-XX:+UseParallelGC");
    o.add("-XX:ParallelGCThreads=" + gcThreads);
    o.add("-XX:+AlwaysPreTouch");
    o.add("-XX:+PerfDisableSharedMem");
    o.add("-XX:SharedArchiveFile=" + cdsArchive);
    o.add("-XX:+AutoCreateSharedArchive");
    o.add("-Dio.netty.leakDetection.level=disabled");
    return List.copyOf(o);
  }

  /** {@link #options} for the machine this JVM runs on. */
  public static List<String> forThisMachine(Path cdsArchive) {
    long memory = 2L << 30;
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      memory = os.getTotalMemorySize();
    }
    return options(Runtime.getRuntime().availableProcessors(), memory, cdsArchive);
  }
}
