package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.BlueprintRequest;
import dev.kiln.model.Digest;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

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
    // read as the kiln-api record the CLI sends; a field of the wrong shape is named as before
    BlueprintRequest request = RequestBodies.read(body, BlueprintRequest.class, Submission::wrong);
    String text = request.blueprint();
    if (text == null) throw new ServerException(wrong("blueprint"));
    String name = segment(request.name(), "name").orElse("kiln.yaml");
    Path label =
        segment(request.folder(), "folder").map(f -> Path.of(f, name)).orElse(Path.of(name));
    Map<String, Digest> images = new TreeMap<>();
    Map<String, String> given = request.images();
    if (given != null)
      given.forEach(
          (image, digest) -> {
            try {
              images.put(image, Digest.parse(digest));
            } catch (RuntimeException ex) {
              throw new ServerException(
                  "images." + image + ": not a digest (" + ex.getMessage() + ")");
            }
          });
    // anything else is not a commit id: left out, as before
    Optional<String> commit =
        Optional.ofNullable(request.commit()).filter(c -> c.matches("[0-9a-f]{40}|[0-9a-f]{64}"));
    return new Submission(text, label, images, commit, certificates(request.certificates()));
  }

  /** The message for a field whose value is not of the request's type ({@code images.web}...). */
  private static String wrong(String field) {
    if (field.equals("blueprint") || field.equals("BlueprintRequest"))
      return "the request needs {\"blueprint\": \"<content of kiln.yaml>\", \"name\": \"kiln.yaml\"}";
    if (field.equals("name") || field.equals("folder")) return plainName(field);
    if (field.equals("images"))
      return "\"images\" must be an object of image name -> sha256 digest";
    if (field.startsWith("images.")) return field + ": not a digest (a sha256:... text is due)";
    if (field.equals("certificates"))
      return "\"certificates\" must be an object of certificate file (as the blueprint writes it) ->"
          + " PEM text";
    if (field.startsWith("certificates.")) return certificateTooLong(field);
    return field + ": of the wrong type; see POST /v1/plan in GET /v1/openapi.yaml";
  }

  private static String certificateTooLong(String field) {
    return field + ": must be PEM text of at most " + MAX_CERTIFICATE_CHARS + " characters";
  }

  /**
   * {@code "certificates": {"certs/app.pem": "-----BEGIN CERTIFICATE-----…"}}: the content of each
   * {@code route.tls.cert} file, keyed as the blueprint writes it, read by the client where the
   * blueprint is (the server opens no path a client names). Public certificates only: a private key
   * here is refused.
   */
  private static Map<String, String> certificates(@Nullable Map<String, String> given) {
    if (given == null) return Map.of();
    Map<String, String> out = new TreeMap<>();
    given.forEach(
        (file, pem) -> {
          if (pem == null || pem.length() > MAX_CERTIFICATE_CHARS)
            throw new ServerException(certificateTooLong("certificates." + file));
          if (pem.contains("PRIVATE KEY-----"))
            throw new ServerException(
                "certificates."
                    + file
                    + ": holds a private key; send the certificate chain only and keep the key"
                    + " in a secret named by route.tls.key");
          out.put(file, pem);
        });
    return out;
  }

  /**
   * A plain file or folder name: no separator, no "..", nothing the server could mistake for a
   * path.
   */
  private static Optional<String> segment(@Nullable String s, String field) {
    if (s == null) return Optional.empty();
    if (s.isEmpty()
        || s.length() > MAX_NAME
        || s.equals(".")
        || s.equals("..")
        || s.chars().anyMatch(c -> c == '/' || c == '\\' || c < 0x20)) {
      throw new ServerException(plainName(field));
    }
    return Optional.of(s);
  }

  private static String plainName(String field) {
    return "\""
        + field
        + "\" must be a plain name (no '/', no '..', at most "
        + MAX_NAME
        + " characters), e.g. \"kiln.yaml\"";
  }
}
