package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The dashboard's logins. A browser cannot send the bearer token on an {@code EventSource}, so an
 * authenticated client ({@code kiln ui}) mints a one-time login code; the browser trades it (once,
 * within {@link #CODE_TTL}) for a session whose id travels in an HttpOnly, SameSite=Strict cookie.
 *
 * <p>Only hashes are kept: a code or session id is 256 random bits and the maps are keyed by its
 * sha256, so neither memory dumps nor {@code $KILN_HOME/ui-sessions.json} (0600, written to temp
 * and moved) give a usable cookie. Sessions are written there so that a restarted server still
 * knows the open pages — they catch up on their event stream instead of being logged out. Codes
 * live in memory only. The CSRF token a page must send with each action is derived from the session
 * id, so only a holder of the cookie can know it. Both maps are bounded; the oldest entry goes
 * first.
 */
final class UiSessions {
  static final Duration CODE_TTL = Duration.ofSeconds(60);
  static final Duration SESSION_TTL = Duration.ofHours(8);
  static final String COOKIE = "kiln_session";
  static final int MAX_CODES = 32;
  static final int MAX_SESSIONS = 64;
  private static final Logger LOG = Logger.getLogger(UiSessions.class.getName());

  /** A code to hand to a browser, once. */
  record Code(String value, Instant expiresAt) {}

  /**
   * A logged-in page: {@code id} is the cookie's value (known only right after the trade), {@code
   * principal} who minted the code, as the journal will name the page's actions.
   */
  record Session(String id, String principal, Instant expiresAt) {
    String csrf() {
      return sha256("kiln-ui-csrf:" + id).substring(0, 32);
    }
  }

  private record Held(String principal, Instant expiresAt) {}

  private final Path file;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Held> codes = new LinkedHashMap<>();
  private final Map<String, Held> sessions = new LinkedHashMap<>();

  UiSessions(Path file, Clock clock) {
    this.file = file;
    this.clock = clock;
    load();
  }

  /** A new one-time code for {@code principal}, valid for {@link #CODE_TTL}. */
  synchronized Code mint(String principal) {
    Instant now = clock.instant();
    expire(codes, now);
    String code = secret();
    Instant until = now.plus(CODE_TTL);
    put(codes, sha256(code), new Held(principal, until), MAX_CODES);
    return new Code(code, until);
  }

  /** The session the code buys; empty if it is unknown, used or expired. A code works once. */
  synchronized Optional<Session> trade(String code) {
    Instant now = clock.instant();
    Held held = codes.remove(sha256(code));
    if (held == null || !now.isBefore(held.expiresAt())) return Optional.empty();
    expire(sessions, now);
    String id = secret();
    Held s =
        new Held(
            held.principal() + " ui-session:" + sha256(id).substring(0, 8), now.plus(SESSION_TTL));
    put(sessions, sha256(id), s, MAX_SESSIONS);
    save();
    return Optional.of(new Session(id, s.principal(), s.expiresAt()));
  }

  /** The live session whose cookie value is {@code id}. */
  synchronized Optional<Session> find(String id) {
    Held s = sessions.get(sha256(id));
    if (s == null) return Optional.empty();
    if (!clock.instant().isBefore(s.expiresAt())) {
      sessions.remove(sha256(id));
      save();
      return Optional.empty();
    }
    return Optional.of(new Session(id, s.principal(), s.expiresAt()));
  }

  synchronized void end(String id) {
    if (sessions.remove(sha256(id)) != null) save();
  }

  /** The value of the session cookie in a {@code Cookie} header, if there is one. */
  static Optional<String> cookie(Optional<String> header) {
    if (header.isEmpty()) return Optional.empty();
    for (String part : header.get().split(";")) {
      String p = part.strip();
      if (p.startsWith(COOKIE + "=")) {
        String v = p.substring(COOKIE.length() + 1);
        return v.isEmpty() || v.length() > 128 ? Optional.empty() : Optional.of(v);
      }
    }
    return Optional.empty();
  }

  static boolean sameSecret(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private String secret() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static void put(Map<String, Held> map, String key, Held value, int max) {
    map.put(key, value);
    var it = map.keySet().iterator();
    while (map.size() > max) {
      it.next();
      it.remove();
    }
  }

  private static void expire(Map<String, Held> map, Instant now) {
    map.values().removeIf(h -> !now.isBefore(h.expiresAt()));
  }

  private void load() {
    if (!Files.exists(file)) return;
    try {
      JsonNode n = Json.parse(Files.readString(file));
      Instant now = clock.instant();
      n.path("sessions")
          .fields()
          .forEachRemaining(
              e -> {
                Instant until = Instant.parse(e.getValue().path("expiresAt").asText());
                if (now.isBefore(until))
                  sessions.put(
                      e.getKey(), new Held(e.getValue().path("principal").asText(), until));
              });
    } catch (IOException | RuntimeException e) {
      // Losing the sessions only logs the pages out; `kiln ui` makes a new login.
      LOG.warning(
          "dashboard sessions in " + file + " unreadable, starting without: " + e.getMessage());
    }
  }

  private void save() {
    ObjectNode root = Json.object();
    ObjectNode s = root.putObject("sessions");
    sessions.forEach(
        (hash, h) -> {
          ObjectNode n = s.putObject(hash);
          n.put("principal", h.principal());
          n.put("expiresAt", h.expiresAt().toString());
        });
    try {
      Files.createDirectories(file.getParent());
      Path tmp =
          Files.createTempFile(
              file.getParent(),
              "ui-sessions",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, Json.write(root));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      LOG.warning("cannot save dashboard sessions to " + file + ": " + e.getMessage());
    }
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
