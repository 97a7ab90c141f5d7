package dev.kiln.controller;

import java.time.Duration;
import java.time.Instant;

/**
 * What follows one attempt to deliver a webhook: delivered, another attempt later (exponential
 * backoff with jitter), or give up. Pure: the caller passes the time and a random number, so the
 * schedule is the same in a test as in production.
 *
 * <p>An answer of 2xx is a delivery. 408, 429, 5xx and a failure to connect or to be answered in
 * time are retried: the endpoint may come back. Any other status (a 404, a 401 from a receiver that
 * rejects the signature, a redirect) is the receiver's considered answer and is not retried.
 *
 * @param first the wait after the first failed attempt, before jitter
 * @param max the longest wait between two attempts, before jitter
 * @param maxAttempts attempts in all, the first included
 */
public record DeliveryRetry(Duration first, Duration max, int maxAttempts) {
  /**
   * Waits of 1 s, 2 s, 4 s … 256 s (each jittered into its upper half), 10 attempts: 4¼ to 8½
   * minutes of waiting in all, long enough for a receiver to be redeployed.
   */
  public static final DeliveryRetry DEFAULT =
      new DeliveryRetry(Duration.ofSeconds(1), Duration.ofMinutes(5), 10);

  public DeliveryRetry {
    if (first.isNegative() || first.isZero())
      throw new IllegalArgumentException("first backoff must be positive, not " + first);
    if (max.compareTo(first) < 0)
      throw new IllegalArgumentException("max backoff " + max + " is shorter than " + first);
    if (maxAttempts < 1)
      throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
  }

  /** How one attempt ended. */
  public sealed interface Attempt {
    /** The receiver answered with this HTTP status. */
    record Answered(int status) implements Attempt {}

    /** No answer: refused, reset, timed out, or the request could not be made. */
    record NoAnswer(String error) implements Attempt {}
  }

  /** What to do next. */
  public sealed interface Next {
    record Delivered(int status, int attempts) implements Next {}

    record RetryAt(Instant at, int attemptsMade) implements Next {}

    /** The delivery failed for good; {@code status} is the last answer's, 0 if there was none. */
    record GiveUp(int status, int attempts, String reason) implements Next {}
  }

  /**
   * The wait after {@code attemptsMade} failed attempts: {@code first × 2^(attemptsMade-1)}, capped
   * at {@code max}, then jittered into its upper half (so many receivers failing together do not
   * retry together, and no wait is shorter than half the schedule).
   *
   * @param jitter a uniform random number in [0, 1)
   */
  public Duration delay(int attemptsMade, double jitter) {
    if (attemptsMade < 1) throw new IllegalArgumentException("attemptsMade < 1");
    if (jitter < 0 || jitter >= 1) throw new IllegalArgumentException("jitter not in [0, 1)");
    long base = first.toMillis();
    // the doubling stops at max long before it could overflow
    for (int i = 1; i < attemptsMade && base < max.toMillis(); i++) base *= 2;
    base = Math.min(base, max.toMillis());
    return Duration.ofMillis(base / 2 + (long) (jitter * (base - base / 2)));
  }

  /**
   * The decision after attempt number {@code attemptsMade} ended with {@code attempt} at {@code
   * now}.
   */
  public Next after(int attemptsMade, Attempt attempt, Instant now, double jitter) {
    String reason;
    int status = 0;
    switch (attempt) {
      case Attempt.Answered a when a.status() >= 200 && a.status() < 300 -> {
        return new Next.Delivered(a.status(), attemptsMade);
      }
      case Attempt.Answered a when retryable(a.status()) -> {
        status = a.status();
        reason = "HTTP " + a.status();
      }
      case Attempt.Answered a -> {
        return new Next.GiveUp(
            a.status(),
            attemptsMade,
            "HTTP " + a.status() + " (not retried: the receiver's answer)");
      }
      case Attempt.NoAnswer n -> reason = n.error();
    }
    if (attemptsMade >= maxAttempts)
      return new Next.GiveUp(status, attemptsMade, reason + " after " + attemptsMade + " attempts");
    return new Next.RetryAt(now.plus(delay(attemptsMade, jitter)), attemptsMade);
  }

  private static boolean retryable(int status) {
    return status == 408 || status == 429 || status >= 500;
  }
}
