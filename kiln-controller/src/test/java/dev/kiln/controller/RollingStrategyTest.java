package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.DEADLINE;
import static dev.kiln.controller.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.ObservedInstance.Phase;
import dev.kiln.model.Strategy;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RollingStrategyTest {
  private static Rollout rolling(int from, int to, int replicas, int surge, int unavailable) {
    return Rollout.start(
        "web", from, to, replicas, new Strategy.Rolling(surge, unavailable), DEADLINE, false, T0);
  }

  private static FleetSimulator stableFleet(int revision, int replicas) {
    return new FleetSimulator()
        .seed(revision, replicas, Phase.HEALTHY)
        .route(Traffic.all(revision));
  }

  @Test
  void aScaleAfterSuccess_saysTheNewCount_notTheOldOnesMessage() {
    FleetSimulator sim = stableFleet(1, 1);
    Rollout done = sim.run(rolling(1, 2, 1, 1, 0), 100);
    assertThat(done.condition(Condition.COMPLETED).orElseThrow().message())
        .isEqualTo("its instance runs revision 2");

    Rollout scaled = sim.run(done.scaledTo(3, sim.now), 100);

    sim.assertConvergedOn(2, 3);
    Condition completed = scaled.condition(Condition.COMPLETED).orElseThrow();
    assertThat(completed.reason()).isEqualTo("Scaled");
    assertThat(completed.message()).isEqualTo("scaled to 3 instances of revision 2");
    assertThat(scaled.condition(Condition.PROGRESSING).orElseThrow().message())
        .isEqualTo("scaled to 3 instances of revision 2");
    // the same count is no scale: the condition and its time stay
    assertThat(scaled.scaledTo(3, sim.now.plusSeconds(60))).isEqualTo(scaled);
  }

  @Test
  void rolling_startsOneSurgeInstanceAndStopsNothingFirst() {
    FleetSimulator sim = stableFleet(1, 3);
    Decision d = sim.decide(rolling(1, 2, 3, 1, 0));

    assertThat(d.actions())
        .containsExactly(new Action.StartInstances("web", 2, List.of("web-r2-0001")));
    assertThat(d.next().phase()).isEqualTo(Rollout.Phase.PROGRESSING);
  }

  @Test
  void rolling_putsANewInstanceInTheRouteThenDrainsAnOldOne() {
    FleetSimulator sim = stableFleet(1, 3);
    Rollout r = rolling(1, 2, 3, 1, 0);
    Decision first = sim.decide(r);
    sim.apply(first.actions());
    sim.tick();
    sim.tick();
    Decision second = sim.decide(first.next());

    assertThat(second.actions()).startsWith(new Action.SetTraffic("web", Traffic.split(1, 2, 33)));
    assertThat(second.actions())
        .filteredOn(Action.StopInstance.class::isInstance)
        .singleElement()
        .satisfies(a -> assertThat(((Action.StopInstance) a).drain()).isTrue());
    assertThat(second.actions())
        .last()
        .isEqualTo(new Action.StartInstances("web", 2, List.of("web-r2-0002")));
  }

  @ParameterizedTest(name = "replicas {0}, max-surge {1}, max-unavailable {2}")
  @CsvSource({"3,1,0", "1,1,0", "5,2,0", "4,0,1", "4,1,1", "6,3,2", "2,0,2", "10,1,0"})
  void rolling_keepsCapacityBoundsAtEveryTickAndFinishesOnTheNewRevision(
      int replicas, int surge, int unavailable) {
    FleetSimulator sim = stableFleet(1, replicas);
    sim.healthyAfterTicks = 3;
    Rollout done = sim.run(rolling(1, 2, replicas, surge, unavailable), 500);

    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.assertConvergedOn(2, replicas);
  }

  @ParameterizedTest(name = "replicas {0}: {1}")
  @CsvSource({
    "1,its instance runs revision 2",
    "3,all 3 instances run revision 2",
  })
  void rolling_saysWhatItFinishedWith(int replicas, String message) {
    FleetSimulator sim = stableFleet(1, replicas);
    Rollout done = sim.run(rolling(1, 2, replicas, 1, 0), 500);

    assertThat(done.condition(Condition.COMPLETED).orElseThrow().message()).isEqualTo(message);
  }

  @Test
  void rolling_neverDropsBelowDesiredHealthyWithMaxUnavailableZero() {
    FleetSimulator sim = stableFleet(1, 4);
    sim.healthyAfterTicks = 4;
    sim.run(
        rolling(1, 2, 4, 1, 0),
        500,
        r -> {
          assertThat(sim.healthy(1) + sim.healthy(2)).isGreaterThanOrEqualTo(4);
          return r;
        });
    sim.assertConvergedOn(2, 4);
  }

  @Test
  void rolling_firstDeployStartsEveryReplicaAndRoutesWhenHealthy() {
    FleetSimulator sim = new FleetSimulator();
    Decision d =
        sim.decide(Rollout.start("web", 0, 1, 3, Strategy.Rolling.DEFAULT, DEADLINE, false, T0));
    assertThat(d.actions())
        .containsExactly(
            new Action.StartInstances(
                "web", 1, List.of("web-r1-0001", "web-r1-0002", "web-r1-0003")));

    sim.run(d.next(), 100);
    sim.assertConvergedOn(1, 3);
  }

  @Test
  void rolling_trafficFollowsTheShareOfHealthyInstances() {
    assertThat(RollingStrategy.proportional(new java.util.TreeMap<>(java.util.Map.of(1, 2, 2, 1))))
        .contains(
            new Traffic(
                new java.util.TreeMap<>(java.util.Map.of(1, 67, 2, 33)),
                java.util.Optional.empty()));
    assertThat(
            RollingStrategy.proportional(
                    new java.util.TreeMap<>(java.util.Map.of(1, 1, 2, 1, 3, 1)))
                .get()
                .weights())
        .containsExactlyEntriesOf(new java.util.TreeMap<>(java.util.Map.of(1, 33, 2, 33, 3, 34)));
    assertThat(RollingStrategy.proportional(new java.util.TreeMap<>(java.util.Map.of(1, 0, 2, 0))))
        .isEmpty();
  }

  @Test
  void rolling_scaleToZeroSucceedsAtOnce() {
    FleetSimulator sim = stableFleet(1, 2);
    Rollout done = sim.run(rolling(1, 2, 0, 1, 0), 10);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    assertThat(sim.revisions()).isEmpty();
  }
}
