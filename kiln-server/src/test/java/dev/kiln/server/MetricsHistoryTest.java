package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.kiln.router.BackendMetrics;
import dev.kiln.router.Latency;
import dev.kiln.router.LatencySnapshot;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceMetrics;
import dev.kiln.router.StatusCounts;
import dev.kiln.router.Traffic;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MetricsHistoryTest {
  private static final Instant T0 = Instant.parse("2026-11-30T04:00:00Z");

  /** A backend that has answered {@code requests}, {@code errors} of them 5xx, all within 10 ms. */
  private static BackendMetrics backend(
      String id, String rev, long requests, long errors, long slow) {
    Map<Long, Long> buckets = new TreeMap<>();
    if (requests - slow > 0) buckets.put(2_048L, requests - slow);
    if (slow > 0) buckets.put(327_680L, slow);
    LatencySnapshot h = LatencySnapshot.ofBuckets(buckets);
    Traffic t =
        new Traffic(
            requests,
            new StatusCounts(0, requests - errors, 0, 0, errors),
            0,
            new Latency(requests, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, h));
    return new BackendMetrics(id, rev, t, 0, false, false);
  }

  private static RouterMetrics metrics(BackendMetrics... backends) {
    Traffic none =
        new Traffic(
            0,
            new StatusCounts(0, 0, 0, 0, 0),
            0,
            new Latency(
                0,
                Duration.ZERO,
                Duration.ZERO,
                Duration.ZERO,
                Duration.ZERO,
                LatencySnapshot.EMPTY));
    return new RouterMetrics(1, 0, List.of(new ServiceMetrics("web", none, List.of(backends))));
  }

  @Test
  void eachPointIsTheIntervalsDifference_perRevision() {
    MetricsHistory h = new MetricsHistory(Duration.ofMinutes(5));
    h.sample(T0, metrics(backend("a", "1", 100, 0, 0), backend("b", "2", 10, 0, 0)));
    assertThat(h.series("web")).as("the first look is a baseline").isEmpty();
    h.sample(
        T0.plusSeconds(2), metrics(backend("a", "1", 140, 0, 0), backend("b", "2", 30, 5, 10)));
    var s = h.series("web");
    assertThat(s.get(1)).hasSize(1);
    assertThat(s.get(1).get(0).rps()).isCloseTo(20.0, within(1e-9));
    assertThat(s.get(1).get(0).errorRate()).isZero();
    assertThat(s.get(1).get(0).p99Millis()).isLessThanOrEqualTo(3.0);
    assertThat(s.get(2).get(0).rps()).isCloseTo(10.0, within(1e-9));
    assertThat(s.get(2).get(0).errorRate()).isCloseTo(0.25, within(1e-9));
    assertThat(s.get(2).get(0).p99Millis()).isGreaterThan(100.0);
  }

  @Test
  void aRecreatedBackendCountsFromZero_andANewOneToo() {
    MetricsHistory h = new MetricsHistory(Duration.ofMinutes(5));
    h.sample(T0, metrics(backend("a", "1", 100, 0, 0)));
    h.sample(T0.plusSeconds(1), metrics(backend("a", "1", 4, 0, 0), backend("c", "2", 6, 0, 0)));
    var s = h.series("web");
    assertThat(s.get(1).get(0).requests()).isEqualTo(4);
    assertThat(s.get(2).get(0).requests()).isEqualTo(6);
  }

  @Test
  void pointsOlderThanTheSpanAreForgotten() {
    MetricsHistory h = new MetricsHistory(Duration.ofSeconds(10));
    long n = 0;
    for (int i = 0; i <= 20; i++)
      h.sample(T0.plusSeconds(i), metrics(backend("a", "1", n += 5, 0, 0)));
    var pts = h.series("web").get(1);
    assertThat(pts.get(0).at()).isEqualTo(T0.plusSeconds(10));
    assertThat(pts).hasSize(11);
    h.sample(T0.plusSeconds(21), new RouterMetrics(2, 0, List.of()));
    assertThat(h.series("web")).as("a service gone from the router").isEmpty();
  }
}
