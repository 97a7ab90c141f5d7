package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.Healer.Backoff;
import dev.kiln.controller.Healer.Policy;
import dev.kiln.controller.ObservedInstance.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HealerTest {
  private static final Map<String, Map<Integer, Integer>> WEB_R3_X2 = Map.of("web", Map.of(3, 2));

  private static ObservedInstance inst(
      String id, int rev, Phase phase, int failures, Instant since) {
    return new ObservedInstance(id, "web", rev, phase, since, failures);
  }

  private static Healer.Result heal(FleetView fleet, Map<String, Backoff> backoff, Instant now) {
    return Healer.heal(WEB_R3_X2, fleet, backoff, now, new Fixtures.CountingIds(), Policy.DEFAULT);
  }

  @Test
  void healer_replacesAnExitedInstanceByANewOneOfTheSameRevisionAfterBackoff() {
    FleetView fleet =
        new FleetView(
            List.of(inst("a", 3, Phase.HEALTHY, 0, T0), inst("b", 3, Phase.EXITED, 0, T0)));

    Healer.Result first = heal(fleet, Map.of(), T0);
    assertThat(first.actions())
        .containsExactly(
            new Action.StopInstance("web", "b", "exited", false),
            new Action.RecordEvent(
                "web",
                "instance-replaced",
                "b (revision 3) is EXITED after 0 failed checks; a new instance replaces it"));
    assertThat(first.wakeAt()).contains(T0.plusSeconds(1));

    FleetView afterStop = new FleetView(List.of(inst("a", 3, Phase.HEALTHY, 0, T0)));
    Healer.Result second = heal(afterStop, first.backoff(), T0.plusSeconds(1));
    assertThat(second.actions())
        .containsExactly(new Action.StartInstances("web", 3, List.of("web-r3-0001")));
    assertThat(second.backoff().get("web")).isEqualTo(new Backoff(1, Optional.empty()));
  }

  @Test
  void healer_neverRestartsInPlace() {
    FleetView fleet =
        new FleetView(
            List.of(inst("a", 3, Phase.EXITED, 0, T0), inst("b", 3, Phase.EXITED, 0, T0)));
    Healer.Result r = heal(fleet, Map.of("web", new Backoff(0, Optional.of(T0))), T0);
    assertThat(r.actions())
        .filteredOn(Action.StartInstances.class::isInstance)
        .flatExtracting(a -> ((Action.StartInstances) a).instanceIds())
        .doesNotContain("a", "b")
        .hasSize(2);
  }

  @Test
  void healer_backoffDoublesPerRoundAndIsCappedAtSixtySeconds() {
    assertThat(List.of(0, 1, 2, 3, 4, 5, 6, 7, 20).stream().map(Policy.DEFAULT::delay).toList())
        .containsExactly(
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(8),
            Duration.ofSeconds(16),
            Duration.ofSeconds(32),
            Duration.ofSeconds(60),
            Duration.ofSeconds(60),
            Duration.ofSeconds(60));
  }

  @Test
  void healer_aCrashLoopWaitsLongerEachRound() {
    Map<String, Backoff> backoff = Map.of();
    Instant now = T0;
    List<Duration> waits = new ArrayList<>();
    for (int round = 0; round < 8; round++) {
      Healer.Result crashed =
          heal(
              new FleetView(
                  List.of(
                      inst("ok", 3, Phase.HEALTHY, 0, T0),
                      inst("c" + round, 3, Phase.EXITED, 0, now))),
              backoff,
              now);
      Instant wake = crashed.wakeAt().orElseThrow();
      waits.add(Duration.between(now, wake));
      Healer.Result replaced =
          heal(
              new FleetView(List.of(inst("ok", 3, Phase.HEALTHY, 0, T0))), crashed.backoff(), wake);
      assertThat(replaced.actions()).hasOnlyElementsOfType(Action.StartInstances.class).hasSize(1);
      backoff = replaced.backoff();
      now = wake.plusSeconds(1); // the replacement crashes a second later
    }
    assertThat(waits)
        .extracting(Duration::getSeconds)
        .containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);
  }

  @Test
  void healer_backoffIsForgottenAfterTheServiceStaysHealthy() {
    Map<String, Backoff> backoff = Map.of("web", new Backoff(5, Optional.empty()));
    FleetView healthy =
        new FleetView(
            List.of(inst("a", 3, Phase.HEALTHY, 0, T0), inst("b", 3, Phase.HEALTHY, 0, T0)));

    assertThat(heal(healthy, backoff, T0.plusSeconds(59)).backoff()).containsKey("web");
    assertThat(heal(healthy, backoff, T0.plusSeconds(60)).backoff()).isEmpty();
  }

  @Test
  void healer_replacesAnInstanceOnceItsServicesOwnThresholdMadeItUnhealthy() {
    // failing checks while still starting (under the service's start deadline): not dead yet
    FleetView starting =
        new FleetView(
            List.of(inst("a", 3, Phase.HEALTHY, 0, T0), inst("b", 3, Phase.STARTING, 2, T0)));
    assertThat(heal(starting, Map.of(), T0).actions()).isEmpty();

    // UNHEALTHY means the service's `unhealthy:` count was reached, here 1: replaced at once
    FleetView unhealthy =
        new FleetView(
            List.of(inst("a", 3, Phase.HEALTHY, 0, T0), inst("b", 3, Phase.UNHEALTHY, 1, T0)));
    assertThat(heal(unhealthy, Map.of(), T0).actions())
        .first()
        .isEqualTo(new Action.StopInstance("web", "b", "persistently unhealthy", false));
  }

  @Test
  void healer_scaleUpIsImmediateAndScaleDownStopsTheNewestFirst() {
    FleetView one = new FleetView(List.of(inst("a", 3, Phase.HEALTHY, 0, T0)));
    assertThat(heal(one, Map.of(), T0).actions())
        .containsExactly(new Action.StartInstances("web", 3, List.of("web-r3-0001")));

    FleetView three =
        new FleetView(
            List.of(
                inst("a", 3, Phase.HEALTHY, 0, T0),
                inst("b", 3, Phase.HEALTHY, 0, T0.plusSeconds(5)),
                inst("c", 3, Phase.HEALTHY, 0, T0.plusSeconds(1))));
    assertThat(heal(three, Map.of(), T0.plusSeconds(10)).actions())
        .containsExactly(new Action.StopInstance("web", "b", "beyond 2 replicas", true));
  }

  @Test
  void healer_stopsOrphansOfRevisionsThatAreNotLive() {
    FleetView fleet =
        new FleetView(
            List.of(
                inst("a", 3, Phase.HEALTHY, 0, T0),
                inst("b", 3, Phase.HEALTHY, 0, T0),
                inst("old", 2, Phase.HEALTHY, 0, T0)));
    assertThat(heal(fleet, Map.of(), T0).actions())
        .containsExactly(
            new Action.StopInstance("web", "old", "orphan: revision 2 is not live", true));
  }

  @Test
  void healer_leavesServicesItWasNotGivenAlone() {
    FleetView fleet =
        new FleetView(
            List.of(
                new ObservedInstance("x", "api", 1, Phase.EXITED, T0, 0),
                inst("a", 3, Phase.HEALTHY, 0, T0),
                inst("b", 3, Phase.HEALTHY, 0, T0)));
    assertThat(heal(fleet, Map.of(), T0).actions()).isEmpty();
  }
}
