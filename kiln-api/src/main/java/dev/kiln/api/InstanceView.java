package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One instance: where it runs and how it is isolated, its health (or why it ended: {@code
 * OOMKilled}), its drift surfaces ({@code -} for none), its limits and what it used.
 */
public record InstanceView(
    String id,
    String service,
    int revision,
    String runtime,
    String state,
    String health,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String termination,
    int port,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String isolation,
    String address,
    @Nullable Long pid,
    String startedAt,
    String drift,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Limits limits,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Usage usage) {

  /** The service's resources: only the limits that are set. */
  public record Limits(
      @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Long memoryBytes,
      @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Double cpu,
      @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Integer pids) {}

  /** What the runtime accounted; for an exited instance, the last values. */
  public record Usage(
      double cpuSeconds,
      long memoryBytes,
      long memoryPeakBytes,
      int pids,
      long oomKills,
      long refusedForks) {}
}
