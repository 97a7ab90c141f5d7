package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatencySnapshotTest {
  private static Duration ms(long n) {
    return Duration.ofMillis(n);
  }

  /** Within one bucket (12.5 % wide) of the true value. */
  private static void assertNear(Duration actual, Duration expected) {
    assertThat(actual.toNanos())
        .isBetween(expected.toNanos() * 15 / 16, expected.toNanos() * 17 / 16);
  }

  @Test
  void p99OfAWindow_isTheQuantileOfNowMinusThen_notOfEverything() {
    var h = new LatencyHistogram();
    for (int i = 0; i < 1000; i++) h.record(2_000); // 2 ms, before the window
    LatencySnapshot then = h.snapshot().histogram();
    for (int i = 0; i < 50; i++) h.record(300_000); // 300 ms, inside the window
    Latency now = h.snapshot();

    assertNear(now.p99(), ms(300)); // 50 of 1050 are slow: cumulatively still p99 = 300 ms...
    LatencySnapshot window = now.histogram().minus(then);
    assertThat(window.count()).isEqualTo(50);
    assertNear(window.quantile(0.99), ms(300));
    assertNear(window.quantile(0.5), ms(300));
    assertNear(then.quantile(0.99), ms(2));

    // ... and once the window is fast again, the cumulative p99 hides it, the window does not.
    LatencySnapshot slow = now.histogram();
    for (int i = 0; i < 5000; i++) h.record(1_000);
    LatencySnapshot fast = h.snapshot().histogram().minus(slow);
    assertThat(fast.count()).isEqualTo(5000);
    assertNear(fast.quantile(0.99), ms(1));
  }

  @Test
  void quantiles_derivedFromTheSameCopyAsTheHistogram() {
    var h = new LatencyHistogram();
    for (int i = 1; i <= 100; i++) h.record(i * 1_000L);
    Latency l = h.snapshot();
    assertThat(l.count()).isEqualTo(100).isEqualTo(l.histogram().count());
    assertThat(l.p50()).isEqualTo(l.histogram().quantile(0.5));
    assertThat(l.p99()).isEqualTo(l.histogram().quantile(0.99));
    assertNear(l.p99(), ms(99));
  }

  @Test
  void empty_hasNoRequestsAndZeroQuantiles() {
    assertThat(LatencySnapshot.EMPTY.count()).isZero();
    assertThat(LatencySnapshot.EMPTY.quantile(0.99)).isEqualTo(Duration.ZERO);
    assertThat(new LatencyHistogram().snapshot().histogram()).isEqualTo(LatencySnapshot.EMPTY);
    assertThatThrownBy(() -> LatencySnapshot.EMPTY.quantile(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void plusAndMinus_areInverse_andMinusRefusesAResetCounter() {
    var a = new LatencyHistogram();
    var b = new LatencyHistogram();
    a.record(5);
    a.record(40_000);
    b.record(40_000);
    b.record(7_000_000);
    LatencySnapshot sa = a.snapshot().histogram();
    LatencySnapshot sb = b.snapshot().histogram();
    LatencySnapshot sum = sa.plus(sb);
    assertThat(sum.count()).isEqualTo(4);
    assertThat(sum.minus(sb)).isEqualTo(sa);
    assertThat(sum.includes(sa)).isTrue();
    assertThat(sa.includes(sum)).isFalse();
    assertThat(sa.minus(sa)).isEqualTo(LatencySnapshot.EMPTY);
    assertThatThrownBy(() -> sa.minus(sum))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reset");
  }

  @Test
  void buckets_roundTripByUpperBound_andRejectAForeignLayout() {
    var h = new LatencyHistogram();
    for (long us : new long[] {0, 3, 15, 16, 17, 1_000, 123_456, 9_000_000, Long.MAX_VALUE / 2}) {
      h.record(us);
      h.record(us);
    }
    LatencySnapshot s = h.snapshot().histogram();
    Map<Long, Long> buckets = s.buckets();
    assertThat(buckets.values()).allMatch(c -> c % 2 == 0);
    assertThat(buckets.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(18);
    assertThat(buckets.keySet()).startsWith(1L, 4L, 16L);
    assertThat(LatencySnapshot.ofBuckets(buckets)).isEqualTo(s);
    assertThatThrownBy(() -> LatencySnapshot.ofBuckets(Map.of(1001L, 1L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1001µs");
    assertThatThrownBy(() -> LatencySnapshot.ofBuckets(Map.of(0L, 1L)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LatencySnapshot.ofBuckets(Map.of(16L, -1L)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void latencyByRevision_sumsTheBackendsOfEachRevision() {
    var h1 = new LatencyHistogram();
    var h2 = new LatencyHistogram();
    var h3 = new LatencyHistogram();
    h1.record(1_000);
    h2.record(2_000);
    h3.record(300_000);
    var svc =
        new ServiceMetrics(
            "web",
            traffic(new LatencyHistogram()),
            List.of(
                new BackendMetrics("web-a", "1", traffic(h1), 0, false, false),
                new BackendMetrics("web-b", "1", traffic(h2), 0, false, true),
                new BackendMetrics("web-c", "2", traffic(h3), 0, false, false)));
    var byRev = svc.latencyByRevision();
    assertThat(byRev).containsOnlyKeys("1", "2");
    assertThat(byRev.get("1")).isEqualTo(h1.snapshot().histogram().plus(h2.snapshot().histogram()));
    assertNear(byRev.get("2").quantile(0.99), ms(300));
  }

  private static Traffic traffic(LatencyHistogram h) {
    Latency l = h.snapshot();
    return new Traffic(l.count(), new StatusCounts(0, l.count(), 0, 0, 0), 0, l);
  }
}
