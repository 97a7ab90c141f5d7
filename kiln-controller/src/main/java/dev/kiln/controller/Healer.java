package dev.kiln.controller;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Self-healing for services that are not rolling out: keeps each live revision at its replica
 * count. A crashed or persistently unhealthy instance is stopped and replaced by a new instance of
 * the same revision — never restarted in place — and every replacement is journaled. Replacements
 * of a service back off exponentially ({@code base}, 2×, 4×… capped), so a crash-looping revision
 * does not spin; the backoff is forgotten once the service has been fully healthy for {@code
 * resetAfter}. Plain scale-ups are not delayed.
 *
 * <p>Services under a rollout are left out of {@code desired}: the rollout owns their instances.
 */
public final class Healer {
  private Healer() {}

  public record Policy(Duration base, Duration cap, Duration resetAfter) {
    public static final Policy DEFAULT =
        new Policy(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(60));

    /** The wait before replacement round {@code attempt} (0-based): base·2^attempt, capped. */
    public Duration delay(int attempt) {
      Duration d = base;
      for (int i = 0; i < attempt && d.compareTo(cap) < 0; i++) d = d.multipliedBy(2);
      return d.compareTo(cap) > 0 ? cap : d;
    }
  }

  /**
   * Per service: how many replacement rounds in a row, and the earliest time the pending one may
   * run.
   */
  public record Backoff(int attempts, Optional<Instant> notBefore) {
    public static final Backoff NONE = new Backoff(0, Optional.empty());
  }

  public record Result(
      List<Action> actions, Map<String, Backoff> backoff, Optional<Instant> wakeAt) {
    public Result {
      actions = List.copyOf(actions);
      backoff = Map.copyOf(backoff);
    }
  }

  /**
   * @param desired replicas per live revision, per service (only services not rolling out)
   * @param backoff the previous result's backoff state (empty at first)
   */
  public static Result heal(
      Map<String, Map<Integer, Integer>> desired,
      FleetView fleet,
      Map<String, Backoff> backoff,
      Instant now,
      IdSource ids,
      Policy policy) {
    List<Action> actions = new ArrayList<>();
    TreeMap<String, Backoff> nextBackoff = new TreeMap<>(backoff);
    Optional<Instant> wake = Optional.empty();
    for (var wanted : new TreeMap<>(desired).entrySet()) {
      String service = wanted.getKey();
      Map<Integer, Integer> revisions = wanted.getValue();
      Backoff b = backoff.getOrDefault(service, Backoff.NONE);
      List<ObservedInstance> alive = new ArrayList<>();
      boolean died = false;
      for (ObservedInstance i : fleet.of(service)) {
        if (!revisions.containsKey(i.revision())) {
          actions.add(stop(i, "orphan: revision " + i.revision() + " is not live"));
        } else if (i.isDead()) {
          died = true;
          actions.add(
              stop(
                  i,
                  i.phase() == ObservedInstance.Phase.EXITED
                      ? "exited"
                      : "persistently unhealthy"));
          actions.add(
              new Action.RecordEvent(
                  service,
                  "instance-replaced",
                  i.id()
                      + " (revision "
                      + i.revision()
                      + ") is "
                      + i.phase()
                      + " after "
                      + i.consecutiveFailures()
                      + " failed checks; a new instance replaces it"));
        } else {
          alive.add(i);
        }
      }
      if (died && b.notBefore().isEmpty()) {
        b = new Backoff(b.attempts() + 1, Optional.of(now.plus(policy.delay(b.attempts()))));
      }
      boolean mayStart = b.notBefore().map(nb -> !now.isBefore(nb)).orElse(true);
      boolean missing = false;
      for (var e : new TreeMap<>(revisions).entrySet()) {
        int rev = e.getKey();
        List<ObservedInstance> live = alive.stream().filter(i -> i.revision() == rev).toList();
        int diff = live.size() - e.getValue();
        if (diff > 0) {
          live.stream()
              .sorted(Tick.STOP_ORDER)
              .limit(diff)
              .forEach(i -> actions.add(stop(i, "beyond " + e.getValue() + " replicas")));
        } else if (diff < 0) {
          missing = true;
          if (mayStart) {
            List<String> newIds = new ArrayList<>();
            for (int k = diff; k < 0; k++) newIds.add(ids.newInstanceId(service, rev));
            actions.add(new Action.StartInstances(service, rev, newIds));
          }
        }
      }
      if (missing && !mayStart) {
        wake = earliest(wake, b.notBefore().get());
      } else if (b.notBefore().isPresent() && mayStart) {
        b = new Backoff(b.attempts(), Optional.empty()); // this round ran
      }
      if (!died && !missing && healthySince(alive, now.minus(policy.resetAfter())))
        b = Backoff.NONE;
      if (b.equals(Backoff.NONE)) nextBackoff.remove(service);
      else nextBackoff.put(service, b);
    }
    return new Result(actions, nextBackoff, wake);
  }

  private static Action stop(ObservedInstance i, String reason) {
    return new Action.StopInstance(i.service(), i.id(), reason, i.isHealthy());
  }

  private static boolean healthySince(List<ObservedInstance> alive, Instant t) {
    return alive.stream().allMatch(i -> i.isHealthy() && !i.since().isAfter(t));
  }

  private static Optional<Instant> earliest(Optional<Instant> a, Instant b) {
    return Optional.of(a.filter(x -> x.isBefore(b)).orElse(b));
  }
}
