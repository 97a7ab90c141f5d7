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
 */
public final class HealthTracker {
  private final InstanceId instance;
  private final HealthCheck check;
  private final Instant deadline;
  private HealthPhase phase = HealthPhase.STARTING;
  private int successes;
  private int failures;

  public HealthTracker(InstanceId instance, HealthCheck check, Instant startedAt) {
    this.instance = instance;
    this.check = check;
    this.deadline = startedAt.plus(check.startDeadline());
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
