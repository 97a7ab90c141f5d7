package dev.kiln.runtime.process;

import dev.kiln.runtime.RuntimeDriverException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * One host uid per service, kept in {@code KILN_HOME/tenants/<service>.uid} so that a restarted
 * server, and every later revision, gives the service the same uid (its volumes stay its own).
 * Chosen at random in a high range no login user or subordinate-id range uses by default (2^28
 * values, so two homes on one host practically never pick the same one); uids already taken by
 * another service of this home are skipped.
 */
final class TenantUids {
  static final int FIRST = 1_000_000;
  static final int SPAN = 1 << 28;
  private static final Pattern SERVICE = Pattern.compile("[a-z0-9][a-z0-9-]*");

  private final Path dir;

  TenantUids(Path home) {
    this.dir = home.resolve("tenants");
  }

  /** The service's uid, allocated and persisted on first use. */
  synchronized int of(String service) {
    if (!SERVICE.matcher(service).matches())
      throw new RuntimeDriverException("service name '" + service + "' cannot name a tenant uid");
    Path file = dir.resolve(service + ".uid");
    try {
      if (Files.exists(file)) return parse(file);
      Files.createDirectories(dir);
      java.util.Set<Integer> taken = new java.util.HashSet<>();
      try (var files = Files.list(dir)) {
        for (Path f : files.filter(f -> f.toString().endsWith(".uid")).toList())
          taken.add(parse(f));
      }
      int uid;
      do {
        uid = FIRST + ThreadLocalRandom.current().nextInt(SPAN);
      } while (taken.contains(uid));
      Path tmp = Files.createTempFile(dir, ".uid-", ".tmp");
      Files.writeString(tmp, uid + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return uid;
    } catch (IOException e) {
      throw new RuntimeDriverException(
          "cannot allocate a host uid for service " + service + " in " + dir + ": " + e, e);
    }
  }

  private static int parse(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8).strip();
    try {
      int uid = Integer.parseInt(text);
      if (uid >= FIRST) return uid;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new RuntimeDriverException(
        file
            + " holds '"
            + text
            + "', not a tenant uid (>= "
            + FIRST
            + "); remove it to reallocate");
  }
}
