package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.DEADLINE;
import static dev.kiln.controller.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.ObservedInstance.Phase;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every strategy shares: the progress deadline, pause/resume/abort intent, orphans,
 * determinism.
 */
class RolloutPlannerTest {
  static Stream<Strategy> strategies() {
    return Stream.of(
        Strategy.Rolling.DEFAULT,
        new Strategy.Rolling(0, 1),
        Fixtures.blueGreen(),
        Fixtures.canary(10, 50));
  }

  private static FleetSimulator stableFleet() {
    FleetSimulator sim = new FleetSimulator().seed(1, 3, Phase.HEALTHY).route(Traffic.all(1));
    sim.metrics.put(2, Fixtures.good());
    return sim;
  }

  private static Rollout rollout(Strategy s) {
    return Rollout.start("web", 1, 2, 3, s, DEADLINE, false, T0);
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void progressDeadline_abortsAndReturnsTrafficToStable(Strategy strategy) {
    FleetSimulator sim = stableFleet();
    sim.neverHealthy.add(2);
    Rollout done = sim.run(rollout(strategy), 100);

    assertThat(done.phase()).isEqualTo(Rollout.Phase.ABORTED);
    Condition aborted = done.condition(Condition.ABORTED).orElseThrow();
    assertThat(aborted.reason()).isEqualTo("ProgressDeadlineExceeded");
    assertThat(aborted.at()).isEqualTo(T0.plus(DEADLINE));
    assertThat(aborted.message())
        .contains("no progress for PT10M")
        .contains("traffic returns to revision 1");
    sim.assertConvergedOn(1, 3);
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void progressDeadline_abortsACrashLoopingRevisionWhoseInstancesAreReplacedNotRestarted(
      Strategy strategy) {
    FleetSimulator sim = stableFleet();
    sim.crashing.add(2);
    Rollout done = sim.run(rollout(strategy), 5000);

    assertThat(done.condition(Condition.ABORTED).get().reason())
        .isEqualTo("ProgressDeadlineExceeded");
    sim.assertConvergedOn(1, 3);
    assertThat(sim.journal)
        .filteredOn(Action.RecordEvent.class::isInstance)
        .extracting(a -> ((Action.RecordEvent) a).kind())
        .contains("instance-replaced");
  }

  @Test
  void progressDeadline_restartsWheneverAnInstanceBecomesHealthy() {
    FleetSimulator slow = stableFleet();
    slow.healthyAfterTicks =
        500; // each instance under the 600 s deadline, the whole rollout far over
    assertThat(slow.run(rollout(Strategy.Rolling.DEFAULT), 5000).phase())
        .isEqualTo(Rollout.Phase.SUCCEEDED);

    FleetSimulator tooSlow = stableFleet();
    tooSlow.healthyAfterTicks = 700;
    assertThat(tooSlow.run(rollout(Strategy.Rolling.DEFAULT), 5000).phase())
        .isEqualTo(Rollout.Phase.ABORTED);
  }

  @Test
  void progressDeadline_wakesTheExecutorWhenItPasses() {
    FleetSimulator sim = stableFleet();
    Decision d = sim.decide(rollout(Strategy.Rolling.DEFAULT));
    assertThat(d.wakeAt()).contains(T0.plus(DEADLINE));
  }

  @Test
  void pause_stopsTheClockOfTheDeadlineAndResumeRestartsIt() {
    FleetSimulator sim = stableFleet();
    sim.neverHealthy.add(2);
    Decision first = sim.decide(rollout(Strategy.Rolling.DEFAULT).requestPause());
    assertThat(first.next().phase()).isEqualTo(Rollout.Phase.PAUSED);
    assertThat(first.wakeAt()).isEmpty();

    sim.now = T0.plus(Duration.ofHours(3));
    Decision paused = sim.decide(first.next());
    assertThat(paused.next().phase()).isEqualTo(Rollout.Phase.PAUSED);

    Decision resumed = sim.decide(paused.next().requestResume());
    assertThat(resumed.next().phase()).isEqualTo(Rollout.Phase.PROGRESSING);
    assertThat(resumed.wakeAt()).contains(sim.now.plus(DEADLINE));
  }

  @Test
  void pause_holdsTrafficAndStepsButStillReplacesDeadInstances() {
    FleetSimulator sim = stableFleet();
    Rollout r = rollout(Fixtures.canary(10, 50));
    for (int i = 0; i < 4; i++) {
      Decision d = sim.decide(r);
      sim.apply(d.actions());
      r = d.next();
      sim.tick();
    }
    assertThat(sim.traffic).isEqualTo(Traffic.split(1, 2, 10));
    r = sim.decide(r.requestPause()).next();
    sim.kill(sim.ids(1).get(0));
    sim.now = sim.now.plus(Duration.ofHours(1));

    Decision held = sim.decide(r);
    assertThat(held.next().step()).isZero();
    assertThat(held.actions()).noneMatch(Action.SetTraffic.class::isInstance);
    assertThat(held.actions())
        .filteredOn(a -> !(a instanceof Action.RecordEvent))
        .containsExactly(
            new Action.StopInstance("web", "seed-r1-01", "exited", false),
            new Action.StartInstances("web", 1, List.of("web-r1-0002")));
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void abort_returnsTrafficToTheLastGoodRevisionAndStopsTheNewOne(Strategy strategy) {
    FleetSimulator sim = stableFleet();
    Rollout r = rollout(strategy);
    for (int i = 0; i < 5; i++) {
      Decision d = sim.decide(r);
      sim.apply(d.actions());
      r = d.next();
      sim.tick();
    }
    Rollout done = sim.run(r.requestAbort(), 50);

    assertThat(done.phase()).isEqualTo(Rollout.Phase.ABORTED);
    assertThat(done.condition(Condition.ABORTED).get().reason()).isEqualTo("AbortRequested");
    sim.assertConvergedOn(1, 3);
  }

  @Test
  void abort_ofAFirstDeployLeavesNothingRunning() {
    FleetSimulator sim = new FleetSimulator();
    Rollout r = Rollout.start("web", 0, 1, 2, Strategy.Rolling.DEFAULT, DEADLINE, false, T0);
    Decision d = sim.decide(r);
    sim.apply(d.actions());
    Rollout done = sim.run(d.next().requestAbort(), 10);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.ABORTED);
    assertThat(sim.revisions()).isEmpty();
    assertThat(sim.traffic).isEqualTo(Traffic.NONE);
  }

  @Test
  void abortAfterSuccessIsIgnored() {
    FleetSimulator sim = stableFleet();
    Rollout done = sim.run(rollout(Strategy.Rolling.DEFAULT), 100);
    Decision d = sim.decide(done.requestAbort());
    assertThat(d.next().phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    assertThat(d.actions()).isEmpty();
  }

  @Test
  void orphansOfASupersededRolloutLeaveTheRouteBeforeTheyStop() {
    FleetSimulator sim = stableFleet();
    sim.seed(7, 1, Phase.HEALTHY);
    sim.route(Traffic.split(1, 7, 10));
    Decision d = sim.decide(rollout(Strategy.Rolling.DEFAULT));

    assertThat(d.actions().get(0)).isEqualTo(new Action.SetTraffic("web", Traffic.all(1)));
    assertThat(d.actions())
        .contains(
            new Action.StopInstance(
                "web", "seed-r7-04", "orphan: revision 7 is not part of the rollout", true));
  }

  @Test
  void cliVerbsOnlyRecordIntentAndThePlannerActs() {
    Rollout r = rollout(Fixtures.blueGreen());
    Rollout promoted = r.requestPromote();
    assertThat(promoted.phase()).isEqualTo(r.phase());
    assertThat(promoted.step()).isEqualTo(r.step());
    assertThat(promoted.intent()).isEqualTo(new Rollout.Intent(false, true, false));
    assertThat(r.requestPause().requestResume().intent()).isEqualTo(Rollout.Intent.NONE);
    assertThat(r.requestPause().requestPromote().intent().pause())
        .as("promoting a paused rollout resumes it")
        .isFalse();
    assertThat(r.requestAbort().phase()).isEqualTo(Rollout.Phase.PROGRESSING);
  }

  @Test
  void sameInputsGiveTheSameDecisionAndNothingDependsOnTheWallClock() {
    Rollout r = rollout(Fixtures.canary(10, 50));
    FleetView fleet = stableFleet().view();
    TrafficView traffic = new TrafficView(Map.of("web", Traffic.all(1)));
    Decision a =
        RolloutPlanner.next(r, fleet, traffic, MetricsView.EMPTY, T0, new Fixtures.CountingIds());
    Decision b =
        RolloutPlanner.next(r, fleet, traffic, MetricsView.EMPTY, T0, new Fixtures.CountingIds());
    assertThat(a).isEqualTo(b);
    assertThat(a.next().conditions()).allSatisfy(c -> assertThat(c.at()).isEqualTo(T0));
  }

  @Test
  void unchangedRouteTableIsNotSentAgain() {
    FleetSimulator sim = stableFleet();
    Rollout done = sim.run(rollout(Strategy.Rolling.DEFAULT), 100);
    assertThat(sim.decide(done).actions()).isEmpty();
  }
}
