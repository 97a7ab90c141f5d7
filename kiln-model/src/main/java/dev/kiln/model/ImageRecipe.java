package dev.kiln.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How to bake one image: a base, ordered steps (each becomes one layer), and the image config. The
 * recipe plus the content of its inputs fully determine the image digest.
 */
public record ImageRecipe(
    String name,
    Base from,
    List<Step> steps,
    Map<String, String> env,
    Optional<String> workdir,
    Optional<String> user,
    List<String> entrypoint,
    List<String> cmd,
    List<Integer> expose,
    Map<String, String> labels,
    List<ImageTest> tests,
    Location at) {
  public ImageRecipe {
    steps = List.copyOf(steps);
    env = Ordered.copyOf(env);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    expose = List.copyOf(expose);
    labels = Ordered.copyOf(labels);
    tests = List.copyOf(tests);
  }
}
