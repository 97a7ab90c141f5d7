package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.controller.Action;
import dev.kiln.controller.Decision;
import dev.kiln.controller.FleetView;
import dev.kiln.controller.Healer;
import dev.kiln.controller.IdSource;
import dev.kiln.controller.ObservedInstance;
import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.RolloutPlanner;
import dev.kiln.controller.TrafficView;
import dev.kiln.model.HealthCheck;
import dev.kiln.model.Route;
import dev.kiln.router.DrainReport;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.Resources;
import dev.kiln.runtime.health.HealthMonitor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The reconcile loop: one thread that observes the fleet, asks the planners what to do, journals
 * each action and the rollout's next state, and only then performs the actions through the runtime
 * and router. Woken by a timer, health changes, API intents and the planners' {@code wakeAt}.
 * Everything that reads or changes {@link ServerState} runs on this thread ({@link #call}).
 */
final class Executor implements AutoCloseable {
  static final String ACTOR = "kiln-controller";
  static final Duration TICK = Duration.ofMillis(200);
  static final Duration DRAIN_WAIT = Duration.ofSeconds(15);
  static final Duration STOP_GRACE = Duration.ofSeconds(10);
  static final HealthCheck DEFAULT_HEALTH =
      new HealthCheck(
          new HealthCheck.Probe.Tcp(),
          Duration.ofSeconds(1),
          Duration.ofSeconds(1),
          1,
          3,
          HealthCheck.DEFAULT_START_DEADLINE);
  private static final Logger LOG = Logger.getLogger(Executor.class.getName());

  private final ServerState state;
  private final Recorder rec;
  private final Fleet fleet;
  private final HealthBook health;
  private final HealthMonitor monitor;
  private final DataPlane data;
  private final Secrets secrets;
  private final Clock clock;
  private final IdSource ids;
  private final CanaryWindow window = new CanaryWindow();
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("kiln-reconcile").unstarted(r));
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final Set<String> stopping = ConcurrentHashMap.newKeySet();

  /** Backends in the last published table, and the drain of the swap each one left with. */
  private volatile Set<String> routed = Set.of();

  private final Map<String, CompletableFuture<DrainReport>> leftWith = new ConcurrentHashMap<>();
  private final java.util.concurrent.ExecutorService stoppers =
      Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, Instant> blockedUntil = new HashMap<>();
  private final Map<String, Integer> failures = new HashMap<>();
  private Map<String, Healer.Backoff> backoff = Map.of();
  private volatile boolean paused;

  Executor(
      ServerState state,
      Recorder rec,
      Fleet fleet,
      HealthBook health,
      HealthMonitor monitor,
      DataPlane data,
      Secrets secrets,
      Clock clock,
      IdSource ids) {
    this.state = state;
    this.rec = rec;
    this.fleet = fleet;
    this.health = health;
    this.monitor = monitor;
    this.data = data;
    this.secrets = secrets;
    this.clock = clock;
    this.ids = ids;
  }

  void start() {
    loop.scheduleWithFixedDelay(this::safeReconcile, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Asks for a reconcile soon; many wakes before it runs make one reconcile. */
  void wake() {
    if (wakePending.compareAndSet(false, true)) {
      try {
        loop.execute(this::safeReconcile);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shutting down
      }
    }
  }

  /** Runs {@code task} on the loop thread and returns its result (its exception, unwrapped). */
  <T> T call(Callable<T> task) {
    try {
      return loop.submit(task).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw new ServerException(500, String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerException(503, "interrupted");
    }
  }

  private void safeReconcile() {
    wakePending.set(false);
    if (paused) return;
    try {
      reconcile();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "reconcile failed; retrying on the next tick", e);
    }
  }

  // --- observe ---

  /** What the runtimes report, with revisions as the journal knows them and health as probed. */
  record Observed(Fleet.Running running, ObservedInstance instance, int port) {}

  List<Observed> observe() {
    List<Observed> out = new ArrayList<>();
    for (Fleet.Running r : fleet.list()) {
      InstanceStatus s = r.status();
      String id = r.id();
      int revision = state.revisionOf(id, s.spec().revision());
      ObservedInstance o;
      if (!s.running()) {
        o =
            new ObservedInstance(
                id, s.spec().service(), revision, ObservedInstance.Phase.EXITED, s.startedAt(), 0);
      } else {
        HealthBook.Verdict v = health.of(id, s.startedAt());
        o =
            new ObservedInstance(
                id, s.spec().service(), revision, v.phase(), v.since(), v.failures());
      }
      out.add(new Observed(r, o, s.spec().port()));
    }
    return out;
  }

  void reconcile() {
    Instant now = clock.instant();
    List<Observed> observed = observe();
    publishRoutes(observed);
    Map<String, Observed> byId = new HashMap<>();
    observed.forEach(o -> byId.put(o.instance().id(), o));
    for (Observed o : observed) {
      if (stopping.contains(o.instance().id())) continue;
      if (state.service(o.instance().service()).isEmpty()
          && state.rollout(o.instance().service()).isEmpty()) {
        Action stop =
            new Action.StopInstance(
                o.instance().service(),
                o.instance().id(),
                "orphan: service " + o.instance().service() + " is not in the applied blueprint",
                o.instance().isHealthy());
        journal(stop, "orphan");
        perform(stop, byId);
      }
    }
    FleetView fleetView =
        new FleetView(
            observed.stream()
                .filter(o -> !stopping.contains(o.instance().id()))
                .filter(
                    o ->
                        state.service(o.instance().service()).isPresent()
                            || state.rollout(o.instance().service()).isPresent())
                .map(Observed::instance)
                .toList());
    TrafficView traffic = new TrafficView(state.traffic());
    var metrics = window.view(state, data.metrics());
    Map<String, Map<Integer, Integer>> heal = new TreeMap<>();
    for (String service : List.copyOf(new TreeMap<>(state.services()).keySet())) {
      Optional<Rollout> current = state.rollout(service);
      if (current.isEmpty()) continue;
      if (blockedUntil.getOrDefault(service, Instant.MIN).isAfter(now)) continue;
      Rollout r = current.get();
      Decision d = RolloutPlanner.next(r, fleetView, traffic, metrics, now, ids);
      boolean converged =
          d.next().equals(r) && d.actions().stream().noneMatch(a -> a instanceof Action.SetTraffic);
      if (r.phase().isTerminal() && converged) {
        heal.put(service, r.lastGood() > 0 ? Map.of(r.lastGood(), r.replicas()) : Map.of());
        continue;
      }
      execute(service, r, d, byId);
      d.wakeAt().ifPresent(this::wakeAt);
    }
    if (!heal.isEmpty()) {
      Healer.Result h = Healer.heal(heal, fleetView, backoff, now, ids, Healer.Policy.DEFAULT);
      backoff = h.backoff();
      String cause = "self-healing: keep the live revision at its replica count";
      for (Action a : h.actions()) journal(a, cause);
      for (Action a : h.actions()) perform(a, byId);
      h.wakeAt().ifPresent(this::wakeAt);
    }
  }

  private void wakeAt(Instant at) {
    long ms = Math.max(0, Duration.between(clock.instant(), at).toMillis());
    if (ms < TICK.toMillis()) loop.schedule(this::wake, ms, TimeUnit.MILLISECONDS);
  }

  /** Journals every action and the next rollout state, then performs the actions in order. */
  private void execute(String service, Rollout r, Decision d, Map<String, Observed> byId) {
    String cause = "rollout " + service + " " + r.from() + " -> " + r.to() + " (" + r.phase() + ")";
    for (Action a : d.actions()) journal(a, cause);
    if (!d.next().equals(r)) {
      ObjectNode body = Json.object();
      body.set("rollout", StateCodec.rollout(d.next()));
      rec.append(ACTOR, "rollout-state", service, cause, body);
    }
    for (Action a : d.actions()) perform(a, byId);
  }

  void journal(Action a, String cause) {
    ActionJournal.append(rec, state, ACTOR, a, cause);
  }

  void perform(Action a, Map<String, Observed> byId) {
    switch (a) {
      case Action.StartInstances s -> {
        for (String id : s.instanceIds()) {
          try {
            startInstance(s.service(), s.revision(), id);
            failures.remove(s.service());
          } catch (RuntimeException e) {
            startFailed(s.service(), s.revision(), id, e);
            return;
          }
        }
      }
      case Action.StopInstance s -> {
        Observed o = byId.get(s.instanceId());
        if (o != null) stopInstance(o.running().runtime(), s.instanceId(), s.drain());
      }
      case Action.SetTraffic s -> publishRoutes(observe());
      case Action.AdoptInstances s -> publishRoutes(observe());
      case Action.RecordEvent s -> {}
    }
  }

  private void startInstance(String service, int revisionNumber, String id) {
    Revision rev =
        state
            .revision(service, revisionNumber)
            .orElseThrow(
                () ->
                    new ServerException(
                        "service " + service + " has no revision " + revisionNumber));
    var config = rev.config();
    Map<String, String> secretValues = secrets.values(service, config.secrets());
    int port = freePort();
    InstanceSpec spec =
        new InstanceSpec(
            InstanceId.of(id),
            service,
            revisionNumber,
            rev.image(),
            List.of(),
            config.env(),
            secretValues,
            port,
            config.volumes(),
            Resources.UNLIMITED,
            Map.of(
                "dev.kiln.service",
                service,
                "dev.kiln.revision",
                Integer.toString(revisionNumber)));
    InstanceStatus started = fleet.driver(config.runtime()).start(spec);
    monitor.watch(
        started.id(),
        started.address(),
        port,
        config.health().orElse(DEFAULT_HEALTH),
        started.startedAt());
  }

  /**
   * A start that fails (image refused, runtime error) is journaled; the service waits before the
   * next attempt, doubling up to a minute. A refused image cannot start on a retry: its rollout is
   * aborted.
   */
  private void startFailed(String service, int revision, String id, RuntimeException e) {
    int n = failures.merge(service, 1, Integer::sum);
    Duration wait = Duration.ofSeconds(Math.min(60, 1L << Math.min(6, n - 1)));
    blockedUntil.put(service, clock.instant().plus(wait));
    ObjectNode body = Json.object();
    body.put("service", service);
    body.put("revision", revision);
    body.put("instance", id);
    body.put("error", String.valueOf(e.getMessage()));
    body.put("retryIn", wait.toString());
    rec.append(ACTOR, "instance-failed", service, "start failed: " + e.getMessage(), body);
    LOG.warning(
        "instance "
            + id
            + " of "
            + service
            + "@"
            + revision
            + " failed to start: "
            + e.getMessage());
    boolean refused = e instanceof ServerException se && se.status() == 409;
    state
        .rollout(service)
        .filter(r -> refused && !r.phase().isTerminal() && r.to() == revision)
        .ifPresent(
            r -> {
              ObjectNode b = Json.object();
              b.set("rollout", StateCodec.rollout(r.requestAbort()));
              rec.append(ACTOR, "rollout-intent", service, "image refused: " + e.getMessage(), b);
            });
  }

  /**
   * Out of the route first, on this thread; then, off it, wait for the drain and stop and remove
   * the instance (a process that ignores SIGTERM takes the whole grace period, which must not hold
   * up every other service). While it stops, the instance is invisible to the planners.
   */
  CompletableFuture<Void> stopInstance(String runtime, String id, boolean drain) {
    if (!stopping.add(id)) return CompletableFuture.completedFuture(null);
    // An instance that was ever routed may have requests in flight, whatever the planner thought.
    boolean wasRouted = routed.contains(id) || leftWith.containsKey(id);
    CompletableFuture<DrainReport> drained;
    try {
      drained = publishRoutes(observe());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot take instance " + id + " out of the route", e);
      drained = CompletableFuture.completedFuture(null);
    }
    // the instance may have left the table with an earlier swap (traffic moved off its revision)
    CompletableFuture<DrainReport> d = leftWith.getOrDefault(id, drained);
    return CompletableFuture.runAsync(
        () -> {
          try {
            if (drain || wasRouted) {
              try {
                d.get(DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
              } catch (TimeoutException | ExecutionException e) {
                LOG.warning("instance " + id + ": drain did not finish cleanly: " + e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            monitor.unwatch(InstanceId.of(id));
            var driver = fleet.driver(runtime);
            driver.stop(InstanceId.of(id), STOP_GRACE);
            driver.destroy(InstanceId.of(id));
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot stop instance " + id, e);
          } finally {
            health.forget(id);
            leftWith.remove(id);
            stopping.remove(id);
            wake();
          }
        },
        stoppers);
  }

  boolean isStopping(String id) {
    return stopping.contains(id);
  }

  /** Builds the route table from the traffic the journal says and the healthy instances. */
  CompletableFuture<DrainReport> publishRoutes(List<Observed> observed) {
    List<RouteBuilder.Serving> serving =
        observed.stream()
            .filter(o -> o.instance().isHealthy() && !stopping.contains(o.instance().id()))
            .map(
                o ->
                    new RouteBuilder.Serving(
                        o.instance().id(),
                        o.instance().service(),
                        o.instance().revision(),
                        o.running().status().address(),
                        o.port()))
            .toList();
    Map<String, Route> routes = new TreeMap<>();
    for (var e : state.traffic().entrySet()) {
      int rev = e.getValue().weights().isEmpty() ? 0 : e.getValue().weights().lastKey();
      state
          .revision(e.getKey(), rev)
          .flatMap(r -> r.config().route())
          .or(
              () ->
                  state.revisions(e.getKey()).stream()
                      .reduce((x, y) -> y)
                      .flatMap(r -> r.config().route()))
          .ifPresent(r -> routes.put(e.getKey(), r));
    }
    var table = RouteBuilder.build(state.traffic(), routes, serving);
    Set<String> ids =
        table.stream()
            .flatMap(r -> r.backends().stream())
            .map(dev.kiln.router.Backend::id)
            .collect(java.util.stream.Collectors.toSet());
    CompletableFuture<DrainReport> drained = data.publish(table);
    for (String id : routed) if (!ids.contains(id)) leftWith.put(id, drained);
    for (String id : ids) leftWith.remove(id);
    routed = ids;
    return drained;
  }

  /**
   * Stops reconciling (for a clean shutdown of {@code kiln up}: nothing restarts what it stops).
   */
  void pause() {
    paused = true;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new ServerException(500, "no free loopback port: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    stoppers.shutdown();
    loop.shutdown();
    try {
      loop.awaitTermination(30, TimeUnit.SECONDS);
      stoppers.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
