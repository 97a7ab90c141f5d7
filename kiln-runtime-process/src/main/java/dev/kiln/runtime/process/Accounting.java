package dev.kiln.runtime.process;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.runtime.HostCapacity;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * The process driver's use of {@link Cgroups}: a cgroup per instance before it starts, its usage
 * while it runs, and, once it has ended, its last counters kept in the instance directory ({@code
 * usage.json}) so that the cgroup itself can be removed at once — no empty cgroups accumulate, yet
 * the OOM kill and the peak stay known for as long as the instance is.
 */
final class Accounting {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String FINAL_USAGE = "usage.json";

  private final Optional<Cgroups> cgroups;

  Accounting(Optional<Cgroups> cgroups) {
    this.cgroups = cgroups;
  }

  boolean enforces() {
    return cgroups.isPresent();
  }

  Optional<String> version() {
    return cgroups.map(Cgroups::version);
  }

  /**
   * The cgroup.procs files the instance's supervisor joins: its new cgroup, or none where there are
   * no cgroups. Limits on a host without cgroups are refused rather than silently ignored.
   */
  List<Path> prepare(InstanceSpec spec) {
    if (cgroups.isEmpty()) {
      if (spec.limits().limited()) {
        throw new RuntimeDriverException(
            "instance "
                + spec.id()
                + ": resources "
                + spec.limits()
                + " cannot be enforced: this host offers no writable cgroups (run Kiln as root, or"
                + " remove resources: from service "
                + spec.service()
                + ")");
      }
      return List.of();
    }
    HostLimits.check(spec, HostCapacity.ofThisHost());
    String id = spec.id().value();
    if (cgroups.get().exists(id)) cgroups.get().remove(id); // a leftover of a failed earlier start
    return cgroups.get().create(id, spec.limits());
  }

  /** What a running instance has used; empty without cgroups. */
  Optional<Usage> running(String id) {
    return cgroups.filter(c -> c.exists(id)).map(c -> c.usage(id));
  }

  /**
   * What an ended instance used: read from its cgroup the first time (which is then kept in the
   * instance directory and the cgroup removed), from the instance directory after that.
   */
  Optional<Usage> ended(String id, Path dir) {
    Path file = dir.resolve(FINAL_USAGE);
    if (cgroups.isPresent() && cgroups.get().exists(id)) {
      Usage last = cgroups.get().usage(id).exited();
      try {
        Path temp = dir.resolve(FINAL_USAGE + ".tmp");
        JSON.writeValue(temp.toFile(), last);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        return Optional.of(last); // keep the cgroup: the counters are not saved elsewhere
      }
      cgroups.get().remove(id); // a straggler keeps it populated: the next look removes it
      return Optional.of(last);
    }
    if (!Files.isRegularFile(file)) return Optional.empty();
    try {
      return Optional.of(JSON.readValue(file.toFile(), Usage.class));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Removes the instance's cgroup if any (after a failed start, on destroy), waiting up to a second
   * for killed processes to leave it: the kernel refuses to remove a populated cgroup.
   */
  /** When the driver closes: its parent cgroup goes if no instance's cgroup is left in it. */
  void close() {
    cgroups.ifPresent(Cgroups::removeParentIfEmpty);
  }

  void discard(String id) {
    if (cgroups.isEmpty()) return;
    Cgroups c = cgroups.get();
    long deadline = System.nanoTime() + 1_000_000_000L;
    while (c.exists(id) && !c.remove(id) && System.nanoTime() < deadline) Processes.pause();
  }
}
