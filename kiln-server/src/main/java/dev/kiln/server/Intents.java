package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.controller.Action;
import dev.kiln.controller.ControllerException;
import dev.kiln.controller.FleetView;
import dev.kiln.controller.RollbackPlanner;
import dev.kiln.controller.Rollout;
import java.time.Clock;
import java.util.HashMap;
import java.util.Optional;
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
          default -> throw new ServerException(404, "no such request: " + verb);
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
                              new ServerException(
                                  409,
                                  "service "
                                      + service
                                      + " has no rollout in progress to "
                                      + verb
                                      + "; see `kiln status "
                                      + service
                                      + "`"));
              Rollout n = change.apply(r);
              ObjectNode body = Json.object();
              body.put("request", verb);
              body.set("rollout", StateCodec.rollout(n));
              rec.append(actor, "rollout-intent", service, verb + " requested", body);
              return n;
            });
    executor.wake();
    return next;
  }

  Rolledback rollback(String service, Optional<Integer> to, String actor) {
    Rolledback result =
        executor.call(
            () -> {
              ServerState.ServiceInfo info = known(service);
              int live =
                  state
                      .liveRevision(service)
                      .orElseThrow(
                          () ->
                              new ServerException(
                                  409,
                                  "service "
                                      + service
                                      + " has no live revision to roll back from"));
              // Instances being stopped are not warm: they are leaving the route for good.
              var observed =
                  executor.observe().stream()
                      .filter(o -> !executor.isLeaving(o))
                      .map(Executor.Observed::instance)
                      .toList();
              RollbackPlanner.RollbackPlan plan;
              try {
                plan =
                    RollbackPlanner.plan(
                        state.revisions(service),
                        live,
                        to.<RollbackPlanner.Target>map(RollbackPlanner.Target.To::new)
                            .orElse(new RollbackPlanner.Target.Previous()),
                        new FleetView(observed),
                        info.replicas(),
                        info.strategy(),
                        info.progressDeadline(),
                        clock.instant());
              } catch (ControllerException e) {
                throw new ServerException(
                    to.isPresent() && e.getMessage().contains("has no revision") ? 404 : 409,
                    e.getMessage());
              }
              String mode =
                  plan instanceof RollbackPlanner.RollbackPlan.Swap ? "swap" : "fast-track";
              ObjectNode b = Json.object();
              b.put("from", live);
              b.put("to", plan.revision().number());
              b.put("contentOf", to.map(String::valueOf).orElse("previous"));
              b.put("mode", mode);
              rec.append(actor, "rollback", service, "rollback requested (" + mode + ")", b);
              ObjectNode rb = Json.object();
              rb.set("revision", StateCodec.revision(plan.revision()));
              rb.put("cause", "rollback");
              rec.append(
                  actor,
                  "revision-created",
                  service,
                  "rollback to the content of an earlier revision",
                  rb);
              if (plan instanceof RollbackPlanner.RollbackPlan.Swap swap) {
                for (Action a : swap.actions()) executor.journal(a, "rollback to a warm fleet");
              }
              ObjectNode ro = Json.object();
              ro.set("rollout", StateCodec.rollout(plan.rollout()));
              rec.append(
                  actor,
                  "rollout-started",
                  service,
                  "rollback: revision " + live + " -> " + plan.revision().number(),
                  ro);
              if (plan instanceof RollbackPlanner.RollbackPlan.Swap swap) {
                var byId = new HashMap<String, Executor.Observed>();
                for (Action a : swap.actions()) executor.perform(a, byId);
              }
              return new Rolledback(plan.revision(), mode, Optional.of(plan.rollout()));
            });
    executor.wake();
    return result;
  }

  private ServerState.ServiceInfo known(String service) {
    return state
        .service(service)
        .orElseThrow(
            () ->
                new ServerException(
                    404, "no service named " + service + "; known: " + state.services().keySet()));
  }
}
