package dev.kiln.router;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One event loop per core, each kept on its own core, as nginx's {@code worker_cpu_affinity auto}
 * and HAProxy's {@code cpu-map} do. Measured on 2 cores shared with wrk and the backends: left to
 * the scheduler, the two loops now and then land on the same core and one waits a whole time slice
 * behind the other with its connections' requests in hand — the router's p99 was 4.3–4.9 ms where
 * HAProxy's was 3.2–5.5; with each loop on its own core 1.8–2.1 ms, at the same requests/s, and
 * still no worse with a busy program pinned to one of the cores (docs/tls.md, "the warm tail").
 *
 * <p>The JDK has no affinity call, so each loop reports its kernel thread id and {@code taskset}
 * (util-linux, on every Debian) pins it. Best effort: a machine without it, or a single allowed
 * core, leaves the loops where the scheduler puts them, and says so once.
 */
final class LoopAffinity {
  private static final Logger LOG = Logger.getLogger(LoopAffinity.class.getName());

  private LoopAffinity() {}

  /**
   * The cores loop {@code i} of {@code loops} gets: round robin over the allowed cores. A single
   * loop has no other loop to keep away from and stays free to move off a busy core.
   */
  static List<Integer> plan(int loops, List<Integer> allowed) {
    if (loops < 2 || allowed.size() < 2) return List.of();
    List<Integer> cores = new ArrayList<>(loops);
    for (int i = 0; i < loops; i++) cores.add(allowed.get(i % allowed.size()));
    return List.copyOf(cores);
  }

  /**
   * Parses a kernel CPU list ({@code Cpus_allowed_list} of /proc/PID/status: "0-3,8,10-11").
   *
   * @throws IllegalArgumentException if {@code list} is not one
   */
  static List<Integer> cpuList(String list) {
    TreeSet<Integer> cpus = new TreeSet<>();
    for (String part : list.trim().split(",")) {
      if (part.isEmpty()) continue;
      int dash = part.indexOf('-');
      try {
        int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
        if (from < 0 || to < from) throw new IllegalArgumentException("not a CPU list: " + list);
        for (int c = from; c <= to; c++) cpus.add(c);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a CPU list: " + list, e);
      }
    }
    return List.copyOf(cpus);
  }

  /** The cores this process may run on, empty when unknown (not Linux). */
  static List<Integer> allowedCores() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Cpus_allowed_list:"))
          return cpuList(line.substring("Cpus_allowed_list:".length()));
      }
    } catch (IOException | IllegalArgumentException e) {
      // not Linux, or a kernel that words it differently: no pinning
    }
    return List.of();
  }

  /**
   * Pins each loop of {@code loops} to its core of {@link #plan}.
   *
   * @return the core of each loop, in order; empty when the loops were left unpinned
   */
  static List<Integer> pin(EventLoopGroup loops) {
    List<EventExecutor> executors = new ArrayList<>();
    loops.forEach(executors::add);
    List<Integer> cores = plan(executors.size(), allowedCores());
    Path taskset = Path.of("/usr/bin/taskset");
    if (cores.isEmpty()) return List.of();
    if (!Files.isExecutable(taskset)) {
      LOG.info("router: no " + taskset + " (util-linux): event loops left unpinned");
      return List.of();
    }
    try {
      for (int i = 0; i < executors.size(); i++) {
        // the loop's own kernel thread id, read on the loop (this also starts its thread)
        Future<String> tid = executors.get(i).submit(LoopAffinity::threadId);
        String id = tid.get(10, TimeUnit.SECONDS);
        Process p =
            new ProcessBuilder(
                    taskset.toString(), "--cpu-list", "--pid", String.valueOf(cores.get(i)), id)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
          p.destroyForcibly();
          throw new IOException(
              "taskset exited with " + (p.isAlive() ? "a timeout" : p.exitValue()));
        }
      }
      return cores;
    } catch (Exception e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      LOG.warning("router: event loops left unpinned: " + e);
      return List.of();
    }
  }

  /** The calling thread's kernel id: /proc/thread-self links to /proc/PID/task/TID. */
  private static String threadId() throws IOException {
    return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
  }
}
