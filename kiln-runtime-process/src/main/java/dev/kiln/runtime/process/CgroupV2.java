package dev.kiln.runtime.process;

import dev.kiln.model.Resources;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * cgroup v2: one unified directory per instance under {@code parent}, whose {@code
 * cgroup.subtree_control} (and that of the hierarchy's root) must enable the memory, cpu and pids
 * controllers for the instance's directory to have their files.
 */
record CgroupV2(Path parent) implements Cgroups {
  static final long CPU_PERIOD_US = 100_000;
  static final String CONTROLLERS = "+memory +cpu +pids";

  @Override
  public String version() {
    return "v2";
  }

  private Path dir(String id) {
    return parent.resolve(id);
  }

  @Override
  public List<Path> create(String id, Resources limits) {
    Path dir = dir(id);
    boolean made = false;
    try {
      if (!Files.isDirectory(parent)) {
        Files.createDirectories(parent);
        // delegate the controllers down to Kiln's parent, then to each instance below it
        Cgroups.write(parent.resolveSibling("cgroup.subtree_control"), CONTROLLERS);
      }
      Cgroups.write(parent.resolve("cgroup.subtree_control"), CONTROLLERS);
      Files.createDirectory(dir);
      made = true;
      if (limits.memoryBytes() > 0) {
        Cgroups.write(dir.resolve("memory.max"), Long.toString(limits.memoryBytes()));
        writeOptional(dir.resolve("memory.swap.max"), "0");
      }
      if (limits.cpuMillis() > 0) {
        Cgroups.write(
            dir.resolve("cpu.max"),
            (CPU_PERIOD_US * limits.cpuMillis() / 1000) + " " + CPU_PERIOD_US);
      }
      if (limits.pids() > 0)
        Cgroups.write(dir.resolve("pids.max"), Integer.toString(limits.pids()));
      return joinFiles(id);
    } catch (IOException | RuntimeException e) {
      if (made) Cgroups.rmdir(dir);
      throw new RuntimeDriverException(
          "instance "
              + id
              + ": cannot create its cgroup (v2) "
              + dir
              + ": "
              + e.getMessage()
              + " (Kiln enforces limits as root, or in a delegated cgroup with memory, cpu and pids"
              + " enabled)",
          e);
    }
  }

  /** memory.swap.max exists only where swap is accounted; without it there is no swap to bound. */
  private static void writeOptional(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      // absent: nothing to bound
    }
  }

  @Override
  public List<Path> joinFiles(String id) {
    return List.of(dir(id).resolve("cgroup.procs"));
  }

  @Override
  public boolean exists(String id) {
    return Files.isDirectory(dir(id));
  }

  @Override
  public Usage usage(String id) {
    Path dir = dir(id);
    long current = Cgroups.number(dir.resolve("memory.current"));
    // memory.peak is newer (Linux 5.19); before it the current use is the best known peak
    long peak =
        Files.exists(dir.resolve("memory.peak"))
            ? Cgroups.number(dir.resolve("memory.peak"))
            : current;
    return new Usage(
        Cgroups.keyed(dir.resolve("cpu.stat"), "usage_usec") * 1000,
        current,
        peak,
        (int) Cgroups.number(dir.resolve("pids.current")),
        Cgroups.keyed(dir.resolve("memory.events"), "oom_kill"),
        Cgroups.keyed(dir.resolve("pids.events"), "max"));
  }

  @Override
  public boolean remove(String id) {
    return Cgroups.rmdir(dir(id));
  }

  @Override
  public void removeParentIfEmpty() {
    Cgroups.rmdir(parent);
  }
}
