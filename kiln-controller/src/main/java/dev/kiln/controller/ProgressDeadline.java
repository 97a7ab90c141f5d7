package dev.kiln.controller;

import java.time.Instant;

/**
 * The progress deadline: a progressing rollout that neither progresses nor waits on purpose (a
 * canary pause, a blue-green fleet awaiting promotion, a user's pause) for {@code progressDeadline}
 * is aborted. It acts — unlike Kubernetes, where it only sets a condition — because a stuck rollout
 * is the most reported rollout failure (see shared/research/rollouts.md, pain point 3).
 */
final class ProgressDeadline {
  private ProgressDeadline() {}

  static Instant deadline(Rollout r) {
    return r.lastProgressAt().plus(r.progressDeadline());
  }

  static boolean exceeded(Tick t) {
    return t.state.phase() == Rollout.Phase.PROGRESSING
        && !t.waitingOnPurpose
        && !t.now.isBefore(deadline(t.state));
  }
}
