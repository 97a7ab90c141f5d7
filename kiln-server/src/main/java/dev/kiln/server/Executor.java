package dev.kiln.server;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import dev.kiln.controller.Action;
import dev.kiln.controller.Decision;
import dev.kiln.controller.DriftResponse;
import dev.kiln.controller.FleetView;
import dev.kiln.controller.Handoff;
import dev.kiln.controller.Healer;
import dev.kiln.controller.IdSource;
import dev.kiln.controller.ObservedInstance;
import dev.kiln.controller.Orphans;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.RolloutPlanner;
import dev.kiln.controller.ScaleDecision;
import dev.kiln.controller.Scaler;
import dev.kiln.controller.TrafficView;
import dev.kiln.journal.Entry;
import dev.kiln.model.HealthCheck;
import dev.kiln.router.Hold;
import dev.kiln.runtime.health.HealthMonitor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The reconcile loop: one thread that observes the fleet, asks the planners what to do, journals
 * each action and the rollout's next state, and only then performs the actions through the runtime
 * and router. Woken by a timer, health changes, API intents and the planners' {@code wakeAt}.
 * Everything that reads or changes {@link ServerState} runs on this thread ({@link #call}). The
 * runtimes are listed for each tick on a thread of its own, so an API call (a rollback) waits for a
 * tick's decisions at most, never for every runtime to answer; a listing across which this thread
 * began a start or stop is dropped ({@link Observer#current}).
 *
 * <p>This class owns the thread and the order of one tick ({@link #reconcile}); the parts live in
 * package-private collaborators, all called on this thread: {@link Observer} (listing the fleet,
 * who is leaving), {@link ActionPerformer} (starts, stops, traffic), {@link RoutePublisher} (the
 * route table and its drains), {@link StartPacing} and {@link Healing} (the backoffs kept between
 * ticks), and the hooks {@link Autoscaling} and {@link DriftWatch}.
 */
final class Executor implements AutoCloseable {
  static final String ACTOR = "kiln-controller";
  static final Duration TICK = Duration.ofMillis(200);
  static final HealthCheck DEFAULT_HEALTH =
      new HealthCheck(
          new HealthCheck.Probe.Tcp(),
          Duration.ofSeconds(1),
          Duration.ofSeconds(1),
          1,
          3,
          HealthCheck.DEFAULT_START_DEADLINE);

  /**
   * Requests held for a service at zero (kept here for callers; {@link RoutePublisher} owns it).
   */
  static final Hold WAKE_HOLD = RoutePublisher.WAKE_HOLD;

  private static final Logger LOG = Logger.getLogger(Executor.class.getName());

  private final ServerState state;
  private final Recorder rec;
  private final DataPlane data;
  private final Clock clock;
  private final IdSource ids;
  private final CanaryWindow window = new CanaryWindow();
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("kiln-reconcile").unstarted(r));

  /**
   * Lists every runtime for the next tick, then hands the listing to the loop thread and waits for
   * that tick: the listing (a directory of records, a call to dockerd) was most of a tick's time on
   * the loop thread, where a rollback waited behind it.
   */
  private final ScheduledExecutorService lister =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("kiln-list").unstarted(r));

  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final Observer observer;
  private final RoutePublisher routes;
  private final StartPacing pacing = new StartPacing();
  private final Healing healing;
  private final Autoscaling autoscaling;
  private final ActionPerformer performer;
  private final DriftWatch drift;

  private volatile List<Observed> lastObserved = List.of();
  private final AtomicLong relisted = new AtomicLong();
  private volatile boolean listed;
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
    this.data = data;
    this.clock = clock;
    this.ids = ids;
    Moves moves = new Moves(rec);
    this.observer = new Observer(state, fleet, health, new LimitKills(rec), moves);
    this.drift = new DriftWatch(state, rec, fleet, DriftResponse.Budget.DEFAULT);
    this.routes = new RoutePublisher(state, data, observer::isLeaving);
    this.healing = new Healing(ids);
    this.autoscaling = new Autoscaling(state, rec, data);
    this.performer =
        new ActionPerformer(
            state,
            rec,
            fleet,
            health,
            monitor,
            probes,
            secrets,
            clock,
            observer,
            routes,
            pacing,
            moves,
            autoscaling,
            this::wake);
  }

  void start() {
    lister.scheduleWithFixedDelay(this::listThenReconcile, 0, TICK.toMillis(), MILLISECONDS);
  }

  /** {@link #wake} after {@code delay}. */
  void wakeAfter(Duration delay) {
    try {
      lister.schedule(this::wake, delay.toMillis(), MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // shutting down
    }
  }

  /** Asks for a reconcile soon; many wakes before it runs make one reconcile. */
  void wake() {
    if (wakePending.compareAndSet(false, true)) {
      try {
        lister.execute(this::listThenReconcile);
      } catch (RejectedExecutionException e) {
        // shutting down
      }
    }
  }

  /** On the lister thread: list every runtime, then reconcile from that listing on the loop. */
  private void listThenReconcile() {
    wakePending.set(false);
    if (paused) return;
    Observer.Listing listing;
    try {
      listing = observer.list();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "listing the runtimes failed; retrying on the next tick", e);
      return;
    }
    try {
      // waits for the tick: the next listing is taken after it, as when both ran on the loop
      loop.submit(() -> safeReconcile(listing)).get();
    } catch (RejectedExecutionException e) {
      // shutting down
    } catch (ExecutionException e) {
      LOG.log(Level.WARNING, "reconcile failed; retrying on the next tick", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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

  private void safeReconcile(Observer.Listing listing) {
    if (paused) return;
    try {
      reconcile(listing);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "reconcile failed; retrying on the next tick", e);
    }
  }

  /**
   * What the runtimes report, with revisions as the journal knows them and health as probed.
   *
   * @param leaving its stop had begun when the runtimes were listed: it is leaving the route and is
   *     invisible to the planners, even if the stop ends (and the observer forgets it) before the
   *     listing is used
   */
  record Observed(Fleet.Running running, ObservedInstance instance, int port, boolean leaving) {}

  List<Observed> observe() {
    return observe(list());
  }

  /** Lists every runtime, on any thread; a tick uses it unless it is stale by then. */
  Observer.Listing list() {
    return observer.list();
  }

  /**
   * What {@code listing} says, or, when a start or stop began on this thread since it was taken (it
   * may miss a start, or show a stopped instance alive), what a new listing says: a stale listing
   * is dropped, never used.
   */
  private List<Observed> observe(Observer.Listing listing) {
    Observer.Listing current = observer.current(listing) ? listing : observer.list();
    if (current != listing) relisted.incrementAndGet();
    List<Observed> out = observer.observe(current);
    lastObserved = out; // the freshest listing: act() performs from it, API reads show it
    listed = true;
    return out;
  }

  /** Listings dropped because a start or stop began after they were taken (for tests). */
  long relisted() {
    return relisted.get();
  }

  /** The last tick's observation: what API reads show, without listing every runtime again. */
  List<Observed> observed() {
    return lastObserved;
  }

  /** Being stopped: out of the route, invisible to the planners, never stopped twice. */
  boolean isLeaving(Observed o) {
    return observer.isLeaving(o);
  }

  /** Takes the instance out of the route now (on the loop thread) and for good. */
  void taint(String id) {
    routes.taint(id);
    routes.publish(new Round(lastObserved), Map.of());
  }

  /** One tick from a listing taken on this (the loop) thread. */
  void reconcile() {
    reconcile(observer.list());
  }

  /**
   * One tick: observe the fleet once (from {@code listing}, taken on the lister thread, unless a
   * start or stop began since), stop orphans, then per service either let its rollout's planner act
   * or, once the rollout handed the service off, let the healer keep it at size.
   */
  void reconcile(Observer.Listing listing) {
    Instant now = clock.instant();
    List<Observed> observed = observe(listing);
    Round round = new Round(observed);
    routes.publish(round, Map.of());
    List<Observed> live = observed.stream().filter(o -> !isLeaving(o)).toList();
    Set<String> known = new TreeSet<>(state.services().keySet());
    known.addAll(state.rollouts().keySet());
    List<Action> orphans = Orphans.stops(live.stream().map(Observed::instance).toList(), known);
    for (Action a : orphans) journal(ACTOR, a, "orphan");
    for (Action a : orphans) performer.perform(a, round);
    // drift (issue 10): verdicts journaled, drifted instances stopped one at a time, health-gated
    Set<String> busy = new TreeSet<>();
    observed.stream().filter(this::isLeaving).forEach(o -> busy.add(o.instance().service()));
    List<Action> drifted = drift.tick(live, busy, now);
    for (Action a : drifted) journal(ACTOR, a, "drift");
    for (Action a : drifted) performer.perform(a, round);
    FleetView fleetView =
        new FleetView(
            live.stream()
                .map(Observed::instance)
                .filter(i -> known.contains(i.service()))
                .toList());
    TrafficView traffic = new TrafficView(state.traffic());
    var metrics = window.view(state, data::metrics);
    Map<String, Map<Integer, Integer>> heal = new TreeMap<>();
    for (String service : List.copyOf(state.services().keySet())) {
      Optional<Rollout> current = state.rollout(service);
      if (current.isEmpty()) continue;
      if (pacing.holds(service, now)) continue;
      Rollout r = autoscaling.tick(service, current.get(), live, now);
      Decision d = RolloutPlanner.next(r, fleetView, traffic, metrics, now, ids);
      Optional<Map<Integer, Integer>> handoff = Handoff.toHealer(r, d);
      if (handoff.isPresent()) {
        heal.put(service, autoscaling.healerTarget(service, r, handoff.get()));
        continue;
      }
      execute(service, r, d, round);
      if (replacesDead(d)) {
        // a crash-looping revision: pace its replacements like failed starts
        pacing.failed(service, now);
      }
      d.wakeAt().ifPresent(this::wakeAt);
    }
    if (!heal.isEmpty()) {
      Healer.Result h = healing.heal(heal, fleetView, now);
      for (Action a : h.actions()) journal(ACTOR, a, Healing.CAUSE);
      for (Action a : h.actions()) performer.perform(a, round);
      h.wakeAt().ifPresent(this::wakeAt);
    }
  }

  private static boolean replacesDead(Decision d) {
    return d.actions().stream()
        .anyMatch(a -> a instanceof Action.RecordEvent e && e.kind().equals("instance-replaced"));
  }

  private void wakeAt(Instant at) {
    long ms = Math.max(0, Duration.between(clock.instant(), at).toMillis());
    if (ms < TICK.toMillis()) lister.schedule(this::wake, ms, MILLISECONDS);
  }

  /** Journals every action and the next rollout state, then performs the actions in order. */
  private void execute(String service, Rollout r, Decision d, Round round) {
    // the cause names the phase the decision leads to: never "PROGRESSING" for a success
    String cause =
        "rollout " + service + " " + r.from() + " -> " + r.to() + " (" + d.next().phase() + ")";
    for (Action a : d.actions()) journal(ACTOR, a, cause);
    if (!d.next().equals(r)) rec.append(ACTOR, cause, new JournalEvent.RolloutState(d.next()));
    for (Action a : d.actions()) performer.perform(a, round);
  }

  /**
   * Actions decided outside the loop (a rollback's swap, stopping the fleet): each is journaled,
   * then {@code after} (the entries that complete them), all in one transaction, then each action
   * is performed, from the listing the caller decided on ({@link #warmInstances} or {@link
   * #stopEverything}, just before on this thread), then the transaction is synced to disk ({@link
   * Recorder#appendAllBeforeActing}): the entries are written before the act and durable before
   * this returns, so before anyone is told. Runs on the loop thread; returns the stops'
   * completions.
   */
  List<CompletableFuture<Void>> act(
      String actor, String cause, List<Action> actions, List<Followup> after) {
    return act(List.of(), actor, cause, actions, after);
  }

  /**
   * {@link #act(String, String, List, List)} with {@code before} (a rollback's request and its
   * revision) journaled first in the same transaction: one disk sync, after the swap, not two
   * before it. The actions' events are made before {@code before} applies to the state, so a start
   * (whose event names its revision's image, which {@code before} may create) has {@code before}
   * written on its own first: the journal's content is the same either way.
   */
  List<CompletableFuture<Void>> act(
      List<Recorder.Pending> before,
      String actor,
      String cause,
      List<Action> actions,
      List<Followup> after) {
    List<Recorder.Pending> entries = new ArrayList<>();
    if (actions.stream().anyMatch(a -> a instanceof Action.StartInstances)) {
      if (!before.isEmpty()) rec.appendAll(before);
    } else {
      entries.addAll(before);
    }
    entries.addAll(ActionJournal.entries(state, actor, cause, actions));
    for (Followup f : after) entries.add(new Recorder.Pending(actor, f.cause(), f.event()));
    // one write for the lot (they complete each other), synced to disk right after the actions
    List<Entry> appended = rec.appendAllBeforeActing(entries);
    // from the listing the caller decided on moments ago on this thread (warmInstances,
    // stopEverything), not a second one: a warm rollback is one table swap, not two fleet listings
    Round round = new Round(lastObserved);
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    try {
      for (Action a : actions) stops.addAll(performer.perform(a, round));
    } finally {
      rec.afterActing(appended); // the disk sync and a due signing: the swap need not wait
    }
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

  /**
   * The instances a rollback may adopt: the last tick's listing with health and revisions as they
   * are now ({@link Observer#refresh}), those being stopped left out. Not a new listing of every
   * runtime: that was a rollback's largest part after the journal's sync (2–10 ms on a loaded
   * machine), and the tick's own publish routes from a listing just as old. An instance that exited
   * since the listing (at most a tick ago) can be adopted: the router retries a refused connect on
   * another backend, and the tick this rollback wakes lists it as exited.
   */
  List<ObservedInstance> warmInstances() {
    List<Observed> now = listed ? observer.refresh(lastObserved) : observe();
    lastObserved = now; // act() performs from it
    return now.stream().filter(o -> !isLeaving(o)).map(Observed::instance).toList();
  }

  private void journal(String actor, Action a, String cause) {
    ActionJournal.append(rec, state, actor, a, cause);
  }

  /**
   * Before {@link #start}: the scaler's windows, and the router's wake push (a request held for a
   * service at zero reconciles at once, so its instance starts now rather than at the next tick).
   */
  void autoscaleWith(Scaler.Settings settings) {
    autoscaling.with(settings, this::wake);
  }

  Autoscaler autoscaler() {
    return autoscaling.autoscaler();
  }

  /**
   * What the scaler would decide now for each autoscaled service, from the last tick's observation,
   * without remembering it ({@code kiln plan}: not a change). Runs on the loop thread.
   */
  Map<String, ScaleDecision> scalePreview() {
    return autoscaling.preview(lastObserved, this::isLeaving, clock.instant());
  }

  /** Before {@link #start}: serve each service's installed certificate (issue 18). */
  void tlsWith(EdgeTls edge) {
    routes.tlsWith(edge);
  }

  /**
   * Stops reconciling (for a clean shutdown of {@code kiln up}: nothing restarts what it stops).
   */
  void pause() {
    paused = true;
  }

  /** Reconciles again after {@link #pause} (tests: a harness starts paused). */
  void resume() {
    paused = false;
  }

  @Override
  public void close() {
    performer.shutdown();
    lister.shutdown();
    loop.shutdown();
    try {
      lister.awaitTermination(30, TimeUnit.SECONDS);
      loop.awaitTermination(30, TimeUnit.SECONDS);
      performer.awaitStops(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
