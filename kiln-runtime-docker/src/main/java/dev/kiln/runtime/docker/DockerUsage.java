package dev.kiln.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.core.InvocationBuilder;
import dev.kiln.runtime.Usage;
import java.util.Optional;

/**
 * A running container's usage from the engine's stats: the same cgroup counters the process driver
 * reads itself, through the engine (which may be on another host). A stats call waits for a sample
 * (about a second), so the driver asks for it in {@code inspect} of one instance, not in {@code
 * list}. The engine does not count refused forks; where the engine runs on this host its cgroup's
 * {@code pids.events} does, and is read (v1 cgroupfs or v2 systemd scope), else the count is 0.
 */
final class DockerUsage {
  private DockerUsage() {}

  static Optional<Usage> of(DockerClient docker, String container) {
    try (var callback = new InvocationBuilder.AsyncResultCallback<Statistics>()) {
      docker.statsCmd(container).withNoStream(true).exec(callback);
      Statistics stats = callback.awaitResult();
      if (stats == null) return Optional.empty();
      long cpu =
          stats.getCpuStats() == null || stats.getCpuStats().getCpuUsage() == null
              ? 0
              : orZero(stats.getCpuStats().getCpuUsage().getTotalUsage());
      var memory = stats.getMemoryStats();
      long used = memory == null ? 0 : orZero(memory.getUsage());
      long peak = memory == null ? 0 : Math.max(used, orZero(memory.getMaxUsage()));
      long pids = stats.getPidsStats() == null ? 0 : orZero(stats.getPidsStats().getCurrent());
      return Optional.of(new Usage(cpu, used, peak, (int) pids, 0, refusedForks(container)));
    } catch (java.io.IOException | RuntimeException e) {
      return Optional.empty(); // accounting is best effort: the container may have just exited
    }
  }

  /** The container cgroup's {@code pids.events} "max" count, when that cgroup is on this host. */
  static long refusedForks(String fullId) {
    if (fullId == null || !fullId.matches("[0-9a-f]{64}")) return 0;
    for (String dir :
        java.util.List.of(
            "/sys/fs/cgroup/pids/docker/" + fullId,
            "/sys/fs/cgroup/system.slice/docker-" + fullId + ".scope",
            "/sys/fs/cgroup/docker/" + fullId)) {
      java.nio.file.Path events = java.nio.file.Path.of(dir, "pids.events");
      try {
        for (String line : java.nio.file.Files.readAllLines(events)) {
          if (line.startsWith("max ")) return Long.parseLong(line.substring(4).strip());
        }
      } catch (java.io.IOException | NumberFormatException notHere) {
        // another cgroup layout, or the engine is remote
      }
    }
    return 0;
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
