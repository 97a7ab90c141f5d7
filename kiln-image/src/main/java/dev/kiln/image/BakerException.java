package dev.kiln.image;

/**
 * A bake failed for a reason the user can act on: a located step or test failure. {@code exitCode}
 * is the failing run step's or test command's exit code when there is one.
 */
public class BakerException extends ImageException {
  private final int exitCode;

  public BakerException(String message) {
    this(message, 0);
  }

  public BakerException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
