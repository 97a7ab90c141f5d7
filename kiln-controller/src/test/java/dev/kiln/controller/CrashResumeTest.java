package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.DEADLINE;
import static dev.kiln.controller.Fixtures.T0;

import dev.kiln.controller.ObservedInstance.Phase;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kill -9 at every point of every kind of rollout. The executor journals a decision's actions,
 * performs them one by one, then journals the next state; a crash can hit between any two of those.
 * On restart the controller has the last journaled rollout (before or after the decision) and
 * whatever fleet the runtimes report — possibly with instances it never journaled, journaled ones
 * that are gone, an orphan, or one that died meanwhile. From every such point the rollout must
 * converge to the same end state, never start an instance twice, and keep the traffic invariants at
 * every step.
 */
class CrashResumeTest {
  record Scenario(String name, Strategy strategy, Consumer<FleetSimulator> setup, int expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  record Perturbation(String name, Consumer<FleetSimulator> apply) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final int REPLICAS = 3;

  static List<Scenario> scenarios() {
    Strategy.Canary canary =
        new Strategy.Canary(
            List.of(
                new Strategy.CanaryStep(25, Optional.of(Duration.ofSeconds(5))),
                new Strategy.CanaryStep(50, Optional.of(Duration.ofSeconds(5)))),
            Optional.of(new Strategy.Analysis(0.01, Optional.empty(), 100)));
    return List.of(
        new Scenario("rolling surge 1", Strategy.Rolling.DEFAULT, s -> {}, 2),
        new Scenario("rolling unavailable 1", new Strategy.Rolling(0, 1), s -> {}, 2),
        new Scenario("rolling surge 2 unavailable 1", new Strategy.Rolling(2, 1), s -> {}, 2),
        new Scenario(
            "blue-green",
            new Strategy.BlueGreen(Optional.of(Duration.ofSeconds(5)), Duration.ofSeconds(30)),
            s -> {},
            2),
        new Scenario("canary", canary, s -> s.metrics.put(2, Fixtures.good()), 2),
        new Scenario("canary failing analysis", canary, s -> s.metrics.put(2, Fixtures.bad()), 1),
        new Scenario(
            "rolling never healthy", Strategy.Rolling.DEFAULT, s -> s.neverHealthy.add(2), 1));
  }

  static List<Perturbation> perturbations() {
    return List.of(
        new Perturbation("as journaled", s -> {}),
        new Perturbation(
            "unjournaled start of the new revision", s -> s.addUnjournaled(2, Phase.STARTING)),
        new Perturbation(
            "unjournaled healthy new instance", s -> s.addUnjournaled(2, Phase.HEALTHY)),
        new Perturbation("extra old instance", s -> s.addUnjournaled(1, Phase.HEALTHY)),
        new Perturbation("orphan of another revision", s -> s.addUnjournaled(9, Phase.HEALTHY)),
        new Perturbation(
            "journaled new instance missing",
            s -> s.ids(2).stream().findFirst().ifPresent(s::remove)),
        new Perturbation(
            "an instance died",
            s -> {
              List<String> ids = s.ids(2).isEmpty() ? s.ids(1) : s.ids(2);
              ids.stream().findFirst().ifPresent(s::kill);
            }));
  }

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    for (Scenario s : scenarios())
      for (Perturbation p : perturbations()) all.add(Arguments.of(s, p));
    return all.stream();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("cases")
  void crashAtAnyPointConvergesWithoutDuplicatesOrOrphans(
      Scenario scenario, Perturbation perturbation) {
    FleetSimulator reference =
        new FleetSimulator().seed(1, REPLICAS, Phase.HEALTHY).route(Traffic.all(1));
    scenario.setup().accept(reference);
    Rollout r = Rollout.start("web", 1, 2, REPLICAS, scenario.strategy(), DEADLINE, false, T0);

    int crashPoints = 0;
    for (int k = 0; k < 2000; k++) {
      FleetSimulator before = reference.snapshot();
      Decision d = reference.decide(r);
      for (int applied = 0; applied <= d.actions().size(); applied++) {
        for (Rollout journaled : List.of(r, d.next())) {
          resume(scenario, perturbation, before, d, applied, journaled, k);
          crashPoints++;
        }
      }
      reference.apply(d.actions());
      r = d.next();
      if (r.phase().isTerminal() && d.actions().isEmpty() && !reference.anyStarting()) break;
      if (!reference.anyStarting()
          && d.actions().isEmpty()
          && d.wakeAt().isPresent()
          && d.wakeAt().get().isAfter(reference.now)) {
        reference.now = d.wakeAt().get().minusSeconds(1);
      }
      reference.tick();
    }
    reference.assertConvergedOn(scenario.expected(), REPLICAS);
    org.assertj.core.api.Assertions.assertThat(crashPoints).isGreaterThan(10);
  }

  private static void resume(
      Scenario scenario,
      Perturbation perturbation,
      FleetSimulator before,
      Decision d,
      int applied,
      Rollout journaled,
      int k) {
    FleetSimulator sim = before.snapshot();
    sim.checkCapacity = false;
    try {
      for (int i = 0; i < applied; i++) sim.apply(d.actions().get(i));
      perturbation.apply().accept(sim);
      sim.ids = new Fixtures.CountingIds("resumed-");
      sim.run(journaled, 3000);
      sim.assertConvergedOn(scenario.expected(), REPLICAS);
    } catch (AssertionError e) {
      throw new AssertionError(
          "crash at decision "
              + k
              + " after "
              + applied
              + " of "
              + d.actions().size()
              + " actions, resuming from "
              + journaled.phase()
              + " step "
              + journaled.step()
              + ": "
              + e.getMessage(),
          e);
    }
  }
}
