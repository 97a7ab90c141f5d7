package dev.kiln.runtime.health;

import dev.kiln.model.HealthCheck;
import dev.kiln.runtime.InstanceId;
import java.time.Instant;

/**
 * The threshold logic of one instance's health check, pure: feed it probe results, it returns the
 * phase. Time comes only from the results (and the instance's start), so it is tested with a fake
 * clock and no threads.
 *
 * <ul>
 *   <li>STARTING → HEALTHY after {@code healthy} consecutive successes;
 *   <li>STARTING → FAILED_TO_START when a result arrives after {@code startDeadline} without that;
 *   <li>HEALTHY → UNHEALTHY after {@code unhealthy} consecutive failures;
 *   <li>UNHEALTHY → HEALTHY after {@code healthy} consecutive successes;
 *   <li>FAILED_TO_START is terminal.
 * </ul>
 *
 * <p>An instance that a restarted control plane adopts while it was serving starts in HEALTHY
 * ({@link #serving}): it started long ago and proved itself, so a probe that fails right after the
 * restart counts towards {@code unhealthy} like any other instead of ending it as failed to start
 * (its start deadline has passed).
 */
public final class HealthTracker {
  private final InstanceId instance;
  private final HealthCheck check;
  private final Instant deadline;
  private HealthPhase phase;
  private int successes;
  private int failures;

  public HealthTracker(InstanceId instance, HealthCheck check, Instant startedAt) {
    this(instance, check, startedAt, HealthPhase.STARTING);
  }

  private HealthTracker(
      InstanceId instance, HealthCheck check, Instant startedAt, HealthPhase initial) {
    this.instance = instance;
    this.check = check;
    this.deadline = startedAt.plus(check.startDeadline());
    this.phase = initial;
  }

  /** The tracker of an instance adopted while serving: HEALTHY until its checks say otherwise. */
  public static HealthTracker serving(InstanceId instance, HealthCheck check, Instant startedAt) {
    return new HealthTracker(instance, check, startedAt, HealthPhase.HEALTHY);
  }

  /**
   * The tracker of an instance adopted after a restart that was not serving (a blue-green's warm
   * old fleet or its preview, a canary's): STARTING, with a whole start deadline from its adoption.
   * Its own start may lie long before: measured from there, with {@code healthy} above 1 the first
   * passing probe already came after the deadline, and a healthy warm fleet was declared "failed to
   * start" and replaced at every restart of the control plane.
   */
  public static HealthTracker adopted(InstanceId instance, HealthCheck check, Instant adoptedAt) {
    return new HealthTracker(instance, check, adoptedAt, HealthPhase.STARTING);
  }

  public HealthPhase phase() {
    return phase;
  }

  public synchronized HealthEvent observe(ProbeResult result) {
    HealthPhase before = phase;
    if (result.success()) {
      successes++;
      failures = 0;
    } else {
      failures++;
      successes = 0;
    }
    phase = next(result.at());
    return new HealthEvent(
        instance,
        phase,
        phase != before,
        result.message(),
        result.latency(),
        result.at(),
        successes,
        failures);
  }

  private HealthPhase next(Instant now) {
    return switch (phase) {
      case FAILED_TO_START -> HealthPhase.FAILED_TO_START;
      case STARTING -> {
        if (successes >= check.healthy()) yield HealthPhase.HEALTHY;
        yield now.isAfter(deadline) ? HealthPhase.FAILED_TO_START : HealthPhase.STARTING;
      }
      case HEALTHY -> failures >= check.unhealthy() ? HealthPhase.UNHEALTHY : HealthPhase.HEALTHY;
      case UNHEALTHY -> successes >= check.healthy() ? HealthPhase.HEALTHY : HealthPhase.UNHEALTHY;
    };
  }
}
