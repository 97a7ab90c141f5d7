package dev.kiln.blueprint;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Typed reads of YAML nodes. Each read either returns the value or records a located problem and
 * returns empty, so that parsing goes on and every problem of the file is found in one pass.
 */
final class Values {
  /** One entry of a free-form mapping (env, labels, volumes, images, services). */
  record Entry(ScalarNode keyNode, String key, Node value) {}

  private final Problems problems;

  Values(Problems problems) {
    this.problems = problems;
  }

  Problems problems() {
    return problems;
  }

  void report(Node node, String message) {
    problems.add(node, message);
  }

  void report(Node node, String message, String hint) {
    problems.add(node, message, hint);
  }

  static String describe(Node node) {
    if (node instanceof MappingNode) return "a mapping";
    if (node instanceof SequenceNode) return "a list";
    if (node instanceof ScalarNode s) {
      Tag tag = s.getTag();
      if (tag.equals(Tag.NULL)) return "nothing";
      if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)) return "a number " + s.getValue();
      if (tag.equals(Tag.BOOL)) return "a boolean " + s.getValue();
      return "a string '" + s.getValue() + "'";
    }
    return "a " + node.getNodeType().name().toLowerCase();
  }

  static boolean isNull(Node node) {
    return node instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
  }

  /** A string; numbers and booleans are taken as written (PORT: 8080 means "8080"). */
  Optional<String> string(Node node, String path) {
    if (node instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
      // No value Kiln uses (paths, commands, env) can carry a NUL; refusing it here keeps every
      // later Path.of() and exec from failing far from the blueprint.
      if (s.getValue().indexOf('\0') >= 0) {
        problems.add(node, path + ": must not contain a NUL character");
        return Optional.empty();
      }
      return Optional.of(s.getValue());
    }
    problems.add(node, path + ": expected a string, got " + describe(node));
    return Optional.empty();
  }

  Optional<String> nonEmpty(Node node, String path) {
    Optional<String> s = string(node, path);
    if (s.isPresent() && s.get().isBlank()) {
      problems.add(node, path + ": must not be empty");
      return Optional.empty();
    }
    return s;
  }

  Optional<String> absolutePath(Node node, String path) {
    Optional<String> p = nonEmpty(node, path);
    if (p.isPresent() && !p.get().startsWith("/")) {
      problems.add(
          node, path + ": must be an absolute path, got '" + p.get() + "'", "start it with /");
      return Optional.empty();
    }
    return p;
  }

  Optional<Integer> integer(Node node, String path, int min, int max) {
    if (!(node instanceof ScalarNode s && s.getTag().equals(Tag.INT))) {
      problems.add(node, path + ": expected a whole number, got " + describe(node));
      return Optional.empty();
    }
    Optional<Integer> value = Quantities.integer(s.getValue());
    if (value.isEmpty() || value.get() < min || value.get() > max) {
      problems.add(
          node, path + ": " + s.getValue() + " is out of range", "use " + min + " to " + max);
      return Optional.empty();
    }
    return value;
  }

  Optional<Boolean> bool(Node node, String path) {
    if (node instanceof ScalarNode s && s.getTag().equals(Tag.BOOL)) {
      return Optional.of(Boolean.parseBoolean(s.getValue().toLowerCase()));
    }
    problems.add(node, path + ": expected true or false, got " + describe(node));
    return Optional.empty();
  }

  Optional<Duration> duration(Node node, String path) {
    Optional<String> text = string(node, path);
    if (text.isEmpty()) return Optional.empty();
    Optional<Duration> d = Quantities.duration(text.get());
    if (d.isEmpty()) {
      problems.add(
          node, path + ": '" + text.get() + "' is not a duration", Quantities.DURATION_HINT);
    }
    return d;
  }

  Optional<Duration> positiveDuration(Node node, String path) {
    return check(
        duration(node, path),
        node,
        d -> !d.isZero(),
        path + ": must be longer than 0",
        Quantities.DURATION_HINT);
  }

  Optional<Double> percent(Node node, String path) {
    Optional<String> text = string(node, path);
    if (text.isEmpty()) return Optional.empty();
    Optional<Double> p = Quantities.percent(text.get());
    if (p.isEmpty()) {
      problems.add(
          node, path + ": '" + text.get() + "' is not a percentage", Quantities.PERCENT_HINT);
    }
    return p;
  }

  Optional<List<Node>> list(Node node, String path) {
    if (node instanceof SequenceNode seq) return Optional.of(seq.getValue());
    problems.add(node, path + ": expected a list, got " + describe(node));
    return Optional.empty();
  }

  Optional<List<String>> strings(Node node, String path) {
    return list(node, path).flatMap(items -> all(items, path, this::string));
  }

  /** Reads every item (reporting each bad one); empty if any item was bad. */
  <T> Optional<List<T>> all(List<Node> items, String path, Reader<T> reader) {
    List<T> out = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < items.size(); i++) {
      Optional<T> item = reader.read(items.get(i), path + "[" + i + "]");
      item.ifPresent(out::add);
      ok &= item.isPresent();
    }
    return ok ? Optional.of(out) : Optional.empty();
  }

  Optional<List<Entry>> entries(Node node, String path) {
    if (isNull(node)) return Optional.of(List.of()); // "images:" with nothing under it
    if (!(node instanceof MappingNode mapping)) {
      problems.add(node, path + ": expected a mapping, got " + describe(node));
      return Optional.empty();
    }
    List<Entry> out = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    for (NodeTuple tuple : mapping.getValue()) {
      if (!(tuple.getKeyNode() instanceof ScalarNode key) || isNull(key)) {
        problems.add(tuple.getKeyNode(), path + ": keys must be plain words");
        continue;
      }
      if (seen.contains(key.getValue())) continue; // reported by TreeCheck
      seen.add(key.getValue());
      out.add(new Entry(key, key.getValue(), tuple.getValueNode()));
    }
    return Optional.of(out);
  }

  /**
   * A string-to-string mapping whose keys must pass {@code keyCheck} (a hint, or empty if fine).
   */
  Optional<Map<String, String>> stringMap(
      Node node, String path, Function<String, Optional<String>> keyProblem) {
    Optional<List<Entry>> entries = entries(node, path);
    if (entries.isEmpty()) return Optional.empty();
    Map<String, String> out = new LinkedHashMap<>();
    boolean ok = true;
    for (Entry e : entries.get()) {
      Optional<String> bad = keyProblem.apply(e.key());
      if (bad.isPresent()) {
        problems.add(e.keyNode(), path + ": invalid name '" + e.key() + "'", bad.get());
        ok = false;
      }
      Optional<String> value = string(e.value(), path + "." + e.key());
      value.ifPresent(v -> out.put(e.key(), v));
      ok &= value.isPresent();
    }
    return ok ? Optional.of(out) : Optional.empty();
  }

  static Optional<String> envKeyProblem(String key) {
    return Names.isEnvKey(key) ? Optional.empty() : Optional.of(Names.ENV_KEY_HINT);
  }

  <T> Optional<T> check(
      Optional<T> value, Node node, Predicate<T> ok, String message, String hint) {
    if (value.isPresent() && !ok.test(value.get())) {
      problems.add(node, message, hint);
      return Optional.empty();
    }
    return value;
  }

  @FunctionalInterface
  interface Reader<T> {
    Optional<T> read(Node node, String path);
  }
}
