package dev.kiln.runtime.process;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.StoredSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code instances/<id>/instance.json} holds: enough to adopt the instance after a restart.
 * Secret values are never written; only their names are.
 *
 * @param pid the process signals go to: the command (pid 2 of its sandbox, as seen from the host)
 * @param pidStart its start time from {@code /proc/<pid>/stat}, so a recycled pid is never adopted
 * @param supervisorPid the bubblewrap monitor that records the exit code (0 when unsandboxed)
 * @param execEnv the instance's environment without secrets, for exec probes
 * @param tenantUid the host uid it runs as through a user namespace (0: as root, dropped caps)
 * @param networkSlot the index of its network namespace (0: the host's network)
 */
record InstanceRecord(
    StoredSpec stored,
    boolean sandboxed,
    long pid,
    long pidStart,
    long supervisorPid,
    long supervisorStart,
    String startedAt,
    String rootfs,
    String workdir,
    Map<String, String> execEnv,
    int tenantUid,
    int networkSlot) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static InstanceRecord of(
      InstanceSpec spec,
      Launch launch,
      boolean sandboxed,
      Path rootfs,
      Processes.Started started,
      Instant startedAt,
      java.util.Optional<Tenant> tenant) {
    Map<String, String> execEnv = new LinkedHashMap<>(launch.env());
    spec.secrets().keySet().forEach(execEnv::remove);
    return new InstanceRecord(
        StoredSpec.of(spec),
        sandboxed,
        started.pid(),
        started.pidStart(),
        started.supervisorPid(),
        started.supervisorStart(),
        startedAt.toString(),
        rootfs.toString(),
        launch.workdir(),
        execEnv,
        tenant.map(Tenant::uid).orElse(0),
        tenant.flatMap(Tenant::slot).map(NetworkSlot::index).orElse(0));
  }

  /** The spec as adopted: secrets by name only (their values were never stored). */
  InstanceSpec spec() {
    return stored.spec();
  }

  /** Its network, when it has one of its own. */
  java.util.Optional<NetworkSlot> slot() {
    return networkSlot == 0
        ? java.util.Optional.empty()
        : java.util.Optional.of(new NetworkSlot(networkSlot));
  }

  String id() {
    return stored.id();
  }

  String service() {
    return stored.service();
  }

  Map<String, String> volumes() {
    return stored.volumes();
  }

  void write(Path file) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    JSON.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), this);
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  static InstanceRecord read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), InstanceRecord.class);
  }
}
