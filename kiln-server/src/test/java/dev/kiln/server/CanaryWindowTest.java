package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.RevisionMetrics;
import dev.kiln.router.BackendMetrics;
import dev.kiln.router.Latency;
import dev.kiln.router.LatencySnapshot;
import dev.kiln.router.ServiceMetrics;
import dev.kiln.router.StatusCounts;
import dev.kiln.router.Traffic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CanaryWindowTest {
  // Bucket bounds of the router's histogram: [1920, 2048) µs and [294912, 327680) µs.
  private static final long FAST = 2_048;
  private static final long SLOW = 327_680;

  private final CanaryWindow window = new CanaryWindow();

  /**
   * A backend's cumulative counters: {@code fast} and {@code slow} requests, {@code errors} 5xx.
   */
  private static BackendMetrics backend(
      String id, int revision, long fast, long slow, long errors) {
    Map<Long, Long> b = new TreeMap<>();
    if (fast > 0) b.put(FAST, fast);
    if (slow > 0) b.put(SLOW, slow);
    LatencySnapshot h = LatencySnapshot.ofBuckets(b);
    long n = fast + slow;
    Latency l = new Latency(n, Duration.ZERO, Duration.ZERO, Duration.ZERO, h.quantile(0.99), h);
    return new BackendMetrics(
        id,
        Integer.toString(revision),
        new Traffic(n, new StatusCounts(0, n - errors, 0, 0, errors), 0, l),
        0,
        false,
        false);
  }

  private Map<Integer, RevisionMetrics> at(String step, BackendMetrics... backends) {
    var s = new ServiceMetrics("web", backends[0].traffic(), List.of(backends));
    return window.window("web", step, Optional.of(s));
  }

  private static long p99Millis(RevisionMetrics m) {
    return m.p99().toMillis();
  }

  @Test
  void p99_isOfTheRequestsAnsweredDuringTheStep_notSinceTheBackendStarted() {
    // The canary was fast for 1000 requests before this step began...
    assertThat(at("2/0", backend("c1", 2, 1000, 0, 0)).get(2).requests()).isZero();
    // ... and answered 50 slow ones since: cumulatively its p99 is still ~2 ms, the step's is not.
    RevisionMetrics slowStep = at("2/0", backend("c1", 2, 1000, 50, 0)).get(2);
    assertThat(slowStep.requests()).isEqualTo(50);
    assertThat(p99Millis(slowStep)).isBetween(295L, 328L);

    // The next step starts from here: its window holds only what comes after.
    assertThat(at("2/1", backend("c1", 2, 1000, 50, 0)).get(2)).isEqualTo(RevisionMetrics.NONE);
    RevisionMetrics fastStep = at("2/1", backend("c1", 2, 6000, 50, 0)).get(2);
    assertThat(fastStep.requests()).isEqualTo(5000);
    assertThat(p99Millis(fastStep)).isBetween(1L, 2L); // cumulatively p99 would be 311 ms
  }

  @Test
  void errorsAndLatency_areSummedOverTheRevisionsBackends_perRevision() {
    at("2/0", backend("o1", 1, 100, 0, 0), backend("c1", 2, 10, 0, 1), backend("c2", 2, 0, 0, 0));
    Map<Integer, RevisionMetrics> w =
        at(
            "2/0",
            backend("o1", 1, 300, 0, 0),
            backend("c1", 2, 20, 0, 3),
            backend("c2", 2, 0, 10, 2));
    assertThat(w.get(1)).isEqualTo(new RevisionMetrics(200, 0, w.get(1).p99()));
    assertThat(p99Millis(w.get(1))).isBetween(1L, 2L);
    assertThat(w.get(2).requests()).isEqualTo(20);
    assertThat(w.get(2).errors5xx()).isEqualTo(4);
    assertThat(p99Millis(w.get(2))).isBetween(295L, 328L); // c2's slow answers dominate the p99
  }

  @Test
  void backendsEnteringLeavingOrReset_doNotDisturbTheWindowOfTheOthers() {
    at("2/0", backend("c1", 2, 100, 0, 0), backend("c2", 2, 100, 0, 0));
    // c2 left the table (its counters are gone), c3 entered during the step: counted from zero.
    Map<Integer, RevisionMetrics> w =
        at("2/0", backend("c1", 2, 110, 0, 0), backend("c3", 2, 0, 5, 0));
    assertThat(w.get(2).requests()).isEqualTo(15);
    assertThat(p99Millis(w.get(2))).isBetween(295L, 328L);
    // c1 was recreated by the router (counters back near zero): all it counted is in the window.
    w = at("2/0", backend("c1", 2, 7, 0, 1), backend("c3", 2, 0, 5, 0));
    assertThat(w.get(2).requests()).isEqualTo(12);
    assertThat(w.get(2).errors5xx()).isEqualTo(1);
    // c2 comes back with new counters: from zero too, never negative.
    w = at("2/0", backend("c1", 2, 7, 0, 1), backend("c2", 2, 3, 0, 0));
    assertThat(w.get(2).requests()).isEqualTo(10);
  }

  @Test
  void noMetricsForTheService_meansNoRevisions() {
    assertThat(window.window("web", "2/0", Optional.empty())).isEmpty();
  }
}
