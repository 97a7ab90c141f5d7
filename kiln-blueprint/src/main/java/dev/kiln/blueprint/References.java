package dev.kiln.blueprint;

import dev.kiln.model.Base;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * References between entries: every {@code image:<name>} base and every service's image must name
 * an image of the blueprint, and no image may be built, directly or not, from itself. Names are
 * taken from the keys as written, even of images that have problems, so one bad image does not also
 * make every reference to it an error.
 */
final class References {
  private final Set<String> imageNames;
  private final Problems problems;
  private final Map<String, Base.BlueprintImage> parents = new LinkedHashMap<>();

  References(Set<String> imageNames, Problems problems) {
    this.imageNames = Set.copyOf(imageNames);
    this.problems = problems;
  }

  /** Checks that {@code name} is an image; reports at {@code node} otherwise. */
  boolean image(String name, Node node, String path) {
    if (imageNames.contains(name)) return true;
    problems.add(
        node,
        path + ": no image named '" + name + "' in this blueprint",
        imageNames.isEmpty() ? "add it under images:" : Suggestions.hint(name, sorted(), "images"));
    return false;
  }

  void parent(String image, Base.BlueprintImage parent) {
    parents.put(image, parent);
  }

  /** Reports each cycle once, at the first of its images in file order. */
  void checkCycles() {
    Set<String> reported = new HashSet<>();
    for (String start : parents.keySet()) {
      List<String> chain = new ArrayList<>();
      String current = start;
      while (current != null && !chain.contains(current)) {
        chain.add(current);
        Base.BlueprintImage parent = parents.get(current);
        current = parent == null ? null : parent.name();
      }
      if (current == null || !current.equals(start) || reported.contains(start)) continue;
      reported.addAll(chain);
      chain.add(start);
      problems.add(
          parents.get(start).at(),
          "images." + start + ".from: image cycle " + String.join(" -> ", chain),
          "an image cannot be built from itself, directly or through others");
    }
  }

  private List<String> sorted() {
    return imageNames.stream().sorted().toList();
  }
}
