package dev.kiln.blueprint;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Pure parsers for the written forms of durations, percentages and file modes. */
final class Quantities {
  // Units in decreasing order, each at most once: 2h, 10m, 1m30s, 500ms, 1s500ms.
  private static final Pattern DURATION =
      Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?(?:(\\d+)ms)?");
  private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)%");
  private static final Pattern OCTAL = Pattern.compile("(?:0o)?([0-7]{1,5})");

  static final String DURATION_HINT =
      "write a duration like 500ms, 1s, 1m30s, 10m or 2h (units h, m, s, ms, largest first)";
  static final String PERCENT_HINT = "write a percentage like 1% or a fraction like 0.01";
  static final String MODE_HINT =
      "write the mode as octal digits, preferably quoted: \"0755\" (digits are always read as"
          + " octal, like chmod)";

  private Quantities() {}

  static Optional<Duration> duration(String text) {
    Matcher m = DURATION.matcher(text);
    if (text.isEmpty() || !m.matches()) return Optional.empty();
    try {
      Duration d = Duration.ZERO;
      if (m.group(1) != null) d = d.plusHours(Long.parseLong(m.group(1)));
      if (m.group(2) != null) d = d.plusMinutes(Long.parseLong(m.group(2)));
      if (m.group(3) != null) d = d.plusSeconds(Long.parseLong(m.group(3)));
      if (m.group(4) != null) d = d.plusMillis(Long.parseLong(m.group(4)));
      return Optional.of(d);
    } catch (ArithmeticException | NumberFormatException tooBig) {
      return Optional.empty();
    }
  }

  /** {@code 1%} or {@code 0.01}, as a fraction in [0, 1]. */
  static Optional<Double> percent(String text) {
    Matcher m = PERCENT.matcher(text);
    try {
      double fraction =
          m.matches()
              ? new BigDecimal(m.group(1)).movePointLeft(2).doubleValue()
              : new BigDecimal(text).doubleValue();
      return fraction >= 0 && fraction <= 1 ? Optional.of(fraction) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Permission bits. Digits are read as octal whether quoted or not, because an unquoted 0755 is
   * the decimal 755 to a YAML 1.2 parser and nobody means that.
   */
  static Optional<Integer> mode(String text) {
    Matcher m = OCTAL.matcher(text);
    if (!m.matches()) return Optional.empty();
    int mode = Integer.parseInt(m.group(1), 8);
    return mode <= 07777 ? Optional.of(mode) : Optional.empty();
  }

  /** A YAML 1.2 core-schema integer (decimal, 0o octal, 0x hex), if it fits an int. */
  static Optional<Integer> integer(String text) {
    try {
      String t = text.startsWith("+") ? text.substring(1) : text;
      if (t.startsWith("0o")) return Optional.of(Integer.parseInt(t.substring(2), 8));
      if (t.startsWith("0x")) return Optional.of(Integer.parseInt(t.substring(2), 16));
      return Optional.of(Integer.parseInt(t));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
