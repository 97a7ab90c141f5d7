package dev.kiln.controller;

import dev.kiln.model.Digest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One immutable version of a service: an image digest and a runtime config, numbered 1, 2, 3… per
 * service. Two revisions with the same {@link #contentDigest()} start identical instances; a
 * rollback makes a new number with an old content.
 */
public record Revision(String service, int number, Digest image, RuntimeConfig config) {
  public Revision {
    if (service.isBlank()) throw new IllegalArgumentException("service is blank");
    if (number < 1) throw new IllegalArgumentException("revision numbers start at 1: " + number);
  }

  /** A new number for the same content (what a rollback creates). */
  public Revision renumbered(int newNumber) {
    return new Revision(service, newNumber, image, config);
  }

  /**
   * sha256 over the canonical bytes of (image, config): one {@code name=value} line per field,
   * sorted by name, with backslash, newline and '=' escaped so that no two different field sets
   * share bytes. The service name and number are excluded: they identify a revision, they are not
   * its content.
   */
  public Digest contentDigest() {
    return Digest.of(canonicalBytes());
  }

  public boolean sameContentAs(Revision other) {
    return image.equals(other.image) && config.fields().equals(other.config.fields());
  }

  byte[] canonicalBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    line(out, "image", image.toString());
    for (Map.Entry<String, String> e : config.fields().entrySet())
      line(out, e.getKey(), e.getValue());
    return out.toByteArray();
  }

  private static void line(ByteArrayOutputStream out, String name, String value) {
    out.writeBytes((escape(name) + "=" + escape(value) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("=", "\\=");
  }

  @Override
  public String toString() {
    return service + "@" + number;
  }
}
