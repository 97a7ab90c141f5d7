package dev.kiln.blueprint;

import dev.kiln.model.Base;
import dev.kiln.model.ImageRecipe;
import dev.kiln.model.ImageTest;
import dev.kiln.model.Step;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/** Reads one entry of {@code images:} into an {@link ImageRecipe}. */
final class ImageReader {
  static final List<String> KEYS =
      List.of(
          "from",
          "steps",
          "copy",
          "run",
          "env",
          "workdir",
          "user",
          "entrypoint",
          "cmd",
          "expose",
          "labels",
          "test");
  private static final List<String> HTTP_TEST_KEYS = List.of("http", "expect");
  private static final List<String> COMMAND_TEST_KEYS = List.of("command", "expect-exit");

  private final Values values;
  private final BaseReader bases;
  private final StepReader steps;
  private final References references;

  /**
   * @param checkFolder whether copy sources and file bases are checked in {@code folder}
   */
  ImageReader(Values values, Path folder, boolean checkFolder, References references) {
    this.values = values;
    this.references = references;
    this.bases = new BaseReader(values, folder, checkFolder);
    this.steps = new StepReader(values, checkFolder ? Optional.of(folder) : Optional.empty());
  }

  /** Empty if the image has a problem (already reported). */
  Optional<ImageRecipe> read(Values.Entry entry) {
    String path = "images." + entry.key();
    if (!Names.isDnsLabel(entry.key())) {
      values.report(entry.keyNode(), path + ": invalid image name", Names.DNS_LABEL_HINT);
    }
    Optional<Fields> read = Fields.read(entry.value(), path, KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    Optional<Base> from = Optional.empty();
    if (f.has("from")) {
      Node fromNode = f.get("from").orElseThrow();
      from = bases.read(fromNode, f.path("from"));
      if (from.isPresent() && from.get() instanceof Base.BlueprintImage parent) {
        if (references.image(parent.name(), fromNode, f.path("from"))) {
          references.parent(entry.key(), parent);
        }
      }
    } else {
      values.report(
          entry.keyNode(),
          path + ": missing required key 'from'",
          "write from: scratch for an empty image; " + BaseReader.FORMS);
    }
    Optional<List<Step>> stepList = steps.read(f);
    Map<String, String> env =
        f.get("env")
            .flatMap(n -> values.stringMap(n, f.path("env"), Values::envKeyProblem))
            .orElse(Map.of());
    Optional<String> workdir =
        f.get("workdir").flatMap(n -> values.absolutePath(n, f.path("workdir")));
    Optional<String> user = f.get("user").flatMap(n -> values.nonEmpty(n, f.path("user")));
    List<String> entrypoint = command(f, "entrypoint");
    List<String> cmd = command(f, "cmd");
    List<Integer> expose =
        f.get("expose")
            .flatMap(
                n ->
                    values
                        .list(n, f.path("expose"))
                        .flatMap(
                            items ->
                                values.all(
                                    items,
                                    f.path("expose"),
                                    (i, p) -> values.integer(i, p, 1, 65535))))
            .orElse(List.of());
    Map<String, String> labels =
        f.get("labels")
            .flatMap(n -> values.stringMap(n, f.path("labels"), this::labelKeyProblem))
            .orElse(Map.of());
    List<ImageTest> tests =
        f.get("test")
            .flatMap(
                n ->
                    values
                        .list(n, f.path("test"))
                        .flatMap(items -> values.all(items, f.path("test"), this::test)))
            .orElse(List.of());
    if (from.isEmpty() || stepList.isEmpty()) return Optional.empty();
    return Optional.of(
        new ImageRecipe(
            entry.key(),
            from.get(),
            stepList.get(),
            env,
            workdir,
            user,
            entrypoint,
            cmd,
            expose,
            labels,
            tests,
            values.problems().at(entry.keyNode())));
  }

  private List<String> command(Fields f, String key) {
    return f.get(key)
        .flatMap(
            n -> {
              if (!Values.isNull(n) && !(n instanceof SequenceNode)) {
                values.report(
                    n,
                    f.path(key) + ": expected a list, got " + Values.describe(n),
                    "write it exec-style: [ /bin/sh, -c, \"...\" ]");
                return Optional.empty();
              }
              return Values.isNull(n)
                  ? Optional.of(List.<String>of())
                  : values.strings(n, f.path(key));
            })
        .orElse(List.of());
  }

  private Optional<String> labelKeyProblem(String key) {
    return key.isBlank() || key.chars().anyMatch(Character::isWhitespace)
        ? Optional.of(
            "label keys are non-empty and have no spaces, e.g. org.opencontainers.image.title")
        : Optional.empty();
  }

  /** {@code { http: /, expect: 200 }} or {@code { command: [...], expect-exit: 0 }}. */
  private Optional<ImageTest> test(Node node, String path) {
    boolean http =
        node instanceof MappingNode m
            && m.getValue().stream()
                .anyMatch(
                    t -> t.getKeyNode() instanceof ScalarNode s && s.getValue().equals("http"));
    Optional<Fields> read =
        Fields.read(node, path, http ? HTTP_TEST_KEYS : COMMAND_TEST_KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    if (http) {
      Optional<String> target = f.get("http").flatMap(n -> values.string(n, f.path("http")));
      int expect =
          f.get("expect").flatMap(n -> values.integer(n, f.path("expect"), 100, 599)).orElse(200);
      if (target.isPresent() && !target.get().startsWith("/")) {
        values.report(
            f.get("http").orElseThrow(), f.path("http") + ": must be a path starting with /");
        return Optional.empty();
      }
      return target.map(t -> new ImageTest.Http(t, expect, values.problems().at(node)));
    }
    if (!f.has("command")) {
      values.report(
          node,
          path + ": a test needs http: or command:",
          "write { http: /, expect: 200 } or { command: [ /bin/sh, -c, \"...\" ] }");
      return Optional.empty();
    }
    Optional<List<String>> command =
        f.get("command").flatMap(n -> values.strings(n, f.path("command")));
    int exit =
        f.get("expect-exit")
            .flatMap(n -> values.integer(n, f.path("expect-exit"), 0, 255))
            .orElse(0);
    if (command.isPresent() && command.get().isEmpty()) {
      values.report(f.get("command").orElseThrow(), f.path("command") + ": must not be empty");
      return Optional.empty();
    }
    return command.map(c -> new ImageTest.Command(c, exit, values.problems().at(node)));
  }
}
