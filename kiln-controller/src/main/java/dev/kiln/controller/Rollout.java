package dev.kiln.controller;

import dev.kiln.model.ServiceSpec;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The state of one service's move from revision {@code from} to revision {@code to}: what the
 * journal records after every decision, and all {@link RolloutPlanner} needs besides the observed
 * views.
 *
 * @param from the last good revision, which keeps or gets back the traffic on abort; 0 on a first
 *     deploy
 * @param fastTrack a rollback: canary steps and analysis are skipped, blue-green promotes at once
 * @param step canary: index of the current step ({@code steps.size()} = full promotion);
 *     blue-green: 0 while the new fleet starts, 1 once it is ready and awaits promotion; rolling:
 *     unused
 * @param stepStartedAt when the current step's traffic was applied (canary) or the fleet became
 *     ready (blue-green); empty while the step still waits for healthy instances
 * @param lastProgressAt the last time the rollout progressed or stopped waiting on purpose; the
 *     progress deadline counts from here
 * @param progressMark a number that grows whenever the rollout progresses (step and healthy count)
 * @param waitingOnPurpose whether the last decision waited on purpose (a pause step, a fleet
 *     awaiting promotion); when such a wait ends the deadline restarts, so a long wait is never
 *     mistaken for a lack of progress
 * @param switchedAt blue-green: when all traffic moved to {@code to}
 * @param intent what users asked for (pause, promote, abort); the planner acts on it
 */
public record Rollout(
    String service,
    int from,
    int to,
    int replicas,
    Strategy strategy,
    Duration progressDeadline,
    boolean fastTrack,
    Phase phase,
    int step,
    Optional<Instant> stepStartedAt,
    Instant lastProgressAt,
    int progressMark,
    boolean waitingOnPurpose,
    Optional<Instant> switchedAt,
    Intent intent,
    List<Condition> conditions) {

  public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofMinutes(10);

  public enum Phase {
    PROGRESSING,
    /** Held by a user: nothing advances, dead instances are still replaced. */
    PAUSED,
    /**
     * Blue-green after the switch: all traffic on {@code to}, the old fleet kept warm for a while.
     */
    SCALING_DOWN,
    SUCCEEDED,
    /** Traffic is on (or returning to) {@code from}; instances of {@code to} are being stopped. */
    ABORTED;

    public boolean isTerminal() {
      return this == SUCCEEDED || this == ABORTED;
    }
  }

  /** Recorded user requests; {@code kiln pause|resume|promote|abort} only ever set these. */
  public record Intent(boolean pause, boolean promote, boolean abort) {
    public static final Intent NONE = new Intent(false, false, false);
  }

  public Rollout {
    if (service.isBlank()) throw new IllegalArgumentException("service is blank");
    if (from < 0 || to < 1 || from == to) {
      throw new IllegalArgumentException("bad rollout revisions " + from + " -> " + to);
    }
    if (replicas < 0) throw new IllegalArgumentException("replicas < 0");
    if (progressDeadline.isNegative() || progressDeadline.isZero()) {
      throw new IllegalArgumentException("progress deadline must be positive");
    }
    conditions = List.copyOf(conditions);
  }

  /** A new rollout, progressing from its first step. */
  public static Rollout start(
      String service,
      int from,
      int to,
      int replicas,
      Strategy strategy,
      Duration progressDeadline,
      boolean fastTrack,
      Instant now) {
    int firstStep = fastTrack && strategy instanceof Strategy.Canary c ? c.steps().size() : 0;
    return new Rollout(
        service,
        from,
        to,
        replicas,
        strategy,
        progressDeadline,
        fastTrack,
        Phase.PROGRESSING,
        firstStep,
        Optional.empty(),
        now,
        -1,
        false,
        Optional.empty(),
        Intent.NONE,
        List.of(
            new Condition(
                Condition.PROGRESSING,
                true,
                fastTrack ? "FastTrackRollback" : "RolloutStarted",
                "revision " + from + " -> " + to,
                now)));
  }

  /**
   * The rollout that applying {@code change} starts: a first deploy for a created service, a move
   * from the live revision for a replaced one; none for a scale, a removal or no change (the healer
   * acts on those).
   */
  public static Optional<Rollout> forChange(Change change, ServiceSpec spec, Instant now) {
    return switch (change) {
      case Change.Create c ->
          Optional.of(
              start(
                  spec.name(),
                  0,
                  c.revision().number(),
                  c.replicas(),
                  spec.strategy(),
                  spec.progressDeadline(),
                  false,
                  now));
      case Change.Replace r ->
          Optional.of(
              start(
                  spec.name(),
                  r.from().number(),
                  r.to().number(),
                  r.toReplicas(),
                  spec.strategy(),
                  spec.progressDeadline(),
                  false,
                  now));
      case Change.Scale s -> Optional.empty();
      case Change.Remove s -> Optional.empty();
      case Change.NoChange s -> Optional.empty();
    };
  }

  /** The revision that has the traffic if nothing else is decided: {@code to} once switched. */
  public int lastGood() {
    return phase == Phase.SUCCEEDED || phase == Phase.SCALING_DOWN ? to : from;
  }

  /**
   * A newer apply arrived before this rollout finished: the new rollout starts from the last good
   * revision, and the abandoned one's instances become orphans, stopped once out of the route.
   */
  public Rollout supersededBy(
      int newTo, int newReplicas, Strategy newStrategy, Duration newDeadline, Instant now) {
    return start(service, lastGood(), newTo, newReplicas, newStrategy, newDeadline, false, now);
  }

  public Optional<Condition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }

  // --- user intent (what the CLI records; the controller acts on the next reconcile) ---

  public Rollout requestPause() {
    return withIntent(new Intent(true, intent.promote(), intent.abort()));
  }

  public Rollout requestResume() {
    return withIntent(new Intent(false, intent.promote(), intent.abort()));
  }

  /** Promote also resumes: promoting a paused rollout is asking it to move on. */
  public Rollout requestPromote() {
    return withIntent(new Intent(false, true, intent.abort()));
  }

  public Rollout requestAbort() {
    return withIntent(new Intent(intent.pause(), intent.promote(), true));
  }

  /**
   * {@link #withReplicas} for a scale in the blueprint. A rollout that already succeeded says so in
   * its Completed condition, which is what {@code kiln status} and {@code kiln apply} show as its
   * message: "its instance runs revision 1" stayed after a scale to 3.
   */
  public Rollout scaledTo(int newReplicas, Instant at) {
    Rollout scaled = withReplicas(newReplicas);
    if (phase != Phase.SUCCEEDED || newReplicas == replicas) return scaled;
    String message =
        "scaled to "
            + newReplicas
            + (newReplicas == 1 ? " instance" : " instances")
            + " of revision "
            + to;
    return scaled
        .withCondition(new Condition(Condition.COMPLETED, true, "Scaled", message, at))
        .withCondition(new Condition(Condition.PROGRESSING, false, "Scaled", message, at));
  }

  /**
   * The same rollout at another replica count: how a scale in the blueprint reaches a service whose
   * revision did not change. The phase and step stay; the planner converges to the new count.
   */
  public Rollout withReplicas(int newReplicas) {
    return new Rollout(
        service,
        from,
        to,
        newReplicas,
        strategy,
        progressDeadline,
        fastTrack,
        phase,
        step,
        stepStartedAt,
        lastProgressAt,
        progressMark,
        waitingOnPurpose,
        switchedAt,
        intent,
        conditions);
  }

  // --- withers used by the planner ---

  Rollout withIntent(Intent i) {
    Draft d = new Draft(this);
    d.intent = i;
    return d.build();
  }

  Rollout withPhase(Phase p) {
    Draft d = new Draft(this);
    d.phase = p;
    return d.build();
  }

  Rollout withStep(int s, Optional<Instant> startedAt) {
    Draft d = new Draft(this);
    d.step = s;
    d.stepStartedAt = startedAt;
    return d.build();
  }

  Rollout withProgress(Instant at, int mark) {
    Draft d = new Draft(this);
    d.lastProgressAt = at;
    d.progressMark = mark;
    return d.build();
  }

  Rollout withWaitingOnPurpose(boolean waiting) {
    Draft d = new Draft(this);
    d.waitingOnPurpose = waiting;
    return d.build();
  }

  Rollout withSwitchedAt(Instant at) {
    Draft d = new Draft(this);
    d.switchedAt = Optional.of(at);
    return d.build();
  }

  /** Sets the condition of {@code c.type()}, replacing the previous one of that type. */
  Rollout withCondition(Condition c) {
    Optional<Condition> same = condition(c.type());
    if (same.isPresent()
        && same.get().status() == c.status()
        && same.get().reason().equals(c.reason())
        && same.get().message().equals(c.message())) {
      return this; // unchanged: keep the time it first became true
    }
    Draft d = new Draft(this);
    d.conditions = new ArrayList<>();
    for (Condition old : conditions) if (!old.type().equals(c.type())) d.conditions.add(old);
    d.conditions.add(c);
    return d.build();
  }

  /** A mutable copy for the withers: one place that lists every component. */
  private static final class Draft {
    private final Rollout r;
    Phase phase;
    int step;
    Optional<Instant> stepStartedAt;
    Instant lastProgressAt;
    int progressMark;
    boolean waitingOnPurpose;
    Optional<Instant> switchedAt;
    Intent intent;
    List<Condition> conditions;

    Draft(Rollout r) {
      this.r = r;
      phase = r.phase;
      step = r.step;
      stepStartedAt = r.stepStartedAt;
      lastProgressAt = r.lastProgressAt;
      progressMark = r.progressMark;
      waitingOnPurpose = r.waitingOnPurpose;
      switchedAt = r.switchedAt;
      intent = r.intent;
      conditions = r.conditions;
    }

    Rollout build() {
      return new Rollout(
          r.service,
          r.from,
          r.to,
          r.replicas,
          r.strategy,
          r.progressDeadline,
          r.fastTrack,
          phase,
          step,
          stepStartedAt,
          lastProgressAt,
          progressMark,
          waitingOnPurpose,
          switchedAt,
          intent,
          conditions);
    }
  }
}
