package dev.kiln.runtime;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something observed about a running instance that its image and revision did not declare: a
 * changed file under its root, a process that did not descend from its main process, an extra
 * listener. Evidence is names, paths, hashes, pids and ports only — never file contents or
 * environment values.
 *
 * @param subject what drifted, per surface: a path in the root, a pid, a port
 * @param evidence surface-specific facts, e.g. {@code expected}/{@code found} entries for a path
 */
public record Drift(
    InstanceId instance,
    Surface surface,
    String subject,
    Map<String, String> evidence,
    Instant observedAt) {

  public Drift {
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(surface, "surface");
    Objects.requireNonNull(subject, "subject");
    evidence = Map.copyOf(evidence);
    Objects.requireNonNull(observedAt, "observedAt");
  }

  /** Where the drift was seen; {@link #label()} is how journals, CLI and metrics spell it. */
  public enum Surface {
    ROOTFS,
    PROCESS,
    SOCKET,
    ENV,
    CONFIG;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
