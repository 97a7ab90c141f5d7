package dev.kiln.model;

import java.time.Duration;
import java.util.List;

/**
 * A health check of a service's instances: a probe and its timing. An instance becomes healthy
 * after {@code healthy} consecutive successes and unhealthy after {@code unhealthy} consecutive
 * failures; one that is not healthy within {@code startDeadline} has failed to start.
 */
public record HealthCheck(
    Probe probe,
    Duration interval,
    Duration timeout,
    int healthy,
    int unhealthy,
    Duration startDeadline) {
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_START_DEADLINE = Duration.ofSeconds(60);

  public HealthCheck {
    if (healthy < 1 || unhealthy < 1) throw new IllegalArgumentException("thresholds must be >= 1");
  }

  public sealed interface Probe {
    /** GET {@code path} on the instance's port answers {@code expect}. */
    record Http(String path, int expect) implements Probe {}

    /** A TCP connect to the instance's port succeeds. */
    record Tcp() implements Probe {}

    /** A command run inside the instance exits 0. */
    record Exec(List<String> command) implements Probe {
      public Exec {
        command = List.copyOf(command);
      }
    }
  }
}
