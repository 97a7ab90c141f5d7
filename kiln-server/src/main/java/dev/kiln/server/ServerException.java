package dev.kiln.server;

import dev.kiln.model.KilnException;

/** A control-plane request that cannot be honoured; the message says what to do instead. */
public class ServerException extends KilnException {
  private final int status;

  public ServerException(String message) {
    this(400, message);
  }

  public ServerException(int status, String message) {
    super(message);
    this.status = status;
  }

  public ServerException(String message, Throwable cause) {
    super(message, cause);
    this.status = 400;
  }

  /** The HTTP status the API answers with. */
  public int status() {
    return status;
  }
}
