package dev.kiln.runtime.health;

import dev.kiln.runtime.InstanceId;
import java.time.Duration;
import java.time.Instant;

/**
 * The health of an instance after one probe: published to listeners after every probe.
 *
 * @param changed whether {@code phase} differs from the phase before this probe
 */
public record HealthEvent(
    InstanceId instance,
    HealthPhase phase,
    boolean changed,
    String message,
    Duration latency,
    Instant at,
    int consecutiveSuccesses,
    int consecutiveFailures) {}
