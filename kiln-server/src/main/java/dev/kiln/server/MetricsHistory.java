package dev.kiln.server;

import dev.kiln.router.BackendMetrics;
import dev.kiln.router.LatencySnapshot;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The dashboard's charts: request rate, error rate and p99 per revision over the last minutes, from
 * the router's own counters. Those are cumulative per backend, so each sample is every backend's
 * difference from the previous sample, summed per revision (as {@link CanaryWindow} does for a
 * canary step): the p99 is the quantile of the summed histogram difference, i.e. of exactly the
 * requests answered between two samples. A backend whose counters went down was recreated by the
 * router; one that appeared counts from zero. Only the first look at a service is a baseline.
 */
final class MetricsHistory {
  /** One interval of one revision. */
  record Point(Instant at, double rps, double errorRate, double p99Millis, long requests) {}

  private final Duration keep;
  private final Map<String, Map<String, CanaryWindow.Sample>> previous = new HashMap<>();
  private final Map<String, Map<Integer, Deque<Point>>> series = new HashMap<>();
  private @Nullable Instant sampledAt;

  MetricsHistory(Duration keep) {
    this.keep = keep;
  }

  synchronized void sample(Instant now, RouterMetrics metrics) {
    double seconds =
        sampledAt == null ? 0 : Math.max(1e-3, Duration.between(sampledAt, now).toNanos() / 1e9);
    sampledAt = now;
    Map<String, Map<String, CanaryWindow.Sample>> seen = new HashMap<>();
    for (ServiceMetrics s : metrics.services()) {
      Map<String, CanaryWindow.Sample> now_ = new HashMap<>();
      Map<Integer, CanaryWindow.Sample> perRevision = new TreeMap<>();
      Map<String, CanaryWindow.Sample> before = previous.get(s.service());
      for (BackendMetrics b : s.backends()) {
        Integer rev = revision(b);
        if (rev == null) continue;
        CanaryWindow.Sample current = CanaryWindow.Sample.of(b);
        now_.put(b.id(), current);
        CanaryWindow.Sample then =
            before == null ? current : before.getOrDefault(b.id(), CanaryWindow.Sample.ZERO);
        if (!current.includes(then)) then = CanaryWindow.Sample.ZERO;
        perRevision.merge(rev, current.minus(then), CanaryWindow.Sample::plus);
      }
      seen.put(s.service(), now_);
      if (before == null || seconds == 0) continue;
      Map<Integer, Deque<Point>> bySvc = series.computeIfAbsent(s.service(), k -> new TreeMap<>());
      perRevision.forEach(
          (rev, w) ->
              bySvc.computeIfAbsent(rev, k -> new ArrayDeque<>()).addLast(point(now, seconds, w)));
    }
    previous.clear();
    previous.putAll(seen);
    series.keySet().retainAll(seen.keySet());
    Instant oldest = now.minus(keep);
    for (Map<Integer, Deque<Point>> bySvc : series.values()) {
      for (Deque<Point> points : bySvc.values())
        while (!points.isEmpty() && points.peekFirst().at().isBefore(oldest)) points.removeFirst();
      bySvc.values().removeIf(Deque::isEmpty);
    }
  }

  /** Per revision, oldest first. */
  synchronized Map<Integer, List<Point>> series(String service) {
    Map<Integer, List<Point>> out = new TreeMap<>();
    series
        .getOrDefault(service, Map.of())
        .forEach((rev, pts) -> out.put(rev, new ArrayList<>(pts)));
    return out;
  }

  private static Point point(Instant at, double seconds, CanaryWindow.Sample w) {
    LatencySnapshot l = w.latency();
    return new Point(
        at,
        w.requests() / seconds,
        w.requests() == 0 ? 0 : (double) Math.min(w.errors(), w.requests()) / w.requests(),
        l.count() == 0 ? 0 : l.quantile(0.99).toNanos() / 1e6,
        w.requests());
  }

  private static @Nullable Integer revision(BackendMetrics b) {
    try {
      return Integer.parseInt(b.revision());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
