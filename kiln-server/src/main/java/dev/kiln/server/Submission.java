package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.model.Digest;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A blueprint as it reaches the server: its text, never a path. The server opens no file a caller
 * names; the client reads the blueprint (and bakes its images) where the blueprint's files are.
 *
 * @param content the blueprint's text
 * @param label {@code folder/kiln.yaml}: only what errors and the journal call the file; never
 *     opened
 * @param images image name → digest, as the client baked or found them; names missing here are
 *     looked up by tag in the server's store
 * @param commit the git commit of the blueprint's folder, if the client knows it
 */
record Submission(String content, Path label, Map<String, Digest> images, Optional<String> commit) {
  private static final int MAX_NAME = 255;

  Submission {
    images = Map.copyOf(images);
  }

  /**
   * The body of {@code POST /v1/plan} and {@code /v1/apply}: {@code {"blueprint": "<text>", "name":
   * "kiln.yaml", "folder": "hello", "images": {"web": "sha256:…"}, "commit": "…"}}. A {@code file}
   * is refused before anything is read.
   */
  static Submission fromJson(JsonNode body) {
    if (body.has("file")) {
      throw new ServerException(
          "the server reads no file a client names; send the blueprint's text instead: "
              + "{\"blueprint\": \"<content of kiln.yaml>\", \"name\": \"kiln.yaml\"} (the kiln CLI"
              + " does this)");
    }
    JsonNode text = body.get("blueprint");
    if (text == null || !text.isTextual()) {
      throw new ServerException(
          "the request needs {\"blueprint\": \"<content of kiln.yaml>\", \"name\": \"kiln.yaml\"}");
    }
    String name = segment(body, "name").orElse("kiln.yaml");
    Path label = segment(body, "folder").map(f -> Path.of(f, name)).orElse(Path.of(name));
    Map<String, Digest> images = new TreeMap<>();
    JsonNode given = body.path("images");
    if (!given.isMissingNode() && !given.isNull() && !given.isObject())
      throw new ServerException("\"images\" must be an object of image name -> sha256 digest");
    given
        .fields()
        .forEachRemaining(
            e -> {
              try {
                images.put(e.getKey(), Digest.parse(e.getValue().asText()));
              } catch (RuntimeException ex) {
                throw new ServerException(
                    "images." + e.getKey() + ": not a digest (" + ex.getMessage() + ")");
              }
            });
    Optional<String> commit =
        Optional.ofNullable(body.get("commit"))
            .map(JsonNode::asText)
            .filter(c -> c.matches("[0-9a-f]{40}|[0-9a-f]{64}"));
    return new Submission(text.asText(), label, images, commit);
  }

  /**
   * A plain file or folder name: no separator, no "..", nothing the server could mistake for a
   * path.
   */
  private static Optional<String> segment(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) return Optional.empty();
    String s = n.asText();
    if (s.isEmpty()
        || s.length() > MAX_NAME
        || s.equals(".")
        || s.equals("..")
        || s.chars().anyMatch(c -> c == '/' || c == '\\' || c < 0x20)) {
      throw new ServerException(
          "\""
              + field
              + "\" must be a plain name (no '/', no '..', at most "
              + MAX_NAME
              + " characters), e.g. \"kiln.yaml\"");
    }
    return Optional.of(s);
  }
}
