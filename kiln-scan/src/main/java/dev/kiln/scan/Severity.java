package dev.kiln.scan;

import java.util.Locale;
import java.util.Optional;

/**
 * How bad a finding is, in the four levels CI gates speak ({@code --fail-on}), below them {@code
 * unknown} for advisories that give no usable severity (Debian's "not yet assigned"). Unknown ranks
 * below low: a gate at {@code low} does not fire on it, and the table says "unknown" so a person
 * looks.
 */
public enum Severity {
  UNKNOWN,
  LOW,
  MEDIUM,
  HIGH,
  CRITICAL;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean atLeast(Severity other) {
    return compareTo(other) >= 0;
  }

  /** The CVSS qualitative rating of a base score (CVSS 3.1 specification, table 14). */
  public static Severity ofScore(double score) {
    if (score >= 9.0) return CRITICAL;
    if (score >= 7.0) return HIGH;
    if (score >= 4.0) return MEDIUM;
    return LOW; // 0.0 is "None": still an advisory, so the least severe level
  }

  /**
   * The Debian Security Tracker's urgency ({@code low**}, {@code medium*}, {@code unimportant},
   * {@code not yet assigned}, {@code end-of-life}); the stars only mark a guess. Debian never says
   * critical.
   */
  public static Severity ofDebianUrgency(String urgency) {
    String u = urgency.strip().toLowerCase(Locale.ROOT).replace("*", "");
    return switch (u) {
      case "unimportant", "low" -> LOW;
      case "medium" -> MEDIUM;
      case "high" -> HIGH;
      default -> UNKNOWN;
    };
  }

  /**
   * A word as feeds write it ({@code database_specific.severity}: GitHub's {@code MODERATE}, Red
   * Hat's {@code IMPORTANT}, Ubuntu's {@code negligible}); empty when the word is not one of them.
   */
  public static Optional<Severity> ofWord(String word) {
    return switch (word.strip().toLowerCase(Locale.ROOT)) {
      case "negligible", "unimportant", "low", "minor" -> Optional.of(LOW);
      case "moderate", "medium" -> Optional.of(MEDIUM);
      case "high", "important" -> Optional.of(HIGH);
      case "critical" -> Optional.of(CRITICAL);
      default -> Optional.empty();
    };
  }

  /** {@code --fail-on} and the like: one of the labels, else an error naming them. */
  public static Severity parse(String label) {
    for (Severity s : values())
      if (s.label().equals(label.strip().toLowerCase(Locale.ROOT))) return s;
    throw new IllegalArgumentException(
        "'" + label + "' is not a severity; use low, medium, high or critical");
  }
}
