package dev.kiln.controller;

import dev.kiln.model.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code kiln rollback SERVICE [--to REVISION]}: a new revision with the content of the target one,
 * and the quickest safe way to move traffic to it. When the target's fleet is still warm (a
 * blue-green scale-down delay has not passed) it is one router swap: the warm instances are adopted
 * by the new revision, no instance starts, no step or analysis runs. Otherwise it is a fast-tracked
 * rollout that skips canary steps, analysis and blue-green promotion — a rollback should not re-run
 * the ceremony that the bad revision passed (argo-rollouts#2168, nomad#10882).
 */
public final class RollbackPlanner {
  private RollbackPlanner() {}

  /** Which revision to go back to. */
  public sealed interface Target {
    /**
     * The latest revision before the live one whose content differs from it, among those that have
     * been live ({@code served}): a revision whose rollout was aborted or superseded before it took
     * the traffic was never proven in service — often it was aborted for being bad — so it is no
     * default target ({@code --to} can still name it).
     */
    record Previous(Set<Integer> served) implements Target {
      public Previous {
        served = Set.copyOf(served);
      }
    }

    record To(int revision) implements Target {}
  }

  public sealed interface RollbackPlan {
    Revision revision();

    Rollout rollout();

    /**
     * The warm fleet takes over: perform {@code actions} (journal, adopt, swap), then keep calling
     * {@link RolloutPlanner#next} with {@code rollout}, which keeps the replaced fleet warm for the
     * scale-down delay and then stops it.
     */
    record Swap(Revision revision, Rollout rollout, List<Action> actions) implements RollbackPlan {
      public Swap {
        actions = List.copyOf(actions);
      }
    }

    /** A rollout of the new revision that skips steps, analysis and promotion. */
    record FastTrack(Revision revision, Rollout rollout) implements RollbackPlan {}
  }

  /**
   * @param history every revision of the service, any order
   * @param live the number of the revision serving now
   */
  public static RollbackPlan plan(
      List<Revision> history,
      int live,
      Target target,
      FleetView fleet,
      int replicas,
      Strategy strategy,
      Duration progressDeadline,
      Instant now) {
    if (history.isEmpty()) throw new ControllerException("rollback: no revisions recorded");
    String service = history.get(0).service();
    Revision current =
        find(history, live)
            .orElseThrow(
                () ->
                    new ControllerException(
                        "service "
                            + service
                            + ": live revision "
                            + live
                            + " is not in its history"));
    Revision wanted =
        switch (target) {
          case Target.Previous p ->
              history.stream()
                  .filter(r -> r.number() < live && !r.sameContentAs(current))
                  .filter(r -> p.served().contains(r.number()))
                  .max(Comparator.comparingInt(Revision::number))
                  .orElseThrow(
                      () ->
                          new ControllerException(
                              "service "
                                  + service
                                  + " has no earlier revision that was live with a different content"
                                  + " to roll back to; see `kiln history "
                                  + service
                                  + "` (`kiln rollback "
                                  + service
                                  + " --to N` names one)"));
          case Target.To to ->
              find(history, to.revision())
                  .orElseThrow(
                      () ->
                          new ControllerException.NoSuchRevision(
                              "service "
                                  + service
                                  + " has no revision "
                                  + to.revision()
                                  + "; see `kiln history "
                                  + service
                                  + "`"));
        };
    if (wanted.sameContentAs(current)) {
      throw new ControllerException(
          "service "
              + service
              + ": revision "
              + wanted.number()
              + " has the same content as live revision "
              + live
              + "; nothing to roll back");
    }
    int number = history.stream().mapToInt(Revision::number).max().getAsInt() + 1;
    Revision revision = wanted.renumbered(number);
    List<ObservedInstance> warm =
        fleet.of(service, wanted.number()).stream().filter(ObservedInstance::isHealthy).toList();
    String why =
        "rollback of "
            + service
            + " to the content of revision "
            + wanted.number()
            + " as revision "
            + number;
    if (replicas > 0 && warm.size() >= replicas) {
      return swap(
          service, revision, wanted, current, warm, replicas, strategy, progressDeadline, now, why);
    }
    Rollout rollout =
        Rollout.start(service, live, number, replicas, strategy, progressDeadline, true, now);
    return new RollbackPlan.FastTrack(revision, rollout);
  }

  private static RollbackPlan swap(
      String service,
      Revision revision,
      Revision wanted,
      Revision current,
      List<ObservedInstance> warm,
      int replicas,
      Strategy strategy,
      Duration progressDeadline,
      Instant now,
      String why) {
    Duration keepWarm =
        strategy instanceof Strategy.BlueGreen bg
            ? bg.scaleDownDelay()
            : Strategy.BlueGreen.DEFAULT_SCALE_DOWN_DELAY;
    // Already switched: the rollout only has to keep the replaced fleet warm, then stop it.
    Rollout rollout =
        Rollout.start(
                service,
                current.number(),
                revision.number(),
                replicas,
                new Strategy.BlueGreen(Optional.empty(), keepWarm),
                progressDeadline,
                true,
                now)
            .withPhase(Rollout.Phase.SCALING_DOWN)
            .withStep(1, Optional.of(now))
            .withSwitchedAt(now)
            .withCondition(
                new Condition(Condition.PROGRESSING, true, "RollbackToWarmFleet", why, now));
    List<Action> actions =
        List.of(
            new Action.RecordEvent(
                service, "rollback", why + ": the warm fleet takes over in one swap"),
            new Action.AdoptInstances(
                service,
                wanted.number(),
                revision.number(),
                warm.stream().map(ObservedInstance::id).toList()),
            new Action.SetTraffic(service, Traffic.all(revision.number())));
    return new RollbackPlan.Swap(revision, rollout, actions);
  }

  private static Optional<Revision> find(List<Revision> history, int number) {
    return history.stream().filter(r -> r.number() == number).findFirst();
  }
}
