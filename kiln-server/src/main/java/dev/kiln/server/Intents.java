package dev.kiln.server;

import dev.kiln.controller.FleetView;
import dev.kiln.controller.RollbackPlanner;
import dev.kiln.controller.Rollout;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What users ask of a rollout — pause, resume, promote, abort — recorded as intent for the planner
 * to act on, and rollbacks, which create a revision and either swap to a warm fleet or start a
 * fast-tracked rollout. Each runs on the executor thread and is journaled before anything acts.
 */
final class Intents {
  /** A rollback's outcome, as the API reports it. */
  record Rolledback(
      dev.kiln.controller.Revision revision, String mode, Optional<Rollout> rollout) {}

  private final ServerState state;
  private final Recorder rec;
  private final Executor executor;
  private final Clock clock;

  Intents(ServerState state, Recorder rec, Executor executor, Clock clock) {
    this.state = state;
    this.rec = rec;
    this.executor = executor;
    this.clock = clock;
  }

  Rollout request(String service, String verb, String actor) {
    UnaryOperator<Rollout> change =
        switch (verb) {
          case "pause" -> Rollout::requestPause;
          case "resume" -> Rollout::requestResume;
          case "promote" -> Rollout::requestPromote;
          case "abort" -> Rollout::requestAbort;
          default -> throw new ServerException.NotFound("no such request: " + verb);
        };
    Rollout next =
        executor.call(
            () -> {
              known(service);
              Rollout r =
                  state
                      .rollout(service)
                      .filter(x -> !x.phase().isTerminal())
                      .orElseThrow(
                          () ->
                              new ServerException.Conflict(
                                  "service "
                                      + service
                                      + " has no rollout in progress to "
                                      + verb
                                      + "; see `kiln status "
                                      + service
                                      + "`"));
              Rollout n = change.apply(r);
              rec.append(
                  actor, verb + " requested", new JournalEvent.RolloutIntent(n, Optional.of(verb)));
              return n;
            });
    executor.wake();
    return next;
  }

  Rolledback rollback(String service, Optional<Integer> to, String actor) {
    return rollback(service, to, actor, r -> r);
  }

  /**
   * A rollback, and {@code reply} made from it on the executor thread in the same turn, before the
   * reconcile it asks for: an API answer made in a second turn would wait behind that whole tick.
   */
  <T> T rollback(
      String service, Optional<Integer> to, String actor, Function<Rolledback, T> reply) {
    var swapped = new java.util.concurrent.atomic.AtomicBoolean();
    T result =
        executor.call(
            () -> {
              ServerState.ServiceInfo info = known(service);
              int live =
                  state
                      .liveRevision(service)
                      .orElseThrow(
                          () ->
                              new ServerException.Conflict(
                                  "service "
                                      + service
                                      + " has no live revision to roll back from"));
              // Instances being stopped are not warm: they are leaving the route for good.
              var observed = executor.warmInstances();
              // a revision it never had is a 404, other refusals a 409 (ErrorStatus)
              RollbackPlanner.RollbackPlan plan =
                  RollbackPlanner.plan(
                      state.revisions(service),
                      live,
                      to.<RollbackPlanner.Target>map(RollbackPlanner.Target.To::new)
                          .orElse(
                              new RollbackPlanner.Target.Previous(state.servedRevisions(service))),
                      new FleetView(observed),
                      state.replicas(service),
                      info.strategy(),
                      info.progressDeadline(),
                      clock.instant());
              // One disk sync on the way to the swap: the request, its revision, the swap's actions
              // and the rollout they complete in one transaction, in that order.
              RollbackEntries e = RollbackEntries.of(actor, service, live, to, plan);
              switch (plan) {
                // the swap's actions are journaled before the rollout they complete
                case RollbackPlanner.RollbackPlan.Swap swap -> {
                  executor.act(
                      e.requested(),
                      actor,
                      RollbackEntries.SWAP_CAUSE,
                      swap.actions(),
                      List.of(new Executor.Followup(e.cause(), e.started())));
                }
                case RollbackPlanner.RollbackPlan.FastTrack fast -> {
                  List<Recorder.Pending> all = new java.util.ArrayList<>(e.requested());
                  all.add(new Recorder.Pending(actor, e.cause(), e.started()));
                  rec.appendAll(all);
                }
              }
              swapped.set(plan instanceof RollbackPlanner.RollbackPlan.Swap);
              return reply.apply(
                  new Rolledback(plan.revision(), e.mode(), Optional.of(plan.rollout())));
            });
    // A swap is done when this returns: the tick it asks for (every runtime listed, every rollout
    // decided) runs a moment later, not beside the first requests on the fleet rolled back to. On
    // 2 busy cores it stretched those requests from about 1.7 to 4 ms each, and a warm rollback's
    // time runs until one is answered (bench/rollback.sh). A fast-track starts instances: at once.
    if (swapped.get()) executor.wakeAfter(AFTER_A_SWAP);
    else executor.wake();
    return result;
  }

  /** How long the reconcile after a warm rollback's swap waits (the regular tick is 200 ms). */
  static final java.time.Duration AFTER_A_SWAP = java.time.Duration.ofMillis(50);

  /**
   * A rollback's journal entries around its actions: the request and the revision it creates, then
   * (after the actions) the rollout they complete, with its cause. The start-up rehearsal ({@link
   * RollbackRehearsal}) journals the same.
   */
  record RollbackEntries(
      String mode, List<Recorder.Pending> requested, String cause, JournalEvent started) {
    /** The cause of a swap's actions. */
    static final String SWAP_CAUSE = "rollback to a warm fleet";

    static RollbackEntries of(
        String actor,
        String service,
        int live,
        Optional<Integer> to,
        RollbackPlanner.RollbackPlan plan) {
      String mode = plan instanceof RollbackPlanner.RollbackPlan.Swap ? "swap" : "fast-track";
      return new RollbackEntries(
          mode,
          List.of(
              new Recorder.Pending(
                  actor,
                  "rollback requested (" + mode + ")",
                  new JournalEvent.RollbackRequested(
                      service,
                      live,
                      plan.revision().number(),
                      to.map(String::valueOf).orElse("previous"),
                      mode)),
              new Recorder.Pending(
                  actor,
                  "rollback to the content of an earlier revision",
                  new JournalEvent.RevisionCreated(plan.revision(), "rollback"))),
          "rollback: revision " + live + " -> " + plan.revision().number(),
          new JournalEvent.RolloutStarted(plan.rollout(), Optional.empty()));
    }
  }

  private ServerState.ServiceInfo known(String service) {
    return state
        .service(service)
        .orElseThrow(
            () ->
                new ServerException.NotFound(
                    JournalServiceFilter.noSuchService(service, state.services().keySet())));
  }
}
