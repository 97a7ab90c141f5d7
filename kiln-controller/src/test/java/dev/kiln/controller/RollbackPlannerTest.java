package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.DEADLINE;
import static dev.kiln.controller.Fixtures.T0;
import static dev.kiln.controller.Fixtures.revision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.controller.ObservedInstance.Phase;
import dev.kiln.controller.RollbackPlanner.RollbackPlan;
import dev.kiln.controller.RollbackPlanner.Target;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RollbackPlannerTest {
  /** r1 = v1, r2 = v2, r3 = v2 again (a config-only re-apply of the same content), r4 = v3 live. */
  private static final List<Revision> HISTORY =
      List.of(
          revision("web", 1, "v1", Map.of()),
          revision("web", 2, "v2", Map.of()),
          revision("web", 3, "v2", Map.of()),
          revision("web", 4, "v3", Map.of()));

  private static RollbackPlan plan(Target target, FleetSimulator sim, Strategy strategy) {
    return RollbackPlanner.plan(HISTORY, 4, target, sim.view(), 3, strategy, DEADLINE, sim.now);
  }

  @Test
  void rollback_toWarmFleetIsASingleSwap() {
    FleetSimulator sim =
        new FleetSimulator()
            .seed(3, 3, Phase.HEALTHY)
            .seed(4, 3, Phase.HEALTHY)
            .route(Traffic.all(4));

    RollbackPlan plan = plan(new Target.Previous(Set.of(1, 2, 3, 4)), sim, Fixtures.blueGreen());

    RollbackPlan.Swap swap = (RollbackPlan.Swap) plan;
    assertThat(swap.revision().number()).isEqualTo(5);
    assertThat(swap.revision().sameContentAs(HISTORY.get(2))).isTrue();
    assertThat(swap.actions())
        .filteredOn(a -> !(a instanceof Action.RecordEvent))
        .containsExactly(
            new Action.AdoptInstances(
                "web", 3, 5, List.of("seed-r3-01", "seed-r3-02", "seed-r3-03")),
            new Action.SetTraffic("web", Traffic.all(5)));

    sim.apply(swap.actions());
    Decision after = sim.decide(swap.rollout());
    assertThat(after.actions()).as("nothing starts, no step, no analysis").isEmpty();
    assertThat(after.wakeAt()).contains(T0.plus(Strategy.BlueGreen.DEFAULT_SCALE_DOWN_DELAY));
  }

  @Test
  void rollback_keepsTheReplacedFleetWarmThenStopsIt() {
    FleetSimulator sim =
        new FleetSimulator()
            .seed(3, 3, Phase.HEALTHY)
            .seed(4, 3, Phase.HEALTHY)
            .route(Traffic.all(4));
    RollbackPlan.Swap swap =
        (RollbackPlan.Swap)
            plan(new Target.Previous(Set.of(1, 2, 3, 4)), sim, Fixtures.blueGreen());
    sim.apply(swap.actions());

    Rollout done = sim.run(swap.rollout(), 50);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    assertThat(done.condition(Condition.COMPLETED).get().at())
        .isEqualTo(T0.plus(Duration.ofMinutes(10)));
    sim.assertConvergedOn(5, 3);
    assertThat(sim.journal).filteredOn(Action.StartInstances.class::isInstance).isEmpty();
  }

  @Test
  void rollback_toColdRevisionIsAFastTrackThatSkipsCanaryStepsAndAnalysis() {
    FleetSimulator sim = new FleetSimulator().seed(4, 3, Phase.HEALTHY).route(Traffic.all(4));
    sim.metrics.put(5, Fixtures.bad()); // analysis would fail: it must not run

    RollbackPlan plan = plan(new Target.To(1), sim, Fixtures.canary(10, 50));

    RollbackPlan.FastTrack fast = (RollbackPlan.FastTrack) plan;
    assertThat(fast.revision().number()).isEqualTo(5);
    assertThat(fast.revision().sameContentAs(HISTORY.get(0))).isTrue();
    assertThat(fast.rollout().fastTrack()).isTrue();
    Rollout done = sim.run(fast.rollout(), 100);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.assertConvergedOn(5, 3);
    assertThat(sim.journal)
        .filteredOn(Action.SetTraffic.class::isInstance)
        .containsExactly(new Action.SetTraffic("web", Traffic.all(5)));
  }

  @Test
  void rollback_toColdRevisionWithBlueGreenNeedsNoPromotion() {
    FleetSimulator sim = new FleetSimulator().seed(4, 3, Phase.HEALTHY).route(Traffic.all(4));
    RollbackPlan.FastTrack fast =
        (RollbackPlan.FastTrack) plan(new Target.To(1), sim, Fixtures.blueGreen());
    Rollout done = sim.run(fast.rollout(), 1000);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.assertConvergedOn(5, 3);
  }

  @Test
  void rollback_partlyWarmFleetIsNotASwap() {
    FleetSimulator sim = new FleetSimulator().seed(3, 2, Phase.HEALTHY).seed(4, 3, Phase.HEALTHY);
    assertThat(plan(new Target.Previous(Set.of(1, 2, 3, 4)), sim, Strategy.Rolling.DEFAULT))
        .isInstanceOf(RollbackPlan.FastTrack.class);
  }

  @Test
  void rollback_previousMeansTheLatestEarlierRevisionWithDifferentContent() {
    List<Revision> history =
        List.of(
            revision("web", 1, "v1", Map.of()),
            revision("web", 2, "v2", Map.of()),
            revision("web", 3, "v2", Map.of()));
    RollbackPlan plan =
        RollbackPlanner.plan(
            history,
            3,
            new Target.Previous(Set.of(1, 2, 3, 4)),
            FleetView.EMPTY,
            1,
            Strategy.Rolling.DEFAULT,
            DEADLINE,
            T0);
    assertThat(plan.revision().sameContentAs(history.get(0))).isTrue();
    assertThat(plan.revision().number()).isEqualTo(4);
  }

  @Test
  void rollback_previousSkipsARevisionThatNeverWasLive() {
    // r2 (v2) was live; r3 (v3) was aborted during its rollout; r4 (v4) is live now
    List<Revision> history =
        List.of(
            revision("web", 1, "v1", Map.of()),
            revision("web", 2, "v2", Map.of()),
            revision("web", 3, "v3", Map.of()),
            revision("web", 4, "v4", Map.of()));
    FleetSimulator sim = new FleetSimulator().seed(2, 3, Phase.HEALTHY).seed(4, 3, Phase.HEALTHY);
    RollbackPlan plan =
        RollbackPlanner.plan(
            history,
            4,
            new Target.Previous(Set.of(1, 2, 4)),
            sim.view(),
            3,
            Fixtures.blueGreen(),
            DEADLINE,
            T0);
    assertThat(plan.revision().sameContentAs(history.get(1))).as("v2, not the aborted v3").isTrue();
    assertThat(plan).as("r2's fleet is still warm").isInstanceOf(RollbackPlan.Swap.class);

    assertThat(
            RollbackPlanner.plan(
                    history,
                    4,
                    new Target.To(3),
                    FleetView.EMPTY,
                    3,
                    Strategy.Rolling.DEFAULT,
                    DEADLINE,
                    T0)
                .revision()
                .sameContentAs(history.get(2)))
        .as("--to still names it")
        .isTrue();
  }

  @Test
  void rollback_errorsSayWhatToDo() {
    assertThatThrownBy(
            () ->
                RollbackPlanner.plan(
                    HISTORY,
                    4,
                    new Target.To(9),
                    FleetView.EMPTY,
                    3,
                    Strategy.Rolling.DEFAULT,
                    DEADLINE,
                    T0))
        .isInstanceOf(ControllerException.class)
        .hasMessage("service web has no revision 9; see `kiln history web`");
    assertThatThrownBy(
            () ->
                RollbackPlanner.plan(
                    HISTORY.subList(0, 1),
                    1,
                    new Target.Previous(Set.of(1, 2, 3, 4)),
                    FleetView.EMPTY,
                    3,
                    Strategy.Rolling.DEFAULT,
                    DEADLINE,
                    T0))
        .hasMessageContaining("no earlier revision");
    assertThatThrownBy(
            () ->
                RollbackPlanner.plan(
                    HISTORY,
                    3,
                    new Target.To(2),
                    FleetView.EMPTY,
                    3,
                    Strategy.Rolling.DEFAULT,
                    DEADLINE,
                    T0))
        .hasMessageContaining("same content as live revision 3");
  }
}
