package dev.kiln.runtime;

/**
 * Resource limits of an instance. Zero means "no limit". Drivers apply what they can and say so in
 * their {@link Capabilities}.
 *
 * @param memoryBytes the memory limit in bytes
 * @param cpuMillis CPU in thousandths of a core (1000 = one core)
 * @param pids the maximum number of processes
 */
public record Resources(long memoryBytes, int cpuMillis, int pids) {
  public static final Resources UNLIMITED = new Resources(0, 0, 0);

  public Resources {
    if (memoryBytes < 0 || cpuMillis < 0 || pids < 0) {
      throw new IllegalArgumentException("resource limits must be >= 0 (0 = unlimited)");
    }
  }
}
