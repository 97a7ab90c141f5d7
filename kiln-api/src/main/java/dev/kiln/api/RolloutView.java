package dev.kiln.api;

import java.util.List;

/**
 * A rollout as the API shows it ({@code GET /v1/rollouts}, a service's {@code rollout}, and the
 * answer of promote/pause/resume/abort). {@code canaryWeight} is the percent on {@code to}.
 */
public record RolloutView(
    String id,
    String service,
    int from,
    int to,
    String strategy,
    String phase,
    int step,
    int steps,
    int canaryWeight,
    String startedAt,
    String deadline,
    List<ConditionView> conditions,
    String message,
    int replicas,
    boolean fastTrack,
    String intent) {
  public RolloutView {
    conditions = List.copyOf(conditions);
  }
}
