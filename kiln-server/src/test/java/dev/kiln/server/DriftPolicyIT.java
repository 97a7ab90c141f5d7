package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
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
    KilnFixture.assumeBubblewrap();
  }

  @Test
  void driftReport_journalsTheVerdict_andLeavesTheInstanceRunning() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      k.applyAndSettle(k.blueprintWith(STRATEGY, "    drift: report\n"), SETTLE);
      Set<String> before = k.liveIds();
      Executor.Observed target = k.live().getFirst();
      Process intruder = KilnFixture.enter(target.running().status().pid().orElseThrow());
      try (Load load = new Load(k.router() + "/", 4)) {
        KilnFixture.awaitTrue(SETTLE, "process drift journaled", () -> !k.drifts().isEmpty());
        // a few more rounds of the executor: nothing is stopped
        for (int i = 0; i < 20; i++) {
          Thread.sleep(100);
          assertThat(k.liveIds()).isEqualTo(before);
        }
        load.close();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      } finally {
        intruder.destroyForcibly();
      }
      ServerState.Drifted d = k.drifts().getFirst();
      assertThat(d.event().instance()).isEqualTo(target.instance().id());
      assertThat(d.event().surface()).isEqualTo("process");
      assertThat(d.event().response()).isEqualTo("report");
      assertThat(d.event().reason()).isEqualTo("drift: report");
      assertThat(k.drifts()).hasSize(1);
      assertThat(k.service("web").get("healthy").asInt()).isEqualTo(2);
      assertThat(k.get("/metrics").body())
          .contains("kiln_drift_total{service=\"web\",surface=\"process\",response=\"report\"} 1");
    }
  }

  @Test
  void pastTheDriftBudget_driftIsReported_andTheInstancesKeepRunning() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      int revision =
          k.applyAndSettle(
              k.blueprintWith(STRATEGY, "    drift: { replacements: 1, window: 10m }\n"), SETTLE);
      List<Executor.Observed> both = k.live();
      assertThat(both).hasSize(2);
      List<Process> intruders = new java.util.ArrayList<>();
      try (Load load = new Load(k.router() + "/", 4)) {
        for (Executor.Observed o : both) {
          intruders.add(KilnFixture.enter(o.running().status().pid().orElseThrow()));
        }
        KilnFixture.awaitTrue(SETTLE, "both drifts journaled", () -> k.drifts().size() >= 2);
        List<ServerState.Drifted> verdicts = k.drifts();
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
        KilnFixture.awaitTrue(
            SETTLE,
            "the one within the budget replaced",
            () -> !k.liveIds().contains(replaced) && k.liveIds().size() == 2);
        k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        assertThat(k.liveIds()).contains(reported); // past the budget: left running
        load.close();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      } finally {
        intruders.forEach(Process::destroyForcibly);
      }
      List<ServerState.Drifted> verdicts = k.drifts();
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
