package dev.kiln.blueprint;

import dev.kiln.model.JournalKinds;
import dev.kiln.model.Notify;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * The top-level {@code notify: { webhook: URL, events: [rollout-*, ...], secret: NAME }} (or a list
 * of such entries) and the top-level {@code secrets: [NAME, ...]} that declares the secrets the
 * control plane itself uses — webhook signing keys, which are never handed to an instance.
 */
final class NotifyReader {
  static final List<String> KEYS = List.of("webhook", "events", "secret");

  private NotifyReader() {}

  static List<Notify> read(Node root, Problems problems) {
    if (!(root instanceof MappingNode top)) return List.of();
    Values values = new Values(problems);
    Set<String> declared = declared(top(top, "secrets"), values);
    Node node = top(top, "notify");
    if (node == null || Values.isNull(node)) return List.of();
    List<Notify> out = new ArrayList<>();
    if (node instanceof SequenceNode seq) {
      for (int i = 0; i < seq.getValue().size(); i++)
        entry(seq.getValue().get(i), "notify[" + i + "]", declared, values).ifPresent(out::add);
    } else {
      entry(node, "notify", declared, values).ifPresent(out::add);
    }
    return out;
  }

  private static @Nullable Node top(MappingNode top, String key) {
    for (NodeTuple t : top.getValue())
      if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key))
        return t.getValueNode();
    return null;
  }

  /** The names under the top-level {@code secrets:}. */
  private static Set<String> declared(@Nullable Node node, Values values) {
    Set<String> out = new LinkedHashSet<>();
    if (node == null || Values.isNull(node)) return out;
    List<Node> items = values.list(node, "secrets").orElse(List.of());
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String path = "secrets[" + i + "]";
      Optional<String> name = values.nonEmpty(item, path);
      if (name.isEmpty()) continue;
      if (!Names.isEnvKey(name.get())) {
        values.report(
            item, path + ": invalid secret name '" + name.get() + "'", Names.ENV_KEY_HINT);
      } else if (!out.add(name.get())) {
        values.report(
            item, path + ": duplicate secret '" + name.get() + "'", "list each secret once");
      }
    }
    return out;
  }

  private static Optional<Notify> entry(
      Node node, String path, Set<String> declared, Values values) {
    Optional<Fields> read = Fields.read(node, path, KEYS, values);
    if (read.isEmpty()) return Optional.empty();
    Fields f = read.get();
    Optional<URI> url =
        f.require("webhook", values.problems()).flatMap(n -> url(n, f.path("webhook"), values));
    Optional<List<String>> events =
        f.require("events", values.problems()).flatMap(n -> events(n, f.path("events"), values));
    Optional<String> secret =
        f.require("secret", values.problems())
            .flatMap(n -> secret(n, f.path("secret"), declared, values));
    if (url.isEmpty() || events.isEmpty() || secret.isEmpty()) return Optional.empty();
    return Optional.of(new Notify(url.get(), events.get(), secret.get()));
  }

  private static Optional<URI> url(Node node, String path, Values values) {
    Optional<String> text = values.nonEmpty(node, path);
    if (text.isEmpty()) return Optional.empty();
    String hint = "write an absolute http:// or https:// URL, e.g. https://hooks.example.org/kiln";
    URI uri;
    try {
      uri = new URI(text.get());
    } catch (URISyntaxException e) {
      values.report(node, path + ": '" + text.get() + "' is not a URL: " + e.getReason(), hint);
      return Optional.empty();
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      values.report(
          node,
          path
              + ": '"
              + text.get()
              + "' is not an http(s) URL"
              + (scheme.isEmpty() ? "" : " (scheme " + scheme + ")"),
          hint);
      return Optional.empty();
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      values.report(node, path + ": '" + text.get() + "' names no host", hint);
      return Optional.empty();
    }
    if (uri.getUserInfo() != null) {
      values.report(
          node,
          path + ": '" + text.get() + "' carries credentials",
          "the URL is journaled: authenticate the delivery with secret: instead");
      return Optional.empty();
    }
    return Optional.of(uri);
  }

  private static Optional<List<String>> events(Node node, String path, Values values) {
    Optional<List<Node>> items = values.list(node, path);
    if (items.isEmpty()) return Optional.empty();
    if (items.get().isEmpty()) {
      values.report(
          node, path + ": no events", "name journal kinds, e.g. [rollout-*, instance-drifted]");
      return Optional.empty();
    }
    List<String> out = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < items.get().size(); i++) {
      Node item = items.get().get(i);
      String itemPath = path + "[" + i + "]";
      Optional<String> pattern = values.nonEmpty(item, itemPath);
      if (pattern.isEmpty()) {
        ok = false;
        continue;
      }
      String p = pattern.get();
      if (!JournalKinds.deliverable(p).isEmpty()) {
        out.add(p);
        continue;
      }
      ok = false;
      if (p.startsWith("notify-")) {
        values.report(
            item,
            itemPath + ": '" + p + "' is not delivered to webhooks",
            "a delivery's own outcome is journaled only (read it with kiln journal --kind "
                + "notify-failed)");
      } else if (p.contains("*")) {
        values.report(
            item,
            itemPath + ": '" + p + "' matches no journal kind",
            "journal kinds: " + String.join(", ", JournalKinds.DELIVERABLE));
      } else {
        values.report(
            item,
            itemPath + ": unknown journal kind '" + p + "'",
            Suggestions.hint(p, JournalKinds.DELIVERABLE, "journal kinds"));
      }
    }
    return ok ? Optional.of(out) : Optional.empty();
  }

  private static Optional<String> secret(
      Node node, String path, Set<String> declared, Values values) {
    Optional<String> name = values.nonEmpty(node, path);
    if (name.isEmpty()) return Optional.empty();
    if (!declared.contains(name.get())) {
      values.report(
          node,
          path + ": secret '" + name.get() + "' is not declared",
          "declare it at the top level, secrets: [ "
              + name.get()
              + " ]; its value comes from the server's environment or $KILN_HOME/secrets/"
              + name.get());
      return Optional.empty();
    }
    return name;
  }
}
