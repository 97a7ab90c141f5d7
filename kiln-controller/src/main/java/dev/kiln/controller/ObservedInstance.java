package dev.kiln.controller;

import java.time.Instant;

/**
 * An instance as the runtime and the health checker last saw it.
 *
 * @param since when the instance entered {@code phase}
 * @param consecutiveFailures failed health checks in a row (0 once a check passes)
 */
public record ObservedInstance(
    String id, String service, int revision, Phase phase, Instant since, int consecutiveFailures) {
  public enum Phase {
    /** Started, not yet passed its health check. */
    STARTING,
    HEALTHY,
    /** Was healthy or started, now failing its health check. */
    UNHEALTHY,
    /** The process is gone; it is never restarted in place, only replaced. */
    EXITED
  }

  /**
   * Failed checks in a row after which an unhealthy instance is replaced (the healer's default).
   */
  public static final int FAILURES_TO_REPLACE = 3;

  public ObservedInstance {
    if (id.isBlank()) throw new IllegalArgumentException("instance id is blank");
    if (consecutiveFailures < 0) throw new IllegalArgumentException("consecutiveFailures < 0");
  }

  public boolean isHealthy() {
    return phase == Phase.HEALTHY;
  }

  /**
   * Dead instances are replaced, never repaired: exited ones, and unhealthy ones that failed {@code
   * failuresToReplace} checks in a row.
   */
  public boolean isDead(int failuresToReplace) {
    return phase == Phase.EXITED
        || (phase == Phase.UNHEALTHY && consecutiveFailures >= failuresToReplace);
  }
}
