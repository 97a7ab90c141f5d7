package dev.kiln.api;

import java.util.List;

/** The answer of {@code POST /v1/apply}: the plan applied and the rollouts it started. */
public record ApplyResponse(PlanView plan, List<RolloutView> rollouts) {
  public ApplyResponse {
    rollouts = List.copyOf(rollouts);
  }
}
