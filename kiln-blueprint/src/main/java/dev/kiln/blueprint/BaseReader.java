package dev.kiln.blueprint;

import dev.kiln.model.Base;
import dev.kiln.model.Location;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads {@code from:}. Paths of {@code oci:} and {@code docker-archive:} bases are relative to the
 * blueprint's folder and resolved to absolute paths here, so the model never depends on the working
 * directory.
 */
final class BaseReader {
  static final String FORMS =
      "valid forms: scratch | debian:<suite> | oci:<dir>[:<tag>] | docker-archive:<tar> |"
          + " image:<name>";
  private static final Pattern SUITE = Pattern.compile("[a-z][a-z0-9-]*");

  private final Values values;
  private final Path folder;
  private final boolean checkFolder;

  BaseReader(Values values, Path folder, boolean checkFolder) {
    this.values = values;
    this.folder = folder;
    this.checkFolder = checkFolder;
  }

  Optional<Base> read(Node node, String path) {
    Optional<Base> base = lexical(node, path);
    if (checkFolder && base.isPresent()) {
      Optional<String> problem = BlueprintFolder.baseProblem(base.get());
      if (problem.isPresent()) {
        return bad(
            node,
            path + ": " + problem.get(),
            "paths of bases are relative to the blueprint folder " + folder);
      }
    }
    return base;
  }

  private Optional<Base> lexical(Node node, String path) {
    Optional<String> text = values.nonEmpty(node, path);
    if (text.isEmpty()) return Optional.empty();
    String from = text.get();
    Location at = values.problems().at(node);
    if (from.equals("scratch")) return Optional.of(new Base.Scratch(at));
    int colon = from.indexOf(':');
    String prefix = colon < 0 ? from : from.substring(0, colon);
    String rest = colon < 0 ? "" : from.substring(colon + 1);
    if (colon >= 0 && rest.isEmpty()) {
      return bad(node, path + ": '" + from + "' names no " + prefix + " source", FORMS);
    }
    return switch (colon < 0 ? "" : prefix) {
      case "debian" ->
          SUITE.matcher(rest).matches()
              ? Optional.of(new Base.Debian(rest, at))
              : bad(node, path + ": '" + rest + "' is not a Debian suite", "e.g. debian:bookworm");
      case "oci" -> oci(rest, at, node, path);
      case "docker-archive" -> Optional.of(new Base.DockerArchive(resolve(rest), at));
      case "image" ->
          Names.isDnsLabel(rest)
              ? Optional.of(new Base.BlueprintImage(rest, at))
              : bad(node, path + ": '" + rest + "' is not an image name", Names.DNS_LABEL_HINT);
      default -> bad(node, path + ": unknown base '" + from + "'", FORMS);
    };
  }

  /** The tag follows the last colon, unless what follows contains a '/' (then it is all a path). */
  private Optional<Base> oci(String rest, Location at, Node node, String path) {
    int last = rest.lastIndexOf(':');
    if (last < 0 || rest.substring(last + 1).contains("/")) {
      return Optional.of(new Base.OciLayout(resolve(rest), Optional.empty(), at));
    }
    String dir = rest.substring(0, last);
    String tag = rest.substring(last + 1);
    if (dir.isEmpty() || tag.isEmpty()) {
      return bad(
          node, path + ": 'oci:" + rest + "' needs a folder and a tag", "e.g. oci:build/out:1.0");
    }
    return Optional.of(new Base.OciLayout(resolve(dir), Optional.of(tag), at));
  }

  private Path resolve(String relative) {
    return folder.resolve(relative).normalize();
  }

  private Optional<Base> bad(Node node, String message, String hint) {
    values.report(node, message, hint);
    return Optional.empty();
  }
}
