package dev.kiln.router;

import dev.kiln.model.KilnException;

/**
 * The router's one unchecked exception: a bad route table, a bad config, a listener that cannot
 * bind.
 */
public final class RouterException extends KilnException {
  public RouterException(String message) {
    super(message);
  }

  public RouterException(String message, Throwable cause) {
    super(message, cause);
  }
}
