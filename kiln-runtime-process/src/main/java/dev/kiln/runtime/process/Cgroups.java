package dev.kiln.runtime.process;

import dev.kiln.model.Resources;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One cgroup per instance, on whichever cgroup version the host mounts: the memory limit (with no
 * swap beyond it), a CPU quota and a pids limit, and the accounting of what the instance used.
 * Which version is decided once, when the driver starts ({@link #detect}); the two layouts differ
 * only in file names and in v1 spreading one cgroup over a directory per controller.
 *
 * <p>The instance's supervisor joins the cgroup (it writes its own pid to the {@link #joinFiles}
 * before it starts bubblewrap), so everything the instance runs is inside it from its first
 * instruction. Cgroups live under a parent named by the driver ({@code kiln} by default) and are
 * named by instance id, so a restarted driver finds the cgroups of the instances it adopts.
 */
sealed interface Cgroups permits CgroupV1, CgroupV2 {

  /** The controllers Kiln uses; v1 mounts {@code cpu} and {@code cpuacct} apart or together. */
  List<String> V1_CONTROLLERS = List.of("memory", "cpu", "cpuacct", "pids");

  /** Option cgroups=auto (default) uses the host's cgroups; none runs without (no limits). */
  static Optional<Cgroups> fromOptions(dev.kiln.runtime.DriverContext context) {
    String mode = context.option("cgroups").orElse("auto");
    return switch (mode) {
      case "none" -> Optional.empty();
      case "auto" ->
          Cgroups.detect(
              Path.of(context.option("cgroup-fs").orElse("/sys/fs/cgroup")),
              context.option("cgroup-parent").orElseGet(() -> defaultParent(context.home())));
      default ->
          throw new RuntimeDriverException(
              "process runtime: option cgroups=" + mode + " is not one of auto, none");
    };
  }

  /**
   * {@code kiln-} and a digest of the driver's home: two Kiln homes on one host (two users' {@code
   * kiln up}, test runs side by side) each have their own parent, where instances of the same id
   * ({@code web-1-b}) collided; the same home finds its parent again after a restart.
   */
  static String defaultParent(Path home) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(
                  home.toAbsolutePath()
                      .normalize()
                      .toString()
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "kiln-" + java.util.HexFormat.of().formatHex(d, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * The cgroups under {@code fs} (normally {@code /sys/fs/cgroup}): v2 when it is a unified
   * hierarchy (it has {@code cgroup.controllers}), v1 when the memory, cpu, cpuacct and pids
   * controllers are mounted and writable; empty otherwise (then limits cannot be enforced).
   */
  static Optional<Cgroups> detect(Path fs, String parent) {
    if (Files.isRegularFile(fs.resolve("cgroup.controllers"))) {
      return Files.isWritable(fs)
          ? Optional.of(new CgroupV2(fs.resolve(parent)))
          : Optional.empty();
    }
    for (String controller : V1_CONTROLLERS) {
      if (!Files.isDirectory(fs.resolve(controller)) || !Files.isWritable(fs.resolve(controller))) {
        return Optional.empty();
      }
    }
    return Optional.of(new CgroupV1(fs, parent));
  }

  /** {@code v1} or {@code v2}, for logs and the instance's detail. */
  String version();

  /**
   * Creates the instance's cgroup with its limits.
   *
   * @return the {@code cgroup.procs} files its supervisor writes its pid to (one per v1 hierarchy)
   * @throws RuntimeDriverException if the cgroup cannot be created or a limit refused; nothing is
   *     left behind
   */
  List<Path> create(String id, Resources limits);

  /** The files the supervisor of {@code id} joins; the cgroup must exist. */
  List<Path> joinFiles(String id);

  /** Whether the instance's cgroup exists (it is removed once the instance has ended). */
  boolean exists(String id);

  /** What the instance has used so far; the cgroup must exist. */
  Usage usage(String id);

  /**
   * Removes the instance's cgroup if it exists. Returns false while processes remain in it (the
   * kernel refuses to remove a populated cgroup; the caller retries once they are gone).
   */
  boolean remove(String id);

  /**
   * Removes the driver's parent cgroup when no instance's is left in it (when the driver closes):
   * each Kiln home has its own parent, and every test run or bench on a fresh home left one empty
   * parent behind (thousands, on a CI host). An instance still running keeps it, and the kernel
   * refuses to remove it: nothing else to check.
   */
  void removeParentIfEmpty();

  // --- file access shared by both layouts ---

  static void write(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new RuntimeDriverException("cannot write '" + value + "' to " + file + ": " + e, e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      return "";
    }
  }

  /** A file holding one number; 0 when absent or unreadable (accounting is best effort). */
  static long number(Path file) {
    String text = read(file);
    try {
      return text.isEmpty() || text.equals("max") ? 0 : Long.parseLong(text);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * The value of {@code key} in a flat keyed file ({@code oom_kill 1}, {@code max 3}); 0 if none.
   */
  static long keyed(Path file, String key) {
    for (String line : read(file).split("\n")) {
      String[] parts = line.strip().split("\\s+");
      if (parts.length == 2 && parts[0].equals(key)) {
        try {
          return Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }

  /** rmdir; false if the kernel refuses because processes remain (or the directory is absent). */
  static boolean rmdir(Path dir) {
    try {
      Files.deleteIfExists(dir);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
