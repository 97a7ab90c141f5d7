package dev.kiln.controller;

import dev.kiln.controller.Rollout.Phase;
import dev.kiln.model.Strategy;
import java.time.Instant;
import java.util.List;

/**
 * Decides a rollout's next step from its last recorded state and what is observed now. A pure
 * function: no clock, no randomness, no I/O — same inputs, same {@link Decision}.
 *
 * <p>Like Argo Rollouts' controller it is a flat list of small reconcile steps, each of which may
 * change the state or return early. It is safe to call at any time and any number of times: every
 * step computes what the fleet and the route table should be for the current phase and asks only
 * for the difference, which is what makes resuming after a crash converge.
 */
public final class RolloutPlanner {
  private RolloutPlanner() {}

  public static Decision next(
      Rollout rollout,
      FleetView fleet,
      TrafficView traffic,
      MetricsView metrics,
      Instant now,
      IdSource ids) {
    Tick t = new Tick(rollout, fleet, traffic, metrics, now, ids);
    reconcileAbortRequest(t);
    reconcilePauseRequest(t);
    reconcileReplacements(t);
    switch (t.state.phase()) {
      case PAUSED -> hold(t);
      case PROGRESSING -> {
        progress(t);
        reconcileWaitEnded(t);
        if (ProgressDeadline.exceeded(t))
          return deadlineExceeded(rollout, t, fleet, traffic, metrics, ids);
        if (t.state.phase() == Phase.PROGRESSING && !t.waitingOnPurpose) {
          t.wakeAt(ProgressDeadline.deadline(t.state));
        }
      }
      case SCALING_DOWN -> BlueGreenStrategy.scaleDown(t);
      case SUCCEEDED -> convergeSucceeded(t);
      case ABORTED -> convergeAborted(t);
    }
    return t.decide();
  }

  /** A user's abort wins over everything but a finished rollout. */
  private static void reconcileAbortRequest(Tick t) {
    if (!t.state.intent().abort() || t.state.phase().isTerminal()) return;
    abort(t, "AbortRequested", "aborted by request; traffic returns to revision " + t.state.from());
  }

  private static void reconcilePauseRequest(Tick t) {
    Rollout r = t.state;
    if (r.intent().pause() && r.phase() == Phase.PROGRESSING) {
      t.update(x -> x.withPhase(Phase.PAUSED));
      t.condition(Condition.PAUSED, true, "PauseRequested", "paused by request");
      t.event("rollout-paused", "paused at step " + r.step());
    } else if (!r.intent().pause() && r.phase() == Phase.PAUSED) {
      // The deadline restarts on resume: time spent paused is not a lack of progress.
      t.update(x -> x.withPhase(Phase.PROGRESSING).withProgress(t.now, x.progressMark()));
      t.condition(Condition.PAUSED, false, "Resumed", "resumed by request");
      t.event("rollout-resumed", "resumed at step " + r.step());
    }
  }

  /**
   * Dead instances are stopped (replacements follow from the counts each phase asks for) and
   * instances of revisions that are neither {@code from} nor {@code to} are orphans of an earlier,
   * superseded rollout: they are stopped too, after the traffic step has taken them out of the
   * route.
   */
  private static void reconcileReplacements(Tick t) {
    Rollout r = t.state;
    for (ObservedInstance i : t.fleet.of(r.service())) {
      if (i.isDead()) {
        t.stop(i, i.phase() == ObservedInstance.Phase.EXITED ? "exited" : "persistently unhealthy");
        t.event("instance-replaced", i.id() + " (revision " + i.revision() + ") is " + i.phase());
      } else if (i.revision() != r.from() && i.revision() != r.to()) {
        t.stopUnlessRouted(i, "orphan: revision " + i.revision() + " is not part of the rollout");
      }
    }
  }

  /**
   * Remembers whether this decision waits on purpose; when a wait ends (an instance of a fleet that
   * awaited promotion died, say), the deadline counts from now, not from before the wait.
   */
  private static void reconcileWaitEnded(Tick t) {
    Rollout r = t.state;
    if (r.waitingOnPurpose() == t.waitingOnPurpose) return;
    t.update(x -> x.withWaitingOnPurpose(t.waitingOnPurpose));
    if (!t.waitingOnPurpose && r.lastProgressAt().isBefore(t.now)) {
      t.update(x -> x.withProgress(t.now, x.progressMark()));
    }
  }

  /** Paused: nothing advances and the route table stays; dead instances are still replaced. */
  private static void hold(Tick t) {
    Rollout r = t.state;
    for (int rev : List.of(r.from(), r.to())) {
      if (rev == 0) continue;
      int alive = (int) t.fleet.of(r.service(), rev).stream().count();
      t.scaleTo(rev, Math.min(alive, r.replicas()), "paused: hold");
    }
  }

  private static void progress(Tick t) {
    switch (t.state.strategy()) {
      case Strategy.Rolling rolling -> RollingStrategy.reconcile(t, rolling);
      case Strategy.BlueGreen blueGreen -> BlueGreenStrategy.reconcile(t, blueGreen);
      case Strategy.Canary canary -> CanaryStrategy.reconcile(t, canary);
    }
  }

  /** The deadline passed: forget this tick's plans and abort instead, in a fresh tick. */
  private static Decision deadlineExceeded(
      Rollout rollout,
      Tick failed,
      FleetView fleet,
      TrafficView traffic,
      MetricsView metrics,
      IdSource ids) {
    Tick t = new Tick(failed.state, fleet, traffic, metrics, failed.now, ids);
    reconcileReplacements(t);
    abort(
        t,
        "ProgressDeadlineExceeded",
        "no progress for "
            + rollout.progressDeadline()
            + " (since "
            + failed.state.lastProgressAt()
            + "); traffic returns to revision "
            + rollout.from());
    return t.decide();
  }

  static void abort(Tick t, String reason, String message) {
    t.update(x -> x.withPhase(Phase.ABORTED));
    t.condition(Condition.ABORTED, true, reason, message);
    t.condition(Condition.PROGRESSING, false, reason, message);
    endPause(t, reason, message);
    t.event("rollout-aborted", reason + ": " + message);
    convergeAborted(t);
  }

  static void succeed(Tick t, String message) {
    t.update(x -> x.withPhase(Phase.SUCCEEDED));
    t.condition(Condition.COMPLETED, true, "RolloutCompleted", message);
    t.condition(Condition.PROGRESSING, false, "RolloutCompleted", message);
    endPause(t, "RolloutCompleted", message);
    t.event("rollout-succeeded", message);
    convergeSucceeded(t);
  }

  /**
   * A rollout that ends no longer waits: a canary step's "Paused=true CanaryPauseStep: run `kiln
   * promote web`" stayed on an aborted rollout in {@code kiln status}, asking for a promote that
   * could only be refused.
   */
  private static void endPause(Tick t, String reason, String message) {
    if (t.state.condition(Condition.PAUSED).map(Condition::status).orElse(false))
      t.condition(Condition.PAUSED, false, reason, message);
  }

  /** Succeeded: all traffic and {@code replicas} instances on {@code to}, nothing else. */
  static void convergeSucceeded(Tick t) {
    Rollout r = t.state;
    t.setTraffic(Traffic.all(r.to()));
    t.scaleTo(r.to(), r.replicas(), "rollout succeeded");
    if (r.from() != 0) t.scaleTo(r.from(), 0, "replaced by revision " + r.to());
  }

  /**
   * Aborted: traffic on the last good revision {@code from} as soon as it has a healthy instance,
   * its fleet back to {@code replicas}, and {@code to} replaced by nothing. Until {@code from} can
   * serve, {@code to} keeps whatever traffic it had, so an abort never empties the route table.
   */
  static void convergeAborted(Tick t) {
    Rollout r = t.state;
    if (r.from() == 0) {
      t.setTraffic(Traffic.NONE);
      t.scaleTo(r.to(), 0, "first deploy aborted");
      return;
    }
    t.scaleTo(r.from(), r.replicas(), "rollout aborted: restore revision " + r.from());
    if (t.healthy(r.from()) > 0) {
      t.setTraffic(Traffic.all(r.from()));
      t.scaleTo(r.to(), 0, "rollout aborted");
    }
  }
}
