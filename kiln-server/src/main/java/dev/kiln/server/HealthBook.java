package dev.kiln.server;

import dev.kiln.controller.ObservedInstance;
import dev.kiln.runtime.health.HealthEvent;
import dev.kiln.runtime.health.HealthPhase;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last health verdict of every watched instance, fed by the health monitor's events.
 *
 * <p>Instances adopted after a restart that were serving before it are trusted as healthy until
 * their first definite verdict: a restarted control plane must not pull a serving fleet out of the
 * route while it re-learns what it already knew.
 */
final class HealthBook {
  record Verdict(ObservedInstance.Phase phase, Instant since, int failures, String message) {}

  private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();
  private final Set<String> trusted = ConcurrentHashMap.newKeySet();

  /** Returns true when the event changes what the controller should see. */
  boolean record(HealthEvent e) {
    String id = e.instance().value();
    if (e.phase() == HealthPhase.STARTING && trusted.contains(id)) return false;
    trusted.remove(id);
    ObservedInstance.Phase phase =
        switch (e.phase()) {
          case STARTING -> ObservedInstance.Phase.STARTING;
          case HEALTHY -> ObservedInstance.Phase.HEALTHY;
          case UNHEALTHY, FAILED_TO_START -> ObservedInstance.Phase.UNHEALTHY;
        };
    // A failed start is UNHEALTHY, which the planners replace like any unhealthy instance.
    int failures = e.consecutiveFailures();
    Verdict old = verdicts.get(id);
    Instant since = old != null && old.phase() == phase ? old.since() : e.at();
    Verdict v =
        new Verdict(
            phase, since, phase == ObservedInstance.Phase.HEALTHY ? 0 : failures, e.message());
    verdicts.put(id, v);
    return old == null || old.phase() != v.phase() || old.failures() != v.failures();
  }

  void trustAsHealthy(String id, Instant at) {
    trusted.add(id);
    verdicts.put(id, new Verdict(ObservedInstance.Phase.HEALTHY, at, 0, "adopted while serving"));
  }

  /** Adopted while serving, and no definite verdict since. */
  boolean trusted(String id) {
    return trusted.contains(id);
  }

  Verdict of(String id, Instant startedAt) {
    return verdicts.getOrDefault(
        id, new Verdict(ObservedInstance.Phase.STARTING, startedAt, 0, "not probed yet"));
  }

  void forget(String id) {
    verdicts.remove(id);
    trusted.remove(id);
  }
}
