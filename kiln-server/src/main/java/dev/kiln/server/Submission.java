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
record Submission(
    String content,
    Path label,
    Map<String, Digest> images,
    Optional<String> commit,
    Map<String, String> certificates) {
  private static final int MAX_NAME = 255;

  /** A PEM chain of a few certificates is a few KiB; this leaves room and stops nonsense. */
  static final int MAX_CERTIFICATE_CHARS = 64 * 1024;

  Submission {
    images = Map.copyOf(images);
    certificates = Map.copyOf(certificates);
  }

  Submission(String content, Path label, Map<String, Digest> images, Optional<String> commit) {
    this(content, label, images, commit, Map.of());
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
    return new Submission(text.asText(), label, images, commit, certificates(body));
  }

  /**
   * {@code "certificates": {"certs/app.pem": "-----BEGIN CERTIFICATE-----…"}}: the content of each
   * {@code route.tls.cert} file, keyed as the blueprint writes it, read by the client where the
   * blueprint is (the server opens no path a client names). Public certificates only: a private key
   * here is refused.
   */
  private static Map<String, String> certificates(JsonNode body) {
    JsonNode given = body.path("certificates");
    if (given.isMissingNode() || given.isNull()) return Map.of();
    if (!given.isObject())
      throw new ServerException(
          "\"certificates\" must be an object of certificate file (as the blueprint writes it) ->"
              + " PEM text");
    Map<String, String> out = new TreeMap<>();
    given
        .fields()
        .forEachRemaining(
            e -> {
              String pem = e.getValue().asText("");
              if (!e.getValue().isTextual() || pem.length() > MAX_CERTIFICATE_CHARS)
                throw new ServerException(
                    "certificates."
                        + e.getKey()
                        + ": must be PEM text of at most "
                        + MAX_CERTIFICATE_CHARS
                        + " characters");
              if (pem.contains("PRIVATE KEY-----"))
                throw new ServerException(
                    "certificates."
                        + e.getKey()
                        + ": holds a private key; send the certificate chain only and keep the key"
                        + " in a secret named by route.tls.key");
              out.put(e.getKey(), pem);
            });
    return out;
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
