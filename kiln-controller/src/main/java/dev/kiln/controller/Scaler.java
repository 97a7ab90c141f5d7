package dev.kiln.controller;

import dev.kiln.model.Autoscale;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The auto-scaling decision, a pure function of (policy, observed demand, remembered state, now).
 *
 * <p>It combines what the anchors do well and avoids what their users complain of:
 *
 * <ul>
 *   <li>Kubernetes HPA: desired = ⌈demand / target⌉, left alone within a 10% tolerance; scale-down
 *       is stabilized (the highest recommendation over {@code scale-down-delay} wins).
 *   <li>Knative: a 60 s stable window and a 6 s panic window; when the panic window asks for at
 *       least twice the ready instances, scale up at once and do not scale down until the panic is
 *       over.
 *   <li>Nomad's overshoot: instances that are starting count as capacity on the way, never as
 *       missing capacity, so a burst does not start more than its demand needs.
 *   <li>HPA vs Deployment, Argo Rollouts held at max: during a rollout nothing is scaled down and
 *       the count is split between revisions by traffic weight.
 *   <li>KEDA's HTTP add-on: a wake is immediate (a request is waiting, no poll), and the flap
 *       budget bounds starts per window, never a wake.
 * </ul>
 */
public final class Scaler {
  private Scaler() {}

  /** Tunables with the anchors' defaults. */
  public record Settings(
      Duration stableWindow,
      Duration panicWindow,
      double panicThreshold,
      double tolerance,
      Duration budgetWindow,
      int startsPerBudgetWindow) {
    /** 0 for {@code startsPerBudgetWindow} means "the policy's max". */
    public static final Settings DEFAULT =
        new Settings(
            Duration.ofSeconds(60), Duration.ofSeconds(6), 2.0, 0.1, Duration.ofSeconds(60), 0);
  }

  /**
   * What the scaler sees of one service.
   *
   * @param samples the service's demand over at least the stable window, oldest first
   * @param ready healthy instances of the service (all revisions)
   * @param starting instances started but not yet healthy
   * @param weights traffic weight per revision number (empty when no revision is live)
   * @param queued requests the router holds for a service with no instance
   * @param lastRequestAt when the router last saw a request for the service
   * @param since when observation began (server start, or the service's creation)
   */
  public record Observed(
      List<ScaleSample> samples,
      int ready,
      int starting,
      Map<Integer, Integer> weights,
      boolean rolloutRunning,
      int queued,
      Optional<Instant> lastRequestAt,
      Instant since) {
    public Observed {
      samples = List.copyOf(samples);
      weights = Map.copyOf(weights);
      if (ready < 0 || starting < 0 || queued < 0)
        throw new IllegalArgumentException("counts must be >= 0");
    }

    int capacity() {
      return ready + starting;
    }
  }

  public static ScaleDecision decide(
      Autoscale policy, Settings settings, Observed seen, ScalerState state, Instant now) {
    int capacity = seen.capacity();
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("ready", Integer.toString(seen.ready()));
    inputs.put("starting", Integer.toString(seen.starting()));
    inputs.put("target", policy.target().metric().key + "=" + fmt(policy.target().value()));
    List<ScalerState.Recommendation> recs =
        new ArrayList<>(
            state.recommendations().stream()
                .filter(r -> r.at().isAfter(now.minus(policy.scaleDownDelay())))
                .toList());
    List<Instant> starts =
        new ArrayList<>(
            state.starts().stream()
                .filter(t -> t.isAfter(now.minus(settings.budgetWindow())))
                .toList());
    Optional<Instant> panicUntil = state.panicUntil().filter(now::isBefore);

    // A request is waiting and nothing can serve it: wake now, whatever the windows say.
    if (capacity == 0 && (seen.queued() > 0 || lastInFlight(seen) > 0)) {
      int desired = Math.max(1, policy.min());
      inputs.put("queued", Integer.toString(seen.queued()));
      starts.addAll(java.util.Collections.nCopies(desired, now));
      return decision(
          capacity,
          desired,
          seen,
          "wake: " + seen.queued() + " request(s) waiting, no instance",
          inputs,
          new ScalerState(recs, starts, panicUntil));
    }

    // Idle long enough with min 0: drain and stop the last instances.
    if (policy.idleToZero().isPresent()
        && !seen.rolloutRunning()
        && seen.queued() == 0
        && lastInFlight(seen) == 0) {
      Instant lastActivity = seen.lastRequestAt().orElse(seen.since());
      Duration idle = Duration.between(lastActivity, now);
      if (idle.compareTo(policy.idleToZero().get()) >= 0) {
        inputs.put("idle", fmt(idle));
        return decision(
            capacity,
            0,
            seen,
            "idle-to-zero: no request for " + fmt(idle),
            inputs,
            new ScalerState(List.of(), starts, Optional.empty()));
      }
    }

    List<ScaleSample> stable = window(seen.samples(), now, settings.stableWindow());
    List<ScaleSample> panic = window(seen.samples(), now, settings.panicWindow());
    int floor = Math.max(policy.min(), 1); // zero only through idle-to-zero
    if (stable.isEmpty()) {
      int desired = clamp(Math.max(capacity, floor), floor, policy.max());
      return decision(
          capacity,
          desired,
          seen,
          "hold: no metrics yet",
          inputs,
          new ScalerState(recs, starts, panicUntil));
    }
    double stableValue = observed(policy, stable);
    int raw = needed(policy, stableValue, seen.ready());
    inputs.put("observed." + policy.target().metric().key + ".stable", fmt(stableValue));
    inputs.put("window.stable", fmt(settings.stableWindow()));
    String rule;
    if (capacity > 0
        && Math.abs(usage(policy, stableValue, capacity) - 1) <= settings.tolerance()) {
      raw = capacity;
      rule = "hold: within " + Math.round(settings.tolerance() * 100) + "% of the target";
    } else {
      rule = raw > capacity ? "scale-up: stable window" : "scale-down: stable window";
    }
    if (!panic.isEmpty()) {
      double panicValue = observed(policy, panic);
      int panicRaw = needed(policy, panicValue, seen.ready());
      inputs.put("observed." + policy.target().metric().key + ".panic", fmt(panicValue));
      if (seen.ready() > 0
          && panicRaw >= settings.panicThreshold() * seen.ready()
          && panicRaw > capacity) {
        panicUntil = Optional.of(now.plus(settings.stableWindow()));
        rule =
            "scale-up: panic (the "
                + fmt(settings.panicWindow())
                + " window needs "
                + panicRaw
                + ")";
      }
      if (panicUntil.isPresent()) raw = Math.max(raw, panicRaw);
    }
    if (panicUntil.isPresent() && raw < capacity) {
      raw = capacity;
      rule = "hold: panic mode until " + panicUntil.get() + " (no scale-down)";
    }
    raw = clamp(raw, floor, policy.max());
    recs.add(new ScalerState.Recommendation(now, raw));

    int desired = raw;
    if (desired < capacity) {
      int highest = recs.stream().mapToInt(ScalerState.Recommendation::count).max().orElse(desired);
      boolean observedLongEnough = !seen.since().isAfter(now.minus(policy.scaleDownDelay()));
      if (highest > desired || !observedLongEnough) {
        desired = Math.min(capacity, Math.max(highest, desired));
        if (!observedLongEnough) desired = capacity;
        rule = "hold: demand lower, scale-down after " + fmt(policy.scaleDownDelay()) + " of it";
      } else {
        rule = "scale-down: demand lower for " + fmt(policy.scaleDownDelay());
      }
    }
    if (seen.rolloutRunning() && desired < capacity) {
      desired = capacity;
      rule = "hold: a rollout is running (no scale-down)";
    }
    if (desired > capacity) {
      int budget =
          settings.startsPerBudgetWindow() > 0 ? settings.startsPerBudgetWindow() : policy.max();
      int allowed = budget - starts.size();
      inputs.put(
          "starts.window", starts.size() + "/" + budget + " per " + fmt(settings.budgetWindow()));
      if (allowed <= 0) {
        desired = capacity;
        rule =
            "hold: flap budget spent ("
                + budget
                + " starts per "
                + fmt(settings.budgetWindow())
                + ")";
      } else if (desired - capacity > allowed) {
        desired = capacity + allowed;
        rule = rule + ", limited by the flap budget";
      }
      starts.addAll(java.util.Collections.nCopies(Math.max(0, desired - capacity), now));
    }
    return decision(
        capacity, desired, seen, rule, inputs, new ScalerState(recs, starts, panicUntil));
  }

  /**
   * Instances per revision: the total split by traffic weight, rounded up so no weighted revision
   * starves.
   */
  public static Map<Integer, Integer> split(int desired, Map<Integer, Integer> weights) {
    Map<Integer, Integer> out = new TreeMap<>();
    if (desired == 0) {
      weights.keySet().forEach(r -> out.put(r, 0));
      return out;
    }
    weights.forEach(
        (rev, w) -> out.put(rev, w <= 0 ? 0 : Math.max(1, (int) Math.ceil(desired * w / 100.0))));
    return out;
  }

  private static ScaleDecision decision(
      int from,
      int desired,
      Observed seen,
      String rule,
      Map<String, String> inputs,
      ScalerState next) {
    return new ScaleDecision(
        from,
        desired,
        new TreeMap<>(split(desired, seen.weights())),
        rule,
        ScaleDecision.inputs(inputs),
        next);
  }

  private static List<ScaleSample> window(List<ScaleSample> samples, Instant now, Duration width) {
    Instant from = now.minus(width);
    return samples.stream().filter(s -> s.at().isAfter(from) && !s.at().isAfter(now)).toList();
  }

  /** The window's average of the target metric (for p99: the window's highest). */
  private static double observed(Autoscale policy, List<ScaleSample> window) {
    return switch (policy.target().metric()) {
      case CONCURRENCY -> window.stream().mapToDouble(ScaleSample::inFlight).average().orElse(0);
      case RPS -> window.stream().mapToDouble(ScaleSample::requestsPerSecond).average().orElse(0);
      case CPU -> window.stream().mapToDouble(ScaleSample::cpuPercent).average().orElse(0);
      case P99 -> window.stream().mapToDouble(ScaleSample::p99Millis).max().orElse(0);
    };
  }

  /**
   * Instances needed for an observed value: total demand over the per-instance target for the
   * additive metrics; for p99 (not additive) HPA's ratio over the ready instances.
   */
  private static int needed(Autoscale policy, double value, int ready) {
    double target = policy.target().value();
    double n =
        switch (policy.target().metric()) {
          case CONCURRENCY, RPS, CPU -> value / target;
          case P99 -> Math.max(ready, 1) * (value / target);
        };
    // 1e-9: 20.000000001 / 10 must not become 3.
    return (int) Math.ceil(n - 1e-9);
  }

  /**
   * HPA's usage ratio: the observed value over what {@code capacity} instances are meant to carry.
   */
  private static double usage(Autoscale policy, double value, int capacity) {
    double target = policy.target().value();
    return switch (policy.target().metric()) {
      case CONCURRENCY, RPS, CPU -> value / (capacity * target);
      case P99 -> value / target;
    };
  }

  private static double lastInFlight(Observed seen) {
    return seen.samples().isEmpty() ? 0 : seen.samples().get(seen.samples().size() - 1).inFlight();
  }

  private static int clamp(int n, int lo, int hi) {
    return Math.max(lo, Math.min(hi, n));
  }

  private static String fmt(double v) {
    return v == Math.rint(v)
        ? Long.toString((long) v)
        : String.format(java.util.Locale.ROOT, "%.2f", v);
  }

  private static String fmt(Duration d) {
    if (d.toMillis() % 60_000 == 0 && d.toMinutes() > 0) return d.toMinutes() + "m";
    if (d.toMillis() % 1000 == 0) return d.toSeconds() + "s";
    return d.toMillis() + "ms";
  }
}
