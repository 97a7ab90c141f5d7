package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's per-service {@code drift:} on a real control plane (process runtime, bubblewrap):
 * {@code drift: report} journals and leaves the instance running, and the drift budget stops
 * replacements past it — each under a steady load through the router.
 */
class DriftPolicyIT {
  static final Duration SETTLE = Duration.ofSeconds(90);
  static final String STRATEGY = "rolling: { max-surge: 1, max-unavailable: 0 }";
  @TempDir Path tmp;

  @BeforeAll
  static void needsBubblewrap() {
    assumeTrue(
        Stream.of("/usr/bin/bwrap", "/bin/bwrap").anyMatch(p -> Files.isExecutable(Path.of(p))),
        "bubblewrap is not installed");
  }

  private static Set<String> ids(KilnFixture k) {
    return k.cp.executor.call(
        () ->
            k.cp.executor.observed().stream()
                .filter(o -> !k.cp.executor.isLeaving(o))
                .map(o -> o.instance().id())
                .collect(Collectors.toSet()));
  }

  private static List<Executor.Observed> live(KilnFixture k) {
    return k.cp.executor.call(
        () -> k.cp.executor.observed().stream().filter(o -> !k.cp.executor.isLeaving(o)).toList());
  }

  private static List<ServerState.Drifted> drifts(KilnFixture k) {
    return k.cp.executor.call(() -> k.cp.state.drifts());
  }

  private static void awaitTrue(String what, java.util.function.BooleanSupplier ok)
      throws InterruptedException {
    long end = System.nanoTime() + SETTLE.toNanos();
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("gave up waiting for " + what);
      Thread.sleep(50);
    }
  }

  /** The fixture's blueprint with {@code extra} lines added to service web. */
  private static Path blueprint(KilnFixture k, String extra) throws Exception {
    Path file = k.blueprint("a", STRATEGY);
    Files.writeString(file, Files.readString(file) + extra);
    return file;
  }

  private static Process nsenter(long pid) throws Exception {
    return new ProcessBuilder(
            "nsenter", "-t", Long.toString(pid), "-p", "-m", "--", "/bin/busybox", "sleep", "300")
        .start();
  }

  private static int applyAndSettle(KilnFixture k, Path file) throws Exception {
    k.apply(file);
    int revision = k.service("web").get("rollout").get("to").asInt();
    k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
    return revision;
  }

  @Test
  void driftReport_journalsTheVerdict_andLeavesTheInstanceRunning() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      applyAndSettle(k, blueprint(k, "    drift: report\n"));
      Set<String> before = ids(k);
      Executor.Observed target = live(k).getFirst();
      Process intruder = nsenter(target.running().status().pid().orElseThrow());
      try (Load load = new Load(k.router() + "/", 4)) {
        awaitTrue("process drift journaled", () -> !drifts(k).isEmpty());
        // a few more rounds of the executor: nothing is stopped
        for (int i = 0; i < 20; i++) {
          Thread.sleep(100);
          assertThat(ids(k)).isEqualTo(before);
        }
        load.close();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      } finally {
        intruder.destroyForcibly();
      }
      ServerState.Drifted d = drifts(k).getFirst();
      assertThat(d.event().instance()).isEqualTo(target.instance().id());
      assertThat(d.event().surface()).isEqualTo("process");
      assertThat(d.event().response()).isEqualTo("report");
      assertThat(d.event().reason()).isEqualTo("drift: report");
      assertThat(drifts(k)).hasSize(1);
      assertThat(k.service("web").get("healthy").asInt()).isEqualTo(2);
      assertThat(k.get("/metrics").body())
          .contains("kiln_drift_total{service=\"web\",surface=\"process\",response=\"report\"} 1");
    }
  }

  @Test
  void pastTheDriftBudget_driftIsReported_andTheInstancesKeepRunning() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      int revision =
          applyAndSettle(k, blueprint(k, "    drift: { replacements: 1, window: 10m }\n"));
      List<Executor.Observed> both = live(k);
      assertThat(both).hasSize(2);
      List<Process> intruders = new java.util.ArrayList<>();
      try (Load load = new Load(k.router() + "/", 4)) {
        for (Executor.Observed o : both) {
          intruders.add(nsenter(o.running().status().pid().orElseThrow()));
        }
        awaitTrue("both drifts journaled", () -> drifts(k).size() >= 2);
        List<ServerState.Drifted> verdicts = drifts(k);
        String replaced =
            verdicts.stream()
                .filter(d -> d.event().response().equals("replace"))
                .map(d -> d.event().instance())
                .findFirst()
                .orElseThrow();
        String reported =
            verdicts.stream()
                .filter(d -> d.event().response().equals("report"))
                .map(d -> d.event().instance())
                .findFirst()
                .orElseThrow();
        awaitTrue(
            "the one within the budget replaced",
            () -> !ids(k).contains(replaced) && ids(k).size() == 2);
        k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        assertThat(ids(k)).contains(reported); // past the budget: left running
        load.close();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      } finally {
        intruders.forEach(Process::destroyForcibly);
      }
      List<ServerState.Drifted> verdicts = drifts(k);
      assertThat(verdicts).hasSize(2);
      assertThat(verdicts)
          .filteredOn(d -> d.event().response().equals("report"))
          .singleElement()
          .satisfies(
              d ->
                  assertThat(d.event().reason())
                      .isEqualTo(
                          "drift budget spent (1 replacements in 10 min): reported, left running"));
    }
  }
}
