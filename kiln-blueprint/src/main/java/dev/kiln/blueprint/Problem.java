package dev.kiln.blueprint;

import dev.kiln.model.Location;
import java.util.Comparator;
import java.util.Optional;

/**
 * One thing wrong with a blueprint: where, what, and (when we can tell) what to write instead.
 *
 * @param hint what to do about it, e.g. "did you mean 'from'?"
 */
public record Problem(Location at, String message, Optional<String> hint) {
  /** File order: by line, then column. */
  public static final Comparator<Problem> BY_POSITION =
      Comparator.comparingInt((Problem p) -> p.at().line()).thenComparingInt(p -> p.at().column());

  public Problem(Location at, String message, String hint) {
    this(at, message, hint.isEmpty() ? Optional.empty() : Optional.of(hint));
  }

  /**
   * {@code file:line:column: message; hint} (just {@code file: message} when there is no position).
   */
  @Override
  public String toString() {
    String where = at.line() > 0 ? at.toString() : at.file().toString();
    return where + ": " + message + hint.map(h -> "; " + h).orElse("");
  }
}
