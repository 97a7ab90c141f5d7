package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.DEADLINE;
import static dev.kiln.controller.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.ObservedInstance.Phase;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BlueGreenStrategyTest {
  private static final Strategy.BlueGreen MANUAL = Fixtures.blueGreen();

  private static Rollout blueGreen(Strategy.BlueGreen s) {
    return Rollout.start("web", 1, 2, 3, s, DEADLINE, false, T0);
  }

  private static FleetSimulator stableFleet() {
    return new FleetSimulator().seed(1, 3, Phase.HEALTHY).route(Traffic.all(1));
  }

  /** Runs decisions until the predicate holds on the rollout (or fails after {@code max}). */
  private static Rollout until(
      FleetSimulator sim, Rollout r, java.util.function.Predicate<Rollout> done) {
    for (int i = 0; i < 200; i++) {
      Decision d = sim.decide(r);
      sim.apply(d.actions());
      r = d.next();
      sim.assertInvariants(r);
      if (done.test(r)) return r;
      sim.tick();
    }
    throw new AssertionError("condition never reached: " + r);
  }

  @Test
  void blueGreen_startsTheFullNewFleetWhileTheOldOneKeepsAllTraffic() {
    FleetSimulator sim = stableFleet();
    Decision d = sim.decide(blueGreen(MANUAL));

    assertThat(d.actions())
        .containsExactly(
            new Action.StartInstances(
                "web", 2, List.of("web-r2-0001", "web-r2-0002", "web-r2-0003")));
  }

  @Test
  void blueGreen_newFleetIsReachableOnlyThroughThePreviewRoute() {
    FleetSimulator sim = stableFleet();
    Rollout r = until(sim, blueGreen(MANUAL), x -> x.step() == 1);

    assertThat(sim.traffic.weights()).containsExactlyEntriesOf(java.util.Map.of(1, 100));
    assertThat(sim.traffic.preview()).contains(new Traffic.Preview(2, "X-Kiln-Preview", "2"));
    assertThat(r.condition(Condition.PROGRESSING).get().reason()).isEqualTo("PreviewReady");
  }

  @Test
  void blueGreen_awaitsPromotionForeverWithoutTrippingTheDeadline() {
    FleetSimulator sim = stableFleet();
    Rollout r = until(sim, blueGreen(MANUAL), x -> x.step() == 1);
    sim.now = sim.now.plus(Duration.ofHours(5));

    Decision d = sim.decide(r);
    assertThat(d.actions()).isEmpty();
    assertThat(d.next().phase()).isEqualTo(Rollout.Phase.PROGRESSING);
    assertThat(d.wakeAt()).isEmpty();
    assertThat(d.next().condition(Condition.PAUSED).get().reason()).isEqualTo("AwaitingPromotion");
  }

  @Test
  void blueGreen_aLongWaitForPromotionIsNotCountedAgainstTheDeadlineWhenAnInstanceDies() {
    FleetSimulator sim = stableFleet();
    Rollout ready = until(sim, blueGreen(MANUAL), x -> x.step() == 1);
    sim.now = sim.now.plus(Duration.ofHours(5));
    ready = sim.decide(ready).next();
    sim.kill(sim.ids(2).get(0));

    Decision d = sim.decide(ready);
    assertThat(d.next().phase()).isEqualTo(Rollout.Phase.PROGRESSING);
    assertThat(d.actions()).filteredOn(Action.StartInstances.class::isInstance).hasSize(1);
    assertThat(d.wakeAt()).contains(sim.now.plus(DEADLINE));
  }

  @Test
  void blueGreen_promoteSwitchesAllTrafficInOneAction() {
    FleetSimulator sim = stableFleet();
    Rollout ready = until(sim, blueGreen(MANUAL), x -> x.step() == 1);

    Decision d = sim.decide(ready.requestPromote());

    assertThat(d.actions())
        .filteredOn(a -> !(a instanceof Action.RecordEvent))
        .containsExactly(new Action.SetTraffic("web", Traffic.all(2)));
    assertThat(d.next().phase()).isEqualTo(Rollout.Phase.SCALING_DOWN);
    assertThat(d.next().intent().promote()).as("the promote request is consumed").isFalse();
    assertThat(d.wakeAt()).contains(sim.now.plus(Strategy.BlueGreen.DEFAULT_SCALE_DOWN_DELAY));
  }

  @Test
  void blueGreen_autoPromotesAfterTheDelay() {
    FleetSimulator sim = stableFleet();
    Strategy.BlueGreen auto =
        new Strategy.BlueGreen(Optional.of(Duration.ofSeconds(30)), Duration.ofMinutes(10));
    Rollout ready = until(sim, blueGreen(auto), x -> x.step() == 1);
    java.time.Instant readyAt = ready.stepStartedAt().orElseThrow();

    sim.now = readyAt.plusSeconds(29);
    Decision early = sim.decide(ready);
    assertThat(early.actions()).isEmpty();
    assertThat(early.wakeAt()).contains(readyAt.plusSeconds(30));

    sim.now = readyAt.plusSeconds(30);
    Decision onTime = sim.decide(ready);
    assertThat(onTime.actions()).contains(new Action.SetTraffic("web", Traffic.all(2)));
  }

  @Test
  void blueGreen_oldFleetStaysWarmForTheScaleDownDelayThenIsDrained() {
    FleetSimulator sim = stableFleet();
    Rollout ready = until(sim, blueGreen(MANUAL), x -> x.step() == 1);
    Decision switched = sim.decide(ready.requestPromote());
    sim.apply(switched.actions());
    java.time.Instant switchedAt = sim.now;

    sim.now = switchedAt.plus(Duration.ofMinutes(10)).minusSeconds(1);
    Decision warm = sim.decide(switched.next());
    assertThat(warm.actions()).isEmpty();
    assertThat(sim.healthy(1)).isEqualTo(3);

    sim.now = switchedAt.plus(Duration.ofMinutes(10));
    Decision cold = sim.decide(warm.next());
    assertThat(cold.actions())
        .filteredOn(Action.StopInstance.class::isInstance)
        .hasSize(3)
        .allSatisfy(a -> assertThat(((Action.StopInstance) a).drain()).isTrue());
    assertThat(cold.next().phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.apply(cold.actions());
    sim.assertConvergedOn(2, 3);
  }

  @Test
  void blueGreen_abortWithinTheWarmWindowIsASwapBack() {
    FleetSimulator sim = stableFleet();
    Rollout ready = until(sim, blueGreen(MANUAL), x -> x.step() == 1);
    Decision switched = sim.decide(ready.requestPromote());
    sim.apply(switched.actions());
    sim.now = sim.now.plus(Duration.ofMinutes(3));

    Decision back = sim.decide(switched.next().requestAbort());

    assertThat(back.actions())
        .filteredOn(Action.SetTraffic.class::isInstance)
        .containsExactly(new Action.SetTraffic("web", Traffic.all(1)));
    assertThat(back.actions()).noneMatch(Action.StartInstances.class::isInstance);
    assertThat(back.next().phase()).isEqualTo(Rollout.Phase.ABORTED);
    sim.apply(back.actions());
    sim.assertConvergedOn(1, 3);
  }

  @Test
  void blueGreen_firstDeploySwitchesAsSoonAsTheFleetIsHealthy() {
    FleetSimulator sim = new FleetSimulator();
    Rollout done = sim.run(Rollout.start("web", 0, 1, 2, MANUAL, DEADLINE, false, T0), 50);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.assertConvergedOn(1, 2);
  }

  @Test
  void blueGreen_runsToCompletionWhenPromoted() {
    FleetSimulator sim = stableFleet();
    Rollout done = sim.run(blueGreen(MANUAL), 1000, r -> r.step() == 1 ? r.requestPromote() : r);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.assertConvergedOn(2, 3);
    assertThat(sim.journal)
        .filteredOn(Action.SetTraffic.class::isInstance)
        .extracting(a -> ((Action.SetTraffic) a).traffic())
        .containsExactly(Traffic.all(1).withPreview(Traffic.Preview.of(2)), Traffic.all(2));
  }
}
