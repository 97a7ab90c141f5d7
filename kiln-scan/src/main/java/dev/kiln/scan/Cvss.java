package dev.kiln.scan;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * CVSS base scores from the vectors OSV carries in {@code severity[].score} ({@code
 * CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H}), by the CVSS 3.x specification's equations. CVSS
 * 4.0 scores come from a lookup table of its own and CVSS 2 vectors are rare in OS feeds; both give
 * empty here, and the advisory's other severity sources decide.
 */
final class Cvss {
  private static final Pattern NUMBER = Pattern.compile("\\d{1,2}(\\.\\d+)?");

  private Cvss() {}

  /** The base score of a CVSS 3.0/3.1 vector, or a bare numeric score; empty if neither. */
  static Optional<Double> baseScore(String score) {
    String s = score.strip();
    if (NUMBER.matcher(s).matches()) {
      double d = Double.parseDouble(s);
      return d <= 10.0 ? Optional.of(d) : Optional.empty();
    }
    if (!s.startsWith("CVSS:3.0/") && !s.startsWith("CVSS:3.1/")) return Optional.empty();
    Map<String, String> m = new HashMap<>();
    for (String part : s.substring(9).split("/")) {
      int colon = part.indexOf(':');
      if (colon <= 0) return Optional.empty();
      m.put(part.substring(0, colon), part.substring(colon + 1));
    }
    try {
      boolean changed = scope(m.get("S"));
      double av = pick(m.get("AV"), "N", 0.85, "A", 0.62, "L", 0.55, "P", 0.2);
      double ac = pick(m.get("AC"), "L", 0.77, "H", 0.44, "", 0, "", 0);
      double pr =
          changed
              ? pick(m.get("PR"), "N", 0.85, "L", 0.68, "H", 0.5, "", 0)
              : pick(m.get("PR"), "N", 0.85, "L", 0.62, "H", 0.27, "", 0);
      double ui = pick(m.get("UI"), "N", 0.85, "R", 0.62, "", 0, "", 0);
      double c = impact(m.get("C"));
      double i = impact(m.get("I"));
      double a = impact(m.get("A"));
      double iss = 1 - (1 - c) * (1 - i) * (1 - a);
      double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
      double exploitability = 8.22 * av * ac * pr * ui;
      if (impact <= 0) return Optional.of(0.0);
      double base =
          changed
              ? roundUp(Math.min(1.08 * (impact + exploitability), 10))
              : roundUp(Math.min(impact + exploitability, 10));
      return Optional.of(base);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static boolean scope(@Nullable String s) {
    if ("U".equals(s)) return false;
    if ("C".equals(s)) return true;
    throw new IllegalArgumentException("scope");
  }

  private static double impact(@Nullable String v) {
    return pick(v, "H", 0.56, "L", 0.22, "N", 0, "", 0);
  }

  private static double pick(
      @Nullable String v,
      String k1,
      double v1,
      String k2,
      double v2,
      String k3,
      double v3,
      String k4,
      double v4) {
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing metric");
    if (v.equals(k1)) return v1;
    if (v.equals(k2)) return v2;
    if (v.equals(k3)) return v3;
    if (v.equals(k4)) return v4;
    throw new IllegalArgumentException("metric value " + v);
  }

  /** CVSS 3.1's Roundup: the smallest one-decimal number ≥ x, immune to floating-point noise. */
  private static double roundUp(double x) {
    long scaled = Math.round(x * 100_000);
    if (scaled % 10_000 == 0) return scaled / 100_000.0;
    return (Math.floorDiv(scaled, 10_000) + 1) / 10.0;
  }
}
