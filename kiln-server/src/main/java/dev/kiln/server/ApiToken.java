package dev.kiln.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A bearer token kept in a 0600 file of {@code $KILN_HOME}, generated if missing: every TCP
 * listener of Kiln requires one, loopback included, because every local process — an instance's too
 * — can reach loopback. The API's is {@code api-token}; the router's admin interface has its own.
 * The principal a token proves is its id — the first 12 hex characters of its sha256, never the
 * token itself.
 */
final class ApiToken {
  private final byte[] token;
  private final String id;

  private ApiToken(byte[] token, String id) {
    this.token = token;
    this.id = id;
  }

  /** The token in {@code file}, created (0600) if it does not exist yet. */
  static ApiToken load(Path file) {
    byte[] bytes = loadOrCreate(file).getBytes(StandardCharsets.UTF_8);
    return new ApiToken(bytes, "token:" + sha256(bytes).substring(0, 12));
  }

  /** The principal for an {@code Authorization} header, or empty if it is missing or wrong. */
  Optional<String> authenticate(Map<String, String> lowerCaseHeaders) {
    return authenticate(lowerCaseHeaders.get("authorization"));
  }

  Optional<String> authenticate(@Nullable String header) {
    if (header == null || !header.startsWith("Bearer ")) return Optional.empty();
    byte[] sent = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(sent, token) ? Optional.of(id) : Optional.empty();
  }

  /** The token itself, for the one client that must send it (the server to its router). */
  String value() {
    return new String(token, StandardCharsets.UTF_8);
  }

  private static String loadOrCreate(Path file) {
    try {
      if (Files.exists(file)) {
        String t = Files.readString(file).strip();
        // An empty token would let an empty "Bearer " header in.
        if (t.length() < 16)
          throw new ServerException(
              file
                  + " holds no usable token (under 16 characters); delete it and a new one is made");
        return t;
      }
      byte[] b = new byte[32];
      new SecureRandom().nextBytes(b);
      String t = HexFormat.of().formatHex(b);
      Files.createDirectories(file.getParent());
      Path tmp =
          Files.createTempFile(
              file.getParent(),
              "api-token",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, t + "\n");
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return t;
    } catch (IOException e) {
      throw new ServerException(
          "cannot read or create the API token " + file + ": " + e.getMessage(), e);
    }
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
