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
 * revision in {@link #neverHealthy}); stops remove at once; traffic swaps at once. Every action is
 * checked (no instance started twice, no stop of an unknown instance) and the invariants are
 * asserted after every decision.
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

  private final TreeMap<String, Sim> instances = new TreeMap<>();
  private final Set<String> everStarted = new HashSet<>();
  private int seeded;

  private static final class Sim {
    final String id;
    int revision;
    Phase phase;
    Instant since;
    int ticks;

    Sim(String id, int revision, Phase phase, Instant since) {
      this.id = id;
      this.revision = revision;
      this.phase = phase;
      this.since = since;
    }
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
        instances.values().stream()
            .map(
                s ->
                    new ObservedInstance(
                        s.id,
                        SERVICE,
                        s.revision,
                        s.phase,
                        s.since,
                        s.phase == Phase.UNHEALTHY ? 1 : 0))
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
    instances
        .values()
        .forEach(
            x -> {
              Sim c = new Sim(x.id, x.revision, x.phase, x.since);
              c.ticks = x.ticks;
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
        if (instances.remove(s.instanceId()) == null) fail("stop of unknown " + s.instanceId());
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
      if (s.phase != Phase.STARTING || neverHealthy.contains(s.revision)) continue;
      if (++s.ticks >= healthyAfterTicks) {
        s.phase = crashing.contains(s.revision) ? Phase.EXITED : Phase.HEALTHY;
        s.since = now;
      }
    }
  }

  boolean anyStarting() {
    return instances.values().stream()
        .anyMatch(s -> s.phase == Phase.STARTING && !neverHealthy.contains(s.revision));
  }

  void kill(String id) {
    instances.get(id).phase = Phase.EXITED;
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
    return instances.values().stream().filter(s -> s.revision == revision).map(s -> s.id).toList();
  }

  int count(int revision) {
    return ids(revision).size();
  }

  int healthy(int revision) {
    return (int)
        instances.values().stream()
            .filter(s -> s.revision == revision && s.phase == Phase.HEALTHY)
            .count();
  }

  Set<Integer> revisions() {
    Set<Integer> r = new HashSet<>();
    instances.values().forEach(s -> r.add(s.revision));
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
    traffic
        .weights()
        .forEach(
            (rev, w) ->
                assertThat(healthy(rev))
                    .as(
                        "revision %d has %d%% of the traffic, so it needs a healthy instance (%s)",
                        rev, w, r)
                    .isPositive());
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
