package dev.kiln.server;

import dev.kiln.model.KilnException;

/**
 * A control-plane request that cannot be honoured; the message says what to do instead. The
 * subclasses say why, as domain facts (nothing named, a state that forbids it, the router process
 * failing); the API's edge turns them into HTTP statuses ({@link ErrorStatus}), domain code never
 * does.
 */
public class ServerException extends KilnException {
  public ServerException(String message) {
    super(message);
  }

  public ServerException(String message, Throwable cause) {
    super(message, cause);
  }

  /** What the request names does not exist (a service, a revision, a verb). */
  public static final class NotFound extends ServerException {
    public NotFound(String message) {
      super(message);
    }
  }

  /** The request is well-formed but the current state forbids it (no rollout to pause…). */
  public static final class Conflict extends ServerException {
    public Conflict(String message) {
      super(message);
    }
  }

  /** The separate router process failed or does not answer. */
  public static final class DataPlaneFailed extends ServerException {
    public DataPlaneFailed(String message) {
      super(message);
    }
  }

  /** The server cannot take the request now (shutting down, interrupted). */
  public static final class Unavailable extends ServerException {
    public Unavailable(String message) {
      super(message);
    }
  }
}
