package dev.kiln.controller;

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

  // --- withers used by the planner ---

  Rollout withIntent(Intent i) {
    return new Rollout(
        service,
        from,
        to,
        replicas,
        strategy,
        progressDeadline,
        fastTrack,
        phase,
        step,
        stepStartedAt,
        lastProgressAt,
        progressMark,
        switchedAt,
        i,
        conditions);
  }

  Rollout withPhase(Phase p) {
    return new Rollout(
        service,
        from,
        to,
        replicas,
        strategy,
        progressDeadline,
        fastTrack,
        p,
        step,
        stepStartedAt,
        lastProgressAt,
        progressMark,
        switchedAt,
        intent,
        conditions);
  }

  Rollout withStep(int s, Optional<Instant> startedAt) {
    return new Rollout(
        service,
        from,
        to,
        replicas,
        strategy,
        progressDeadline,
        fastTrack,
        phase,
        s,
        startedAt,
        lastProgressAt,
        progressMark,
        switchedAt,
        intent,
        conditions);
  }

  Rollout withProgress(Instant at, int mark) {
    return new Rollout(
        service,
        from,
        to,
        replicas,
        strategy,
        progressDeadline,
        fastTrack,
        phase,
        step,
        stepStartedAt,
        at,
        mark,
        switchedAt,
        intent,
        conditions);
  }

  Rollout withSwitchedAt(Instant at) {
    return new Rollout(
        service,
        from,
        to,
        replicas,
        strategy,
        progressDeadline,
        fastTrack,
        phase,
        step,
        stepStartedAt,
        lastProgressAt,
        progressMark,
        Optional.of(at),
        intent,
        conditions);
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
    List<Condition> next = new ArrayList<>();
    for (Condition old : conditions) if (!old.type().equals(c.type())) next.add(old);
    next.add(c);
    return new Rollout(
        service,
        from,
        to,
        replicas,
        strategy,
        progressDeadline,
        fastTrack,
        phase,
        step,
        stepStartedAt,
        lastProgressAt,
        progressMark,
        switchedAt,
        intent,
        next);
  }
}
