package dev.kiln.controller;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of one reconcile: the rollout's next state, the actions to reach it (in order), and
 * when to call again if nothing observed changes before then (a pause ending, a deadline, a delay).
 */
public record Decision(Rollout next, List<Action> actions, Optional<Instant> wakeAt) {
  public Decision {
    actions = List.copyOf(actions);
  }
}
