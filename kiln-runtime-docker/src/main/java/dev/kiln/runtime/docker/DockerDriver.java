package dev.kiln.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Volume;
import dev.kiln.runtime.Capabilities;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ExecResult;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.Preflight;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.StopResult;
import dev.kiln.runtime.Termination;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code docker} runtime: each instance is a container {@code kiln-<id>} with a read-only root,
 * a tmpfs {@code /tmp}, the host network and {@code no-new-privileges}. The engine is the record of
 * what runs: labels carry the instance id, the owning {@code KILN_HOME} and the spec (secret values
 * excluded), so a new driver object adopts containers by listing them. Secrets are passed as
 * container env, which anyone with access to the engine API can read (as they can everything else
 * in it). Logs are the engine's json-file logs, bounded and rotated by the engine (10 MB x 2).
 */
public final class DockerDriver implements RuntimeDriver {
  static final String LABEL_INSTANCE = "dev.kiln.instance";
  static final String LABEL_SERVICE = "dev.kiln.service";
  static final String LABEL_HOME = "dev.kiln.home";
  static final String LABEL_SPEC = "dev.kiln.spec";

  private final DriverContext context;
  private final DockerClient docker;
  private final DockerImages images;
  private final String home;
  private final ContainerDrift drift;

  public DockerDriver(DriverContext context) {
    this.context = context;
    this.docker = DockerClients.connect(context.option("docker-host"));
    try {
      docker.pingCmd().exec();
    } catch (RuntimeException e) {
      throw new RuntimeDriverException(
          "docker runtime: no Docker Engine answers at "
              + context
                  .option("docker-host")
                  .orElse(
                      Optional.ofNullable(System.getenv("DOCKER_HOST"))
                          .orElse("unix:///var/run/docker.sock"))
              + " ("
              + e.getMessage()
              + "); start dockerd, set DOCKER_HOST, or use the process runtime",
          e);
    }
    this.images = new DockerImages(docker, context.home().resolve("docker"));
    this.home = context.home().toAbsolutePath().normalize().toString();
    this.drift = new ContainerDrift(docker, context);
  }

  static String containerName(InstanceId id) {
    return "kiln-" + id.value();
  }

  @Override
  public String name() {
    return "docker";
  }

  @Override
  public Capabilities capabilities() {
    return new Capabilities(
        Capabilities.Isolation.CONTAINER, true, true, true, true, true, true, true);
  }

  @Override
  public InstanceStatus start(InstanceSpec spec) {
    if (find(spec.id()).isPresent() || exists(containerName(spec.id()))) {
      throw new RuntimeDriverException(
          "instance " + spec.id() + " already exists; destroy it first or use a new instance id");
    }
    Preflight.requirePortFree(spec);
    ImageContent image = openImage(spec);
    String tag = images.ensure(image);
    String containerId = null;
    try {
      Instant startedAt = context.clock().instant();
      var create =
          docker
              .createContainerCmd(tag)
              .withName(containerName(spec.id()))
              .withEnv(env(spec))
              .withLabels(labels(spec, startedAt))
              .withHostConfig(hostConfig(spec));
      // a given command replaces entrypoint and cmd, as for the process runtime
      if (!spec.command().isEmpty()) create.withEntrypoint(spec.command()).withCmd(List.of());
      containerId = create.exec().getId();
      ProgramCheck.require(docker, containerId, spec, image.runConfig());
      docker.startContainerCmd(containerId).exec();
      return inspect(spec.id()).orElseThrow();
    } catch (DockerException | IOException | RuntimeDriverException e) {
      if (containerId != null) removeQuietly(containerId);
      List<String> argv = image.runConfig().argv(spec.command());
      throw new RuntimeDriverException(
          "instance " + spec.id() + ": the engine could not start " + argv + ": " + e.getMessage(),
          e);
    }
  }

  private ImageContent openImage(InstanceSpec spec) {
    try {
      return context.images().open(spec.image());
    } catch (RuntimeDriverException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new RuntimeDriverException(
          "instance " + spec.id() + ": image " + spec.image() + " refused: " + e.getMessage(), e);
    }
  }

  private static List<String> env(InstanceSpec spec) {
    List<String> env = new ArrayList<>();
    spec.envWithPort().forEach((k, v) -> env.add(k + "=" + v));
    spec.secrets().forEach((k, v) -> env.add(k + "=" + v));
    return env;
  }

  private Map<String, String> labels(InstanceSpec spec, Instant startedAt) {
    Map<String, String> labels = new LinkedHashMap<>();
    spec.labels().forEach((k, v) -> labels.put("dev.kiln.label." + k, v));
    labels.put(LABEL_INSTANCE, spec.id().value());
    labels.put(LABEL_SERVICE, spec.service());
    labels.put("dev.kiln.revision", Integer.toString(spec.revision()));
    labels.put("dev.kiln.image", spec.image().toString());
    labels.put(LABEL_HOME, home);
    labels.put(LABEL_SPEC, ContainerSpec.of(spec, startedAt.toString()).toJson());
    return labels;
  }

  private HostConfig hostConfig(InstanceSpec spec) throws IOException {
    List<Bind> binds = new ArrayList<>();
    for (var volume : spec.volumes().entrySet()) {
      Path host = context.volumeDir(spec.service(), volume.getKey());
      Files.createDirectories(host);
      binds.add(new Bind(host.toAbsolutePath().toString(), new Volume(volume.getValue())));
    }
    HostConfig config =
        HostConfig.newHostConfig()
            // docker-init as pid 1 (like `docker run --init`): the command as pid 1 would ignore
            // a SIGTERM it has no handler for, so every stop would wait out the grace period
            .withInit(true)
            .withReadonlyRootfs(true)
            .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=64m"))
            .withNetworkMode("host")
            .withBinds(binds)
            .withSecurityOpts(List.of("no-new-privileges"))
            .withLogConfig(
                new LogConfig(
                    LogConfig.LoggingType.JSON_FILE, Map.of("max-size", "10m", "max-file", "2")));
    if (spec.limits().memoryBytes() > 0) {
      // memory-swap equal to memory: no swap beyond the limit, as in the process runtime
      config.withMemory(spec.limits().memoryBytes()).withMemorySwap(spec.limits().memoryBytes());
    }
    if (spec.limits().cpuMillis() > 0) config.withNanoCPUs(spec.limits().cpuMillis() * 1_000_000L);
    if (spec.limits().pids() > 0) config.withPidsLimit((long) spec.limits().pids());
    return config;
  }

  @Override
  public Optional<InstanceStatus> inspect(InstanceId id) {
    return find(id).flatMap(container -> inspectContainer(container.getId(), true));
  }

  private Optional<InstanceStatus> inspectContainer(String containerId, boolean withUsage) {
    try {
      InspectContainerResponse c = docker.inspectContainerCmd(containerId).exec();
      String json = c.getConfig().getLabels().get(LABEL_SPEC);
      ContainerSpec stored = ContainerSpec.fromJson(json);
      boolean running = Boolean.TRUE.equals(c.getState().getRunning());
      Long exit = c.getState().getExitCodeLong();
      return Optional.of(
          new InstanceStatus(
              stored.spec(),
              running ? InstanceStatus.State.RUNNING : InstanceStatus.State.EXITED,
              Instant.parse(stored.startedAt()),
              running || exit == null ? OptionalInt.empty() : OptionalInt.of(exit.intValue()),
              Optional.of(
                  "container " + c.getId().substring(0, 12) + " " + c.getState().getStatus()),
              !running && Boolean.TRUE.equals(c.getState().getOOMKilled())
                  ? Optional.of(Termination.OOM_KILLED)
                  : Optional.empty(),
              running && withUsage ? DockerUsage.of(docker, c.getId()) : Optional.empty(),
              running && c.getState().getPidLong() != null && c.getState().getPidLong() > 0
                  ? java.util.OptionalLong.of(c.getState().getPidLong())
                  : java.util.OptionalLong.empty()));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public StopResult stop(InstanceId id, Duration grace) {
    String container = find(id).orElseThrow(() -> unknown(id)).getId();
    if (!running(container)) return new StopResult(id, false, false, exitCode(container));
    signal(container, "TERM");
    long deadline = System.nanoTime() + grace.toNanos();
    while (running(container) && System.nanoTime() < deadline) pause();
    boolean killed = false;
    if (running(container)) {
      signal(container, "KILL");
      killed = true;
      while (running(container)) pause();
    }
    return new StopResult(id, !killed, killed, exitCode(container));
  }

  private void signal(String container, String signal) {
    try {
      docker.killContainerCmd(container).withSignal(signal).exec();
    } catch (DockerException e) {
      if (running(container)) throw e; // it exiting meanwhile is fine
    }
  }

  private boolean running(String container) {
    try {
      return Boolean.TRUE.equals(
          docker.inspectContainerCmd(container).exec().getState().getRunning());
    } catch (NotFoundException e) {
      return false;
    }
  }

  private OptionalInt exitCode(String container) {
    try {
      Long code = docker.inspectContainerCmd(container).exec().getState().getExitCodeLong();
      return code == null ? OptionalInt.empty() : OptionalInt.of(code.intValue());
    } catch (NotFoundException e) {
      return OptionalInt.empty();
    }
  }

  @Override
  public void destroy(InstanceId id) {
    find(id).ifPresent(c -> removeQuietly(c.getId()));
    drift.forget(id);
  }

  @Override
  public List<InstanceStatus> list() {
    List<InstanceStatus> all = new ArrayList<>();
    for (Container c : owned()) inspectContainer(c.getId(), false).ifPresent(all::add);
    all.sort((a, b) -> a.id().compareTo(b.id()));
    return all;
  }

  @Override
  public String logs(InstanceId id, int maxBytes) {
    String container = find(id).orElseThrow(() -> unknown(id)).getId();
    return DockerClients.logs(docker, container, maxBytes);
  }

  @Override
  public ExecResult exec(InstanceId id, List<String> command, Duration timeout) {
    String container = find(id).orElseThrow(() -> unknown(id)).getId();
    return drift.ownExec(
        container, created -> DockerClients.exec(docker, container, command, timeout, created));
  }

  /**
   * Drift of the running containers ({@link ContainerDrift}): {@code docker exec} from outside
   * (event-driven), filesystem changes outside tmpfs and volumes, runtime config.
   */
  @Override
  public List<dev.kiln.runtime.Drift> drift() {
    Map<String, InstanceSpec> running = new LinkedHashMap<>();
    for (Container c :
        docker.listContainersCmd().withLabelFilter(Map.of(LABEL_HOME, home)).exec()) {
      String json = c.getLabels() == null ? null : c.getLabels().get(LABEL_SPEC);
      if (json != null) running.put(c.getId(), ContainerSpec.fromJson(json).spec());
    }
    return drift.drift(running);
  }

  @Override
  public void close() {
    drift.close();
    try {
      docker.close();
    } catch (IOException ignored) {
      // closing the HTTP transport; nothing to recover
    }
  }

  private List<Container> owned() {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(LABEL_HOME, home))
        .exec();
  }

  private Optional<Container> find(InstanceId id) {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(LABEL_HOME, home, LABEL_INSTANCE, id.value()))
        .exec()
        .stream()
        .findFirst();
  }

  private boolean exists(String name) {
    try {
      docker.inspectContainerCmd(name).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private void removeQuietly(String container) {
    try {
      docker.removeContainerCmd(container).withForce(true).withRemoveVolumes(false).exec();
    } catch (NotFoundException ignored) {
      // already gone
    }
  }

  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeDriverException("interrupted while waiting for a container");
    }
  }

  private static RuntimeDriverException unknown(InstanceId id) {
    return new RuntimeDriverException("no instance " + id + " in the docker runtime");
  }
}
