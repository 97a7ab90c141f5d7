package dev.kiln.server;

import dev.kiln.controller.MetricsView;
import dev.kiln.controller.RevisionMetrics;
import dev.kiln.controller.Rollout;
import dev.kiln.model.Strategy;
import dev.kiln.router.BackendMetrics;
import dev.kiln.router.LatencySnapshot;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceMetrics;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Router metrics per revision over the current canary step only. The router's counters — requests,
 * 5xx, the latency histogram — are cumulative per backend, so the window is each backend's
 * difference from a baseline taken when the step began, summed per revision; the p99 is the
 * quantile of the summed histogram difference, i.e. of exactly the requests answered during the
 * step.
 *
 * <p>Baselines are per backend so that one backend leaving (its counters vanish) or entering
 * (counted from zero) does not disturb the others. A backend whose counters went down was recreated
 * by the router during the step, so everything it counted is in the window: its baseline becomes
 * zero.
 */
final class CanaryWindow {
  /** One backend's cumulative counters. */
  record Sample(long requests, long errors, LatencySnapshot latency) {
    static final Sample ZERO = new Sample(0, 0, LatencySnapshot.EMPTY);

    static Sample of(BackendMetrics b) {
      return new Sample(
          b.traffic().requests(), b.traffic().statuses().s5xx(), b.traffic().latency().histogram());
    }

    boolean includes(Sample earlier) {
      return requests >= earlier.requests
          && errors >= earlier.errors
          && latency.includes(earlier.latency);
    }

    Sample minus(Sample earlier) {
      return new Sample(
          requests - earlier.requests, errors - earlier.errors, latency.minus(earlier.latency));
    }

    Sample plus(Sample other) {
      return new Sample(
          requests + other.requests, errors + other.errors, latency.plus(other.latency));
    }
  }

  private final Map<String, String> stepKeys = new HashMap<>();

  /** Per service, per backend id: the counters when the step began (or zero, see above). */
  private final Map<String, Map<String, Sample>> baselines = new HashMap<>();

  MetricsView view(ServerState state, Supplier<RouterMetrics> router) {
    // asked only when a canary step needs it: from a router process it is an HTTP call on the
    // executor thread, which every tick would otherwise make, and a rollback wait behind
    RouterMetrics metrics = null;
    Map<String, Map<Integer, RevisionMetrics>> out = new TreeMap<>();
    for (var e : state.services().keySet()) {
      Rollout r = state.rollout(e).orElse(null);
      if (r == null || r.phase().isTerminal() || !(r.strategy() instanceof Strategy.Canary)) {
        stepKeys.remove(e);
        baselines.remove(e);
        continue;
      }
      String key = r.to() + "/" + r.step() + "/" + r.stepStartedAt();
      if (metrics == null) metrics = router.get();
      out.put(e, window(e, key, metrics.service(e)));
    }
    return new MetricsView(out);
  }

  /**
   * The window of one service since the step named {@code stepKey} began; a new key takes new
   * baselines (so the first view of a step is empty).
   */
  Map<Integer, RevisionMetrics> window(
      String service, String stepKey, Optional<ServiceMetrics> metrics) {
    Map<String, Sample> now = new HashMap<>();
    Map<String, Integer> revisionOf = new HashMap<>();
    metrics.ifPresent(
        s -> {
          for (BackendMetrics b : s.backends()) {
            revision(b)
                .ifPresent(
                    rev -> {
                      now.put(b.id(), Sample.of(b));
                      revisionOf.put(b.id(), rev);
                    });
          }
        });
    if (!stepKey.equals(stepKeys.get(service))) {
      stepKeys.put(service, stepKey);
      baselines.put(service, new HashMap<>(now));
    }
    // set together with stepKeys just above
    Map<String, Sample> base =
        Objects.requireNonNull(baselines.get(service), () -> "no baseline for " + service);
    // A backend gone from the metrics has lost its counters; if it ever returns it counts from 0.
    base.keySet().retainAll(now.keySet());
    Map<Integer, Sample> perRevision = new TreeMap<>();
    for (var b : now.entrySet()) {
      Sample then = base.getOrDefault(b.getKey(), Sample.ZERO);
      if (!b.getValue().includes(then)) {
        then = Sample.ZERO;
        base.put(b.getKey(), then);
      }
      perRevision.merge(revisionOf.get(b.getKey()), b.getValue().minus(then), Sample::plus);
    }
    Map<Integer, RevisionMetrics> revs = new TreeMap<>();
    perRevision.forEach(
        (rev, w) ->
            revs.put(
                rev,
                new RevisionMetrics(
                    w.requests(), Math.min(w.requests(), w.errors()), w.latency().quantile(0.99))));
    return revs;
  }

  private static Optional<Integer> revision(BackendMetrics b) {
    try {
      return Optional.of(Integer.parseInt(b.revision()));
    } catch (NumberFormatException ex) {
      return Optional.empty();
    }
  }
}
