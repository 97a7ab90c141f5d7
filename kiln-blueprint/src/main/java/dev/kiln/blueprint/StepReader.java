package dev.kiln.blueprint;

import dev.kiln.model.Step;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads an image's steps: either an explicit {@code steps:} list, or the {@code copy:} and {@code
 * run:} shorthand keys, whose steps come in the order the keys are written.
 */
final class StepReader {
  private static final List<String> STEP_KINDS = List.of("copy", "run");
  private static final List<String> COPY_KEYS = List.of("src", "dest", "mode");
  private static final List<String> RUN_KEYS = List.of("command", "network");

  private final Values values;
  private final Optional<Path> folder;

  /**
   * @param folder the blueprint folder to check copy sources in; empty to check them lexically
   */
  StepReader(Values values, Optional<Path> folder) {
    this.values = values;
    this.folder = folder;
  }

  Optional<List<Step>> read(Fields image) {
    if (image.has("steps")) {
      for (String shorthand : STEP_KINDS) {
        image
            .keyNode(shorthand)
            .ifPresent(
                key ->
                    values.report(
                        key,
                        image.path() + ": has both steps: and the " + shorthand + ": shorthand",
                        "use one: move the "
                            + shorthand
                            + " items into steps: as { "
                            + shorthand
                            + ": ... } items, in order"));
      }
      Node steps = image.get("steps").orElseThrow();
      return values
          .list(steps, image.path("steps"))
          .flatMap(items -> values.all(items, image.path("steps"), this::step));
    }
    List<Step> out = new ArrayList<>();
    boolean ok = true;
    for (String key : image.keys()) {
      if (!STEP_KINDS.contains(key)) continue;
      Node node = image.get(key).orElseThrow();
      Optional<List<Step>> steps =
          key.equals("copy") ? copies(node, image.path(key)) : runs(node, image.path(key));
      steps.ifPresent(out::addAll);
      ok &= steps.isPresent();
    }
    return ok ? Optional.of(out) : Optional.empty();
  }

  /** One item of {@code steps:}: {@code { copy: {...} }} or {@code { run: ... }}. */
  private Optional<Step> step(Node node, String path) {
    Optional<Fields> item = Fields.read(node, path, STEP_KINDS, values);
    if (item.isEmpty()) return Optional.empty();
    List<String> kinds = item.get().keys();
    if (kinds.size() != 1) {
      if (!kinds.isEmpty() || ((MappingNode) node).getValue().isEmpty()) {
        values.report(
            node,
            path + ": a step is exactly one of copy: or run:",
            "write { copy: { src: ..., dest: ... } } or { run: \"...\" }, one per item");
      }
      return Optional.empty();
    }
    String kind = kinds.get(0);
    Node body = item.get().get(kind).orElseThrow();
    return kind.equals("copy") ? copy(body, path + ".copy") : run(body, path + ".run");
  }

  private Optional<List<Step>> copies(Node node, String path) {
    if (!(node instanceof SequenceNode)) {
      values.report(
          node,
          path + ": expected a list, got " + Values.describe(node),
          "write copy: [ { src: site/, dest: /www } ]");
      return Optional.empty();
    }
    return values.list(node, path).flatMap(items -> values.all(items, path, this::copy));
  }

  /** run: "cmd", run: { command, network }, or a list of those. */
  private Optional<List<Step>> runs(Node node, String path) {
    if (node instanceof SequenceNode seq) return values.all(seq.getValue(), path, this::run);
    return run(node, path).map(List::of);
  }

  private Optional<Step> copy(Node node, String path) {
    Optional<Fields> f = Fields.read(node, path, COPY_KEYS, values);
    if (f.isEmpty()) return Optional.empty();
    Optional<String> src = required(f.get(), "src").flatMap(n -> source(n, f.get().path("src")));
    Optional<String> dest = required(f.get(), "dest").flatMap(n -> dest(n, f.get().path("dest")));
    // A bad mode is reported; the blueprint is then rejected, so reading on without it is safe.
    Optional<Integer> mode = f.get().get("mode").flatMap(n -> mode(n, f.get().path("mode")));
    if (src.isEmpty() || dest.isEmpty()) return Optional.empty();
    return Optional.of(new Step.Copy(src.get(), dest.get(), mode, values.problems().at(node)));
  }

  private Optional<Step> run(Node node, String path) {
    if (node instanceof MappingNode) {
      Optional<Fields> f = Fields.read(node, path, RUN_KEYS, values);
      if (f.isEmpty()) return Optional.empty();
      Optional<String> command =
          required(f.get(), "command").flatMap(n -> values.nonEmpty(n, f.get().path("command")));
      boolean network =
          f.get()
              .get("network")
              .flatMap(n -> values.bool(n, f.get().path("network")))
              .orElse(false);
      return command.map(c -> new Step.Run(c, network, values.problems().at(node)));
    }
    if (node instanceof SequenceNode) {
      values.report(
          node,
          path + ": expected a command string, got a list",
          "a run step is one shell command: write run: \"a && b\" or one item per step");
      return Optional.empty();
    }
    return values.nonEmpty(node, path).map(c -> new Step.Run(c, false, values.problems().at(node)));
  }

  /** Absolute, and inside the image root: the baker's own rule ({@link BlueprintFolder}). */
  private Optional<String> dest(Node node, String path) {
    Optional<String> dest = values.absolutePath(node, path);
    Optional<String> problem = dest.flatMap(BlueprintFolder::destProblem);
    if (problem.isPresent()) {
      values.report(node, path + ": " + problem.get(), "write the path as it is in the image");
      return Optional.empty();
    }
    return dest;
  }

  /**
   * Relative, lexically inside the blueprint folder, and (when the folder is checked) there, as the
   * baker will find it.
   */
  private Optional<String> source(Node node, String path) {
    Optional<String> src = values.nonEmpty(node, path);
    if (src.isEmpty()) return src;
    Path p = Path.of(src.get());
    if (p.isAbsolute()) {
      values.report(
          node,
          path + ": '" + src.get() + "' must be relative to the blueprint folder",
          "copy sources are files next to kiln.yaml; write e.g. site/ instead of an absolute"
              + " path");
      return Optional.empty();
    }
    Path normal = p.normalize();
    if (normal.startsWith("..")) {
      values.report(
          node,
          path + ": '" + src.get() + "' escapes the blueprint folder",
          "copy sources must stay inside the folder that holds kiln.yaml");
      return Optional.empty();
    }
    if (folder.isPresent()
        && BlueprintFolder.source(folder.get(), src.get())
            instanceof BlueprintFolder.Source.Refused refused) {
      values.report(node, path + ": " + refused.message());
      return Optional.empty();
    }
    return src;
  }

  private Optional<Integer> mode(Node node, String path) {
    Optional<String> text = values.string(node, path);
    if (text.isEmpty()) return Optional.empty();
    Optional<Integer> mode = Quantities.mode(text.get());
    if (mode.isEmpty()) {
      values.report(node, path + ": '" + text.get() + "' is not a file mode", Quantities.MODE_HINT);
    }
    return mode;
  }

  private Optional<Node> required(Fields f, String key) {
    return f.require(key, values.problems());
  }
}
