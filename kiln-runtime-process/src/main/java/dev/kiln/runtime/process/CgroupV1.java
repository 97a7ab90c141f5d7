package dev.kiln.runtime.process;

import dev.kiln.model.Resources;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * cgroup v1: one directory per controller hierarchy ({@code memory}, {@code cpu}, {@code cpuacct},
 * {@code pids}; {@code cpu,cpuacct} may be one hierarchy mounted twice, which counts once).
 */
record CgroupV1(Path fs, String parent) implements Cgroups {
  static final long CPU_PERIOD_US = 100_000;

  @Override
  public String version() {
    return "v1";
  }

  private Path dir(String controller, String id) {
    return fs.resolve(controller).resolve(parent).resolve(id);
  }

  /** The parent's directory in each distinct hierarchy, in a fixed order. */
  private List<Path> parents() {
    Set<Path> distinct = new LinkedHashSet<>();
    for (String controller : V1_CONTROLLERS) {
      Path root = fs.resolve(controller);
      try {
        root = root.toRealPath();
      } catch (IOException e) {
        // keep the path as written
      }
      distinct.add(root.resolve(parent));
    }
    return new ArrayList<>(distinct);
  }

  /** One directory per distinct hierarchy, in a fixed order. */
  private List<Path> dirs(String id) {
    return parents().stream().map(p -> p.resolve(id)).toList();
  }

  @Override
  public List<Path> create(String id, Resources limits) {
    List<Path> made = new ArrayList<>();
    try {
      for (Path dir : dirs(id)) {
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir);
        made.add(dir);
      }
      Path memory = dir("memory", id);
      if (limits.memoryBytes() > 0) {
        String bytes = Long.toString(limits.memoryBytes());
        Cgroups.write(memory.resolve("memory.limit_in_bytes"), bytes);
        // memsw exists only with swap accounting; without it there is no swap to bound
        Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
        if (Files.exists(memsw)) Cgroups.write(memsw, bytes);
      }
      if (limits.cpuMillis() > 0) {
        Path cpu = dir("cpu", id);
        Cgroups.write(cpu.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_US));
        Cgroups.write(
            cpu.resolve("cpu.cfs_quota_us"),
            Long.toString(CPU_PERIOD_US * limits.cpuMillis() / 1000));
      }
      if (limits.pids() > 0) {
        Cgroups.write(dir("pids", id).resolve("pids.max"), Integer.toString(limits.pids()));
      }
      return joinFiles(id);
    } catch (IOException | RuntimeException e) {
      made.reversed().forEach(Cgroups::rmdir);
      throw new RuntimeDriverException(
          "instance "
              + id
              + ": cannot create its cgroup (v1) under "
              + fs
              + ": "
              + e.getMessage()
              + " (Kiln enforces limits as root, with the memory, cpu, cpuacct and pids"
              + " controllers mounted)",
          e);
    }
  }

  @Override
  public List<Path> joinFiles(String id) {
    return dirs(id).stream().map(d -> d.resolve("cgroup.procs")).toList();
  }

  @Override
  public boolean exists(String id) {
    return dirs(id).stream().anyMatch(Files::isDirectory);
  }

  @Override
  public Usage usage(String id) {
    Path memory = dir("memory", id);
    Path pids = dir("pids", id);
    return new Usage(
        Cgroups.number(dir("cpuacct", id).resolve("cpuacct.usage")),
        Cgroups.number(memory.resolve("memory.usage_in_bytes")),
        Cgroups.number(memory.resolve("memory.max_usage_in_bytes")),
        (int) Cgroups.number(pids.resolve("pids.current")),
        Cgroups.keyed(memory.resolve("memory.oom_control"), "oom_kill"),
        Cgroups.keyed(pids.resolve("pids.events"), "max"));
  }

  @Override
  public void removeParentIfEmpty() {
    for (Path dir : parents()) Cgroups.rmdir(dir);
  }

  @Override
  public boolean remove(String id) {
    boolean removed = true;
    for (Path dir : dirs(id)) removed &= Cgroups.rmdir(dir);
    return removed;
  }
}
