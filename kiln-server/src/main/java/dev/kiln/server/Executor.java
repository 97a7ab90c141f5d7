package dev.kiln.server;

import dev.kiln.controller.Action;
import dev.kiln.controller.Decision;
import dev.kiln.controller.FleetView;
import dev.kiln.controller.Handoff;
import dev.kiln.controller.Healer;
import dev.kiln.controller.IdSource;
import dev.kiln.controller.ObservedInstance;
import dev.kiln.controller.Orphans;
import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.RolloutPlanner;
import dev.kiln.controller.RouteChoice;
import dev.kiln.controller.StartBackoff;
import dev.kiln.controller.Traffic;
import dev.kiln.controller.TrafficView;
import dev.kiln.model.HealthCheck;
import dev.kiln.model.Route;
import dev.kiln.router.DrainReport;
import dev.kiln.runtime.ImageRefusedException;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
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
import java.util.TreeSet;
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
  private final RuntimeProbes probes;
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
  private final LimitKills limitKills;
  private final DriftWatch drift;

  /** Instances a {@code kiln exec} entered: never routed again, replaced once the command ends. */
  private final Set<String> tainted = ConcurrentHashMap.newKeySet();

  /** Takes the instance out of the route now (on the loop thread) and for good. */
  void taint(String id) {
    tainted.add(id);
    publishRoutes(new Round(lastObserved), Map.of());
  }

  /** Backends in the last published table, and the drain of the swap each one left with. */
  private volatile Set<String> routed = Set.of();

  private final Map<String, CompletableFuture<DrainReport>> leftWith = new ConcurrentHashMap<>();
  private final java.util.concurrent.ExecutorService stoppers =
      Executors.newVirtualThreadPerTaskExecutor();

  /** Services whose next start waits (failed starts, crash loops), owned by the loop thread. */
  private final Map<String, StartBackoff> backoff = new HashMap<>();

  private Map<String, Healer.Backoff> healing = Map.of();
  private volatile List<Observed> lastObserved = List.of();
  private volatile boolean paused;

  Executor(
      ServerState state,
      Recorder rec,
      Fleet fleet,
      HealthBook health,
      HealthMonitor monitor,
      RuntimeProbes probes,
      DataPlane data,
      Secrets secrets,
      Clock clock,
      IdSource ids) {
    this.state = state;
    this.rec = rec;
    this.limitKills = new LimitKills(rec);
    this.drift =
        new DriftWatch(state, rec, fleet, dev.kiln.controller.DriftResponse.Budget.DEFAULT);
    this.fleet = fleet;
    this.health = health;
    this.monitor = monitor;
    this.probes = probes;
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
      throw new IllegalStateException("on the reconcile thread: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerException.Unavailable("interrupted while waiting for the reconcile thread");
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

  /**
   * What the runtimes report, with revisions as the journal knows them and health as probed.
   *
   * @param leaving its stop had begun when the runtimes were listed: it is leaving the route and is
   *     invisible to the planners, even if the stop ends (and `stopping` forgets it) before the
   *     listing is used
   */
  record Observed(Fleet.Running running, ObservedInstance instance, int port, boolean leaving) {}

  List<Observed> observe() {
    // Stops end on other threads. One that ends while (or after) the runtimes are listed leaves its
    // instance in the listing with its health forgotten and no longer in `stopping`: it would look
    // alive, and be routed, healed and stopped again. Stops only begin on this thread, so the set
    // from before the listing says which listed instances are leaving.
    Set<String> leaving = Set.copyOf(stopping);
    List<Observed> out = new ArrayList<>();
    for (Fleet.Running r : fleet.list()) {
      if (leaving.contains(r.id()) && !stopping.contains(r.id())) continue; // stopped meanwhile
      InstanceStatus s = r.status();
      String id = r.id();
      int revision = state.revisionOf(id, s.spec().revision());
      ObservedInstance o;
      if (!s.running()) {
        limitKills.observe(ACTOR, id, revision, s);
        o =
            new ObservedInstance(
                id, s.spec().service(), revision, ObservedInstance.Phase.EXITED, s.startedAt(), 0);
      } else {
        HealthBook.Verdict v = health.of(id, s.startedAt());
        o =
            new ObservedInstance(
                id, s.spec().service(), revision, v.phase(), v.since(), v.failures());
      }
      out.add(new Observed(r, o, s.spec().port(), leaving.contains(id)));
    }
    lastObserved = out; // the freshest listing: act() performs from it, API reads show it
    return out;
  }

  /** The last tick's observation: what API reads show, without listing every runtime again. */
  List<Observed> observed() {
    return lastObserved;
  }

  /**
   * One tick: observe the fleet once, stop orphans, then per service either let its rollout's
   * planner act or, once the rollout handed the service off, let the healer keep it at size.
   */
  void reconcile() {
    Instant now = clock.instant();
    List<Observed> observed = observe();
    lastObserved = observed;
    Round round = new Round(observed);
    publishRoutes(round, Map.of());
    List<Observed> live = observed.stream().filter(o -> !isLeaving(o)).toList();
    Set<String> known = new TreeSet<>(state.services().keySet());
    known.addAll(state.rollouts().keySet());
    List<Action> orphans = Orphans.stops(live.stream().map(Observed::instance).toList(), known);
    for (Action a : orphans) journal(ACTOR, a, "orphan");
    for (Action a : orphans) perform(a, round);
    // drift (issue 10): verdicts journaled, drifted instances stopped one at a time, health-gated
    Set<String> busy = new TreeSet<>();
    observed.stream().filter(this::isLeaving).forEach(o -> busy.add(o.instance().service()));
    List<Action> drifted = drift.tick(live, busy, now);
    for (Action a : drifted) journal(ACTOR, a, "drift");
    for (Action a : drifted) perform(a, round);
    FleetView fleetView =
        new FleetView(
            live.stream()
                .map(Observed::instance)
                .filter(i -> known.contains(i.service()))
                .toList());
    TrafficView traffic = new TrafficView(state.traffic());
    var metrics = window.view(state, data.metrics());
    Map<String, Map<Integer, Integer>> heal = new TreeMap<>();
    for (String service : List.copyOf(state.services().keySet())) {
      Optional<Rollout> current = state.rollout(service);
      if (current.isEmpty()) continue;
      backoff.computeIfPresent(
          service, (k, b) -> b.holds(now.minus(Healer.Policy.DEFAULT.resetAfter())) ? b : null);
      if (Optional.ofNullable(backoff.get(service)).filter(b -> b.holds(now)).isPresent()) {
        continue;
      }
      Rollout r = autoscale(service, current.get(), live, now);
      Decision d = RolloutPlanner.next(r, fleetView, traffic, metrics, now, ids);
      Optional<Map<Integer, Integer>> handoff = Handoff.toHealer(r, d);
      if (handoff.isPresent()) {
        heal.put(service, scaledTarget(service, r, handoff.get()));
        continue;
      }
      execute(service, r, d, round);
      if (replacesDead(d)) {
        // a crash-looping revision: pace its replacements like failed starts
        backoff.put(
            service,
            StartBackoff.after(
                Optional.ofNullable(backoff.get(service)), Healer.Policy.DEFAULT, now));
      }
      d.wakeAt().ifPresent(this::wakeAt);
    }
    if (!heal.isEmpty()) {
      Healer.Result h = Healer.heal(heal, fleetView, healing, now, ids, Healer.Policy.DEFAULT);
      healing = h.backoff();
      String cause = "self-healing: keep the live revision at its replica count";
      for (Action a : h.actions()) journal(ACTOR, a, cause);
      for (Action a : h.actions()) perform(a, round);
      h.wakeAt().ifPresent(this::wakeAt);
    }
  }

  private static boolean replacesDead(Decision d) {
    return d.actions().stream()
        .anyMatch(a -> a instanceof Action.RecordEvent e && e.kind().equals("instance-replaced"));
  }

  private void wakeAt(Instant at) {
    long ms = Math.max(0, Duration.between(clock.instant(), at).toMillis());
    if (ms < TICK.toMillis()) loop.schedule(this::wake, ms, TimeUnit.MILLISECONDS);
  }

  /** Journals every action and the next rollout state, then performs the actions in order. */
  private void execute(String service, Rollout r, Decision d, Round round) {
    // the cause names the phase the decision leads to: never "PROGRESSING" for a success
    String cause =
        "rollout " + service + " " + r.from() + " -> " + r.to() + " (" + d.next().phase() + ")";
    for (Action a : d.actions()) journal(ACTOR, a, cause);
    if (!d.next().equals(r)) rec.append(ACTOR, cause, new JournalEvent.RolloutState(d.next()));
    for (Action a : d.actions()) perform(a, round);
  }

  /**
   * Actions decided outside the loop (a rollback's swap, stopping the fleet): each is journaled,
   * then {@code after} (the entries that complete them), all in one transaction, then each action
   * is performed, from the listing the caller decided on ({@link #warmInstances} or {@link
   * #stopEverything}, just before on this thread). Runs on the loop thread; returns the stops'
   * completions.
   */
  List<CompletableFuture<Void>> act(
      String actor, String cause, List<Action> actions, List<Followup> after) {
    List<Recorder.Pending> entries = new ArrayList<>();
    for (Action a : actions) {
      entries.add(
          new Recorder.Pending(
              actor, ActionJournal.cause(a, cause), ActionJournal.event(state, a)));
    }
    for (Followup f : after) entries.add(new Recorder.Pending(actor, f.cause(), f.event()));
    rec.appendAll(entries); // one durable write for the lot: they complete each other
    // from the listing the caller decided on moments ago on this thread (warmInstances,
    // stopEverything), not a second one: a warm rollback is one table swap, not two fleet listings
    Round round = new Round(lastObserved);
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (Action a : actions) stops.addAll(perform(a, round));
    return stops;
  }

  /** An entry journaled after an act's actions and before they are performed. */
  record Followup(String cause, JournalEvent event) {}

  /** Stops for every instance not already stopping, drained: how {@code kiln up} ends. */
  List<Action> stopEverything(String reason) {
    return observe().stream()
        .filter(o -> !isLeaving(o))
        .map(Observed::instance)
        .<Action>map(i -> new Action.StopInstance(i.service(), i.id(), reason, true))
        .toList();
  }

  /** The instances a rollback may adopt: observed now, those being stopped left out. */
  List<ObservedInstance> warmInstances() {
    return observe().stream().filter(o -> !isLeaving(o)).map(Observed::instance).toList();
  }

  /** Being stopped: out of the route, invisible to the planners, never stopped twice. */
  boolean isLeaving(Observed o) {
    return o.leaving() || stopping.contains(o.instance().id());
  }

  private void journal(String actor, Action a, String cause) {
    ActionJournal.append(rec, state, actor, a, cause);
  }

  /** What one round (a tick, or an act) observed, by instance id. */
  private record Round(List<Observed> observed, Map<String, Observed> byId) {
    Round(List<Observed> observed) {
      this(observed, index(observed));
    }

    private static Map<String, Observed> index(List<Observed> observed) {
      Map<String, Observed> byId = new HashMap<>();
      observed.forEach(o -> byId.put(o.instance().id(), o));
      return byId;
    }
  }

  /** Performs one action from its own data; a stop's completion is returned. */
  private List<CompletableFuture<Void>> perform(Action a, Round round) {
    switch (a) {
      case Action.StartInstances s -> {
        for (String id : s.instanceIds()) {
          try {
            startInstance(s.service(), s.revision(), id);
          } catch (RuntimeException e) {
            startFailed(s.service(), s.revision(), id, e);
            break;
          }
        }
      }
      case Action.StopInstance s -> {
        Observed o = round.byId().get(s.instanceId());
        if (o != null)
          return List.of(stopInstance(round, o.running().runtime(), s.instanceId(), s.drain()));
      }
      case Action.SetTraffic s -> publishRoutes(round, Map.of(s.service(), s.traffic()));
      // adopted instances serve their new revision from now on (publishRoutes asks the state)
      case Action.AdoptInstances s -> publishRoutes(round, Map.of());
      case Action.RecordEvent s -> {}
    }
    return List.of();
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
            config.resources(),
            Map.of(
                "dev.kiln.service",
                service,
                "dev.kiln.revision",
                Integer.toString(revisionNumber),
                "dev.kiln.network",
                config.network()));
    InstanceStatus started = fleet.driver(config.runtime()).start(spec);
    probes.assign(started.id(), config.runtime());
    HealthCheck check = config.health().orElse(DEFAULT_HEALTH);
    // a request is waiting for this instance: find it healthy in milliseconds, not at the interval
    if (waking.contains(service)) check = wakeCheck(check);
    monitor.watch(started.id(), started.address(), port, check, started.startedAt());
  }

  /**
   * A start that fails (image refused, runtime error) is journaled; the service waits before the
   * next attempt ({@link StartBackoff}, the healer's policy). A refused image cannot start on a
   * retry: its rollout is aborted at once.
   */
  private void startFailed(String service, int revision, String id, RuntimeException e) {
    Instant now = clock.instant();
    StartBackoff b =
        StartBackoff.after(Optional.ofNullable(backoff.get(service)), Healer.Policy.DEFAULT, now);
    backoff.put(service, b);
    rec.append(
        ACTOR,
        "start failed: " + e.getMessage(),
        new JournalEvent.InstanceFailed(
            service,
            revision,
            id,
            String.valueOf(e.getMessage()),
            Duration.between(now, b.notBefore())));
    LOG.warning(
        "instance "
            + id
            + " of "
            + service
            + "@"
            + revision
            + " failed to start: "
            + e.getMessage());
    if (!(e instanceof ImageRefusedException)) return;
    state
        .rollout(service)
        .filter(r -> !r.phase().isTerminal() && r.to() == revision)
        .ifPresent(
            r -> {
              rec.append(
                  ACTOR,
                  "image refused: " + e.getMessage(),
                  new JournalEvent.RolloutIntent(r.requestAbort(), Optional.of("abort")));
              // nothing to wait for: the abort is what happens next
              backoff.remove(service);
              wake();
            });
  }

  /**
   * Out of the route first, on this thread; then, off it, wait for the drain and stop and remove
   * the instance (a process that ignores SIGTERM takes the whole grace period, which must not hold
   * up every other service). While it stops, the instance is invisible to the planners.
   */
  private CompletableFuture<Void> stopInstance(
      Round round, String runtime, String id, boolean drain) {
    if (!stopping.add(id)) return CompletableFuture.completedFuture(null);
    // An instance that was ever routed may have requests in flight, whatever the planner thought.
    boolean wasRouted = routed.contains(id) || leftWith.containsKey(id);
    CompletableFuture<DrainReport> drained;
    try {
      drained = publishRoutes(round, Map.of());
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
            probes.forget(InstanceId.of(id));
            var driver = fleet.driver(runtime);
            // a decision from a tick that observed it just before an earlier stop removed it
            if (driver.inspect(InstanceId.of(id)).isEmpty()) return;
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

  /**
   * Builds the route table from the healthy instances (as this tick observed them, less those being
   * stopped, with the revisions the journal says they serve) and the traffic the journal says —
   * with {@code carried} taking the place of a service's traffic when a {@code SetTraffic} action
   * is performed from its own data.
   */
  private CompletableFuture<DrainReport> publishRoutes(Round round, Map<String, Traffic> carried) {
    List<RouteBuilder.Serving> serving =
        round.observed().stream()
            .filter(o -> o.instance().isHealthy() && !isLeaving(o))
            .filter(o -> !tainted.contains(o.instance().id()))
            .map(
                o ->
                    new RouteBuilder.Serving(
                        o.instance().id(),
                        o.instance().service(),
                        state.revisionOf(o.instance().id(), o.instance().revision()),
                        o.running().status().address(),
                        o.port()))
            .toList();
    Map<String, Traffic> traffic = new TreeMap<>(state.traffic());
    traffic.putAll(carried);
    Map<String, Route> routes = new TreeMap<>();
    traffic.forEach(
        (service, t) ->
            RouteChoice.of(t, state.revisions(service)).ifPresent(r -> routes.put(service, r)));
    var table = holdAtZero(RouteBuilder.build(traffic, routes, serving));
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

  // --- autoscaling (issue 11): sample, decide with the controller's Scaler, journal, apply ---

  private volatile Autoscaler autoscaler =
      new Autoscaler(dev.kiln.controller.Scaler.Settings.DEFAULT);

  /** Services woken from zero whose first instance is not healthy yet. */
  private final Set<String> waking = ConcurrentHashMap.newKeySet();

  /** Services the router asked to wake since the last tick (the router's push). */
  private final Set<String> wakeRequests = ConcurrentHashMap.newKeySet();

  private dev.kiln.router.RouterMetrics tickMetrics;
  private Instant tickMetricsAt;

  /**
   * Before {@link #start}: the scaler's windows, and the router's wake push (a request held for a
   * service at zero reconciles at once, so its instance starts now rather than at the next tick).
   */
  void autoscaleWith(dev.kiln.controller.Scaler.Settings settings) {
    autoscaler = new Autoscaler(settings);
    data.onWake(
        service -> {
          wakeRequests.add(service);
          wake();
        });
  }

  Autoscaler autoscaler() {
    return autoscaler;
  }

  /**
   * One tick of an autoscaled service: a sample, the scaler's decision, a {@code service-scaled}
   * entry when the target changes. Returns the rollout, scaled up (journaled) when a running
   * rollout needs more capacity: the planner then splits it by traffic weight. Never scales a
   * rollout down (the scaler holds while one runs) and never changes the plan.
   */
  private Rollout autoscale(String service, Rollout r, List<Observed> live, Instant now) {
    Optional<dev.kiln.model.Autoscale> policy =
        state.service(service).flatMap(ServerState.ServiceInfo::autoscale);
    if (policy.isEmpty()) {
      autoscaler.forget(service);
      return r;
    }
    if (!now.equals(tickMetricsAt)) {
      try {
        tickMetrics = data.metrics();
        tickMetricsAt = now;
      } catch (RuntimeException e) {
        // no metrics this round (the router process restarting): keep the count, heal the rest
        LOG.log(Level.FINE, "autoscale: no router metrics this round", e);
        return r;
      }
    }
    int ready = 0;
    int starting = 0;
    List<Autoscaler.Cpu> cpu = new ArrayList<>();
    for (Observed o : live) {
      if (!o.instance().service().equals(service)) continue;
      switch (o.instance().phase()) {
        case HEALTHY -> ready++;
        case STARTING -> starting++;
        default -> {}
      }
      InstanceStatus st = o.running().status();
      st.usage()
          .ifPresent(
              u ->
                  cpu.add(
                      new Autoscaler.Cpu(
                          o.instance().id(), u.cpuNanos(), st.spec().limits().cpuMillis())));
    }
    if (ready > 0) waking.remove(service);
    boolean asked = wakeRequests.remove(service);
    if (asked) autoscaler.requested(service, now);
    autoscaler.sample(service, tickMetrics, cpu, now);
    // a wake pushed by the router is a request held, even if the count has not reached us
    int queued = Math.max(data.held().getOrDefault(service, 0), asked ? 1 : 0);
    boolean running = !r.phase().isTerminal();
    var d =
        autoscaler.decide(
            service,
            policy.get(),
            ready,
            starting,
            state.traffic(service).weights(),
            running,
            queued,
            now,
            true);
    int target = state.scaled(service).orElse(r.replicas());
    if (d.changed() && d.desired() != target) {
      if (d.rule().startsWith("wake")) waking.add(service);
      rec.append(
          ACTOR,
          "autoscale " + service + " " + target + " -> " + d.desired() + ": " + d.rule(),
          new JournalEvent.ServiceScaled(
              service, target, d.desired(), d.perRevision(), d.rule(), d.inputs()));
      target = d.desired();
    }
    if (running && target > r.replicas()) {
      Rollout scaled = r.withReplicas(target);
      rec.append(
          ACTOR,
          "autoscale during the rollout: split by weight",
          new JournalEvent.RolloutState(scaled));
      return scaled;
    }
    return r;
  }

  /**
   * What the scaler would decide now for each autoscaled service, from the last tick's observation,
   * without remembering it ({@code kiln plan}: not a change). Runs on the loop thread.
   */
  Map<String, dev.kiln.controller.ScaleDecision> scalePreview() {
    Map<String, dev.kiln.controller.ScaleDecision> out = new TreeMap<>();
    Instant now = clock.instant();
    for (String service : state.services().keySet()) {
      var policy = state.service(service).flatMap(ServerState.ServiceInfo::autoscale);
      if (policy.isEmpty()) continue;
      int ready = 0;
      int starting = 0;
      for (Observed o : lastObserved) {
        if (!o.instance().service().equals(service) || isLeaving(o)) continue;
        if (o.instance().isHealthy()) ready++;
        else if (o.instance().phase() == dev.kiln.controller.ObservedInstance.Phase.STARTING)
          starting++;
      }
      boolean running = state.rollout(service).map(r -> !r.phase().isTerminal()).orElse(false);
      out.put(
          service,
          autoscaler.decide(
              service,
              policy.get(),
              ready,
              starting,
              state.traffic(service).weights(),
              running,
              data.held().getOrDefault(service, 0),
              now,
              false));
    }
    return out;
  }

  /** The healer's target: the scaler's count for the live revision, when it has one. */
  private Map<Integer, Integer> scaledTarget(
      String service, Rollout r, Map<Integer, Integer> handoff) {
    if (state.service(service).flatMap(ServerState.ServiceInfo::autoscale).isEmpty()
        || r.lastGood() <= 0) {
      return handoff;
    }
    return Map.of(r.lastGood(), state.scaled(service).orElse(r.replicas()));
  }

  /** A service that may scale to zero holds its requests while it has no instance. */
  private List<dev.kiln.router.ServiceRoute> holdAtZero(List<dev.kiln.router.ServiceRoute> table) {
    return table.stream()
        .map(
            route ->
                state
                        .service(route.service())
                        .flatMap(ServerState.ServiceInfo::autoscale)
                        .filter(a -> a.min() == 0)
                        .isPresent()
                    ? route.withHold(WAKE_HOLD)
                    : route)
        .toList();
  }

  /** Requests held for a service at zero: at most this many, each at most this long. */
  static final dev.kiln.router.Hold WAKE_HOLD =
      new dev.kiln.router.Hold(1000, Duration.ofSeconds(30));

  private static HealthCheck wakeCheck(HealthCheck steady) {
    return new HealthCheck(
        steady.probe(),
        Duration.ofMillis(10),
        steady.timeout(),
        1,
        steady.unhealthy(),
        steady.startDeadline());
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
      throw new java.io.UncheckedIOException("no free loopback port: " + e.getMessage(), e);
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
