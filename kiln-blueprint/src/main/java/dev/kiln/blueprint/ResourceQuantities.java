package dev.kiln.blueprint;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pure parsers for resource quantities as Kubernetes writes them: memory in bytes with a binary
 * ({@code Ki Mi Gi Ti}) or decimal ({@code k M G T}) suffix, CPU in cores ({@code 0.5}, {@code 2})
 * or millicores ({@code 500m}). A blueprint moved from a Kubernetes manifest keeps its numbers.
 */
final class ResourceQuantities {
  private static final Pattern MEMORY = Pattern.compile("(\\d+(?:\\.\\d+)?)([KMGT]i|[kMGT])?");
  private static final Pattern CPU = Pattern.compile("(\\d+(?:\\.\\d+)?)(m)?");
  private static final Map<String, Long> MEMORY_UNITS =
      Map.of(
          "Ki",
          1L << 10,
          "Mi",
          1L << 20,
          "Gi",
          1L << 30,
          "Ti",
          1L << 40,
          "k",
          1_000L,
          "M",
          1_000_000L,
          "G",
          1_000_000_000L,
          "T",
          1_000_000_000_000L);

  static final String MEMORY_HINT =
      "write bytes with a unit as Kubernetes does: 256Mi, 1Gi, 512Ki (binary) or 500M (decimal)";
  static final String CPU_HINT =
      "write cores as Kubernetes does: 0.5 or 500m (millicores), 2 for two cores";

  private ResourceQuantities() {}

  /** Bytes, rounded up to a whole byte (as Kubernetes rounds); empty if not a quantity. */
  static Optional<Long> memory(String text) {
    Matcher m = MEMORY.matcher(text);
    if (!m.matches()) return Optional.empty();
    try {
      BigDecimal bytes = new BigDecimal(m.group(1));
      String unit = m.group(2);
      if (unit != null) {
        // MEMORY only matches the units MEMORY_UNITS lists.
        Long factor = Objects.requireNonNull(MEMORY_UNITS.get(unit), "unit " + unit);
        bytes = bytes.multiply(BigDecimal.valueOf(factor));
      }
      return Optional.of(bytes.setScale(0, RoundingMode.CEILING).longValueExact());
    } catch (ArithmeticException tooBig) {
      return Optional.empty();
    }
  }

  /** Millicores; empty if not a quantity or finer than a millicore ({@code 0.0005}). */
  static Optional<Long> cpuMillis(String text) {
    Matcher m = CPU.matcher(text);
    if (!m.matches()) return Optional.empty();
    try {
      BigDecimal value = new BigDecimal(m.group(1));
      BigDecimal millis = m.group(2) != null ? value : value.movePointRight(3);
      return Optional.of(millis.longValueExact());
    } catch (ArithmeticException fractionalOrTooBig) {
      return Optional.empty();
    }
  }
}
