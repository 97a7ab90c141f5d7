package dev.kiln.image;

import dev.kiln.model.Base;
import dev.kiln.model.Blueprint;
import dev.kiln.model.ImageRecipe;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Which images a bake makes, in which order: every {@code image:} base before the image on it. */
final class BakerOrder {
  private BakerOrder() {}

  /** {@code names} empty means every image, in blueprint order. */
  static List<String> order(Blueprint bp, List<String> names) {
    List<String> wanted = names.isEmpty() ? List.copyOf(bp.images().keySet()) : names;
    LinkedHashSet<String> done = new LinkedHashSet<>();
    for (String name : wanted) visit(bp, name, new ArrayList<>(), done);
    return List.copyOf(done);
  }

  private static void visit(
      Blueprint bp, String name, List<String> path, LinkedHashSet<String> done) {
    if (done.contains(name)) return;
    if (path.contains(name)) {
      path.add(name);
      throw new BakerException(
          bp.file() + ": images are based on each other in a cycle: " + String.join(" -> ", path));
    }
    ImageRecipe recipe =
        bp.image(name)
            .orElseThrow(
                () ->
                    new BakerException(
                        bp.file()
                            + ": no image named "
                            + name
                            + " in the blueprint (it has: "
                            + String.join(", ", bp.images().keySet())
                            + ")"));
    path.add(name);
    if (recipe.from() instanceof Base.BlueprintImage dep) visit(bp, dep.name(), path, done);
    path.remove(path.size() - 1);
    done.add(name);
  }
}
