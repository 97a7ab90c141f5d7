package dev.kiln.model;

import java.util.Objects;

/**
 * The root of every module's own unchecked exception. Its message is for the user: it says what
 * went wrong, where (file:line:column, image, step, service) and what to do next. The CLI prints it
 * without a stack trace and exits 1.
 *
 * <p>The message is never null (checked on construction), so {@link #getMessage} is declared
 * non-null and callers can pass it on without a null check.
 */
public class KilnException extends RuntimeException {
  private final String message;

  public KilnException(String message) {
    super(Objects.requireNonNull(message, "a KilnException needs a message"));
    this.message = message;
  }

  public KilnException(String message, Throwable cause) {
    super(Objects.requireNonNull(message, "a KilnException needs a message"), cause);
    this.message = message;
  }

  @Override
  public String getMessage() {
    return message;
  }
}
