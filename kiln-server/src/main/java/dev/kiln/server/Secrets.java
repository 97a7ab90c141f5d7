package dev.kiln.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where secret values come from: the server's environment variable of the same name, else {@code
 * $KILN_HOME/secrets/<NAME>} (mode 0600). Values never reach the blueprint or the journal.
 */
final class Secrets {
  private final Path dir;
  private final Map<String, String> environment;
  static final int MIN_GUARDED = 8;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  Secrets(Path dir, Map<String, String> environment) {
    this.dir = dir;
    this.environment = environment;
  }

  Optional<String> value(String name) {
    String v = environment.get(name);
    if (v != null) return Optional.of(v);
    Path file = dir.resolve(name);
    try {
      if (Files.isRegularFile(file)) return Optional.of(Files.readString(file).strip());
    } catch (IOException e) {
      throw new ServerException("cannot read secret " + file + ": " + e.getMessage(), e);
    }
    return Optional.empty();
  }

  /** Every secret value resolved so far: the journal refuses an entry that contains one. */
  Set<String> seen() {
    return Set.copyOf(seen);
  }

  /** The values of {@code names}, or a clear error naming every missing one. */
  Map<String, String> values(String service, Iterable<String> names) {
    Map<String, String> out = new TreeMap<>();
    StringBuilder missing = new StringBuilder();
    for (String n : names) {
      Optional<String> v = value(n);
      if (v.isPresent()) {
        out.put(n, v.get());
        // Guard values long enough to be secrets: the guard matches substrings, and a value like
        // "1" would make every journal entry a refusal.
        if (v.get().length() >= MIN_GUARDED) seen.add(v.get());
      } else missing.append(missing.isEmpty() ? "" : ", ").append(n);
    }
    if (!missing.isEmpty()) {
      throw new ServerException(
          "service "
              + service
              + ": secret(s) "
              + missing
              + " not found; set them in the server's environment or write them to "
              + dir
              + "/<NAME> (mode 0600)");
    }
    return out;
  }
}
