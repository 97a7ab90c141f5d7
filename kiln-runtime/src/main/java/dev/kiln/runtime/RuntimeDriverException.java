package dev.kiln.runtime;

import dev.kiln.model.KilnException;

/** A runtime operation failed; the message says which instance, what and what to do next. */
public class RuntimeDriverException extends KilnException {
  public RuntimeDriverException(String message) {
    super(message);
  }

  public RuntimeDriverException(String message, Throwable cause) {
    super(message, cause);
  }
}
