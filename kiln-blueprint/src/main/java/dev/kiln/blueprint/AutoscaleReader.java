package dev.kiln.blueprint;

import dev.kiln.model.Autoscale;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a service's {@code autoscale:}:
 *
 * <pre>{@code
 * autoscale:
 *   min: 1                        # 0 allows scale to zero (then idle-to-zero is required)
 *   max: 10
 *   target: { concurrency: 10 }   # or rps: 200, cpu: 70%, p99: 100ms — exactly one
 *   scale-down-delay: 5m
 *   idle-to-zero: 10m             # with min: 0
 * }</pre>
 *
 * Every mistake is located at the key that makes it: min above max, two targets or none, a bad
 * unit, idle-to-zero without min 0 (or min 0 without it).
 */
final class AutoscaleReader {
  static final List<String> KEYS =
      List.of("min", "max", "target", "scale-down-delay", "idle-to-zero");
  static final List<String> TARGETS = List.of("concurrency", "rps", "cpu", "p99");
  static final Duration DEFAULT_SCALE_DOWN_DELAY = Duration.ofMinutes(5);
  static final int MAX_INSTANCES = 1000;

  private final Values values;

  AutoscaleReader(Values values) {
    this.values = values;
  }

  /** Empty if there is a problem (reported). */
  Optional<Autoscale> read(Node node, String path) {
    Optional<Fields> read = Fields.read(node, path, KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    boolean ok = true;
    Optional<Integer> min =
        f.get("min").flatMap(n -> values.integer(n, f.path("min"), 0, MAX_INSTANCES));
    Optional<Integer> max =
        f.get("max").flatMap(n -> values.integer(n, f.path("max"), 1, MAX_INSTANCES));
    if (f.get("min").isEmpty()) {
      values.report(
          node,
          path + ": missing required key 'min'",
          "the fewest instances, e.g. min: 1 (0 allows scale to zero)");
      ok = false;
    }
    if (f.get("max").isEmpty()) {
      values.report(
          node, path + ": missing required key 'max'", "the most instances, e.g. max: 10");
      ok = false;
    }
    ok &= min.isPresent() && max.isPresent();
    if (ok && min.get() > max.get()) {
      values.report(
          f.get("min").orElseThrow(),
          f.path("min") + ": " + min.get() + " is greater than max (" + max.get() + ")");
      ok = false;
    }
    Optional<Autoscale.Target> target = f.get("target").flatMap(n -> target(n, f.path("target")));
    if (f.get("target").isEmpty()) {
      values.report(
          node,
          path + ": missing required key 'target'",
          "what one instance should carry: target: { concurrency: 10 } (or rps, cpu, p99)");
    }
    ok &= target.isPresent();
    Duration delay =
        f.get("scale-down-delay")
            .flatMap(n -> values.duration(n, f.path("scale-down-delay")))
            .orElse(DEFAULT_SCALE_DOWN_DELAY);
    if (f.get("scale-down-delay").isPresent()
        && f.get("scale-down-delay")
            .flatMap(n -> values.duration(n, f.path("scale-down-delay")))
            .isEmpty()) {
      ok = false;
    }
    Optional<Duration> idle =
        f.get("idle-to-zero").flatMap(n -> values.positiveDuration(n, f.path("idle-to-zero")));
    if (f.get("idle-to-zero").isPresent() && idle.isEmpty()) ok = false;
    if (min.isPresent() && min.get() == 0 && f.get("idle-to-zero").isEmpty()) {
      values.report(
          f.get("min").orElseThrow(),
          f.path("min") + ": 0 needs idle-to-zero",
          "say how long a service stays idle before its last instance goes: idle-to-zero: 10m");
      ok = false;
    }
    if (min.isPresent() && min.get() > 0 && f.get("idle-to-zero").isPresent()) {
      values.report(
          f.keyNode("idle-to-zero").orElseThrow(),
          f.path("idle-to-zero") + ": needs min: 0",
          "idle-to-zero scales to zero; with min: "
              + min.get()
              + " the service never goes below it");
      ok = false;
    }
    if (!ok) return Optional.empty();
    return Optional.of(new Autoscale(min.get(), max.get(), target.get(), delay, idle));
  }

  private Optional<Autoscale.Target> target(Node node, String path) {
    Optional<Fields> read = Fields.read(node, path, TARGETS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    List<String> given = TARGETS.stream().filter(f::has).toList();
    if (given.size() != 1) {
      values.report(
          node,
          path
              + (given.isEmpty()
                  ? ": names no metric"
                  : ": names " + given.size() + " metrics (" + String.join(", ", given) + ")"),
          "exactly one of concurrency: 10, rps: 200, cpu: 70%, p99: 100ms");
      return Optional.empty();
    }
    String key = given.get(0);
    Node value = f.get(key).orElseThrow();
    String at = f.path(key);
    return switch (key) {
      case "concurrency" ->
          values
              .integer(value, at, 1, 100_000)
              .map(v -> new Autoscale.Target(Autoscale.Metric.CONCURRENCY, v));
      case "rps" ->
          values
              .integer(value, at, 1, 10_000_000)
              .map(v -> new Autoscale.Target(Autoscale.Metric.RPS, v));
      case "cpu" ->
          values
              .percent(value, at)
              .flatMap(
                  fraction -> {
                    if (fraction <= 0) {
                      values.report(value, at + ": must be more than 0% of the instance's CPU");
                      return Optional.empty();
                    }
                    return Optional.of(new Autoscale.Target(Autoscale.Metric.CPU, fraction * 100));
                  });
      default ->
          values
              .positiveDuration(value, at)
              .map(d -> new Autoscale.Target(Autoscale.Metric.P99, d.toNanos() / 1e6));
    };
  }
}
