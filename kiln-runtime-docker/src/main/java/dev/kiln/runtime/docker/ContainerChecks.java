package dev.kiln.runtime.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pure half of the docker runtime's drift detection (issue 10): which filesystem changes the
 * engine reports are drift, and whether a container's configuration is still the one its revision
 * declared. Evidence names paths and keys, never environment values.
 */
final class ContainerChecks {
  private ContainerChecks() {}

  /**
   * What the engine itself mounts into every container ({@code --init}'s docker-init, the host
   * files of the network): on a read-only root it creates their mount points in the writable layer,
   * which is not drift.
   */
  static final Set<String> ENGINE_MOUNTS =
      Set.of("/sbin/docker-init", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/dev");

  /** What a container of a revision must look like. */
  record ExpectedConfig(
      String imageId, Map<String, String> env, Set<String> secretNames, Set<String> mounts) {
    ExpectedConfig {
      env = Map.copyOf(env);
      secretNames = Set.copyOf(secretNames);
      mounts = Set.copyOf(mounts);
    }
  }

  /** What the engine says the container is. */
  record ObservedConfig(
      String imageId, Map<String, String> env, Set<String> mounts, boolean readOnlyRoot) {
    ObservedConfig {
      env = Map.copyOf(env);
      mounts = Set.copyOf(mounts);
    }
  }

  /**
   * Paths the engine reports changed in the container's filesystem (GET /containers/{id}/changes)
   * that are outside its declared tmpfs ({@code /tmp}) and volumes: drift. Sorted.
   */
  static List<String> drifted(List<String> changed, Set<String> volumes) {
    List<String> out = new ArrayList<>();
    Set<String> declared = new TreeSet<>(volumes);
    declared.addAll(ENGINE_MOUNTS);
    for (String path : new TreeSet<>(changed)) {
      if (under(path, "/tmp")) continue;
      if (declared.stream().anyMatch(v -> under(path, v) || isAncestor(path, v))) continue;
      out.add(path);
    }
    return out;
  }

  /**
   * Configuration drift: image, environment (keys, and values compared, never shown), mounts, the
   * read-only root. Evidence per differing part; empty when it is as declared.
   */
  static Optional<Map<String, String>> config(ExpectedConfig expected, ObservedConfig observed) {
    Map<String, String> evidence = new LinkedHashMap<>();
    if (!expected.imageId().equals(observed.imageId())) {
      evidence.put("image.expected", expected.imageId());
      evidence.put("image.found", observed.imageId());
    }
    Set<String> added = new TreeSet<>();
    Set<String> removed = new TreeSet<>();
    Set<String> changed = new TreeSet<>();
    expected
        .env()
        .forEach(
            (k, v) -> {
              String found = observed.env().get(k);
              if (found == null) removed.add(k);
              else if (!found.equals(v)) changed.add(k);
            });
    for (String k : expected.secretNames()) {
      if (!observed.env().containsKey(k)) removed.add(k);
    }
    for (String k : observed.env().keySet()) {
      if (!expected.env().containsKey(k) && !expected.secretNames().contains(k)) added.add(k);
    }
    if (!added.isEmpty()) evidence.put("env.added", String.join(",", added));
    if (!removed.isEmpty()) evidence.put("env.removed", String.join(",", removed));
    if (!changed.isEmpty()) evidence.put("env.changed", String.join(",", changed));
    if (!expected.mounts().equals(observed.mounts())) {
      evidence.put("mounts.expected", String.join(",", new TreeSet<>(expected.mounts())));
      evidence.put("mounts.found", String.join(",", new TreeSet<>(observed.mounts())));
    }
    if (!observed.readOnlyRoot()) evidence.put("read-only", "false");
    return evidence.isEmpty() ? Optional.empty() : Optional.of(evidence);
  }

  /** {@code KEY=VALUE} entries as a map (the first of a repeated key wins, as in execve). */
  static Map<String, String> env(List<String> entries) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String e : entries) {
      int eq = e.indexOf('=');
      if (eq > 0) out.putIfAbsent(e.substring(0, eq), e.substring(eq + 1));
    }
    return out;
  }

  private static boolean under(String path, String dir) {
    return path.equals(dir) || path.startsWith(dir.endsWith("/") ? dir : dir + "/");
  }

  /** The engine also reports the directories it created to mount a volume on. */
  private static boolean isAncestor(String path, String dir) {
    return under(dir, path);
  }
}
