package dev.kiln.controller;

import java.time.Instant;
import java.util.Optional;

/**
 * How long a service waits before its next instance start after starts failed (a runtime error) or
 * its new instances crash-looped: the healer's {@link Healer.Policy} (base, doubling, capped), so
 * one policy paces every replacement. Forgotten after a start succeeds.
 *
 * @param failures failures in a row
 * @param notBefore the earliest time of the next start
 */
public record StartBackoff(int failures, Instant notBefore) {
  public StartBackoff {
    if (failures < 1) throw new IllegalArgumentException("failures < 1");
  }

  /** The backoff after one more failure at {@code now}. */
  public static StartBackoff after(
      Optional<StartBackoff> previous, Healer.Policy policy, Instant now) {
    int n = previous.map(StartBackoff::failures).orElse(0) + 1;
    return new StartBackoff(n, now.plus(policy.delay(n - 1)));
  }

  /** Whether starts must still wait at {@code now}. */
  public boolean holds(Instant now) {
    return notBefore.isAfter(now);
  }
}
