package dev.kiln.blueprint;

import dev.kiln.model.DriftPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a service's {@code drift:}: {@code replace} (the default) or {@code report}, or the long
 * form with the service's drift budget:
 *
 * <pre>
 * drift: { response: replace, replacements: 3, window: 10m }
 * </pre>
 */
final class DriftReader {
  private static final List<String> KEYS = List.of("response", "replacements", "window");

  private final Values values;

  DriftReader(Values values) {
    this.values = values;
  }

  /** Empty if there is a problem (reported, located). */
  Optional<DriftPolicy> read(Node node, String path) {
    if (!(node instanceof MappingNode)) return response(node, path).map(DriftPolicy::of);
    Optional<Fields> read = Fields.read(node, path, KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    Optional<String> response =
        f.get("response").isEmpty()
            ? Optional.of(DriftPolicy.DEFAULT.response())
            : response(f.get("response").orElseThrow(), f.path("response"));
    Optional<Integer> replacements =
        f.get("replacements").isEmpty()
            ? Optional.of(DriftPolicy.DEFAULT.replacements())
            : values.integer(f.get("replacements").orElseThrow(), f.path("replacements"), 0, 1000);
    Optional<Duration> window =
        f.get("window").isEmpty()
            ? Optional.of(DriftPolicy.DEFAULT.window())
            : values.positiveDuration(f.get("window").orElseThrow(), f.path("window"));
    if (response.isEmpty() || replacements.isEmpty() || window.isEmpty()) return Optional.empty();
    return Optional.of(new DriftPolicy(response.get(), replacements.get(), window.get()));
  }

  private Optional<String> response(Node node, String path) {
    Optional<String> name = values.nonEmpty(node, path);
    if (name.isEmpty()) return Optional.empty();
    if (!DriftPolicy.RESPONSES.contains(name.get())) {
      values.report(
          node,
          path + ": unknown drift response '" + name.get() + "'",
          Suggestions.hint(name.get(), DriftPolicy.RESPONSES, "valid responses"));
      return Optional.empty();
    }
    return name;
  }
}
