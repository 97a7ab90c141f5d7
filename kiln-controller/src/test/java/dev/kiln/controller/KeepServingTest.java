package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.DEADLINE;
import static dev.kiln.controller.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.ObservedInstance.Phase;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The cases {@link RolloutInterleavingTest} found where a service that could serve was left with an
 * empty route, one example each.
 */
class KeepServingTest {
  private static Rollout rolling(int from, int to, int replicas) {
    return Rollout.start("web", from, to, replicas, Strategy.Rolling.DEFAULT, DEADLINE, false, T0);
  }

  /**
   * What ZeroDowntimeIT saw with prompt stops: the observation the executor handed over lost every
   * instance (a runtime failed to list while a stopped instance was being removed). The planner
   * used to answer with an empty route (404 "no route" until new instances were healthy); it now
   * keeps the route, which the executor fills again from the next good observation.
   */
  @Test
  void nothingObservedHealthy_keepsTheRouteInsteadOfEmptyingIt() {
    FleetSimulator lost = new FleetSimulator().route(Traffic.all(2));
    Decision d = lost.decide(rolling(1, 2, 2).withPhase(Rollout.Phase.SUCCEEDED));
    assertThat(d.actions()).noneMatch(Action.SetTraffic.class::isInstance);

    FleetSimulator midRollout = new FleetSimulator().route(Traffic.split(1, 2, 50));
    Decision mid = midRollout.decide(rolling(1, 2, 2));
    assertThat(mid.actions()).noneMatch(Action.SetTraffic.class::isInstance);
  }

  /** A second apply while a first deploy is still starting: the first deploy's instances serve. */
  @Test
  void supersededFirstDeploy_keepsServingUntilTheNewRevisionCan() {
    FleetSimulator sim = new FleetSimulator().seed(1, 2, Phase.HEALTHY).route(Traffic.all(1));
    Rollout first = rolling(0, 1, 2);
    Rollout next = first.supersededBy(2, 2, Strategy.Rolling.DEFAULT, DEADLINE, T0);
    assertThat(next.from()).isZero();

    Decision d = sim.decide(next);
    assertThat(d.actions()).noneMatch(Action.SetTraffic.class::isInstance);
    assertThat(d.actions()).noneMatch(Action.StopInstance.class::isInstance);
    sim.apply(d.actions());

    Rollout done = sim.run(d.next(), 50);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.assertConvergedOn(2, 2);
  }

  /**
   * An abort whose last good revision has nothing healthy yet leaves the traffic on the new one;
   * until it can go back, the rollout is not settled, so the healer does not stop the new revision
   * as an orphan.
   */
  @Test
  void abort_isNotSettledWhileTheNewRevisionStillCarriesTheTraffic() {
    FleetSimulator sim =
        new FleetSimulator()
            .seed(1, 2, Phase.STARTING)
            .seed(2, 2, Phase.HEALTHY)
            .route(Traffic.all(2));
    sim.neverHealthy.add(1);
    Rollout aborted = rolling(1, 2, 2).requestAbort();

    Decision d = sim.decide(aborted);
    assertThat(d.next().phase()).isEqualTo(Rollout.Phase.ABORTED);
    sim.apply(d.actions());
    Decision again = sim.decide(d.next());
    assertThat(again.actions()).isEmpty();
    assertThat(again.settled()).isFalse();

    sim.neverHealthy.clear();
    sim.tick();
    sim.tick();
    Decision back = sim.decide(again.next());
    assertThat(back.actions()).contains(new Action.SetTraffic("web", Traffic.all(1)));
    sim.apply(back.actions());
    assertThat(sim.decide(back.next()).settled()).isTrue();
  }

  /**
   * Blue-green after the switch: the new fleet died; the route goes back to the warm fleet, which
   * is not scaled down until the new fleet is whole again, whatever the delay says.
   */
  @Test
  void blueGreen_keepsServingFromTheWarmFleetWhileTheNewOneCannot() {
    FleetSimulator sim =
        new FleetSimulator()
            .seed(1, 2, Phase.HEALTHY)
            .seed(2, 2, Phase.HEALTHY)
            .route(Traffic.all(2));
    Strategy.BlueGreen bg = new Strategy.BlueGreen(Optional.empty(), Duration.ofSeconds(30));
    Rollout switched =
        Rollout.start("web", 1, 2, 2, bg, DEADLINE, false, T0)
            .withPhase(Rollout.Phase.SCALING_DOWN)
            .withSwitchedAt(T0);
    sim.ids(2).forEach(sim::kill);
    sim.now = T0.plusSeconds(60);

    Decision d = sim.decide(switched);
    assertThat(d.next().phase()).isEqualTo(Rollout.Phase.SCALING_DOWN);
    assertThat(d.actions()).contains(new Action.SetTraffic("web", Traffic.all(1)));
    assertThat(d.actions())
        .filteredOn(Action.StopInstance.class::isInstance)
        .extracting(a -> ((Action.StopInstance) a).instanceId())
        .containsExactlyElementsOf(sim.ids(2));

    sim.apply(d.actions());
    Rollout done = sim.run(d.next(), 50);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.assertConvergedOn(2, 2);
  }

  /** A superseded blue-green's preview is dropped with its revision, whatever else happens. */
  @Test
  void supersededPreview_isDroppedAndItsFleetStopped() {
    FleetSimulator sim = new FleetSimulator().seed(1, 1, Phase.HEALTHY).seed(2, 1, Phase.HEALTHY);
    sim.health(sim.ids(1).get(0), Phase.UNHEALTHY, 1);
    sim.route(Traffic.all(1).withPreview(Traffic.Preview.of(2)));
    Rollout aborted =
        Rollout.start("web", 1, 3, 1, Fixtures.blueGreen(), DEADLINE, false, T0).requestAbort();

    Decision d = sim.decide(aborted);
    assertThat(d.actions()).contains(new Action.SetTraffic("web", Traffic.all(1)));
    assertThat(d.actions())
        .contains(
            new Action.StopInstance(
                "web", sim.ids(2).get(0), "orphan: revision 2 is not part of the rollout", true));
  }

  /** The hand-off rule the executor follows, for a rollout that finished normally. */
  @Test
  void succeeded_isSettledOnceTheRouteIsAllOnTheNewRevision() {
    FleetSimulator sim = new FleetSimulator().seed(1, 2, Phase.HEALTHY).route(Traffic.all(1));
    Rollout done = sim.run(rolling(1, 2, 2), 50);
    Decision d = sim.decide(done);
    assertThat(d.actions()).isEmpty();
    assertThat(d.settled()).isTrue();
    assertThat(sim.traffic).isEqualTo(Traffic.all(2));
    assertThat(
            Healer.heal(
                    Map.of("web", Map.of(2, 2)),
                    sim.view(),
                    Map.of(),
                    sim.now,
                    sim.ids,
                    Healer.Policy.DEFAULT)
                .actions())
        .isEqualTo(List.of());
  }
}
