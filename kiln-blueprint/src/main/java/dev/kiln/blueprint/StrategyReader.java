package dev.kiln.blueprint;

import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads {@code strategy:}: exactly one of rolling, blue-green or canary. */
final class StrategyReader {
  static final List<String> KINDS = List.of("rolling", "blue-green", "canary");
  private static final List<String> ROLLING_KEYS = List.of("max-surge", "max-unavailable");
  private static final List<String> BLUE_GREEN_KEYS = List.of("auto-promote", "scale-down-delay");
  private static final List<String> CANARY_KEYS = List.of("steps", "analysis");
  private static final List<String> CANARY_STEP_KEYS = List.of("weight", "pause");
  private static final List<String> ANALYSIS_KEYS =
      List.of("max-error-rate", "max-p99", "min-requests");
  static final double DEFAULT_MAX_ERROR_RATE = 0.01;
  static final int DEFAULT_MIN_REQUESTS = 20;

  private final Values values;

  StrategyReader(Values values) {
    this.values = values;
  }

  Optional<Strategy> read(Node node, String path) {
    Optional<Fields> read = Fields.read(node, path, KINDS, values);
    if (read.isEmpty()) return Optional.empty();
    List<String> kinds = read.get().keys();
    if (kinds.size() != 1) {
      if (kinds.size() > 1 || ((MappingNode) node).getValue().isEmpty()) {
        values.report(
            node,
            path + ": a strategy is exactly one of " + String.join(", ", KINDS),
            "e.g. strategy: { rolling: { max-surge: 1, max-unavailable: 0 } }");
      }
      return Optional.empty();
    }
    String kind = kinds.get(0);
    Node body = read.get().get(kind).orElseThrow();
    String bodyPath = path + "." + kind;
    return switch (kind) {
      case "rolling" -> rolling(body, bodyPath);
      case "blue-green" -> blueGreen(body, bodyPath);
      default -> canary(body, bodyPath);
    };
  }

  /** {@code rolling:} with nothing under it means the defaults. */
  private Optional<Fields> settings(Node node, String path, List<String> keys) {
    return Values.isNull(node)
        ? Optional.of(Fields.empty(node, path))
        : Fields.read(node, path, keys, values);
  }

  private Optional<Strategy> rolling(Node node, String path) {
    return settings(node, path, ROLLING_KEYS)
        .flatMap(
            f -> {
              int surge =
                  f.get("max-surge")
                      .flatMap(n -> values.integer(n, f.path("max-surge"), 0, 1000))
                      .orElse(Strategy.Rolling.DEFAULT.maxSurge());
              int unavailable =
                  f.get("max-unavailable")
                      .flatMap(n -> values.integer(n, f.path("max-unavailable"), 0, 1000))
                      .orElse(Strategy.Rolling.DEFAULT.maxUnavailable());
              if (surge + unavailable == 0) {
                values.report(
                    node,
                    path + ": max-surge and max-unavailable cannot both be 0",
                    "a rollout must either start an extra instance or stop one; use max-surge:"
                        + " 1");
                return Optional.empty();
              }
              return Optional.of(new Strategy.Rolling(surge, unavailable));
            });
  }

  private Optional<Strategy> blueGreen(Node node, String path) {
    return settings(node, path, BLUE_GREEN_KEYS)
        .map(
            f ->
                new Strategy.BlueGreen(
                    f.get("auto-promote").flatMap(n -> values.duration(n, f.path("auto-promote"))),
                    f.get("scale-down-delay")
                        .flatMap(n -> values.duration(n, f.path("scale-down-delay")))
                        .orElse(Strategy.BlueGreen.DEFAULT_SCALE_DOWN_DELAY)));
  }

  private Optional<Strategy> canary(Node node, String path) {
    Optional<Fields> read = Fields.read(node, path, CANARY_KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    Optional<List<Strategy.CanaryStep>> steps =
        f.require("steps", values.problems())
            .flatMap(
                n ->
                    values
                        .list(n, f.path("steps"))
                        .flatMap(
                            items -> {
                              if (items.isEmpty()) {
                                values.report(
                                    n,
                                    f.path("steps") + ": needs at least one step",
                                    "e.g. steps: [ { weight: 10, pause: 30s }, { weight: 100 }"
                                        + " ]");
                                return Optional.empty();
                              }
                              return values.all(items, f.path("steps"), this::canaryStep);
                            }));
    Optional<Strategy.Analysis> analysis =
        f.get("analysis").flatMap(n -> analysis(n, f.path("analysis")));
    return steps.map(s -> new Strategy.Canary(s, analysis));
  }

  private Optional<Strategy.CanaryStep> canaryStep(Node node, String path) {
    return Fields.read(node, path, CANARY_STEP_KEYS, values)
        .flatMap(
            f -> {
              Optional<Integer> weight =
                  f.require("weight", values.problems())
                      .flatMap(n -> values.integer(n, f.path("weight"), 0, 100));
              Optional<Duration> pause =
                  f.get("pause").flatMap(n -> values.duration(n, f.path("pause")));
              return weight.map(w -> new Strategy.CanaryStep(w, pause));
            });
  }

  private Optional<Strategy.Analysis> analysis(Node node, String path) {
    return Fields.read(node, path, ANALYSIS_KEYS, values)
        .map(
            f ->
                new Strategy.Analysis(
                    f.get("max-error-rate")
                        .flatMap(n -> values.percent(n, f.path("max-error-rate")))
                        .orElse(DEFAULT_MAX_ERROR_RATE),
                    f.get("max-p99").flatMap(n -> values.positiveDuration(n, f.path("max-p99"))),
                    f.get("min-requests")
                        .flatMap(n -> values.integer(n, f.path("min-requests"), 0, 1_000_000))
                        .orElse(DEFAULT_MIN_REQUESTS)));
  }
}
