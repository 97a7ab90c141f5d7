package dev.kiln.api;

import java.util.List;

/** {@code GET /v1/rollouts}: the rollout of every service that has one. */
public record RolloutsResponse(List<RolloutView> rollouts) {
  public RolloutsResponse {
    rollouts = List.copyOf(rollouts);
  }
}
