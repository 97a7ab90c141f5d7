package dev.kiln.controller;

import dev.kiln.model.Strategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Rolling replacement, a few instances at a time: never more than {@code replicas + maxSurge} live
 * instances, never fewer than {@code replicas - maxUnavailable} healthy ones. Each tick stops the
 * old instances the healthy count allows (drained first), starts new ones up to the surge, and
 * routes traffic to each revision in proportion to its healthy instances.
 */
final class RollingStrategy {
  private RollingStrategy() {}

  static void reconcile(Tick t, Strategy.Rolling s) {
    Rollout r = t.state;
    int n = r.replicas();
    int newHealthy = t.healthy(r.to());
    t.progress(newHealthy);
    if (reconcileCompleted(t, newHealthy)) return;
    reconcileOldFleet(t, s, newHealthy);
    reconcileNewFleet(t, s, newHealthy);
    reconcileTraffic(t);
  }

  /** Done once the new revision alone has every replica healthy. */
  private static boolean reconcileCompleted(Tick t, int newHealthy) {
    if (newHealthy < t.state.replicas()) return false;
    int n = t.state.replicas();
    RolloutPlanner.succeed(
        t,
        (n == 1 ? "its instance runs" : "all " + n + " instances run")
            + " revision "
            + t.state.to());
    return true;
  }

  /**
   * Old instances that serve nothing go at once; healthy ones only as far as the healthy total
   * stays at or above {@code replicas - maxUnavailable}, and never more than {@code replicas} of
   * them.
   */
  private static void reconcileOldFleet(Tick t, Strategy.Rolling s, int newHealthy) {
    Rollout r = t.state;
    if (r.from() == 0) return;
    String reason = "rolling: replaced by revision " + r.to();
    List<ObservedInstance> old = t.live(r.from());
    old.stream().filter(i -> !i.isHealthy()).forEach(i -> t.stop(i, reason));
    List<ObservedInstance> healthyOld = new ArrayList<>(t.live(r.from()));
    healthyOld.sort(Tick.STOP_ORDER);
    int minHealthy = r.replicas() - s.maxUnavailable();
    int canStop = Math.max(0, healthyOld.size() + newHealthy - minHealthy);
    int mustStop = Math.max(0, healthyOld.size() - r.replicas());
    healthyOld.stream().limit(Math.max(canStop, mustStop)).forEach(i -> t.stop(i, reason));
  }

  /**
   * New instances up to the surge: {@code replicas + maxSurge} minus the old ones still alive.
   * Extra new ones that serve nothing (started before a crash, say) are stopped; healthy ones are
   * kept.
   */
  private static void reconcileNewFleet(Tick t, Strategy.Rolling s, int newHealthy) {
    Rollout r = t.state;
    int oldLive = r.from() == 0 ? 0 : t.live(r.from()).size();
    int target = Math.max(0, Math.min(r.replicas(), r.replicas() + s.maxSurge() - oldLive));
    t.scaleTo(r.to(), Math.max(target, newHealthy), "rolling: beyond max-surge");
  }

  /** Each revision gets the share of traffic its healthy instances are of all healthy instances. */
  private static void reconcileTraffic(Tick t) {
    Rollout r = t.state;
    TreeMap<Integer, Integer> healthy = new TreeMap<>();
    if (r.from() != 0) healthy.put(r.from(), t.healthy(r.from()));
    healthy.put(r.to(), t.healthy(r.to()));
    // Nothing healthy (max-unavailable allows it): the tick keeps the route (see Tick.routable).
    proportional(healthy).ifPresent(t::setTraffic);
  }

  /**
   * Percentages proportional to {@code counts}, summing to exactly 100 by the largest-remainder
   * method (ties to the higher revision, the one being rolled out); empty when nothing is healthy.
   */
  static Optional<Traffic> proportional(TreeMap<Integer, Integer> counts) {
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    if (total == 0) return Optional.empty();
    TreeMap<Integer, Integer> weights = new TreeMap<>();
    int assigned = 0;
    for (var e : counts.entrySet()) {
      int w = e.getValue() * 100 / total;
      weights.put(e.getKey(), w);
      assigned += w;
    }
    List<Integer> byRemainder = new ArrayList<>(counts.keySet());
    byRemainder.sort(
        Comparator.<Integer>comparingInt(rev -> -((counts.getOrDefault(rev, 0) * 100) % total))
            .thenComparing(Comparator.reverseOrder()));
    for (int i = 0; assigned < 100; i++, assigned++) {
      int rev = byRemainder.get(i % byRemainder.size());
      weights.merge(rev, 1, Integer::sum);
    }
    return Optional.of(new Traffic(weights, Optional.empty()));
  }
}
