package dev.kiln.server;

import dev.kiln.controller.ScaleDecision;
import dev.kiln.controller.ScaleSample;
import dev.kiln.controller.Scaler;
import dev.kiln.controller.ScalerState;
import dev.kiln.model.Autoscale;
import dev.kiln.router.LatencySnapshot;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The auto-scaler's memory on the executor's thread: per service, a window of {@link ScaleSample}s
 * taken once per tick from the router's own counters (in flight now; requests per second and p99 as
 * the difference from the previous tick's cumulative counters) and the instances' CPU time, and the
 * {@link ScalerState} that {@link Scaler#decide} hands back. The decision itself is the
 * controller's pure function; this class only samples and remembers.
 *
 * <p>Nothing here is journaled: after a restart the window refills within one stable window, and
 * until it has a sample the scaler holds (see {@code Scaler}: "hold: no metrics yet").
 */
final class Autoscaler {
  /** One service's memory. */
  private static final class Memory {
    final Deque<ScaleSample> samples = new ArrayDeque<>();
    final Instant since;
    ScalerState state = ScalerState.INITIAL;
    Optional<Instant> lastRequestAt = Optional.empty();
    long requests = -1;
    LatencySnapshot latency = LatencySnapshot.EMPTY;
    Instant sampledAt;
    Map<String, Long> cpuNanos = Map.of();
    Optional<ScaleDecision> last = Optional.empty();

    Memory(Instant since) {
      this.since = since;
      this.sampledAt = since;
    }
  }

  /** One running instance's CPU account, for the {@code cpu} target. */
  record Cpu(String id, long cpuNanos, int limitMillis) {}

  private final Scaler.Settings settings;
  private final Map<String, Memory> memory = new HashMap<>();

  Autoscaler(Scaler.Settings settings) {
    this.settings = settings;
  }

  Scaler.Settings settings() {
    return settings;
  }

  /**
   * Takes this tick's sample of {@code service} (at most one per tick: the executor calls it once
   * per round) and forgets samples older than the stable window.
   */
  void sample(String service, RouterMetrics metrics, List<Cpu> cpu, Instant now) {
    Memory m = memory.computeIfAbsent(service, k -> new Memory(now));
    Optional<ServiceMetrics> s = metrics.service(service);
    long requests = s.map(x -> x.total().requests()).orElse(0L);
    long inFlight = s.map(x -> x.total().inFlight()).orElse(0L);
    LatencySnapshot latency =
        s.map(x -> x.total().latency().histogram()).orElse(LatencySnapshot.EMPTY);
    double seconds = Math.max(1e-3, Duration.between(m.sampledAt, now).toNanos() / 1e9);
    // a first look, or a router that restarted (counters went down): no rate from this tick
    boolean comparable = m.requests >= 0 && requests >= m.requests && latency.includes(m.latency);
    double rps = comparable ? (requests - m.requests) / seconds : 0;
    double p99 =
        comparable && requests > m.requests
            ? latency.minus(m.latency).quantile(0.99).toNanos() / 1e6
            : 0;
    double cpuPercent = 0;
    Map<String, Long> cpuNow = new HashMap<>();
    for (Cpu c : cpu) {
      cpuNow.put(c.id(), c.cpuNanos());
      Long before = m.cpuNanos.get(c.id());
      if (before == null || c.cpuNanos() < before) continue;
      double cores = (c.cpuNanos() - before) / 1e9 / seconds;
      double limit = c.limitMillis() > 0 ? c.limitMillis() / 1000.0 : 1.0;
      cpuPercent += 100 * cores / limit;
    }
    if ((comparable && requests > m.requests) || inFlight > 0) m.lastRequestAt = Optional.of(now);
    m.requests = requests;
    m.latency = latency;
    m.cpuNanos = cpuNow;
    m.sampledAt = now;
    m.samples.addLast(new ScaleSample(now, inFlight, rps, cpuPercent, p99));
    Instant oldest = now.minus(settings.stableWindow());
    while (!m.samples.isEmpty() && m.samples.peekFirst().at().isBefore(oldest)) {
      m.samples.removeFirst();
    }
  }

  /** A request arrived for a service held at zero: counts as activity for idle-to-zero. */
  void requested(String service, Instant now) {
    memory.computeIfAbsent(service, k -> new Memory(now)).lastRequestAt = Optional.of(now);
  }

  /**
   * What the scaler decides now; {@code commit} keeps its next state (a tick), otherwise the call
   * changes nothing ({@code kiln plan}'s preview).
   */
  ScaleDecision decide(
      String service,
      Autoscale policy,
      int ready,
      int starting,
      Map<Integer, Integer> weights,
      boolean rolloutRunning,
      int queued,
      Instant now,
      boolean commit) {
    Memory m = memory.computeIfAbsent(service, k -> new Memory(now));
    Scaler.Observed seen =
        new Scaler.Observed(
            List.copyOf(m.samples),
            ready,
            starting,
            weights,
            rolloutRunning,
            queued,
            m.lastRequestAt,
            m.since);
    ScaleDecision d = Scaler.decide(policy, settings, seen, m.state, now);
    if (commit) {
      m.state = d.next();
      m.last = Optional.of(d);
    }
    return d;
  }

  /** The last committed decision (for {@code kiln status}). */
  Optional<ScaleDecision> last(String service) {
    return Optional.ofNullable(memory.get(service)).flatMap(m -> m.last);
  }

  /** The newest sample (for {@code kiln status}'s observed value). */
  Optional<ScaleSample> latest(String service) {
    return Optional.ofNullable(memory.get(service)).map(m -> m.samples.peekLast());
  }

  void forget(String service) {
    memory.remove(service);
  }

  /**
   * Settings from the server's environment, for tests and benchmarks that need short windows:
   * {@code KILN_SCALER_STABLE_WINDOW}, {@code KILN_SCALER_PANIC_WINDOW}, {@code
   * KILN_SCALER_BUDGET_WINDOW} (ISO-8601 or {@code 500ms}/{@code 2s}/{@code 1m}) and {@code
   * KILN_SCALER_STARTS_PER_WINDOW}; anything absent keeps the anchors' defaults.
   */
  static Scaler.Settings settings(Map<String, String> env) {
    Scaler.Settings d = Scaler.Settings.DEFAULT;
    return new Scaler.Settings(
        duration(env, "KILN_SCALER_STABLE_WINDOW", d.stableWindow()),
        duration(env, "KILN_SCALER_PANIC_WINDOW", d.panicWindow()),
        d.panicThreshold(),
        d.tolerance(),
        duration(env, "KILN_SCALER_BUDGET_WINDOW", d.budgetWindow()),
        Integer.parseInt(
            env.getOrDefault(
                "KILN_SCALER_STARTS_PER_WINDOW", Integer.toString(d.startsPerBudgetWindow()))));
  }

  private static Duration duration(Map<String, String> env, String key, Duration fallback) {
    String v = env.get(key);
    if (v == null || v.isBlank()) return fallback;
    try {
      if (v.startsWith("P") || v.startsWith("p")) return Duration.parse(v);
      if (v.endsWith("ms"))
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      if (v.endsWith("s"))
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
      if (v.endsWith("m"))
        return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
    } catch (RuntimeException e) {
      // fall through to the located error below
    }
    throw new ServerException(key + "=" + v + " is not a duration; use e.g. 500ms, 2s, 1m or PT2S");
  }
}
