package dev.kiln.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.kiln.controller.ObservedInstance.Phase;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A fake fleet and router that perform decisions the way the executor will: instances start as
 * STARTING and become HEALTHY after {@link #healthyAfterTicks} ticks of one second (never, for a
 * revision in {@link #neverHealthy}); stops remove at once (or, with {@link #asyncStops}, drain
 * until {@link #stopDone}); traffic swaps at once. Every action is checked (no instance started
 * twice, no stop of an unknown instance) and the invariants are asserted after every decision.
 */
final class FleetSimulator {
  static final String SERVICE = "web";

  Instant now = Fixtures.T0;
  int healthyAfterTicks = 2;
  final Set<Integer> neverHealthy = new HashSet<>();

  /** Revisions whose instances exit instead of becoming healthy. */
  final Set<Integer> crashing = new HashSet<>();

  final Map<Integer, RevisionMetrics> metrics = new HashMap<>();
  Fixtures.CountingIds ids = new Fixtures.CountingIds();
  Traffic traffic = Traffic.NONE;
  final List<Action> journal = new ArrayList<>();
  final List<Decision> decisions = new ArrayList<>();

  /** Check capacity bounds (rolling); off for runs that start from a perturbed fleet. */
  boolean checkCapacity = true;

  /**
   * As the executor stops: a stopped instance first leaves the route and the planners' view, and is
   * gone only when its stop is done ({@link #stopDone}). Off: stops remove at once.
   */
  boolean asyncStops;

  private final TreeMap<String, Sim> instances = new TreeMap<>();
  private final Set<String> everStarted = new HashSet<>();
  private int seeded;

  private static final class Sim {
    final String id;
    int revision;
    Phase phase;
    Instant since;
    int ticks;
    int failures;
    boolean stopping;

    Sim(String id, int revision, Phase phase, Instant since) {
      this.id = id;
      this.revision = revision;
      this.phase = phase;
      this.since = since;
      this.failures = phase == Phase.UNHEALTHY ? 1 : 0;
    }
  }

  /** Instances the runtime lists and the planners see: not being stopped. */
  private java.util.stream.Stream<Sim> visible() {
    return instances.values().stream().filter(s -> !s.stopping);
  }

  /** Adds {@code count} instances that already run (the fleet before the rollout). */
  FleetSimulator seed(int revision, int count, Phase phase) {
    for (int i = 0; i < count; i++) {
      String id = String.format("seed-r%d-%02d", revision, ++seeded);
      instances.put(id, new Sim(id, revision, phase, now));
      everStarted.add(id);
    }
    return this;
  }

  FleetSimulator route(Traffic t) {
    traffic = t;
    return this;
  }

  FleetView view() {
    return new FleetView(
        visible()
            .map(s -> new ObservedInstance(s.id, SERVICE, s.revision, s.phase, s.since, s.failures))
            .toList());
  }

  TrafficView trafficView() {
    return new TrafficView(Map.of(SERVICE, traffic));
  }

  MetricsView metricsView() {
    return new MetricsView(Map.of(SERVICE, Map.copyOf(metrics)));
  }

  /**
   * Decides, and checks on the way that deciding again from the same inputs gives the same result.
   */
  Decision decide(Rollout r) {
    Fixtures.CountingIds sameIds = ids.copy();
    Decision d = RolloutPlanner.next(r, view(), trafficView(), metricsView(), now, ids);
    Decision again = RolloutPlanner.next(r, view(), trafficView(), metricsView(), now, sameIds);
    assertThat(again).as("same inputs, same decision").isEqualTo(d);
    return d;
  }

  /**
   * A new simulator whose fleet, route and time are this one's now (instances restart their ticks).
   */
  FleetSimulator snapshot() {
    FleetSimulator s = new FleetSimulator();
    s.now = now;
    s.healthyAfterTicks = healthyAfterTicks;
    s.neverHealthy.addAll(neverHealthy);
    s.metrics.putAll(metrics);
    s.traffic = traffic;
    s.ids = ids.copy();
    s.checkCapacity = checkCapacity;
    s.asyncStops = asyncStops;
    instances
        .values()
        .forEach(
            x -> {
              Sim c = new Sim(x.id, x.revision, x.phase, x.since);
              c.ticks = x.ticks;
              c.failures = x.failures;
              c.stopping = x.stopping;
              s.instances.put(x.id, c);
            });
    s.everStarted.addAll(everStarted);
    return s;
  }

  void apply(List<Action> actions) {
    for (Action a : actions) apply(a);
  }

  void apply(Action a) {
    journal.add(a);
    switch (a) {
      case Action.StartInstances s -> {
        for (String id : s.instanceIds()) {
          if (!everStarted.add(id)) fail("instance " + id + " started twice");
          instances.put(id, new Sim(id, s.revision(), Phase.STARTING, now));
        }
      }
      case Action.StopInstance s -> {
        Sim stopped = instances.get(s.instanceId());
        if (stopped == null || stopped.stopping) fail("stop of unknown " + s.instanceId());
        if (asyncStops) stopped.stopping = true;
        else instances.remove(s.instanceId());
      }
      case Action.SetTraffic s -> traffic = s.traffic();
      case Action.AdoptInstances s ->
          s.instanceIds().forEach(id -> instances.get(id).revision = s.toRevision());
      case Action.RecordEvent e -> {}
    }
  }

  /** One second passes: starting instances count a tick and may become healthy. */
  void tick() {
    now = now.plusSeconds(1);
    for (Sim s : instances.values()) {
      if (s.stopping || s.phase != Phase.STARTING || neverHealthy.contains(s.revision)) continue;
      if (++s.ticks >= healthyAfterTicks) {
        s.phase = crashing.contains(s.revision) ? Phase.EXITED : Phase.HEALTHY;
        s.since = now;
      }
    }
  }

  boolean anyStarting() {
    return visible().anyMatch(s -> s.phase == Phase.STARTING && !neverHealthy.contains(s.revision));
  }

  void kill(String id) {
    instances.get(id).phase = Phase.EXITED;
  }

  /** A health verdict arrives: {@code failures} checks failed in a row (0 for a passing one). */
  void health(String id, Phase phase, int failures) {
    Sim s = instances.get(id);
    if (s.phase != phase) s.since = now;
    s.phase = phase;
    s.failures = phase == Phase.HEALTHY ? 0 : failures;
  }

  /** A stop the executor performs has finished: the instance is gone. */
  void stopDone(String id) {
    if (!instances.get(id).stopping) fail(id + " is not being stopped");
    instances.remove(id);
  }

  /** Ids of visible instances in {@code phases}, sorted. */
  List<String> ids(Set<Phase> phases) {
    return visible().filter(s -> phases.contains(s.phase)).map(s -> s.id).toList();
  }

  /** Ids of instances whose stop is under way, sorted. */
  List<String> stopping() {
    return instances.values().stream().filter(s -> s.stopping).map(s -> s.id).toList();
  }

  /**
   * The backends of the route table the executor builds from the traffic: the healthy instances of
   * each weighted revision, minus those being stopped.
   */
  List<String> routedBackends() {
    return visible()
        .filter(s -> s.phase == Phase.HEALTHY && traffic.weight(s.revision) > 0)
        .map(s -> s.id)
        .toList();
  }

  /** An instance that could serve: healthy and not being stopped. */
  boolean anyRoutable() {
    return visible().anyMatch(s -> s.phase == Phase.HEALTHY);
  }

  /**
   * Whether an instance could serve the service as {@code r} stands: healthy, not being stopped,
   * and of a revision the rollout may route to ({@code to}, {@code from} until it is replaced) or
   * that the route already has (a superseded rollout's).
   */
  boolean canServe(Rollout r) {
    Set<Integer> routable = new HashSet<>(traffic.weights().keySet());
    routable.add(r.to());
    if (r.from() != 0 && r.phase() != Rollout.Phase.SUCCEEDED) routable.add(r.from());
    return visible().anyMatch(s -> s.phase == Phase.HEALTHY && routable.contains(s.revision));
  }

  void remove(String id) {
    instances.remove(id);
  }

  /** Adds an instance as if a start had happened that the journal never saw. */
  void addUnjournaled(int revision, Phase phase) {
    String id = "ghost-" + (instances.size() + 1) + "-r" + revision;
    instances.put(id, new Sim(id, revision, phase, now));
    everStarted.add(id);
  }

  List<String> ids(int revision) {
    return visible().filter(s -> s.revision == revision).map(s -> s.id).toList();
  }

  int count(int revision) {
    return ids(revision).size();
  }

  int healthy(int revision) {
    return (int) visible().filter(s -> s.revision == revision && s.phase == Phase.HEALTHY).count();
  }

  Set<Integer> revisions() {
    Set<Integer> r = new HashSet<>();
    visible().forEach(s -> r.add(s.revision));
    return r;
  }

  /**
   * Runs the rollout until it is terminal and a decision asks for nothing more. {@code intervene}
   * may change the rollout between decisions (a user's promote, say).
   */
  Rollout run(Rollout r, int maxDecisions, UnaryOperator<Rollout> intervene) {
    for (int i = 0; i < maxDecisions; i++) {
      r = intervene.apply(r);
      Decision d = decide(r);
      decisions.add(d);
      apply(d.actions());
      r = d.next();
      assertInvariants(r);
      if (r.phase().isTerminal() && d.actions().isEmpty() && !anyStarting()) return r;
      boolean immediate = d.wakeAt().map(w -> !w.isAfter(now)).orElse(false);
      if (immediate) continue;
      if (!anyStarting() && d.wakeAt().isPresent() && d.actions().isEmpty()) {
        Duration gap = Duration.between(now, d.wakeAt().get());
        now = d.wakeAt().get().minusSeconds(1);
        if (gap.isNegative()) fail("wakeAt in the past");
      }
      tick();
    }
    fail("rollout did not finish in " + maxDecisions + " decisions: " + r);
    return r;
  }

  Rollout run(Rollout r, int maxDecisions) {
    return run(r, maxDecisions, UnaryOperator.identity());
  }

  void assertInvariants(Rollout r) {
    // When nothing of the service can serve, the route is kept rather than emptied (Tick.routable).
    if (anyRoutable()) {
      traffic
          .weights()
          .forEach(
              (rev, w) ->
                  assertThat(healthy(rev))
                      .as(
                          "revision %d has %d%% of the traffic, so it needs a healthy instance (%s)",
                          rev, w, r)
                      .isPositive());
    }
    if (!traffic.weights().isEmpty()) {
      assertThat(traffic.weights().values().stream().mapToInt(Integer::intValue).sum())
          .isEqualTo(100);
    }
    traffic.preview().ifPresent(p -> assertThat(healthy(p.revision())).isPositive());
    if (checkCapacity
        && r.strategy() instanceof Strategy.Rolling s
        && r.from() != 0
        && r.phase() == Rollout.Phase.PROGRESSING) {
      assertThat(healthy(r.from()) + healthy(r.to()))
          .as("healthy instances during a rolling update")
          .isGreaterThanOrEqualTo(r.replicas() - s.maxUnavailable());
      assertThat(count(r.from()) + count(r.to()))
          .as("live instances during a rolling update")
          .isLessThanOrEqualTo(r.replicas() + s.maxSurge());
    }
  }

  /**
   * The converged end state of a finished rollout: exactly the expected fleet, and nothing else.
   */
  void assertConvergedOn(int revision, int replicas) {
    assertThat(revisions()).as("revisions still running").isSubsetOf(Set.of(revision));
    assertThat(count(revision)).isEqualTo(replicas);
    assertThat(healthy(revision)).isEqualTo(replicas);
    if (replicas > 0) assertThat(traffic).isEqualTo(Traffic.all(revision));
  }
}
