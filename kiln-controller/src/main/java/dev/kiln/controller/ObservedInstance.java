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

  public ObservedInstance {
    if (id.isBlank()) throw new IllegalArgumentException("instance id is blank");
    if (consecutiveFailures < 0) throw new IllegalArgumentException("consecutiveFailures < 0");
  }

  public boolean isHealthy() {
    return phase == Phase.HEALTHY;
  }

  /**
   * Dead instances are replaced, never repaired: exited ones, and unhealthy ones. An instance is
   * UNHEALTHY only once it failed its service's own {@code health.unhealthy} checks in a row (or
   * missed its start deadline), so that one threshold decides both when it leaves the route and
   * when it is replaced.
   */
  public boolean isDead() {
    return phase == Phase.EXITED || phase == Phase.UNHEALTHY;
  }
}
