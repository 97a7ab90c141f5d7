package dev.kiln.model;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code sha256:<64 lowercase hex>}: the only way Kiln refers to anything
 * deployable. Validated on construction so that a bad digest never travels further than the place
 * it was read.
 */
public record Digest(String hex) implements Comparable<Digest> {
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  public static final String ALGORITHM = "sha256";

  public Digest {
    if (hex == null || !HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException("not a sha256 digest: " + hex);
    }
  }

  /**
   * Parses {@code sha256:<hex>}; throws IllegalArgumentException with the offending text otherwise.
   */
  public static Digest parse(String text) {
    if (text == null || !text.startsWith(ALGORITHM + ":")) {
      throw new IllegalArgumentException("not a sha256 digest (expected sha256:<64 hex>): " + text);
    }
    return new Digest(text.substring(ALGORITHM.length() + 1));
  }

  public static boolean isDigest(String text) {
    return text != null
        && text.startsWith(ALGORITHM + ":")
        && HEX.matcher(text.substring(ALGORITHM.length() + 1)).matches();
  }

  public static Digest of(byte[] content) {
    return new Digest(HexFormat.of().formatHex(newSha256().digest(content)));
  }

  public static Digest ofHash(MessageDigest finished) {
    return new Digest(HexFormat.of().formatHex(finished.digest()));
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** The first 12 hex characters, for humans (like docker's short ids). */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return ALGORITHM + ":" + hex;
  }

  @Override
  public int compareTo(Digest o) {
    return hex.compareTo(o.hex);
  }
}
