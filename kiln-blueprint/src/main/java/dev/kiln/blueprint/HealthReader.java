package dev.kiln.blueprint;

import dev.kiln.model.HealthCheck;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;

/** Reads {@code health:}: exactly one probe (http, tcp or exec) and its timing. */
final class HealthReader {
  static final List<String> KEYS =
      List.of(
          "http",
          "expect",
          "tcp",
          "exec",
          "interval",
          "timeout",
          "healthy",
          "unhealthy",
          "start-deadline");
  static final List<String> PROBES = List.of("http", "tcp", "exec");
  static final int DEFAULT_HEALTHY = 1;
  static final int DEFAULT_UNHEALTHY = 3;
  private static final String PROBE_HINT =
      "write one of http: /path, tcp: true or exec: [ cmd, args... ]";

  private final Values values;

  HealthReader(Values values) {
    this.values = values;
  }

  Optional<HealthCheck> read(Node node, String path) {
    Optional<Fields> read = Fields.read(node, path, KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    List<String> probes = f.keys().stream().filter(PROBES::contains).toList();
    if (probes.size() != 1) {
      values.report(
          node,
          path
              + (probes.isEmpty()
                  ? ": no probe"
                  : ": more than one probe (" + String.join(", ", probes) + ")"),
          PROBE_HINT);
    }
    if (f.has("expect") && !f.has("http")) {
      values.report(
          f.keyNode("expect").orElseThrow(),
          f.path("expect") + ": only http probes have an expected status");
    }
    Optional<HealthCheck.Probe> probe =
        probes.isEmpty() ? Optional.empty() : probe(f, probes.get(0));
    Duration interval = timing(f, "interval", HealthCheck.DEFAULT_INTERVAL);
    Duration timeout = timing(f, "timeout", HealthCheck.DEFAULT_TIMEOUT);
    Duration startDeadline = timing(f, "start-deadline", HealthCheck.DEFAULT_START_DEADLINE);
    int healthy =
        f.get("healthy")
            .flatMap(n -> values.integer(n, f.path("healthy"), 1, 100))
            .orElse(DEFAULT_HEALTHY);
    int unhealthy =
        f.get("unhealthy")
            .flatMap(n -> values.integer(n, f.path("unhealthy"), 1, 100))
            .orElse(DEFAULT_UNHEALTHY);
    return probe.map(p -> new HealthCheck(p, interval, timeout, healthy, unhealthy, startDeadline));
  }

  private Optional<HealthCheck.Probe> probe(Fields f, String kind) {
    Node node = f.get(kind).orElseThrow();
    String path = f.path(kind);
    return switch (kind) {
      case "http" -> {
        int expect =
            f.get("expect").flatMap(n -> values.integer(n, f.path("expect"), 100, 599)).orElse(200);
        yield values.absolutePath(node, path).map(p -> new HealthCheck.Probe.Http(p, expect));
      }
      case "tcp" -> {
        Optional<Boolean> on = values.bool(node, path);
        if (on.isPresent() && !on.get()) {
          values.report(node, path + ": tcp: false is not a probe", PROBE_HINT);
          yield Optional.empty();
        }
        yield on.map(b -> new HealthCheck.Probe.Tcp());
      }
      default -> {
        Optional<List<String>> command = values.strings(node, path);
        if (command.isPresent() && command.get().isEmpty()) {
          values.report(node, path + ": must not be empty", PROBE_HINT);
          yield Optional.empty();
        }
        yield command.map(HealthCheck.Probe.Exec::new);
      }
    };
  }

  private Duration timing(Fields f, String key, Duration fallback) {
    return f.get(key).flatMap(n -> values.positiveDuration(n, f.path(key))).orElse(fallback);
  }
}
