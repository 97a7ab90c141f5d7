package dev.kiln.controller;

import java.util.Map;
import java.util.Optional;

/**
 * When a service passes from its rollout to the healer: once the rollout is over (succeeded or
 * aborted) and its planner has nothing left to do — the decision changes neither the rollout nor
 * the traffic. From then on the healer keeps the last good revision at the rollout's replica count;
 * until then the rollout owns the service's instances.
 */
public final class Handoff {
  private Handoff() {}

  /** Replicas per live revision for the healer, or empty while the rollout still acts. */
  public static Optional<Map<Integer, Integer>> toHealer(Rollout r, Decision d) {
    // The planner says when a finished rollout's route is its end state (Decision.settled): an
    // aborted rollout still waiting for its old revision to serve again keeps the service.
    if (!r.phase().isTerminal() || !d.settled()) return Optional.empty();
    return Optional.of(r.lastGood() > 0 ? Map.of(r.lastGood(), r.replicas()) : Map.of());
  }
}
