package dev.kiln.blueprint;

import dev.kiln.model.Policy;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** The top-level {@code policy: { deny-severity: critical }}. */
final class PolicyReader {
  static final List<String> KEYS = List.of("deny-severity");

  private PolicyReader() {}

  static Policy read(Node root, Problems problems) {
    if (!(root instanceof MappingNode top)) return Policy.none();
    Node node = null;
    for (NodeTuple t : top.getValue())
      if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("policy"))
        node = t.getValueNode();
    if (node == null) return Policy.none();
    Values values = new Values(problems);
    Optional<Fields> fields = Fields.read(node, "policy", KEYS, values);
    if (fields.isEmpty()) return Policy.none();
    Optional<String> deny =
        fields.get().get("deny-severity").flatMap(n -> values.nonEmpty(n, "policy.deny-severity"));
    if (deny.isPresent() && !Policy.SEVERITIES.contains(deny.get().toLowerCase(Locale.ROOT))) {
      problems.add(
          fields.get().get("deny-severity").orElseThrow(),
          "policy.deny-severity: unknown severity '" + deny.get() + "'",
          "use one of " + String.join(", ", Policy.SEVERITIES));
      return Policy.none();
    }
    return new Policy(deny.map(d -> d.toLowerCase(Locale.ROOT)));
  }
}
