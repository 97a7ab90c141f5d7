package dev.kiln.server;

import dev.kiln.controller.MetricsView;
import dev.kiln.controller.RevisionMetrics;
import dev.kiln.controller.Rollout;
import dev.kiln.model.Strategy;
import dev.kiln.router.BackendMetrics;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Router metrics per revision over the current canary step only: the router's counters are
 * cumulative, so the window is the difference from a baseline taken when the step began. A counter
 * that went down (its backend left the table) resets the baseline instead of going negative.
 */
final class CanaryWindow {
  private record Counts(long requests, long errors) {}

  private final Map<String, String> stepKeys = new HashMap<>();
  private final Map<String, Map<Integer, Counts>> baselines = new HashMap<>();

  MetricsView view(ServerState state, RouterMetrics metrics) {
    Map<String, Map<Integer, RevisionMetrics>> out = new TreeMap<>();
    for (var e : state.services().keySet()) {
      Rollout r = state.rollout(e).orElse(null);
      if (r == null || r.phase().isTerminal() || !(r.strategy() instanceof Strategy.Canary)) {
        stepKeys.remove(e);
        baselines.remove(e);
        continue;
      }
      Map<Integer, Counts> now = new HashMap<>();
      Map<Integer, Duration> p99 = new HashMap<>();
      metrics.service(e).ifPresent(s -> sum(s, now, p99));
      String key = r.to() + "/" + r.step() + "/" + r.stepStartedAt();
      if (!key.equals(stepKeys.get(e))) {
        stepKeys.put(e, key);
        baselines.put(e, new HashMap<>(now));
      }
      Map<Integer, Counts> base = baselines.get(e);
      Map<Integer, RevisionMetrics> revs = new TreeMap<>();
      for (var c : now.entrySet()) {
        Counts b = base.getOrDefault(c.getKey(), new Counts(0, 0));
        if (c.getValue().requests() < b.requests() || c.getValue().errors() < b.errors()) {
          base.put(c.getKey(), c.getValue());
          b = c.getValue();
        }
        long req = c.getValue().requests() - b.requests();
        long err = Math.min(req, c.getValue().errors() - b.errors());
        revs.put(
            c.getKey(), new RevisionMetrics(req, err, p99.getOrDefault(c.getKey(), Duration.ZERO)));
      }
      out.put(e, revs);
    }
    return new MetricsView(out);
  }

  private static void sum(
      ServiceMetrics s, Map<Integer, Counts> counts, Map<Integer, Duration> p99) {
    for (BackendMetrics b : s.backends()) {
      int rev;
      try {
        rev = Integer.parseInt(b.revision());
      } catch (NumberFormatException ex) {
        continue;
      }
      counts.merge(
          rev,
          new Counts(b.traffic().requests(), b.traffic().statuses().s5xx()),
          (x, y) -> new Counts(x.requests() + y.requests(), x.errors() + y.errors()));
      p99.merge(rev, b.traffic().latency().p99(), (x, y) -> x.compareTo(y) >= 0 ? x : y);
    }
  }
}
