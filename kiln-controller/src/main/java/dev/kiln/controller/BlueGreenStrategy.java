package dev.kiln.controller;

import dev.kiln.model.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Blue-green: the whole new fleet starts next to the old one and is reachable only through a
 * preview route (header or cookie {@value Traffic.Preview#HEADER}) until it is promoted — by {@code
 * kiln promote}, after {@code auto-promote}, or at once on a first deploy or a fast-tracked
 * rollback. The switch is one route-table swap. The old fleet then stays warm for {@code
 * scale-down-delay}, so that aborting within that window is a swap back and nothing has to start.
 *
 * <p>Steps: 0 = starting the new fleet; 1 = the new fleet is healthy and awaits promotion; then the
 * phase becomes {@link Rollout.Phase#SCALING_DOWN} and, after the delay, {@code SUCCEEDED}.
 */
final class BlueGreenStrategy {
  private BlueGreenStrategy() {}

  static void reconcile(Tick t, Strategy.BlueGreen s) {
    Rollout r = t.state;
    t.scaleTo(r.to(), r.replicas(), "blue-green: beyond the fleet size");
    if (r.from() != 0) t.scaleTo(r.from(), r.replicas(), "blue-green: stable fleet");
    int ready = t.healthy(r.to());
    t.progress(r.step() * 100_000 + ready);
    reconcilePreviewTraffic(t, ready);
    if (!reconcileReady(t, ready)) return;
    reconcilePromotion(t, s);
  }

  /**
   * Before the switch, production traffic stays on the old fleet; the preview reaches the new one.
   */
  private static void reconcilePreviewTraffic(Tick t, int ready) {
    Rollout r = t.state;
    if (r.from() == 0) return; // nothing to keep serving; the switch sets the first route
    Traffic stable = Traffic.all(r.from());
    t.setTraffic(ready > 0 ? stable.withPreview(Traffic.Preview.of(r.to())) : stable);
  }

  /** The fleet is ready when every replica is healthy; step 1 records since when. */
  private static boolean reconcileReady(Tick t, int ready) {
    Rollout r = t.state;
    if (ready < r.replicas()) return false;
    if (r.step() == 0) {
      t.state = r.withStep(1, Optional.of(t.now));
      t.progress(100_000 + ready);
      t.condition(
          Condition.PROGRESSING,
          true,
          "PreviewReady",
          "revision "
              + r.to()
              + " is healthy and reachable with header "
              + Traffic.Preview.HEADER
              + ": "
              + r.to());
      t.event("preview-ready", "revision " + r.to() + ": " + ready + " healthy instances");
    }
    return true;
  }

  private static void reconcilePromotion(Tick t, Strategy.BlueGreen s) {
    Rollout r = t.state;
    Instant readyAt = r.stepStartedAt().orElse(t.now);
    boolean auto = s.autoPromote().map(d -> !t.now.isBefore(readyAt.plus(d))).orElse(false);
    boolean promote = r.intent().promote() || r.from() == 0 || r.fastTrack() || auto;
    if (!promote) {
      t.waitingOnPurpose = true;
      s.autoPromote().ifPresent(d -> t.wakeAt(readyAt.plus(d)));
      // AwaitingPromotion waits for a person (kiln apply stops following there); with
      // auto-promote the wait is for time
      t.condition(
          Condition.PAUSED,
          true,
          s.autoPromote().isPresent() ? "AutoPromotionPending" : "AwaitingPromotion",
          s.autoPromote()
              .map(
                  d ->
                      "promotes automatically at "
                          + readyAt.plus(d).truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
              .orElse("run `kiln promote " + r.service() + "`"));
      return;
    }
    String why =
        r.intent().promote()
            ? "promoted by request"
            : auto
                ? "auto-promoted after " + s.autoPromote().get()
                : r.fastTrack() ? "fast-tracked rollback" : "first deploy";
    t.state =
        r.withPhase(Rollout.Phase.SCALING_DOWN)
            .withSwitchedAt(t.now)
            .withIntent(new Rollout.Intent(r.intent().pause(), false, r.intent().abort()));
    t.condition(Condition.PAUSED, false, "Promoted", why);
    t.event("traffic-switched", "all traffic to revision " + r.to() + " (" + why + ")");
    scaleDown(t);
  }

  /**
   * After the switch: all traffic on the new fleet, the old one kept warm (and healed) until {@code
   * switchedAt + scaleDownDelay} and until every replica of the new one is healthy, then stopped
   * with a drain. While the new fleet has no healthy instance, the route falls back to the warm one
   * (see {@code Tick.routable}); stopping it then would leave the service nothing to serve.
   */
  static void scaleDown(Tick t) {
    Rollout r = t.state;
    if (t.healthy(r.to()) > 0) t.setTraffic(Traffic.all(r.to()));
    t.scaleTo(r.to(), r.replicas(), "blue-green: beyond the fleet size");
    if (r.from() == 0) {
      RolloutPlanner.succeed(t, "revision " + r.to() + " serves all traffic");
      return;
    }
    Instant until = r.switchedAt().orElse(t.now).plus(scaleDownDelay(r));
    if (t.now.isBefore(until) || t.healthy(r.to()) < r.replicas()) {
      t.scaleTo(r.from(), r.replicas(), "blue-green: warm fleet");
      if (t.now.isBefore(until)) t.wakeAt(until);
      return;
    }
    RolloutPlanner.succeed(
        t,
        "revision "
            + r.to()
            + " serves all traffic; revision "
            + r.from()
            + " scaled down after "
            + scaleDownDelay(r));
  }

  static Duration scaleDownDelay(Rollout r) {
    return r.strategy() instanceof Strategy.BlueGreen bg
        ? bg.scaleDownDelay()
        : Strategy.BlueGreen.DEFAULT_SCALE_DOWN_DELAY;
  }
}
