package dev.kiln.model;

import java.time.Duration;
import java.util.Optional;

/**
 * A service's {@code autoscale:} block: instances between {@code min} and {@code max}, sized so
 * that each carries about {@code target} of one metric.
 *
 * @param min the fewest instances; 0 allows scale to zero, and then {@code idleToZero} is required
 * @param scaleDownDelay how long demand must stay lower before instances are removed
 *     (stabilization)
 * @param idleToZero with {@code min: 0}: how long without a request before the last instance goes
 */
public record Autoscale(
    int min, int max, Target target, Duration scaleDownDelay, Optional<Duration> idleToZero) {

  /** What one instance should carry. */
  public record Target(Metric metric, double value) {
    public Target {
      if (metric == null) throw new IllegalArgumentException("autoscale target needs a metric");
      if (!(value > 0) || Double.isInfinite(value)) {
        throw new IllegalArgumentException("autoscale target " + metric.key + " must be > 0");
      }
      if (metric == Metric.CPU && value > 100) {
        throw new IllegalArgumentException(
            "autoscale target cpu is a percentage of the instance's CPU (1-100%)");
      }
    }
  }

  /** The metrics a target can name, with their blueprint keys. */
  public enum Metric {
    /** Requests in flight per instance. */
    CONCURRENCY("concurrency"),
    /** Requests per second per instance. */
    RPS("rps"),
    /** Percent of the instance's CPU limit (or of one core without a limit). */
    CPU("cpu"),
    /** The service's p99 latency in milliseconds. */
    P99("p99");

    public final String key;

    Metric(String key) {
      this.key = key;
    }
  }

  public Autoscale {
    if (target == null || scaleDownDelay == null || idleToZero == null) {
      throw new IllegalArgumentException(
          "autoscale needs a target, a scale-down-delay and idle-to-zero");
    }
    if (min < 0) throw new IllegalArgumentException("autoscale min must be >= 0, got " + min);
    if (max < 1) throw new IllegalArgumentException("autoscale max must be >= 1, got " + max);
    if (min > max) {
      throw new IllegalArgumentException(
          "autoscale min (" + min + ") is greater than max (" + max + ")");
    }
    if (scaleDownDelay.isNegative()) {
      throw new IllegalArgumentException("autoscale scale-down-delay must not be negative");
    }
    if (min == 0 && idleToZero.isEmpty()) {
      throw new IllegalArgumentException(
          "autoscale min: 0 needs idle-to-zero (how long idle before scaling to zero)");
    }
    if (min > 0 && idleToZero.isPresent()) {
      throw new IllegalArgumentException("autoscale idle-to-zero needs min: 0");
    }
    if (idleToZero.map(d -> d.isNegative() || d.isZero()).orElse(false)) {
      throw new IllegalArgumentException("autoscale idle-to-zero must be > 0");
    }
  }

  /**
   * A starting count within the bounds: {@code replicas} if given and inside, else the nearest
   * bound.
   */
  public int clamp(int replicas) {
    return Math.max(min, Math.min(max, replicas));
  }
}
