package dev.kiln.model;

/**
 * The resource limits of one instance of a service: what the blueprint's {@code resources:} key
 * declares, what a revision fixes and what a runtime driver enforces. Zero means "no limit".
 *
 * @param memoryBytes the memory limit in bytes, swap included (an instance never swaps beyond it)
 * @param cpuMillis CPU in thousandths of a core (1000 = one core), enforced as a quota per period
 * @param pids the maximum number of processes and threads
 */
public record Resources(long memoryBytes, int cpuMillis, int pids) {
  public static final Resources UNLIMITED = new Resources(0, 0, 0);

  public Resources {
    if (memoryBytes < 0 || cpuMillis < 0 || pids < 0) {
      throw new IllegalArgumentException("resource limits must be >= 0 (0 = unlimited)");
    }
  }

  /** True when at least one limit is set. */
  public boolean limited() {
    return memoryBytes > 0 || cpuMillis > 0 || pids > 0;
  }

  /** Bytes as Kubernetes writes them when exact ({@code 256Mi}, {@code 1Gi}), else plain bytes. */
  public static String bytes(long bytes) {
    String[] units = {"Ki", "Mi", "Gi", "Ti"};
    String unit = "";
    long value = bytes;
    for (int i = 0; i < units.length && value >= 1024 && value % 1024 == 0; i++) {
      value /= 1024;
      unit = units[i];
    }
    return value + unit;
  }

  /** Millicores as cores ({@code 500} → {@code 0.5}, {@code 2000} → {@code 2}). */
  public static String cores(int millis) {
    return java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
  }

  @Override
  public String toString() {
    if (!limited()) return "unlimited";
    StringBuilder s = new StringBuilder();
    if (memoryBytes > 0) s.append("memory=").append(bytes(memoryBytes));
    if (cpuMillis > 0) s.append(s.isEmpty() ? "" : " ").append("cpu=").append(cores(cpuMillis));
    if (pids > 0) s.append(s.isEmpty() ? "" : " ").append("pids=").append(pids);
    return s.toString();
  }
}
