package dev.kiln.controller;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of one reconcile: the rollout's next state, the actions to reach it (in order), and
 * when to call again if nothing observed changes before then (a pause ending, a deadline, a delay).
 *
 * @param settled the rollout is over and the route is its end state (all traffic on the revision it
 *     ended on, or none after an aborted first deploy), and this decision changes nothing: from now
 *     on the healer keeps the service, not the rollout. An aborted rollout whose last good revision
 *     cannot serve yet is not settled: its new revision keeps the traffic meanwhile, and handing
 *     the service to the healer would stop that revision as an orphan and empty the route.
 */
public record Decision(
    Rollout next, List<Action> actions, Optional<Instant> wakeAt, boolean settled) {
  public Decision {
    actions = List.copyOf(actions);
  }
}
