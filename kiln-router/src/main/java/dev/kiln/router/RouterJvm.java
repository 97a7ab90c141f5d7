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
 *   <li>Class data to start from ({@link RouterAot}): on JDK 25+ an AOT cache trained once per
 *       class path and JVM with the warm-up workload (classes loaded and linked, method profiles);
 *       on JDK 21 an AppCDS archive created at the first run's exit.
 *   <li>Netty's leak detection off (it samples and wraps buffers on the hot path).
 * </ul>
 */
public final class RouterJvm {
  private RouterJvm() {}

  /**
   * @param cores the cores the process may use
   * @param memoryBytes the machine's (or container's) memory
   */
  public static List<String> options(int cores, long memoryBytes) {
    long mib = memoryBytes / (1024 * 1024);
    // an eighth of memory, between 256 MiB and 1 GiB: routing state is small, buffers are pooled
    return sized(cores, (int) Math.max(256, Math.min(1024, mib / 8)));
  }

  /**
   * The JIT compiler threads at nice 10, so that compiling never takes a core from the event loops,
   * the server or the instances: on 2 cores, C2 compiles in the router and the server ran beside
   * every warm rollback (bench/rollback.sh, median 13.3 to 11.4 ms with both at nice 10). Linux
   * honours a thread priority only with {@code ThreadPriorityPolicy=1}, which the JVM refuses with
   * a warning unless it runs as root: for root only. (The policy also runs the JVM's own GC and VM
   * threads a little above normal, which shortens the router's pauses.) The launcher gives {@code
   * kiln server}, {@code kiln up} and {@code kiln demo} the same ({@code scripts/find-jdk.sh}).
   */
  static List<String> jitPriority(boolean root) {
    return root
        ? List.of("-XX:ThreadPriorityPolicy=1", "-XX:CompilerThreadPriority=10")
        : List.of();
  }

  /**
   * {@code -Dkiln.router.heap=MiB} (at least 64): the router process's heap instead of an eighth of
   * the machine's memory, for a host that runs many routers (the ITs start about thirty, and
   * touching a 1 GiB heap at start costs each half a CPU-second).
   */
  public static final String HEAP_PROPERTY = "kiln.router.heap";

  private static List<String> sized(int cores, int heap) {
    int young = heap * 3 / 4;
    int gcThreads = Math.max(1, Math.min(cores, 4));
    List<String> o = new ArrayList<>();
    o.add("-Xms" + heap + "m");
    o.add("-Xmx" + heap + "m");
    o.add("-Xmn" + young + "m");
    o.add("-XX:+UseParallelGC");
    o.add("-XX:ParallelGCThreads=" + gcThreads);
    o.add("-XX:+AlwaysPreTouch");
    o.add("-XX:+PerfDisableSharedMem");
    o.add("-Dio.netty.leakDetection.level=disabled");
    // Netty loads its native transport (io_uring, epoll) through System.loadLibrary: without this
    // JDK 24+ writes a "restricted method" warning to every router log. Here, the training of the
    // AOT cache gets it too (a cache refuses a run whose native access differs from its
    // training's).
    o.add("--enable-native-access=ALL-UNNAMED");
    return List.copyOf(o);
  }

  /**
   * {@link #options} for the machine this JVM runs on, and the class data of {@link RouterAot} for
   * a router process run by this JVM with this JVM's class path (as {@code kiln server} starts it).
   *
   * @param dir where the class data lives (the router's directory under $KILN_HOME)
   * @param train whether a missing AOT cache is trained now (once per class path and JVM, the
   *     warm-up workload, up to {@link #TRAINING_TIMEOUT}); without it the router starts without
   */
  public static List<String> forThisMachine(Path dir, boolean train) {
    return forThisMachine(dir, train ? Training.NOW : Training.NONE);
  }

  /** Whether and when a missing AOT cache is trained. */
  public enum Training {
    /** Never: the router starts without class data until a cache exists. */
    NONE,
    /** Before returning: this start already uses the cache (the bench, {@code --jvm-options}). */
    NOW,
    /**
     * In the background, niced: this start goes without class data and is not delayed (a first
     * {@code kiln up} would otherwise wait 5–15 s for the training); the next start uses it.
     */
    BACKGROUND
  }

  /** The router's JVM options on this machine; a missing AOT cache is trained per {@code when}. */
  public static List<String> forThisMachine(Path dir, Training when) {
    return forClassPath(dir, when, System.getProperty("java.class.path", ""));
  }

  /** {@link #forThisMachine(Path, Training)} for a router run on {@code classPath}. */
  static List<String> forClassPath(Path dir, Training when, String classPath) {
    long memory = 2L << 30;
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      memory = os.getTotalMemorySize();
    }
    int cores = Runtime.getRuntime().availableProcessors();
    Integer heap = Integer.getInteger(HEAP_PROPERTY);
    List<String> base =
        new ArrayList<>(
            heap == null ? options(cores, memory) : sized(cores, Math.max(64, heap.intValue())));
    base.addAll(jitPriority("root".equals(System.getProperty("user.name"))));
    RouterAot.Plan plan =
        RouterAot.plan(
            RouterAot.jarsOnly(classPath),
            Runtime.version().feature(),
            dir,
            RouterAot.key(classPath, Runtime.version().toString()),
            java.nio.file.Files::exists);
    if (plan instanceof RouterAot.TrainCache t) {
      switch (when) {
        case NONE -> {}
        case NOW -> {
          if (RouterAot.train(thisJava(), base, classPath, t, TRAINING_TIMEOUT))
            plan = new RouterAot.UseCache(t.cache());
        }
        case BACKGROUND -> {
          List<String> nice =
              java.nio.file.Files.isExecutable(Path.of("/usr/bin/nice"))
                  ? List.of("/usr/bin/nice", "-n", "10")
                  : List.of();
          Path java = thisJava();
          Path cache = t.cache().toAbsolutePath();
          // every router this server starts (one per environment, a revived one) asks at once:
          // one training per cache, not one per router
          if (TRAINING.add(cache)) {
            Thread.ofPlatform()
                .daemon()
                .name("router-aot-training")
                .start(
                    () -> {
                      try {
                        RouterAot.train(
                            nice, java, base, classPath, t, BACKGROUND_TRAINING_TIMEOUT);
                      } finally {
                        TRAINING.remove(cache);
                      }
                    });
          }
        }
      }
    }
    List<String> all = new ArrayList<>(base);
    all.addAll(plan.options());
    return List.copyOf(all);
  }

  /** The caches a background training is writing now. */
  private static final java.util.Set<Path> TRAINING =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Whether a background training of {@code cache} runs now (until its cache is in place). */
  static boolean training(Path cache) {
    return TRAINING.contains(cache.toAbsolutePath());
  }

  /** The longest an AOT cache training may take before the router starts without it. */
  static final java.time.Duration TRAINING_TIMEOUT = java.time.Duration.ofSeconds(120);

  /**
   * The longest a background training may take: nothing waits for it, and at nice 10 on a busy host
   * (a build of Kiln beside it) one took over 120 s that takes 22 s alone, and was killed.
   */
  static final java.time.Duration BACKGROUND_TRAINING_TIMEOUT = java.time.Duration.ofMinutes(10);

  /** The java binary running this JVM: the one that runs the router too. */
  static Path thisJava() {
    return ProcessHandle.current()
        .info()
        .command()
        .map(Path::of)
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java"));
  }
}
