package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.DEADLINE;
import static dev.kiln.controller.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.ObservedInstance.Phase;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CanaryStrategyTest {
  private static Rollout canary(Strategy.Canary s) {
    return Rollout.start("web", 1, 2, 4, s, DEADLINE, false, T0);
  }

  /** One step: 10% of the traffic, then a pause of an hour. */
  private static final Strategy.Canary ONE_HOUR_PAUSE_AT_10 =
      new Strategy.Canary(
          List.of(new Strategy.CanaryStep(10, Optional.of(Duration.ofHours(1)))), Optional.empty());

  /**
   * {@code n} decisions, each applied and followed by a tick of the fleet, without jumping the
   * clock to the decision's wake-up time as {@link FleetSimulator#run} does (a pause stays a
   * pause).
   */
  private static Rollout steps(FleetSimulator sim, Rollout r, int n) {
    for (int i = 0; i < n; i++) {
      Decision d = sim.decide(r);
      sim.apply(d.actions());
      r = d.next();
      sim.tick();
    }
    return r;
  }

  private static FleetSimulator stableFleet() {
    FleetSimulator sim = new FleetSimulator().seed(1, 4, Phase.HEALTHY).route(Traffic.all(1));
    sim.metrics.put(2, Fixtures.good());
    return sim;
  }

  private static List<Traffic> routes(FleetSimulator sim) {
    return sim.journal.stream()
        .filter(Action.SetTraffic.class::isInstance)
        .map(a -> ((Action.SetTraffic) a).traffic())
        .toList();
  }

  @Test
  void canary_shiftsWeightStepByStepThenPromotesFully() {
    FleetSimulator sim = stableFleet();
    Rollout done = sim.run(canary(Fixtures.canary(10, 50)), 1000);

    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.assertConvergedOn(2, 4);
    assertThat(routes(sim))
        .containsExactly(Traffic.split(1, 2, 10), Traffic.split(1, 2, 50), Traffic.all(2));
  }

  @Test
  void canary_keepsTheStableFleetWholeAndSizesTheCanaryToTheWeight() {
    FleetSimulator sim = stableFleet();
    sim.run(
        canary(Fixtures.canary(10, 50)),
        1000,
        r -> {
          if (r.phase() == Rollout.Phase.PROGRESSING && r.step() < 2) {
            assertThat(sim.healthy(1)).isEqualTo(4);
            assertThat(sim.count(2))
                .isLessThanOrEqualTo(CanaryStrategy.canaryReplicas(4, r.step() == 0 ? 10 : 50));
          }
          return r;
        });
    assertThat(CanaryStrategy.canaryReplicas(4, 10)).isEqualTo(1);
    assertThat(CanaryStrategy.canaryReplicas(4, 50)).isEqualTo(2);
    assertThat(CanaryStrategy.canaryReplicas(4, 0)).isEqualTo(1);
  }

  @Test
  void canary_waitsForThePauseBeforeTheNextStep() {
    FleetSimulator sim = stableFleet();
    Rollout r = canary(Fixtures.canary(10, 50));
    Decision d = null;
    for (int i = 0; i < 10 && r.stepStartedAt().isEmpty(); i++) {
      d = sim.decide(r);
      sim.apply(d.actions());
      r = d.next();
      sim.tick();
    }
    java.time.Instant started = r.stepStartedAt().orElseThrow();

    sim.now = started.plusSeconds(59);
    Decision during = sim.decide(r);
    assertThat(during.next().step()).isZero();
    assertThat(during.wakeAt()).contains(started.plusSeconds(60));

    sim.now = started.plusSeconds(60);
    assertThat(sim.decide(r).next().step()).isEqualTo(1);
  }

  @Test
  void canary_failedAnalysisSetsWeightZeroAndStopsCanary() {
    FleetSimulator sim = stableFleet();
    sim.metrics.put(2, Fixtures.bad());
    Rollout done = sim.run(canary(Fixtures.canary(10, 50)), 1000);

    assertThat(done.phase()).isEqualTo(Rollout.Phase.ABORTED);
    assertThat(done.condition(Condition.ABORTED).get().reason()).isEqualTo("AnalysisFailed");
    assertThat(done.condition(Condition.ANALYSIS).get().message())
        .isEqualTo("error rate 12.00% > max 1.00% (120 of 1000 requests answered 5xx)");
    assertThat(routes(sim)).containsExactly(Traffic.split(1, 2, 10), Traffic.all(1));
    sim.assertConvergedOn(1, 4);
  }

  @Test
  void canary_abortsAsSoonAsAnalysisFailsEvenMidPause() {
    FleetSimulator sim = stableFleet();
    Rollout r = canary(Fixtures.canary(10, 50));
    for (int i = 0; i < 10 && r.stepStartedAt().isEmpty(); i++) {
      Decision d = sim.decide(r);
      sim.apply(d.actions());
      r = d.next();
      sim.tick();
    }
    sim.metrics.put(2, Fixtures.bad());
    Decision d = sim.decide(r);
    assertThat(d.next().phase()).isEqualTo(Rollout.Phase.ABORTED);
    assertThat(d.actions()).contains(new Action.SetTraffic("web", Traffic.all(1)));
    assertThat(d.actions()).filteredOn(Action.StopInstance.class::isInstance).hasSize(1);
  }

  @Test
  void canary_inconclusiveAnalysisHoldsTheStepUntilTheDeadlineAborts() {
    FleetSimulator sim = stableFleet();
    sim.metrics.put(2, new RevisionMetrics(10, 0, Duration.ofMillis(5)));
    Rollout done = sim.run(canary(Fixtures.canary(10, 50)), 2000);

    assertThat(done.phase()).isEqualTo(Rollout.Phase.ABORTED);
    assertThat(done.condition(Condition.ABORTED).get().reason())
        .isEqualTo("ProgressDeadlineExceeded");
    assertThat(done.step()).isZero();
    Condition started =
        done.conditions().stream()
            .filter(c -> c.type().equals(Condition.ABORTED))
            .findFirst()
            .orElseThrow();
    assertThat(started.at())
        .as("the deadline counts from the end of the pause")
        .isEqualTo(T0.plusSeconds(2).plus(Duration.ofMinutes(1)).plus(DEADLINE));
    sim.assertConvergedOn(1, 4);
  }

  @Test
  void canary_pauseWithoutDurationWaitsForPromote() {
    FleetSimulator sim = stableFleet();
    Strategy.Canary manual =
        new Strategy.Canary(
            List.of(new Strategy.CanaryStep(20, Optional.empty())), Optional.empty());
    Rollout r = canary(manual);
    r = steps(sim, r, 10);
    sim.now = sim.now.plus(Duration.ofDays(2));
    Decision waiting = sim.decide(r);
    assertThat(waiting.next().step()).isZero();
    assertThat(waiting.next().phase()).isEqualTo(Rollout.Phase.PROGRESSING);
    assertThat(waiting.next().condition(Condition.PAUSED).get().message())
        .isEqualTo("run `kiln promote web`");

    Rollout done = sim.run(r.requestPromote(), 100);
    assertThat(done.phase()).isEqualTo(Rollout.Phase.SUCCEEDED);
    sim.assertConvergedOn(2, 4);
  }

  @Test
  void canary_abortedWhileWaitingForPromote_noLongerSaysItWaits() {
    FleetSimulator sim = stableFleet();
    Strategy.Canary manual =
        new Strategy.Canary(
            List.of(new Strategy.CanaryStep(20, Optional.empty())), Optional.empty());
    Rollout r = canary(manual);
    r = steps(sim, r, 10);
    assertThat(r.condition(Condition.PAUSED).orElseThrow().status()).isTrue();

    Rollout aborted = sim.run(r.requestAbort(), 50);

    assertThat(aborted.phase()).isEqualTo(Rollout.Phase.ABORTED);
    Condition paused = aborted.condition(Condition.PAUSED).orElseThrow();
    assertThat(paused.status()).isFalse();
    assertThat(paused.reason()).isEqualTo("AbortRequested");
  }

  @Test
  void canary_promoteCutsATimedPauseShort() {
    FleetSimulator sim = stableFleet();
    Rollout r = canary(ONE_HOUR_PAUSE_AT_10);
    r = steps(sim, r, 5);
    assertThat(r.stepStartedAt()).isPresent();
    Decision d = sim.decide(r.requestPromote());
    assertThat(d.next().step()).isEqualTo(1);
    assertThat(d.next().intent().promote()).isFalse();
  }

  @Test
  void canary_aTimedPauseSaysUntilWhen() {
    FleetSimulator sim = stableFleet();
    Rollout r = canary(ONE_HOUR_PAUSE_AT_10);
    r = steps(sim, r, 5);
    Instant end = r.stepStartedAt().orElseThrow().plus(Duration.ofHours(1));
    Condition paused = r.condition(Condition.PAUSED).orElseThrow();
    assertThat(paused.status()).isTrue();
    assertThat(paused.reason()).isEqualTo("CanaryPauseTimed");
    assertThat(paused.message())
        .isEqualTo(
            "until " + end.truncatedTo(ChronoUnit.SECONDS) + " (`kiln promote web` ends it now)");
  }
}
