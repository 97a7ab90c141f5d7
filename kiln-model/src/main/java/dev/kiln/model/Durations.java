package dev.kiln.model;

import java.time.Duration;

/**
 * Durations as people write them in a blueprint ({@code 10m}, {@code 1h30m}, {@code 45s}), for
 * messages and tables: ISO-8601's {@code PT1M35.50126022S} is for machines.
 */
public final class Durations {
  private Durations() {}

  /**
   * {@code 1h30m}, {@code 10m}, {@code 4m35s}, {@code 0s}; under a second in milliseconds ({@code
   * 250ms}); from a second on, whole seconds (a soak of 1m35.5s reads 1m35s).
   */
  public static String human(Duration d) {
    if (d.isNegative()) return "-" + human(d.negated());
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.isZero() ? "0s" : d.toMillis() + "ms";
    }
    long s = d.toSeconds();
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    StringBuilder b = new StringBuilder();
    if (h > 0) b.append(h).append('h');
    if (m > 0) b.append(m).append('m');
    if (sec > 0 || b.isEmpty()) b.append(sec).append('s');
    return b.toString();
  }
}
