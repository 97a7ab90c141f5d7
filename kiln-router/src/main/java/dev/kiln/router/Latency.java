package dev.kiln.router;

import java.time.Duration;

/**
 * Latency quantiles (bucketed: within about 6 % of the true value) and totals, since the backend
 * entered the table or the router started.
 *
 * @param histogram the bucket counts the quantiles came from; subtract an earlier one for the
 *     latency of a window ({@link LatencySnapshot#minus})
 */
public record Latency(
    long count,
    Duration sum,
    Duration p50,
    Duration p90,
    Duration p99,
    LatencySnapshot histogram) {}
