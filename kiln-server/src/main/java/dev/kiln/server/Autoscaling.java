package dev.kiln.server;

import dev.kiln.controller.ObservedInstance;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.ScaleDecision;
import dev.kiln.controller.Scaler;
import dev.kiln.model.Autoscale;
import dev.kiln.router.RouterMetrics;
import dev.kiln.runtime.InstanceStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The executor's autoscaling hook (issue 11): each tick, per autoscaled service, samples the router
 * and the runtimes, asks the controller's scaler, journals {@code service-scaled}, and gives the
 * rollout or the healer the count to keep. Also tracks services woken from zero, whose first start
 * gets a fast health check. The loop thread calls it; the router's wake push arrives on its own.
 */
final class Autoscaling {
  private static final Logger LOG = Logger.getLogger(Autoscaling.class.getName());

  private final ServerState state;
  private final Recorder rec;
  private final DataPlane data;

  private volatile Autoscaler autoscaler = new Autoscaler(Scaler.Settings.DEFAULT);

  /** Services woken from zero whose first instance is not healthy yet. */
  private final Set<String> waking = ConcurrentHashMap.newKeySet();

  /** Services the router asked to wake since the last tick (the router's push). */
  private final Set<String> wakeRequests = ConcurrentHashMap.newKeySet();

  // null until the router first answers (it may be restarting when the first tick runs)
  private @Nullable RouterMetrics tickMetrics;
  private @Nullable Instant tickMetricsAt;

  Autoscaling(ServerState state, Recorder rec, DataPlane data) {
    this.state = state;
    this.rec = rec;
    this.data = data;
  }

  /**
   * The scaler's windows, and the router's wake push (a request held for a service at zero
   * reconciles at once, so its instance starts now rather than at the next tick).
   */
  void with(Scaler.Settings settings, Runnable wake) {
    autoscaler = new Autoscaler(settings);
    data.onWake(
        service -> {
          wakeRequests.add(service);
          wake.run();
        });
  }

  Autoscaler autoscaler() {
    return autoscaler;
  }

  /** A request is waiting for this service's first instance. */
  boolean isWaking(String service) {
    return waking.contains(service);
  }

  /**
   * One tick of an autoscaled service: a sample, the scaler's decision, a {@code service-scaled}
   * entry when the target changes. Returns the rollout, scaled up (journaled) when a running
   * rollout needs more capacity: the planner then splits it by traffic weight. Never scales a
   * rollout down (the scaler holds while one runs) and never changes the plan.
   */
  Rollout tick(String service, Rollout r, List<Executor.Observed> live, Instant now) {
    Optional<Autoscale> policy = state.service(service).flatMap(ServerState.ServiceInfo::autoscale);
    if (policy.isEmpty()) {
      autoscaler.forget(service);
      return r;
    }
    if (!now.equals(tickMetricsAt)) {
      try {
        tickMetrics = data.metrics();
        tickMetricsAt = now;
      } catch (RuntimeException e) {
        // no metrics this round (the router process restarting): keep the count, heal the rest
        LOG.log(Level.FINE, "autoscale: no router metrics this round", e);
        return r;
      }
    }
    int ready = 0;
    int starting = 0;
    List<Autoscaler.Cpu> cpu = new ArrayList<>();
    for (Executor.Observed o : live) {
      if (!o.instance().service().equals(service)) continue;
      switch (o.instance().phase()) {
        case HEALTHY -> ready++;
        case STARTING -> starting++;
        default -> {}
      }
      InstanceStatus st = o.running().status();
      st.usage()
          .ifPresent(
              u ->
                  cpu.add(
                      new Autoscaler.Cpu(
                          o.instance().id(), u.cpuNanos(), st.spec().limits().cpuMillis())));
    }
    if (ready > 0) waking.remove(service);
    boolean asked = wakeRequests.remove(service);
    if (asked) autoscaler.requested(service, now);
    RouterMetrics metrics = tickMetrics;
    // no router answer yet: no sample, rather than counters read as zero
    if (metrics != null) autoscaler.sample(service, metrics, cpu, now);
    // a wake pushed by the router is a request held, even if the count has not reached us
    int queued = Math.max(data.held().getOrDefault(service, 0), asked ? 1 : 0);
    boolean running = !r.phase().isTerminal();
    var d =
        autoscaler.decide(
            service,
            policy.get(),
            ready,
            starting,
            state.traffic(service).weights(),
            running,
            queued,
            now,
            true);
    int target = state.scaled(service).orElse(r.replicas());
    if (d.changed() && d.desired() != target) {
      if (d.rule().startsWith("wake")) waking.add(service);
      rec.append(
          Executor.ACTOR,
          "autoscale " + service + " " + target + " -> " + d.desired() + ": " + d.rule(),
          new JournalEvent.ServiceScaled(
              service, target, d.desired(), d.perRevision(), d.rule(), d.inputs()));
      target = d.desired();
    }
    if (running && target > r.replicas()) {
      Rollout scaled = r.withReplicas(target);
      rec.append(
          Executor.ACTOR,
          "autoscale during the rollout: split by weight",
          new JournalEvent.RolloutState(scaled));
      return scaled;
    }
    return r;
  }

  /**
   * What the scaler would decide at {@code now} for each autoscaled service, from {@code observed}
   * (the last tick's), without remembering it ({@code kiln plan}: not a change).
   */
  Map<String, ScaleDecision> preview(
      List<Executor.Observed> observed, Predicate<Executor.Observed> leaving, Instant now) {
    Map<String, ScaleDecision> out = new TreeMap<>();
    for (String service : state.services().keySet()) {
      var policy = state.service(service).flatMap(ServerState.ServiceInfo::autoscale);
      if (policy.isEmpty()) continue;
      int ready = 0;
      int starting = 0;
      for (Executor.Observed o : observed) {
        if (!o.instance().service().equals(service) || leaving.test(o)) continue;
        if (o.instance().isHealthy()) ready++;
        else if (o.instance().phase() == ObservedInstance.Phase.STARTING) starting++;
      }
      boolean running = state.rollout(service).map(r -> !r.phase().isTerminal()).orElse(false);
      out.put(
          service,
          autoscaler.decide(
              service,
              policy.get(),
              ready,
              starting,
              state.traffic(service).weights(),
              running,
              data.held().getOrDefault(service, 0),
              now,
              false));
    }
    return out;
  }

  /** The healer's target: the scaler's count for the live revision, when it has one. */
  Map<Integer, Integer> healerTarget(String service, Rollout r, Map<Integer, Integer> handoff) {
    if (state.service(service).flatMap(ServerState.ServiceInfo::autoscale).isEmpty()
        || r.lastGood() <= 0) {
      return handoff;
    }
    return Map.of(r.lastGood(), state.scaled(service).orElse(r.replicas()));
  }
}
