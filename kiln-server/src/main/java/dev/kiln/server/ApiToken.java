package dev.kiln.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The API's bearer token. On loopback no token is needed (the actor is "local"); bound anywhere
 * else, {@code $KILN_HOME/api-token} (mode 0600, generated if missing) must be sent, and the actor
 * is the token's id — the first 12 hex characters of its sha256, never the token itself.
 */
final class ApiToken {
  private final Optional<byte[]> token;
  private final String id;

  private ApiToken(Optional<byte[]> token, String id) {
    this.token = token;
    this.id = id;
  }

  static ApiToken forAddress(InetSocketAddress api, Path home) {
    if (api.getAddress() != null && api.getAddress().isLoopbackAddress()) {
      return new ApiToken(Optional.empty(), "local");
    }
    String t = loadOrCreate(home.resolve("api-token"));
    java.util.logging.Logger.getLogger(ApiToken.class.getName())
        .info(
            "API on "
                + api
                + " (beyond loopback): requests need Authorization: Bearer <the token in "
                + home.resolve("api-token")
                + ">");
    byte[] bytes = t.getBytes(StandardCharsets.UTF_8);
    return new ApiToken(Optional.of(bytes), "token:" + sha256(bytes).substring(0, 12));
  }

  /** The actor name for a request, or empty if the token is required and missing or wrong. */
  Optional<String> authenticate(String header) {
    if (token.isEmpty()) return Optional.of(id);
    if (header == null || !header.startsWith("Bearer ")) return Optional.empty();
    byte[] sent = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    return MessageDigest.isEqual(sent, token.get()) ? Optional.of(id) : Optional.empty();
  }

  private static String loadOrCreate(Path file) {
    try {
      if (Files.exists(file)) return Files.readString(file).strip();
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
