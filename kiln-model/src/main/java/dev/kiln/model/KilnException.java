package dev.kiln.model;

/**
 * The root of every module's own unchecked exception. Its message is for the user: it says what
 * went wrong, where (file:line:column, image, step, service) and what to do next. The CLI prints it
 * without a stack trace and exits 1.
 */
public class KilnException extends RuntimeException {
  public KilnException(String message) {
    super(message);
  }

  public KilnException(String message, Throwable cause) {
    super(message, cause);
  }
}
