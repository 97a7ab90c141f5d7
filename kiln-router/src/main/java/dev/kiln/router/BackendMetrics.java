package dev.kiln.router;

/**
 * One backend's numbers.
 *
 * @param draining it has left the table and is finishing its in-flight requests
 * @param connectFailures connections to it that failed (each may have been retried elsewhere)
 * @param ejected passive health: it is currently skipped after consecutive connect failures
 */
public record BackendMetrics(
    String id,
    String revision,
    Traffic traffic,
    long connectFailures,
    boolean ejected,
    boolean draining) {}
