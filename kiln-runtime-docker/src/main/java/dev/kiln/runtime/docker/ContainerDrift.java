package dev.kiln.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ChangeLog;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import dev.kiln.model.Digest;
import dev.kiln.runtime.Drift;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Drift of the docker runtime's containers (issue 10). Processes: the engine's event stream, read
 * from the driver's start, reports every {@code exec_create}/{@code exec_start} on a container; one
 * the driver did not make itself (a health probe, {@code kiln exec}) is drift — {@code docker exec}
 * from outside — seen as it happens. Root filesystem: the engine's list of changes in the
 * container's writable layer, outside its tmpfs and volumes. Runtime config: image id, environment,
 * mounts and the read-only root against what the revision declared. The last two are polled, at
 * most every {@code drift-scan-ms} (1000). Findings are sticky per instance.
 */
final class ContainerDrift implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ContainerDrift.class.getName());

  /** An exec the engine reported on one of our containers, judged on the next pass. */
  private record ExecEvent(String container, String execId, String command, Instant at) {}

  private final DockerClient docker;
  private final DriverContext context;
  private final long scanEveryNanos;
  private final ConcurrentLinkedQueue<ExecEvent> pending = new ConcurrentLinkedQueue<>();
  private final Set<String> ownExecs = ConcurrentHashMap.newKeySet();

  /** Per container, bumped when the driver's own exec is being created and once it has its id. */
  private final Map<String, AtomicLong> creating = new ConcurrentHashMap<>();

  private final Map<InstanceId, Map<Drift.Surface, Drift>> found = new ConcurrentHashMap<>();
  private final Map<Digest, String> imageIds = new ConcurrentHashMap<>();
  private volatile ResultCallback.Adapter<Event> events;
  private volatile boolean streaming;
  private volatile boolean closed;
  private volatile long lastScan;

  ContainerDrift(DockerClient docker, DriverContext context) {
    this.docker = docker;
    this.context = context;
    this.scanEveryNanos =
        TimeUnit.MILLISECONDS.toNanos(
            context.option("drift-scan-ms").map(Long::parseLong).orElse(1000L));
    subscribe();
  }

  /** (Re)subscribes to the engine's exec events; a failed stream is resumed on the next pass. */
  private void subscribe() {
    streaming = true;
    events =
        docker
            .eventsCmd()
            .withEventTypeFilter(EventType.CONTAINER)
            .withEventFilter("exec_create", "exec_start")
            .exec(
                new ResultCallback.Adapter<>() {
                  @Override
                  public void onNext(Event e) {
                    Map<String, String> attributes =
                        e.getActor() == null || e.getActor().getAttributes() == null
                            ? Map.of()
                            : e.getActor().getAttributes();
                    String action = Optional.ofNullable(e.getAction()).orElse("");
                    String command =
                        action.contains(": ") ? action.substring(action.indexOf(": ") + 2) : "";
                    pending.add(
                        new ExecEvent(
                            e.getId(),
                            attributes.getOrDefault("execID", ""),
                            command,
                            context.clock().instant()));
                  }

                  @Override
                  public void onError(Throwable t) {
                    if (closed) return;
                    streaming = false;
                    LOG.log(Level.WARNING, "docker runtime: the engine's event stream failed", t);
                  }

                  @Override
                  public void onComplete() {
                    streaming = false;
                  }
                });
  }

  /** Around the driver's own exec: its id is known once created, and is not drift. */
  <T> T ownExec(
      String container, java.util.function.Function<java.util.function.Consumer<String>, T> run) {
    AtomicLong c = creating.computeIfAbsent(container, k -> new AtomicLong());
    c.incrementAndGet();
    boolean[] registered = {false};
    try {
      return run.apply(
          id -> {
            ownExecs.add(id);
            registered[0] = true;
            c.incrementAndGet();
          });
    } finally {
      if (!registered[0]) c.incrementAndGet();
    }
  }

  void forget(InstanceId id) {
    found.remove(id);
  }

  /**
   * @param running the running containers: container id → spec
   */
  List<Drift> drift(Map<String, InstanceSpec> running) {
    if (!streaming && !closed) subscribe();
    Instant now = context.clock().instant();
    Map<String, InstanceId> byContainer = new java.util.HashMap<>();
    running.forEach((c, s) -> byContainer.put(c, s.id()));
    judgeExecs(byContainer);
    long nanos = System.nanoTime();
    boolean scanNow = nanos - lastScan >= scanEveryNanos;
    if (scanNow) lastScan = nanos;
    List<Drift> out = new ArrayList<>();
    for (var e : running.entrySet()) {
      InstanceSpec spec = e.getValue();
      Map<Drift.Surface, Drift> mine =
          found.computeIfAbsent(spec.id(), k -> new ConcurrentHashMap<>());
      if (scanNow) {
        try {
          if (!mine.containsKey(Drift.Surface.ROOTFS)) rootfs(e.getKey(), spec, now, mine);
          if (!mine.containsKey(Drift.Surface.CONFIG)) config(e.getKey(), spec, now, mine);
        } catch (NotFoundException gone) {
          // removed meanwhile
        } catch (DockerException | dev.kiln.runtime.RuntimeDriverException ex) {
          LOG.log(Level.FINE, "docker runtime: cannot check " + spec.id() + " for drift", ex);
        }
      }
      out.addAll(mine.values());
    }
    found.keySet().removeIf(id -> !byContainer.containsValue(id));
    out.sort(
        java.util.Comparator.comparing((Drift d) -> d.instance().value())
            .thenComparing(Drift::surface));
    return out;
  }

  private void judgeExecs(Map<String, InstanceId> byContainer) {
    List<ExecEvent> later = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (ExecEvent ev; (ev = pending.poll()) != null; ) {
      if (ownExecs.contains(ev.execId())) continue;
      InstanceId id = byContainer.get(ev.container());
      if (id == null) continue; // not running (being stopped), or not ours
      long c = creating.getOrDefault(ev.container(), new AtomicLong()).get();
      if (c % 2 == 1) {
        later.add(ev); // the driver is creating an exec there: is this its own? next pass knows
        continue;
      }
      if (!seen.add(ev.execId())) continue; // exec_create and exec_start of one exec
      Map<Drift.Surface, Drift> mine = found.computeIfAbsent(id, k -> new ConcurrentHashMap<>());
      String program = ev.command().isBlank() ? "?" : ev.command().split(" ")[0];
      mine.putIfAbsent(
          Drift.Surface.PROCESS,
          new Drift(
              id,
              Drift.Surface.PROCESS,
              "docker exec " + program,
              Map.of(
                  "exec",
                  ev.execId().isEmpty() ? "?" : ev.execId().substring(0, 12),
                  "exe",
                  program,
                  "reason",
                  "entered from outside (docker exec)"),
              ev.at()));
    }
    pending.addAll(later);
  }

  private void rootfs(
      String container, InstanceSpec spec, Instant now, Map<Drift.Surface, Drift> mine) {
    List<ChangeLog> changes = docker.containerDiffCmd(container).exec();
    if (changes == null || changes.isEmpty()) return;
    List<String> paths = changes.stream().map(ChangeLog::getPath).toList();
    List<String> drifted = ContainerChecks.drifted(paths, Set.copyOf(spec.volumes().values()));
    if (drifted.isEmpty()) return;
    String first = drifted.getFirst();
    String kind =
        changes.stream()
            .filter(c -> c.getPath().equals(first))
            .map(
                c ->
                    switch (c.getKind()) {
                      case 0 -> "changed";
                      case 1 -> "added";
                      case 2 -> "deleted";
                      default -> "kind " + c.getKind();
                    })
            .findFirst()
            .orElse("changed");
    mine.put(
        Drift.Surface.ROOTFS,
        new Drift(
            spec.id(),
            Drift.Surface.ROOTFS,
            first,
            Map.of(
                "path", first,
                "found", kind,
                "changes", Integer.toString(drifted.size())),
            now));
  }

  private void config(
      String container, InstanceSpec spec, Instant now, Map<Drift.Surface, Drift> mine) {
    InspectContainerResponse c = docker.inspectContainerCmd(container).exec();
    Optional<Map<String, String>> evidence = ContainerChecks.config(expected(spec), observed(c));
    evidence.ifPresent(
        e ->
            mine.put(
                Drift.Surface.CONFIG,
                new Drift(
                    spec.id(),
                    Drift.Surface.CONFIG,
                    String.join(
                        ",",
                        e.keySet().stream()
                            .map(k -> k.contains(".") ? k.substring(0, k.indexOf('.')) : k)
                            .distinct()
                            .toList()),
                    e,
                    now)));
  }

  private ContainerChecks.ExpectedConfig expected(InstanceSpec spec) {
    Digest image = spec.image();
    String imageId =
        imageIds.computeIfAbsent(
            image, d -> "sha256:" + context.images().open(d).config().digest().hex());
    Map<String, String> env = new java.util.LinkedHashMap<>();
    List<String> imageEnv =
        Optional.ofNullable(docker.inspectImageCmd(imageId).exec().getConfig())
            .map(cfg -> cfg.getEnv() == null ? List.<String>of() : List.of(cfg.getEnv()))
            .orElse(List.of());
    env.putAll(ContainerChecks.env(imageEnv));
    env.putAll(spec.envWithPort());
    return new ContainerChecks.ExpectedConfig(
        imageId, env, spec.secrets().keySet(), Set.copyOf(spec.volumes().values()));
  }

  private static ContainerChecks.ObservedConfig observed(InspectContainerResponse c) {
    List<String> env =
        c.getConfig() == null || c.getConfig().getEnv() == null
            ? List.of()
            : List.of(c.getConfig().getEnv());
    Set<String> mounts = new java.util.TreeSet<>();
    if (c.getMounts() != null) {
      c.getMounts().stream()
          .filter(m -> m.getDestination() != null)
          .map(m -> m.getDestination().getPath())
          .forEach(mounts::add);
    }
    boolean readOnly =
        c.getHostConfig() != null && Boolean.TRUE.equals(c.getHostConfig().getReadonlyRootfs());
    return new ContainerChecks.ObservedConfig(
        Optional.ofNullable(c.getImageId()).orElse(""), ContainerChecks.env(env), mounts, readOnly);
  }

  @Override
  public void close() {
    closed = true;
    try {
      events.close();
    } catch (java.io.IOException ignored) {
      // the stream's connection; nothing to recover
    }
  }
}
