package dev.kiln.router;

import java.time.Duration;

/** Latency quantiles (bucketed: within about 6 % of the true value) and totals. */
public record Latency(long count, Duration sum, Duration p50, Duration p90, Duration p99) {}
