package dev.kiln.runtime.swarm;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.SecretSpec;
import com.github.dockerjava.api.model.Service;
import com.github.dockerjava.api.model.SwarmNode;
import com.github.dockerjava.api.model.SwarmNodeState;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.kiln.registry.RegistryOptions;
import dev.kiln.registry.RegistryRef;
import dev.kiln.runtime.Capabilities;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.StopResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The {@code swarm} runtime: each instance is a one-replica service on a Docker Swarm, driven
 * through a manager's Engine API. Placement, spreading and pulling are the swarm's; what runs is
 * read back from the manager (tasks, nodes), so a new driver object adopts services by their
 * labels. An instance is reached at the address of the node its task runs on ({@link
 * InstanceStatus#host()}); a task on a node that is no longer ready is reported exited, and since
 * the swarm never restarts it, Kiln's healer replaces it with a new instance that the swarm places
 * on a live node.
 *
 * <p>Options: {@code manager} (the Engine API of a manager, default {@code DOCKER_HOST}), {@code
 * registry} ({@code HOST[:PORT]/REPO} the nodes pull from; images are pushed there and run by
 * digest), {@code registry-plain-http} ({@code true} for an HTTP registry off loopback), {@code
 * start-timeout-seconds} (default 120), {@code stop-grace-seconds} (default 10).
 *
 * <p>Stopping: the swarm fixes a task's stop grace period when it creates the task, so {@link
 * #stop} sends the stop signal at once but the kill comes after {@code stop-grace-seconds} (or the
 * process's own exit), whatever grace the caller passes; the result says which happened.
 */
public final class SwarmDriver implements RuntimeDriver {
  private final DriverContext context;
  private final DockerClient docker;
  private final SwarmImages images;
  private final String home;
  private final Duration startTimeout;
  private final Duration stopGrace;

  public SwarmDriver(DriverContext context) {
    this.context = context;
    String manager =
        context
            .option("manager")
            .or(() -> Optional.ofNullable(System.getenv("DOCKER_HOST")))
            .orElse("unix:///var/run/docker.sock");
    String registry =
        context
            .option("registry")
            .orElseThrow(
                () ->
                    new RuntimeDriverException(
                        "swarm runtime: set the option registry=HOST[:PORT]/REPO, a registry every"
                            + " swarm node can pull from (e.g. 10.0.0.1:5000/kiln)"));
    this.docker = connect(manager);
    try {
      String nodeId = docker.infoCmd().exec().getSwarm().getNodeID();
      if (nodeId == null || nodeId.isBlank()) {
        throw new RuntimeDriverException(
            "swarm runtime: the engine at "
                + manager
                + " is not in a swarm; run docker swarm init");
      }
    } catch (RuntimeException e) {
      if (e instanceof RuntimeDriverException r) throw r;
      throw new RuntimeDriverException(
          "swarm runtime: no swarm manager answers at " + manager + " (" + e.getMessage() + ")", e);
    }
    RegistryRef repo;
    try {
      repo = RegistryRef.parse(registry);
    } catch (RuntimeException e) {
      throw new RuntimeDriverException("swarm runtime: option registry: " + e.getMessage(), e);
    }
    RegistryOptions options = RegistryOptions.defaults();
    if (context.option("registry-plain-http").isPresent()) {
      options =
          options.withPlainHttp(Boolean.parseBoolean(context.option("registry-plain-http").get()));
    }
    this.images = new SwarmImages(repo, options, context.home().resolve("swarm"));
    this.home = context.home().toAbsolutePath().normalize().toString();
    this.stopGrace =
        Duration.ofSeconds(context.option("stop-grace-seconds").map(Long::parseLong).orElse(10L));
    this.startTimeout =
        Duration.ofSeconds(
            context.option("start-timeout-seconds").map(Long::parseLong).orElse(120L));
  }

  private static DockerClient connect(String host) {
    var config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
    var http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .sslConfig(config.getSSLConfig())
            .maxConnections(64)
            .connectionTimeout(Duration.ofSeconds(5))
            .responseTimeout(Duration.ofMinutes(2))
            .build();
    return DockerClientImpl.getInstance(config, http);
  }

  @Override
  public String name() {
    return "swarm";
  }

  /**
   * Volumes are not claimed: they are mounted, but as node-local named volumes that do not follow
   * an instance the swarm places on another node. Exec is not offered: a manager's API cannot run a
   * command inside a task.
   */
  @Override
  public Capabilities capabilities() {
    // resourceLimits false: memory and CPU limits are handed to the swarm (ServiceSpecs), but the
    // swarm reports neither usage nor an OOM kill, and has no pids limit: the limits' accounting
    // (kiln status, OOMKilled, the auto-scaler's cpu) does not hold here.
    return new Capabilities(
        Capabilities.Isolation.CONTAINER, true, false, true, true, true, false, false);
  }

  @Override
  public InstanceStatus start(InstanceSpec spec) {
    if (find(spec.id()).isPresent() || serviceNamed(ServiceSpecs.serviceName(spec)).isPresent()) {
      throw new RuntimeDriverException(
          "instance " + spec.id() + " already exists; destroy it first or use a new instance id");
    }
    ImageContent image = openImage(spec);
    String ref = images.ensure(image);
    List<String> argv = image.runConfig().argv(spec.command());
    requireCommands(spec, image, argv);
    Map<String, String> secretIds = new LinkedHashMap<>();
    String serviceId = null;
    try {
      for (var secret : spec.secrets().entrySet()) {
        String id =
            docker
                .createSecretCmd(
                    new SecretSpec()
                        .withName(ServiceSpecs.secretName(spec, secret.getKey()))
                        .withData(secret.getValue()) // docker-java base64-encodes it for the API
                        .withLabels(
                            Map.of(
                                ServiceSpecs.LABEL_HOME, home,
                                ServiceSpecs.LABEL_INSTANCE, spec.id().value(),
                                ServiceSpecs.LABEL_SECRET, secret.getKey())))
                .exec()
                .getId();
        secretIds.put(secret.getKey(), id);
      }
      Instant startedAt = context.clock().instant();
      serviceId =
          docker
              .createServiceCmd(
                  ServiceSpecs.of(
                      spec, ref, argv, secretIds, home, startedAt.toString(), stopGrace))
              .exec()
              .getId();
      return awaitStarted(spec, serviceId, argv);
    } catch (DockerException | RuntimeDriverException e) {
      if (serviceId != null) removeService(serviceId);
      removeSecrets(spec.id());
      throw new RuntimeDriverException(
          "instance " + spec.id() + ": the swarm could not start " + argv + ": " + e.getMessage(),
          e);
    }
  }

  /** Refuses a command the image does not have, before anything is created on the swarm. */
  private void requireCommands(InstanceSpec spec, ImageContent image, List<String> argv) {
    if (argv.isEmpty()) {
      throw new RuntimeDriverException(
          "instance "
              + spec.id()
              + ": image "
              + spec.image()
              + " has no entrypoint or cmd; give a"
              + " command");
    }
    ImageFiles files = images.files(image);
    Optional<String> path = Optional.ofNullable(image.runConfig().env().get("PATH"));
    if (files.find(argv.getFirst(), path).isEmpty()) {
      throw new RuntimeDriverException(
          "instance "
              + spec.id()
              + ": "
              + argv.getFirst()
              + " is not in image "
              + spec.image()
              + "; fix the command or the image");
    }
    if (!spec.secrets().isEmpty() && !files.exists("/bin/sh")) {
      throw new RuntimeDriverException(
          "instance "
              + spec.id()
              + ": the swarm runtime passes secrets to the process through /bin/sh, which image "
              + spec.image()
              + " lacks; read them from /run/secrets/NAME instead of env, or add a shell");
    }
  }

  /** Waits until the task runs (or ran and exited); refuses if the engine could not start it. */
  private InstanceStatus awaitStarted(InstanceSpec spec, String serviceId, List<String> argv) {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    String last = "no task yet";
    while (System.nanoTime() < deadline) {
      Service service = docker.inspectServiceCmd(serviceId).exec();
      TaskReading.Observed seen = observe(service);
      switch (seen) {
        case TaskReading.Observed.Running r -> {
          return status(service, seen);
        }
        case TaskReading.Observed.Exited x when !x.failedToStart() -> {
          return status(service, seen);
        }
        case TaskReading.Observed.Exited x -> throw new RuntimeDriverException(x.detail());
        case TaskReading.Observed.Starting s -> last = s.detail();
      }
      pause(100);
    }
    throw new RuntimeDriverException(
        "not running after " + startTimeout.toSeconds() + " s (" + last + ")");
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

  @Override
  public Optional<InstanceStatus> inspect(InstanceId id) {
    return find(id).map(s -> status(s, observe(s)));
  }

  private TaskReading.Observed observe(Service service) {
    return TaskReading.read(tasks(service.getId()), nodes());
  }

  private InstanceStatus status(Service service, TaskReading.Observed seen) {
    ServiceRecord record =
        ServiceRecord.fromJson(service.getSpec().getLabels().get(ServiceSpecs.LABEL_SPEC));
    Instant startedAt = Instant.parse(record.startedAt());
    return switch (seen) {
      case TaskReading.Observed.Running r ->
          new InstanceStatus(
              record.spec(),
              InstanceStatus.State.RUNNING,
              startedAt,
              OptionalInt.empty(),
              Optional.of(r.detail()),
              Optional.of(r.host()));
      // start() returns only once the task runs, so a task not placed yet belongs to a start that
      // never finished (Kiln stopped meanwhile) or to a parked service: it serves nowhere
      case TaskReading.Observed.Starting s ->
          new InstanceStatus(
              record.spec(),
              InstanceStatus.State.EXITED,
              startedAt,
              OptionalInt.empty(),
              Optional.of("not running: " + s.detail()),
              Optional.empty());
      case TaskReading.Observed.Exited x ->
          new InstanceStatus(
              record.spec(),
              InstanceStatus.State.EXITED,
              startedAt,
              x.exitCode(),
              Optional.of(x.detail()),
              x.host());
    };
  }

  private List<TaskReading.Task> tasks(String serviceId) {
    List<TaskReading.Task> out = new ArrayList<>();
    for (var t : docker.listTasksCmd().withServiceFilter(serviceId).exec()) {
      var status = t.getStatus();
      var container = status == null ? null : status.getContainerStatus();
      Integer exit = container == null ? null : container.getExitCode();
      // the engine reports -1 while the container has not exited
      OptionalInt code = exit == null || exit < 0 ? OptionalInt.empty() : OptionalInt.of(exit);
      out.add(
          new TaskReading.Task(
              t.getId(),
              status == null || status.getState() == null
                  ? "new"
                  : status.getState().name().toLowerCase(java.util.Locale.ROOT),
              t.getDesiredState() == null
                  ? ""
                  : t.getDesiredState().name().toLowerCase(java.util.Locale.ROOT),
              Optional.ofNullable(t.getNodeId()).filter(n -> !n.isBlank()),
              code,
              status == null || status.getErr() == null ? "" : status.getErr(),
              t.getCreatedAt() == null ? "" : t.getCreatedAt()));
    }
    return out;
  }

  private Map<String, TaskReading.Node> nodes() {
    Map<String, TaskReading.Node> nodes = new HashMap<>();
    for (SwarmNode n : docker.listSwarmNodesCmd().exec()) {
      String addr = n.getStatus() == null ? null : n.getStatus().getAddress();
      // a manager may report 0.0.0.0 as its own address; its manager status has the real one
      if ((addr == null || addr.equals("0.0.0.0")) && n.getManagerStatus() != null) {
        String m = n.getManagerStatus().getAddr();
        addr = m == null ? addr : m.substring(0, m.lastIndexOf(':'));
      }
      boolean ready = n.getStatus() != null && n.getStatus().getState() == SwarmNodeState.READY;
      nodes.put(n.getId(), new TaskReading.Node(n.getId(), ready, addr == null ? "" : addr));
    }
    return nodes;
  }

  @Override
  public StopResult stop(InstanceId id, Duration grace) {
    Service service = find(id).orElseThrow(() -> unknown(id));
    if (!(observe(service) instanceof TaskReading.Observed.Running)) {
      return new StopResult(id, false, false, exitCode(service));
    }
    docker
        .updateServiceCmd(service.getId(), ServiceSpecs.parked(service.getSpec()))
        .withVersion(service.getVersion().getIndex())
        .exec();
    long deadline =
        System.nanoTime() + grace.plus(stopGrace).toNanos() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Service now = docker.inspectServiceCmd(service.getId()).exec();
      TaskReading.Observed seen = observe(now);
      // a node lost while stopping never reports an exit: its process went with the node
      if (seen instanceof TaskReading.Observed.Exited x && x.nodeLost()) {
        return new StopResult(id, false, false, OptionalInt.empty());
      }
      if (seen instanceof TaskReading.Observed.Exited x && x.exitCode().isPresent()) {
        // 128 + SIGKILL: the grace period ran out and the engine killed it
        boolean killed = x.exitCode().getAsInt() == 137;
        return new StopResult(id, !killed, killed, x.exitCode());
      }
      pause(100);
    }
    throw new RuntimeDriverException(
        "instance " + id + ": still running " + grace.toSeconds() + " s + 60 s after the stop");
  }

  private OptionalInt exitCode(Service service) {
    return observe(service) instanceof TaskReading.Observed.Exited x
        ? x.exitCode()
        : OptionalInt.empty();
  }

  @Override
  public void destroy(InstanceId id) {
    find(id).ifPresent(s -> removeService(s.getId()));
    removeSecrets(id);
  }

  @Override
  public List<InstanceStatus> list() {
    Map<String, TaskReading.Node> nodes = nodes();
    List<InstanceStatus> all = new ArrayList<>();
    for (Service s : owned()) {
      try {
        all.add(status(s, TaskReading.read(tasks(s.getId()), nodes)));
      } catch (NotFoundException gone) {
        // removed meanwhile
      }
    }
    all.sort((a, b) -> a.id().compareTo(b.id()));
    return all;
  }

  @Override
  public String logs(InstanceId id, int maxBytes) {
    Service service = find(id).orElseThrow(() -> unknown(id));
    Collector collector = new Collector();
    try {
      docker
          .logServiceCmd(service.getId())
          .withStdout(true)
          .withStderr(true)
          .withTail(10_000)
          .exec(collector)
          .awaitCompletion(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeDriverException("interrupted while reading the logs of " + id);
    }
    String all = collector.text();
    return all.length() > maxBytes ? all.substring(all.length() - maxBytes) : all;
  }

  @Override
  public void close() {
    try {
      docker.close();
    } catch (IOException ignored) {
      // closing the HTTP transport; nothing to recover
    }
  }

  private List<Service> owned() {
    return docker.listServicesCmd().withLabelFilter(Map.of(ServiceSpecs.LABEL_HOME, home)).exec();
  }

  private Optional<Service> find(InstanceId id) {
    return docker
        .listServicesCmd()
        .withLabelFilter(
            Map.of(ServiceSpecs.LABEL_HOME, home, ServiceSpecs.LABEL_INSTANCE, id.value()))
        .exec()
        .stream()
        .findFirst();
  }

  private Optional<Service> serviceNamed(String name) {
    return docker.listServicesCmd().withNameFilter(List.of(name)).exec().stream()
        .filter(s -> name.equals(s.getSpec().getName()))
        .findFirst();
  }

  private void removeService(String serviceId) {
    try {
      docker.removeServiceCmd(serviceId).exec();
    } catch (NotFoundException ignored) {
      // already gone
    }
  }

  private void removeSecrets(InstanceId id) {
    // a secret is removable once no task uses it; the service's tasks go shortly after the service
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (var secret :
        docker
            .listSecretsCmd()
            .withLabelFilter(
                Map.of(ServiceSpecs.LABEL_HOME, home, ServiceSpecs.LABEL_INSTANCE, id.value()))
            .exec()) {
      while (true) {
        try {
          docker.removeSecretCmd(secret.getId()).exec();
          break;
        } catch (NotFoundException gone) {
          break;
        } catch (DockerException inUse) {
          if (System.nanoTime() > deadline) throw inUse;
          pause(200);
        }
      }
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeDriverException("interrupted while waiting for the swarm");
    }
  }

  private static RuntimeDriverException unknown(InstanceId id) {
    return new RuntimeDriverException("no instance " + id + " in the swarm runtime");
  }

  private static final class Collector extends ResultCallback.Adapter<Frame> {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public void onNext(Frame frame) {
      synchronized (bytes) {
        bytes.writeBytes(frame.getPayload());
      }
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
