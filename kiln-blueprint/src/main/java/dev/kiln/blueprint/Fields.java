package dev.kiln.blueprint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * A mapping with a fixed set of keys (an image, a health check...). Unknown keys are reported with
 * a suggestion; duplicates were already reported by {@link TreeCheck}, so the first occurrence
 * wins.
 */
final class Fields {
  private final String path;
  private final Node node;
  private final Map<String, NodeTuple> byKey;

  private Fields(String path, Node node, Map<String, NodeTuple> byKey) {
    this.path = path;
    this.node = node;
    this.byKey = byKey;
  }

  static Optional<Fields> read(Node node, String path, List<String> keys, Values values) {
    return read(node, path, keys, values, false);
  }

  /**
   * @param allowExtensions ignore keys starting with {@code x-} (compose's extension fields, a
   *     place to keep anchors for reuse)
   */
  static Optional<Fields> read(
      Node node, String path, List<String> keys, Values values, boolean allowExtensions) {
    if (!(node instanceof MappingNode mapping)) {
      values.report(node, path + ": expected a mapping, got " + Values.describe(node));
      return Optional.empty();
    }
    Map<String, NodeTuple> byKey = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
        values.report(tuple.getKeyNode(), path + ": keys must be plain words");
        continue;
      }
      if (!keys.contains(key.getValue())) {
        if (allowExtensions && key.getValue().startsWith("x-")) continue;
        values.report(
            key,
            path + ": unknown key '" + key.getValue() + "'",
            key.getValue().equals("<<")
                ? "YAML merge keys are not supported: write the keys out (anchors and aliases"
                    + " of whole values do work)"
                : Suggestions.hint(key.getValue(), keys, "valid keys"));
        continue;
      }
      byKey.putIfAbsent(key.getValue(), tuple);
    }
    return Optional.of(new Fields(path, node, byKey));
  }

  /** No keys at all (a key written with nothing under it, meaning "the defaults"). */
  static Fields empty(Node node, String path) {
    return new Fields(path, node, Map.of());
  }

  Node node() {
    return node;
  }

  String path() {
    return path;
  }

  String path(String key) {
    return path + "." + key;
  }

  boolean has(String key) {
    return byKey.containsKey(key);
  }

  Optional<Node> get(String key) {
    return Optional.ofNullable(byKey.get(key)).map(NodeTuple::getValueNode);
  }

  /** The value of a required key; its absence is reported at the mapping. */
  Optional<Node> require(String key, Problems problems) {
    Optional<Node> value = get(key);
    if (value.isEmpty()) problems.add(node, path + ": missing required key '" + key + "'");
    return value;
  }

  Optional<Node> keyNode(String key) {
    return Optional.ofNullable(byKey.get(key)).map(NodeTuple::getKeyNode);
  }

  /** The known keys present, in the order they were written. */
  List<String> keys() {
    return List.copyOf(byKey.keySet());
  }
}
