package dev.kiln.runtime.health;

import java.time.Duration;
import java.time.Instant;

/** One probe's outcome, as data: a failed probe is a result, never an exception. */
public record ProbeResult(boolean success, String message, Duration latency, Instant at) {
  public static ProbeResult success(String message, Duration latency, Instant at) {
    return new ProbeResult(true, message, latency, at);
  }

  public static ProbeResult failure(String message, Duration latency, Instant at) {
    return new ProbeResult(false, message, latency, at);
  }
}
