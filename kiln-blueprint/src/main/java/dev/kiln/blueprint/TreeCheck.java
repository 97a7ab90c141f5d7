package dev.kiln.blueprint;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Checks on the whole node tree that do not depend on the schema: duplicate mapping keys (YAML
 * parsers silently keep the last one; we refuse) and tags (only the standard ones: the blueprint is
 * data, never a recipe for constructing objects).
 */
final class TreeCheck {
  private static final Set<Tag> STANDARD =
      Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.SEQ, Tag.MAP);

  private TreeCheck() {}

  static void check(Node root, Problems problems) {
    // Aliases make the tree a graph (possibly cyclic): visit each node once.
    Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Node> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Node node = todo.pop();
      if (!seen.add(node)) continue;
      if (!STANDARD.contains(node.getTag())) {
        problems.add(
            node,
            "unsupported tag '" + node.getTag().getValue() + "'",
            "a blueprint is plain YAML: remove the tag");
      }
      if (node instanceof SequenceNode seq) {
        seq.getValue().forEach(todo::push);
      } else if (node instanceof MappingNode mapping) {
        Map<String, Node> first = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
          if (tuple.getKeyNode() instanceof ScalarNode key) {
            Node earlier = first.putIfAbsent(key.getValue(), key);
            if (earlier != null) {
              problems.add(
                  key,
                  "duplicate key '"
                      + key.getValue()
                      + "' (first defined at line "
                      + problems.at(earlier).line()
                      + ")",
                  "remove or rename one of them");
            }
          }
          todo.push(tuple.getKeyNode());
          todo.push(tuple.getValueNode());
        }
      }
    }
  }
}
