package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln up}'s router runs in the CLI's JVM and keeps each event loop on a core of its own, as
 * the router process of {@code kiln server} does (issue 18's tail): while {@code kiln up} runs, the
 * kernel reports each loop thread ({@code kiln-router-N-M}, 15 characters of it in {@code comm})
 * allowed on one core, each a different one. Skipped only where pinning is impossible (one allowed
 * core, no taskset) or turned off, as {@code RouterAffinityIT} is.
 */
class UpRouterAffinityIT {
  @TempDir Path tmp;

  @Test
  void up_keepsEachRouterEventLoopOnACoreOfItsOwn() throws Exception {
    List<Integer> allowed = cpuList(status(Path.of("/proc/self/status")));
    assumeTrue(allowed.size() >= 2, "needs a process allowed on 2 cores or more");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/taskset")), "needs util-linux's taskset");
    assumeFalse("false".equals(System.getProperty("kiln.router.pin")), "pinning turned off");
    Path file = project();
    Set<String> before = Set.copyOf(loopThreads().keySet()); // earlier tests' routers, ending
    Map<String, String> lastSeen = new ConcurrentHashMap<>();
    Thread sampler =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    loopThreads()
                        .forEach(
                            (tid, cpus) -> {
                              if (!before.contains(tid)) lastSeen.put(tid, cpus);
                            });
                    try {
                      Thread.sleep(20);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true));
      code =
          Main.run(
              "up",
              "--home",
              tmp.resolve("home").toString(),
              "-f",
              file.toString(),
              "--api",
              "127.0.0.1:0",
              "--router",
              "127.0.0.1:0",
              "--once");
    } finally {
      System.setOut(saved);
      sampler.interrupt();
      sampler.join();
    }
    String out = captured.toString();
    assertThat(code).as(out).isZero();
    assertThat(out).contains("1/1").contains("kiln up: stopped.");
    // one loop per core by default, each kept on one core, round robin over the allowed ones
    assertThat(lastSeen).as("kiln up's router loop threads, by tid").hasSizeGreaterThanOrEqualTo(2);
    List<Integer> cores = new ArrayList<>();
    for (String cpus : lastSeen.values()) {
      List<Integer> one = cpuList(cpus);
      assertThat(one).as("a loop's allowed cores: %s", lastSeen).hasSize(1);
      cores.addAll(one);
    }
    assertThat(allowed).containsAll(cores);
    assertThat(new TreeSet<>(cores)).hasSize(Math.min(cores.size(), allowed.size()));
  }

  /** The router loop threads of this JVM: thread id → Cpus_allowed_list. */
  private static Map<String, String> loopThreads() {
    Map<String, String> out = new ConcurrentHashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        try {
          String comm = Files.readString(task.resolve("comm")).trim();
          // kiln-router-<pool>-<loop>; not kiln-router-certificates-… (comm: "kiln-router-cer")
          if (comm.matches("kiln-router-\\d.*"))
            out.put(task.getFileName().toString(), status(task.resolve("status")));
        } catch (IOException | RuntimeException ended) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static String status(Path status) throws IOException {
    try (Stream<String> lines = Files.lines(status)) {
      return lines
          .filter(l -> l.startsWith("Cpus_allowed_list:"))
          .map(l -> l.substring("Cpus_allowed_list:".length()).trim())
          .findFirst()
          .orElseThrow(() -> new IOException("no Cpus_allowed_list in " + status));
    }
  }

  /** "0-3,8" → [0, 1, 2, 3, 8]. */
  private static List<Integer> cpuList(String list) {
    Set<Integer> cpus = new HashSet<>();
    for (String part : list.split(",")) {
      if (part.isBlank()) continue;
      String[] range = part.trim().split("-");
      int from = Integer.parseInt(range[0]);
      int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
      for (int c = from; c <= to; c++) cpus.add(c);
    }
    return List.copyOf(new TreeSet<>(cpus));
  }

  /** One busybox httpd service, as UpCommandIT's. */
  private Path project() throws IOException {
    return BusyboxProject.hello(tmp.resolve("project"), "hello\n", 1);
  }
}
