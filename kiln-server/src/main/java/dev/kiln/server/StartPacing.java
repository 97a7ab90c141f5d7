package dev.kiln.server;

import dev.kiln.controller.Healer;
import dev.kiln.controller.StartBackoff;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Services whose next start waits (failed starts, crash loops), with the healer's policy. Shared by
 * the tick (which skips a held service, and paces a crash-looping revision) and the performer
 * (which records a failed start); owned by the loop thread, so a plain map.
 */
final class StartPacing {
  private final Map<String, StartBackoff> backoff = new HashMap<>();

  /**
   * Whether {@code service} must wait at {@code now}; a backoff quiet for the policy's reset period
   * is forgotten first, so the next failure starts the ladder again.
   */
  boolean holds(String service, Instant now) {
    backoff.computeIfPresent(
        service, (k, b) -> b.holds(now.minus(Healer.Policy.DEFAULT.resetAfter())) ? b : null);
    return Optional.ofNullable(backoff.get(service)).filter(b -> b.holds(now)).isPresent();
  }

  /** One more failure of {@code service} at {@code now}: the next step of its backoff. */
  StartBackoff failed(String service, Instant now) {
    StartBackoff b =
        StartBackoff.after(Optional.ofNullable(backoff.get(service)), Healer.Policy.DEFAULT, now);
    backoff.put(service, b);
    return b;
  }

  /** Nothing to wait for (the rollout is being aborted). */
  void clear(String service) {
    backoff.remove(service);
  }
}
