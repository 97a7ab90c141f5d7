package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An autoscaled service's count (instances running now), bounds, the scaler's target count and
 * rule, and the observed value of its metric: total and per instance (once sampled).
 */
public record AutoscaleView(
    long current,
    int min,
    int max,
    String metric,
    double target,
    int desired,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Double observed,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Double observedPerInstance,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String rule) {}
