package dev.kiln.model;

import java.util.List;
import java.util.Optional;

/**
 * The blueprint's top-level {@code policy:}: what the server refuses at apply. {@code
 * deny-severity: critical} refuses an image with a matching advisory at or above that severity
 * (when the server was started with {@code --advisories}); a journaled exception ({@code kiln
 * policy allow}) lets one advisory through until it expires.
 *
 * @param denySeverity one of {@link #SEVERITIES}, lower case
 */
public record Policy(Optional<String> denySeverity) {
  /** The severities {@code deny-severity} takes, lowest first (the scanner's order). */
  public static final List<String> SEVERITIES = List.of("low", "medium", "high", "critical");

  public static Policy none() {
    return new Policy(Optional.empty());
  }
}
