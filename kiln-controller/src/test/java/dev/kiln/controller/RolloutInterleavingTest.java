package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.DEADLINE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.ObservedInstance.Phase;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Every strategy, driven through random interleavings of what the executor sees happen between two
 * reconciles — instances turning healthy or unhealthy, crashing, stops finishing, time passing, new
 * applies and users' promote or abort — with the executor's loop in between: after each step (a
 * burst of one to three events) the planner decides, or the healer once the rollout is over, and
 * the decision is performed. Stops finish promptly (a program without a TERM handler dies at once),
 * so a stopped instance is often gone by the next reconcile.
 *
 * <p>After every step: a service with a healthy instance that is not being stopped never has an
 * empty route, and traffic goes only to revisions that can serve it (the simulator's invariants).
 */
class RolloutInterleavingTest {

  /** What happens between two reconciles; {@code pick} chooses among the candidates, modulo. */
  sealed interface Event {
    record Healthy(int pick) implements Event {}

    record Unhealthy(int pick, int failures) implements Event {}

    record Crash(int pick) implements Event {}

    record StopDone(int pick) implements Event {}

    record Clock(int seconds) implements Event {}

    /** A newer blueprint is applied: a new revision rolls out, superseding one under way. */
    record Apply() implements Event {}

    record Promote() implements Event {}

    record Abort() implements Event {}
  }

  @Property(tries = 1000)
  void rolling_neverEmptiesTheRouteOfAServiceThatCanServe(
      @ForAll @IntRange(min = 1, max = 4) int replicas,
      @ForAll @IntRange(min = 0, max = 2) int maxSurge,
      @ForAll @IntRange(min = 0, max = 2) int maxUnavailable,
      @ForAll boolean firstDeploy,
      @ForAll("steps") List<List<Event>> steps) {
    // Allowing every replica to be unavailable at once is asking for a gap: not this property.
    int unavailable = Math.min(maxUnavailable, replicas - 1);
    Strategy.Rolling s =
        maxSurge + unavailable == 0
            ? Strategy.Rolling.DEFAULT
            : new Strategy.Rolling(maxSurge, unavailable);
    check(s, replicas, firstDeploy, steps);
  }

  @Property(tries = 1000)
  void blueGreen_neverEmptiesTheRouteOfAServiceThatCanServe(
      @ForAll @IntRange(min = 1, max = 4) int replicas,
      @ForAll boolean autoPromote,
      @ForAll boolean firstDeploy,
      @ForAll("steps") List<List<Event>> steps) {
    Strategy.BlueGreen s =
        new Strategy.BlueGreen(
            autoPromote ? Optional.of(Duration.ofSeconds(5)) : Optional.empty(),
            Duration.ofSeconds(30));
    check(s, replicas, firstDeploy, steps);
  }

  @Property(tries = 1000)
  void canary_neverEmptiesTheRouteOfAServiceThatCanServe(
      @ForAll @IntRange(min = 1, max = 4) int replicas,
      @ForAll boolean failingAnalysis,
      @ForAll boolean firstDeploy,
      @ForAll("steps") List<List<Event>> steps) {
    check(Fixtures.canary(25, 50), replicas, firstDeploy, steps, failingAnalysis);
  }

  private void check(Strategy s, int replicas, boolean firstDeploy, List<List<Event>> steps) {
    check(s, replicas, firstDeploy, steps, false);
  }

  private void check(
      Strategy strategy,
      int replicas,
      boolean firstDeploy,
      List<List<Event>> steps,
      boolean failingAnalysis) {
    Loop loop = new Loop(strategy, replicas, firstDeploy, failingAnalysis);
    loop.reconcile();
    for (List<Event> step : steps) {
      step.forEach(loop::happen);
      boolean couldServe = loop.sim.canServe(loop.rollout);
      loop.reconcile();
      loop.assertServing(step, couldServe);
    }
  }

  /** The executor's loop around a {@link FleetSimulator}: the planner, then the healer. */
  private static final class Loop {
    final FleetSimulator sim = new FleetSimulator();
    final Strategy strategy;
    final int replicas;
    final List<String> trace = new ArrayList<>();
    Rollout rollout;
    Map<String, Healer.Backoff> backoff = Map.of();
    int maxRevision;

    Loop(Strategy strategy, int replicas, boolean firstDeploy, boolean failingAnalysis) {
      this.strategy = strategy;
      this.replicas = replicas;
      sim.asyncStops = true;
      sim.checkCapacity = false; // crashes and failed checks take capacity away on purpose
      for (int rev = 1; rev <= 8; rev++) {
        sim.metrics.put(rev, failingAnalysis ? Fixtures.bad() : Fixtures.good());
      }
      if (firstDeploy) {
        rollout = Rollout.start("web", 0, 1, replicas, strategy, DEADLINE, false, sim.now);
        maxRevision = 1;
      } else {
        sim.seed(1, replicas, Phase.HEALTHY).route(Traffic.all(1));
        rollout = Rollout.start("web", 1, 2, replicas, strategy, DEADLINE, false, sim.now);
        maxRevision = 2;
      }
    }

    void happen(Event e) {
      trace.add(e.toString());
      switch (e) {
        case Event.Healthy h ->
            pick(sim.ids(EnumSet.of(Phase.STARTING, Phase.UNHEALTHY)), h.pick())
                .ifPresent(id -> sim.health(id, Phase.HEALTHY, 0));
        case Event.Unhealthy u ->
            pick(sim.ids(EnumSet.of(Phase.STARTING, Phase.HEALTHY, Phase.UNHEALTHY)), u.pick())
                .ifPresent(id -> sim.health(id, Phase.UNHEALTHY, u.failures()));
        case Event.Crash c ->
            pick(sim.ids(EnumSet.complementOf(EnumSet.of(Phase.EXITED))), c.pick())
                .ifPresent(sim::kill);
        case Event.StopDone d -> pick(sim.stopping(), d.pick()).ifPresent(sim::stopDone);
        case Event.Clock c -> sim.now = sim.now.plusSeconds(c.seconds());
        case Event.Apply a -> {
          if (maxRevision >= 6) return;
          int to = ++maxRevision;
          rollout =
              rollout.phase().isTerminal()
                  ? Rollout.start(
                      "web", rollout.lastGood(), to, replicas, strategy, DEADLINE, false, sim.now)
                  : rollout.supersededBy(to, replicas, strategy, DEADLINE, sim.now);
        }
        case Event.Promote p -> {
          if (!rollout.phase().isTerminal()) rollout = rollout.requestPromote();
        }
        case Event.Abort a -> {
          if (!rollout.phase().isTerminal()) rollout = rollout.requestAbort();
        }
      }
    }

    /** As {@code Executor.reconcile}: a settled rollout hands the service to the healer. */
    void reconcile() {
      Decision d = sim.decide(rollout);
      if (d.settled()) {
        Map<Integer, Integer> desired =
            rollout.lastGood() > 0 ? Map.of(rollout.lastGood(), replicas) : Map.of();
        Healer.Result h =
            Healer.heal(
                Map.of("web", desired),
                sim.view(),
                backoff,
                sim.now,
                sim.ids,
                Healer.Policy.DEFAULT);
        backoff = h.backoff();
        trace.add("heal " + h.actions());
        sim.apply(h.actions());
        return;
      }
      trace.add(rollout.phase() + " " + rollout.from() + "->" + rollout.to() + " " + d.actions());
      sim.apply(d.actions());
      rollout = d.next();
    }

    /**
     * {@code couldServe}: before the decision, a healthy instance that is not being stopped could
     * serve the service. Then the route the decision leaves must have a backend — unless the
     * rollout is an aborted first deploy, which by definition leaves nothing (and no route).
     */
    void assertServing(List<Event> step, boolean couldServe) {
      String context = String.join("\n  ", trace);
      sim.assertInvariants(rollout);
      boolean abortedFirstDeploy = rollout.from() == 0 && rollout.phase() == Rollout.Phase.ABORTED;
      if (couldServe && !abortedFirstDeploy) {
        assertThat(sim.routedBackends())
            .as(
                "after %s, an instance could serve, so the route must have a backend (traffic"
                    + " %s)%n  %s",
                step, sim.traffic, context)
            .isNotEmpty();
      }
    }

    private static Optional<String> pick(List<String> candidates, int pick) {
      return candidates.isEmpty()
          ? Optional.empty()
          : Optional.of(candidates.get(pick % candidates.size()));
    }
  }

  @Provide
  Arbitrary<List<List<Event>>> steps() {
    Arbitrary<Integer> pick = Arbitraries.integers().between(0, 7);
    Arbitrary<Event> event =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, pick.map(Event.Healthy::new)),
            net.jqwik.api.Tuple.of(
                2,
                Combinators.combine(pick, Arbitraries.integers().between(1, 3))
                    .as(Event.Unhealthy::new)),
            net.jqwik.api.Tuple.of(2, pick.map(Event.Crash::new)),
            // prompt stops: a stop is usually done by the next reconcile or the one after
            net.jqwik.api.Tuple.of(8, pick.map(Event.StopDone::new)),
            net.jqwik.api.Tuple.of(
                3, Arbitraries.of(1, 1, 2, 5, 30, 60, 700).map(Event.Clock::new)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(new Event.Apply())),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(new Event.Promote())),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(new Event.Abort())));
    return event.list().ofMinSize(1).ofMaxSize(3).list().ofMinSize(1).ofMaxSize(60);
  }
}
