package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Route;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The decisions the executor used to make inline, now pure: orphans, routes, backoff, hand-off. */
class ExecutorDecisionsTest {
  static ObservedInstance inst(String id, String service, ObservedInstance.Phase phase) {
    return new ObservedInstance(id, service, 1, phase, T0, 0);
  }

  @Test
  void orphans_instancesOfUnknownServicesStop_drainedOnlyIfTheyWereServing() {
    List<Action> stops =
        Orphans.stops(
            List.of(
                inst("web-1-a", "web", ObservedInstance.Phase.HEALTHY),
                inst("old-1-a", "old", ObservedInstance.Phase.HEALTHY),
                inst("old-1-b", "old", ObservedInstance.Phase.STARTING)),
            Set.of("web"));
    assertThat(stops)
        .containsExactly(
            new Action.StopInstance(
                "old", "old-1-a", "orphan: service old is not in the applied blueprint", true),
            new Action.StopInstance(
                "old", "old-1-b", "orphan: service old is not in the applied blueprint", false));
  }

  static Revision withRoute(int n, String path) {
    Revision r = Fixtures.revision("web", n, "img" + n, Map.of());
    RuntimeConfig c = r.config();
    return new Revision(
        "web",
        n,
        r.image(),
        new RuntimeConfig(
            c.env(),
            c.secrets(),
            c.volumes(),
            c.health(),
            Optional.of(new Route("*", path)),
            c.runtime()));
  }

  @Test
  void routeChoice_theNewestWeightedRevisionDecides_elseTheNewestRevision() {
    List<Revision> revisions =
        List.of(withRoute(1, "/v1"), withRoute(2, "/v2"), withRoute(3, "/v3"));
    assertThat(RouteChoice.of(Traffic.split(1, 2, 10), revisions)).contains(new Route("*", "/v2"));
    assertThat(RouteChoice.of(Traffic.all(1), revisions)).contains(new Route("*", "/v1"));
    assertThat(RouteChoice.of(Traffic.NONE, revisions)).contains(new Route("*", "/v3"));
    assertThat(RouteChoice.of(Traffic.NONE, List.of())).isEmpty();
  }

  @Test
  void startBackoff_followsTheHealersPolicy_doublingToItsCap() {
    Optional<StartBackoff> b = Optional.empty();
    List<Long> waits = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      b = Optional.of(StartBackoff.after(b, Healer.Policy.DEFAULT, T0));
      waits.add(Duration.between(T0, b.get().notBefore()).toSeconds());
    }
    assertThat(waits).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);
    assertThat(b.get().holds(T0.plusSeconds(59))).isTrue();
    assertThat(b.get().holds(T0.plusSeconds(60))).isFalse();
  }

  @Test
  void handoff_onlyAFinishedRolloutWithNothingLeftToDoGoesToTheHealer() {
    Rollout running =
        Rollout.start("web", 1, 2, 3, Strategy.Rolling.DEFAULT, Duration.ofMinutes(5), false, T0);
    Rollout done = running.withPhase(Rollout.Phase.SUCCEEDED);
    Rollout aborted = running.withPhase(Rollout.Phase.ABORTED);
    Decision idle = new Decision(done, List.of(), Optional.empty(), true);
    assertThat(Handoff.toHealer(done, idle)).contains(Map.of(2, 3));
    assertThat(Handoff.toHealer(aborted, new Decision(aborted, List.of(), Optional.empty(), true)))
        .contains(Map.of(1, 3));
    // still moving traffic back after an abort: the rollout keeps the service
    Decision moving =
        new Decision(
            aborted,
            List.of(new Action.SetTraffic("web", Traffic.all(1))),
            Optional.empty(),
            false);
    assertThat(Handoff.toHealer(aborted, moving)).isEmpty();
    assertThat(Handoff.toHealer(running, new Decision(running, List.of(), Optional.empty(), false)))
        .isEmpty();
    // a first deploy that was aborted leaves nothing live to heal
    Rollout first =
        Rollout.start("web", 0, 1, 3, Strategy.Rolling.DEFAULT, Duration.ofMinutes(5), false, T0)
            .withPhase(Rollout.Phase.ABORTED);
    assertThat(Handoff.toHealer(first, new Decision(first, List.of(), Optional.empty(), true)))
        .contains(new TreeMap<>());
  }
}
