package dev.kiln.router;

/**
 * What to do with a client connection that may have been quiet too long. Pure, so every case is a
 * table test; {@link ClientHandler} asks it a few times per timeout period.
 */
final class ClientDeadline {
  enum Action {
    NONE,
    /** Idle keep-alive connection: close without a word. */
    CLOSE,
    /** A request was started and not finished in time: answer 408 and close. */
    REQUEST_TIMEOUT
  }

  private ClientDeadline() {}

  /**
   * @param awaitingHead between requests, waiting for (the rest of) a request head
   * @param headStarted when the first byte of that head arrived, 0 if none has
   * @param uploading a request body is still being received
   * @param responding the response to the current request has started
   */
  static Action decide(
      boolean awaitingHead,
      long headStarted,
      long idleSince,
      boolean uploading,
      boolean responding,
      long lastRead,
      long now,
      long headerTimeout,
      long idleTimeout) {
    if (awaitingHead) {
      if (headStarted != 0) {
        return now - headStarted >= headerTimeout ? Action.REQUEST_TIMEOUT : Action.NONE;
      }
      return now - idleSince >= idleTimeout ? Action.CLOSE : Action.NONE;
    }
    if (uploading && now - lastRead >= idleTimeout) {
      return responding ? Action.CLOSE : Action.REQUEST_TIMEOUT;
    }
    return Action.NONE;
  }

  /** How long a tunnel on a draining backend may be quiet before it is closed. */
  static final long DRAINING_TUNNEL_QUIET_NANOS = 1_000_000_000L;

  /**
   * Whether an open tunnel should close: quiet (no byte either way) for the tunnel idle timeout, or
   * for {@link #DRAINING_TUNNEL_QUIET_NANOS} when its backend left the table and is draining.
   */
  static boolean tunnelIdle(long lastByte, long now, boolean draining, long tunnelIdleTimeout) {
    long limit =
        draining ? Math.min(tunnelIdleTimeout, DRAINING_TUNNEL_QUIET_NANOS) : tunnelIdleTimeout;
    return now - lastByte >= limit;
  }
}
