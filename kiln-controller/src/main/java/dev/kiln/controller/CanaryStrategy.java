package dev.kiln.controller;

import dev.kiln.model.Strategy;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Canary: the stable fleet keeps all its replicas while a canary fleet sized to the step's weight
 * takes that share of the traffic. Each step waits for its canary instances, sets the weight,
 * pauses (a duration, or until promoted), and analyses the canary's own router metrics: a failed
 * analysis aborts at once — weight back to 0, canary replaced by nothing — and the step only moves
 * on when the analysis passes. After the last step the canary grows to the full fleet, takes all
 * the traffic, and the stable fleet is drained. A fast-tracked rollback starts at that last stage.
 */
final class CanaryStrategy {
  private CanaryStrategy() {}

  static void reconcile(Tick t, Strategy.Canary s) {
    Rollout r = t.state;
    if (r.from() == 0 || r.step() >= s.steps().size()) {
      reconcileFullPromotion(t, s);
      return;
    }
    Strategy.CanaryStep step = s.steps().get(r.step());
    t.scaleTo(r.from(), r.replicas(), "canary: stable fleet");
    t.scaleTo(
        r.to(), canaryReplicas(r.replicas(), step.weight()), "canary: beyond the step's size");
    int healthy = t.healthy(r.to());
    t.progress(r.step() * 100_000 + healthy);
    boolean weightWasSet = r.stepStartedAt().isPresent();
    if (!reconcileStepWeight(t, s, step, healthy)) return;
    if (!weightWasSet) {
      // The weight takes effect now; the canary's metrics mean something from the next call on.
      if (reconcilePause(t, step)) t.wakeAt(t.now);
      return;
    }
    AnalysisResult analysis = reconcileAnalysis(t, s);
    if (analysis.verdict() == AnalysisResult.Verdict.FAIL) return;
    if (!reconcilePause(t, step)) return;
    if (analysis.verdict() == AnalysisResult.Verdict.INCONCLUSIVE && !t.state.intent().promote()) {
      return; // not enough traffic yet to judge; the progress deadline bounds the wait
    }
    advance(t, s);
  }

  /** Instances the canary needs for {@code weight} percent: proportional, at least one. */
  static int canaryReplicas(int replicas, int weight) {
    if (replicas == 0) return 0;
    return Math.max(1, (replicas * weight + 99) / 100);
  }

  /**
   * The step's weight is applied once the canary has the instances for it; until then the previous
   * step's weight stays (if the canary can still serve it).
   */
  private static boolean reconcileStepWeight(
      Tick t, Strategy.Canary s, Strategy.CanaryStep step, int healthy) {
    Rollout r = t.state;
    if (r.stepStartedAt().isPresent()) {
      t.setTraffic(weight(r, step.weight(), healthy));
      return true;
    }
    if (healthy < canaryReplicas(r.replicas(), step.weight())) {
      int previous = r.step() == 0 ? 0 : s.steps().get(r.step() - 1).weight();
      t.setTraffic(weight(r, previous, healthy));
      return false;
    }
    t.state = r.withStep(r.step(), Optional.of(t.now));
    t.progress(r.step() * 100_000 + 99_999);
    t.setTraffic(weight(r, step.weight(), healthy));
    t.event(
        "canary-step",
        "step "
            + (r.step() + 1)
            + "/"
            + s.steps().size()
            + ": weight "
            + step.weight()
            + "% to revision "
            + r.to());
    t.condition(
        Condition.PROGRESSING,
        true,
        "CanaryStep",
        "step " + (r.step() + 1) + ": " + step.weight() + "%");
    return true;
  }

  private static Traffic weight(Rollout r, int weight, int canaryHealthy) {
    return Traffic.split(r.from(), r.to(), canaryHealthy == 0 ? 0 : weight);
  }

  /**
   * Analysis runs on every tick of a step, so a breach aborts as soon as it is seen. An
   * inconclusive result (too few requests) only blocks moving on, unless a user promotes; a
   * fast-tracked rollback has no analysis.
   */
  private static AnalysisResult reconcileAnalysis(Tick t, Strategy.Canary s) {
    Rollout r = t.state;
    if (s.analysis().isEmpty() || r.fastTrack()) return AnalysisResult.pass("no analysis");
    AnalysisResult result =
        CanaryAnalysis.evaluate(s.analysis().get(), t.metrics.of(r.service(), r.to()));
    switch (result.verdict()) {
      case FAIL -> {
        t.condition(Condition.ANALYSIS, false, "AnalysisFailed", result.reason());
        RolloutPlanner.abort(
            t, "AnalysisFailed", "step " + (r.step() + 1) + ": " + result.reason());
      }
      case INCONCLUSIVE ->
          t.condition(Condition.ANALYSIS, false, "AnalysisInconclusive", result.reason());
      case PASS -> t.condition(Condition.ANALYSIS, true, "AnalysisPassed", result.reason());
    }
    return result;
  }

  /**
   * A pause with a duration ends by itself; one without waits for {@code kiln promote}, which also
   * cuts a timed pause short. Both are waiting on purpose: the progress deadline does not run.
   */
  private static boolean reconcilePause(Tick t, Strategy.CanaryStep step) {
    Rollout r = t.state;
    if (r.intent().promote()) return true;
    if (step.pause().isEmpty()) {
      t.waitingOnPurpose = true;
      t.condition(
          Condition.PAUSED, true, "CanaryPauseStep", "run `kiln promote " + r.service() + "`");
      return false;
    }
    Instant end = r.stepStartedAt().orElse(t.now).plus(step.pause().get());
    if (t.now.isBefore(end)) {
      t.waitingOnPurpose = true;
      t.wakeAt(end);
      // said, as for a pause without a duration: else `kiln status` shows the canary PROGRESSING
      // at its weight for the whole pause, with nothing to tell that it waits on purpose, or until
      // when
      t.condition(
          Condition.PAUSED,
          true,
          // not CanaryPauseStep: that one waits for a person (kiln apply stops following there)
          "CanaryPauseTimed",
          "until "
              + end.truncatedTo(ChronoUnit.SECONDS)
              + " (`kiln promote "
              + r.service()
              + "` ends it now)");
      return false;
    }
    // The pause is over: from its end on, waiting is no longer on purpose.
    if (r.lastProgressAt().isBefore(end)) t.state = r.withProgress(end, r.progressMark());
    return true;
  }

  private static void advance(Tick t, Strategy.Canary s) {
    Rollout r = t.state;
    int next = r.step() + 1;
    t.state =
        r.withStep(next, Optional.empty())
            .withIntent(new Rollout.Intent(r.intent().pause(), false, r.intent().abort()));
    t.condition(Condition.PAUSED, false, "StepCompleted", "step " + next + " completed");
    t.progress(next * 100_000);
    // Call again at once: the next step's instances and weight are decided from a fresh view.
    t.wakeAt(t.now);
  }

  /**
   * The canary becomes the whole fleet; once every replica is healthy it takes all the traffic in
   * one swap and the stable fleet is drained. The last step's weight holds until then.
   */
  private static void reconcileFullPromotion(Tick t, Strategy.Canary s) {
    Rollout r = t.state;
    int healthy = t.healthy(r.to());
    t.progress(s.steps().size() * 100_000 + healthy);
    if (healthy >= r.replicas()) {
      RolloutPlanner.succeed(
          t, "revision " + r.to() + " promoted to all " + r.replicas() + " replicas");
      return;
    }
    t.scaleTo(r.to(), r.replicas(), "canary: beyond the fleet size");
    if (r.from() == 0) return;
    t.scaleTo(r.from(), r.replicas(), "canary: stable fleet");
    int last =
        r.fastTrack() || s.steps().isEmpty() ? 0 : s.steps().get(s.steps().size() - 1).weight();
    t.setTraffic(weight(r, last, healthy));
  }
}
