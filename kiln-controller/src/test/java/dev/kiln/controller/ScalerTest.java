package dev.kiln.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Autoscale;
import dev.kiln.model.Autoscale.Metric;
import dev.kiln.model.Autoscale.Target;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The scaler driven through recorded demand series with a fake clock: a simulated fleet where
 * started instances become ready after {@link Sim#startDelay} seconds, a decision every second.
 */
class ScalerTest {
  static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");

  static Autoscale concurrency(int min, int max, double target, Duration delay) {
    return new Autoscale(
        min,
        max,
        new Target(Metric.CONCURRENCY, target),
        delay,
        min == 0 ? Optional.of(Duration.ofMinutes(10)) : Optional.empty());
  }

  /**
   * A fleet in miniature: starting instances turn ready after a delay; stops take effect at once.
   */
  static final class Sim {
    final Autoscale policy;
    final Scaler.Settings settings;
    int startDelay = 2;
    int ready;
    final List<Integer> startingSince = new ArrayList<>(); // second each starting instance began
    final List<ScaleSample> samples = new ArrayList<>();
    final List<Integer> counts = new ArrayList<>(); // ready + starting after each second
    final List<ScaleDecision> changes = new ArrayList<>();
    ScalerState state = ScalerState.INITIAL;
    boolean rollout;
    Map<Integer, Integer> weights = Map.of(1, 100);
    int totalStarts;
    Optional<Instant> lastRequest = Optional.empty();

    Sim(Autoscale policy, int initial) {
      this(policy, Scaler.Settings.DEFAULT, initial);
    }

    Sim(Autoscale policy, Scaler.Settings settings, int initial) {
      this.policy = policy;
      this.settings = settings;
      this.ready = initial;
    }

    /** Runs {@code seconds} of demand {@code inFlight(second)}; returns the last decision. */
    ScaleDecision run(int from, int seconds, IntToDoubleFunction inFlight) {
      ScaleDecision last = null;
      for (int s = from; s < from + seconds; s++) {
        Instant now = T0.plusSeconds(s);
        final int second = s;
        int becameReady =
            (int) startingSince.stream().filter(t -> second - t >= startDelay).count();
        startingSince.removeIf(t -> second - t >= startDelay);
        ready += becameReady;
        double demand = inFlight.applyAsDouble(s);
        if (demand > 0) lastRequest = Optional.of(now);
        samples.add(new ScaleSample(now, demand, demand * 10, 0, 0));
        Scaler.Observed seen =
            new Scaler.Observed(
                samples,
                ready,
                startingSince.size(),
                weights,
                rollout,
                ready + startingSince.size() == 0 && demand > 0 ? (int) demand : 0,
                lastRequest,
                T0);
        last = Scaler.decide(policy, settings, seen, state, now);
        state = last.next();
        int capacity = ready + startingSince.size();
        if (last.desired() > capacity) {
          for (int i = capacity; i < last.desired(); i++) startingSince.add(s);
          totalStarts += last.desired() - capacity;
        } else if (last.desired() < capacity) {
          int stop = capacity - last.desired();
          int fromStarting = Math.min(stop, startingSince.size());
          for (int i = 0; i < fromStarting; i++) startingSince.remove(startingSince.size() - 1);
          ready -= stop - fromStarting;
        }
        if (last.changed()) changes.add(last);
        counts.add(ready + startingSince.size());
      }
      return last;
    }

    int max() {
      return counts.stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    int count() {
      return counts.get(counts.size() - 1);
    }
  }

  @Test
  void step_scalesUpToDemandOverTarget_withoutOvershoot_whileInstancesAreStarting() {
    Sim sim = new Sim(concurrency(1, 10, 10, Duration.ofMinutes(5)), 1);
    sim.startDelay = 5; // slow starts: a scaler that ignores starting instances would start more
    sim.run(0, 120, s -> s < 10 ? 5 : 60);
    assertThat(sim.count()).isEqualTo(6); // ⌈60 / 10⌉
    assertThat(sim.max()).isEqualTo(6); // never above what the demand needs
    assertThat(sim.totalStarts).isEqualTo(5);
  }

  @Test
  void demandWithinTenPercent_changesNothing() {
    Sim sim = new Sim(concurrency(1, 10, 10, Duration.ofSeconds(30)), 4);
    ScaleDecision d = sim.run(0, 200, s -> s % 2 == 0 ? 38 : 43); // 40.5 avg vs 4 × 10: ratio 1.01
    assertThat(sim.changes).isEmpty();
    assertThat(d.rule()).startsWith("hold: within 10%");
  }

  @Test
  void spike_panicsUpAtOnce_andDoesNotScaleDownUntilThePanicIsOver() {
    Sim sim = new Sim(concurrency(1, 20, 10, Duration.ofSeconds(30)), 2);
    sim.run(0, 70, s -> 15); // steady: 2 instances
    assertThat(sim.count()).isEqualTo(2);
    ScaleDecision spike = sim.run(70, 3, s -> 120); // 3 s burst: the stable window barely moves
    assertThat(sim.changes).anySatisfy(d -> assertThat(d.rule()).startsWith("scale-up: panic"));
    int peak = sim.count();
    assertThat(peak).isGreaterThanOrEqualTo(6); // the 6 s window's average: (3·15 + 3·120) / 6 / 10
    assertThat(spike.next().panicUntil()).isPresent();
    sim.run(73, 40, s -> 15); // burst over; still within the panic period (one stable window)
    assertThat(sim.count()).isEqualTo(peak);
  }

  @Test
  void scaleDown_waitsTheDelayOfLowerDemand_thenFollowsIt() {
    Sim sim = new Sim(concurrency(1, 10, 10, Duration.ofSeconds(60)), 1);
    sim.run(0, 120, s -> 80);
    assertThat(sim.count()).isEqualTo(8);
    sim.run(120, 59, s -> 20); // lower demand, for less than the delay: nothing removed
    assertThat(sim.count()).isEqualTo(8);
    assertThat(sim.changes.get(sim.changes.size() - 1).desired()).isEqualTo(8);
    sim.run(179, 121, s -> 20);
    assertThat(sim.count()).isEqualTo(2);
    assertThat(sim.changes.get(sim.changes.size() - 1).rule()).startsWith("scale-down");
  }

  @Test
  void sawtooth_doesNotFlap_theDelayHoldsThePeak() {
    Sim sim = new Sim(concurrency(1, 10, 10, Duration.ofMinutes(2)), 1);
    sim.run(0, 900, s -> (s / 30) % 2 == 0 ? 70 : 10); // 30 s high, 30 s low, for 15 minutes
    // At most one change of direction (the start-up transient settling), never up-down-up.
    int turns = 0;
    for (int i = 1; i < sim.changes.size(); i++) {
      boolean up = sim.changes.get(i).desired() > sim.changes.get(i).from();
      boolean wasUp = sim.changes.get(i - 1).desired() > sim.changes.get(i - 1).from();
      if (up != wasUp) turns++;
    }
    assertThat(turns).isLessThanOrEqualTo(1);
    assertThat(sim.changes.stream().filter(d -> d.desired() > d.from() && d.from() > 1)).isEmpty();
  }

  @Test
  void flapping_isBoundedByTheFlapBudget() {
    var settings =
        new Scaler.Settings(
            Duration.ofSeconds(6), Duration.ofSeconds(2), 2.0, 0.1, Duration.ofSeconds(60), 4);
    Sim sim = new Sim(concurrency(1, 10, 10, Duration.ZERO), settings, 1);
    sim.run(0, 60, s -> (s / 3) % 2 == 0 ? 100 : 0);
    assertThat(sim.totalStarts).isLessThanOrEqualTo(4);
    assertThat(sim.changes).anySatisfy(d -> assertThat(d.rule()).contains("flap budget"));
  }

  @Test
  void slowRamp_followsDemand_withinBounds() {
    Sim sim = new Sim(concurrency(2, 6, 10, Duration.ofSeconds(30)), 2);
    sim.run(0, 600, s -> s / 5.0); // 0 → 120 in flight over 10 minutes
    assertThat(sim.count()).isEqualTo(6); // capped at max
    assertThat(sim.counts).isSorted(); // monotonic up: no dip on a ramp
    assertThat(sim.counts.get(0)).isEqualTo(2); // min respected at low demand
  }

  @Test
  void duringARollout_nothingScalesDown_andTheCountIsSplitByWeight() {
    Sim sim = new Sim(concurrency(1, 10, 10, Duration.ZERO), 6);
    sim.rollout = true;
    sim.weights = Map.of(1, 75, 2, 25);
    ScaleDecision d = sim.run(0, 120, s -> 10);
    assertThat(sim.count()).isEqualTo(6);
    assertThat(d.rule()).contains("rollout");
    assertThat(d.perRevision()).containsEntry(1, 5).containsEntry(2, 2); // ⌈6·0.75⌉, ⌈6·0.25⌉
    assertThat(Scaler.split(4, Map.of(1, 90, 2, 10))).containsEntry(1, 4).containsEntry(2, 1);
  }

  @Test
  void idleToZero_thenAWaitingRequestWakesAtOnce() {
    Sim sim = new Sim(concurrency(0, 5, 10, Duration.ofSeconds(30)), 1);
    sim.run(0, 5, s -> 3);
    sim.run(5, 599, s -> 0);
    assertThat(sim.count()).isEqualTo(1); // 10 min not yet over
    sim.run(604, 5, s -> 0);
    assertThat(sim.count()).isZero();
    assertThat(sim.changes.get(sim.changes.size() - 1).rule()).startsWith("idle-to-zero");
    ScaleDecision wake = sim.run(609, 1, s -> 1);
    assertThat(wake.desired()).isEqualTo(1);
    assertThat(wake.rule()).startsWith("wake");
  }

  @Test
  void decisions_areDeterministic() {
    Autoscale p = concurrency(1, 10, 10, Duration.ofSeconds(30));
    List<ScaleSample> samples = List.of(new ScaleSample(T0, 55, 0, 0, 0));
    var seen = new Scaler.Observed(samples, 2, 1, Map.of(1, 100), false, 0, Optional.of(T0), T0);
    assertThat(Scaler.decide(p, Scaler.Settings.DEFAULT, seen, ScalerState.INITIAL, T0))
        .isEqualTo(Scaler.decide(p, Scaler.Settings.DEFAULT, seen, ScalerState.INITIAL, T0));
  }

  @Test
  void p99Target_scalesByRatioOverReadyInstances() {
    var p =
        new Autoscale(1, 10, new Target(Metric.P99, 100), Duration.ofSeconds(30), Optional.empty());
    var seen =
        new Scaler.Observed(
            List.of(new ScaleSample(T0, 5, 50, 0, 250)),
            2,
            0,
            Map.of(1, 100),
            false,
            0,
            Optional.of(T0),
            T0);
    assertThat(Scaler.decide(p, Scaler.Settings.DEFAULT, seen, ScalerState.INITIAL, T0).desired())
        .isEqualTo(5);
  }
}
