package dev.kiln.router;

import java.time.Duration;

/**
 * What the router does with a request for a service that has no instance (scaled to zero): hold it
 * — at most {@code maxQueued} at a time, each at most {@code timeout} — and ask for a wake, instead
 * of answering 503 at once. Held requests go to the first backend that a later table brings; past
 * either bound the answer is 503 with {@code Retry-After}.
 */
public record Hold(int maxQueued, Duration timeout) {
  /** No holding: a service without backends answers 503 at once. */
  public static final Hold NONE = new Hold(0, Duration.ZERO);

  public Hold {
    if (maxQueued < 0) throw new RouterException("hold: maxQueued must be >= 0");
    if (timeout == null || timeout.isNegative())
      throw new RouterException("hold: timeout must be >= 0");
    if (maxQueued > 0 && timeout.isZero())
      throw new RouterException("hold: a queue needs a timeout > 0");
  }

  public boolean enabled() {
    return maxQueued > 0;
  }

  /** The Retry-After a client gets when the hold cannot take it, in whole seconds (at least 1). */
  long retryAfterSeconds() {
    return Math.max(1, timeout.toSeconds());
  }
}
