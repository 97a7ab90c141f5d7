package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.DEADLINE;
import static dev.kiln.controller.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.ObservedInstance.Phase;
import dev.kiln.model.ServiceSpec;
import dev.kiln.model.Strategy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** From a plan to rollouts, and a newer apply arriving while a rollout is still under way. */
class SupersedeTest {
  @Test
  void replaceStartsARolloutFromTheLiveRevisionWithTheServiceStrategy() {
    ServiceSpec web = Fixtures.spec("web", "hello", 4, Map.of());
    Revision r1 = new Revision("web", 1, Fixtures.digest("a"), RuntimeConfig.of(web));
    Revision r2 = new Revision("web", 2, Fixtures.digest("b"), RuntimeConfig.of(web));
    Change replace = new Change.Replace(r1, r2, RevisionPlanner.diff(r1, r2), 3, 4);

    Rollout r = Rollout.forChange(replace, web, T0).orElseThrow();
    assertThat(r.from()).isEqualTo(1);
    assertThat(r.to()).isEqualTo(2);
    assertThat(r.replicas()).isEqualTo(4);
    assertThat(r.strategy()).isEqualTo(web.strategy());
    assertThat(Rollout.forChange(new Change.Scale(r1, 3, 4), web, T0)).isEmpty();
    assertThat(Rollout.forChange(new Change.Create(r1, 2), web, T0).orElseThrow().from()).isZero();
  }

  @Test
  void supersede_midCanaryGoesFromTheLastGoodRevisionAndStopsTheAbandonedOne() {
    FleetSimulator sim = new FleetSimulator().seed(1, 3, Phase.HEALTHY).route(Traffic.all(1));
    sim.metrics.put(2, Fixtures.good());
    Rollout canary = Rollout.start("web", 1, 2, 3, Fixtures.canary(10, 50), DEADLINE, false, T0);
    for (int i = 0; i < 4; i++) {
      Decision d = sim.decide(canary);
      sim.apply(d.actions());
      canary = d.next();
      sim.tick();
    }
    assertThat(sim.traffic).isEqualTo(Traffic.split(1, 2, 10));

    Rollout next = canary.supersededBy(3, 3, Strategy.Rolling.DEFAULT, DEADLINE, sim.now);
    assertThat(next.from()).isEqualTo(1);
    Decision first = sim.decide(next);
    assertThat(first.actions().get(0)).isEqualTo(new Action.SetTraffic("web", Traffic.all(1)));

    Rollout done = sim.run(next, 200);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.assertConvergedOn(3, 3);
  }

  @Test
  void supersede_afterABlueGreenSwitchStartsFromTheNewFleet() {
    FleetSimulator sim = new FleetSimulator().seed(1, 2, Phase.HEALTHY).route(Traffic.all(1));
    Rollout bg =
        sim.run(
            Rollout.start("web", 1, 2, 2, Fixtures.blueGreen(), DEADLINE, false, T0),
            100,
            r -> r.phase() == Rollout.Phase.SCALING_DOWN ? r : r.requestPromote());
    assertThat(bg.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    assertThat(bg.supersededBy(3, 2, Strategy.Rolling.DEFAULT, DEADLINE, sim.now).from())
        .isEqualTo(2);
  }
}
