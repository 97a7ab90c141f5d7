package dev.kiln.controller;

import dev.kiln.controller.Action.RecordEvent;
import dev.kiln.controller.Action.StartInstances;
import dev.kiln.controller.Action.StopInstance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * One reconcile in progress: the read-only inputs, the rollout state as the steps change it, and
 * the actions collected so far. {@link #scaleTo} accounts for the starts and stops already decided
 * in this tick, so steps can ask for a count more than once without starting or stopping anything
 * twice.
 */
final class Tick {
  final FleetView fleet;
  final TrafficView observedTraffic;
  final MetricsView metrics;
  final Instant now;
  private final IdSource ids;
  private final Rollout initial;
  Rollout state;

  /**
   * Whether the rollout waits on purpose (a pause, a promotion): the progress deadline does not
   * run.
   */
  boolean waitingOnPurpose;

  private final List<Action> events = new ArrayList<>();
  private Optional<Traffic> traffic = Optional.empty();
  private final Map<String, StopInstance> stops = new LinkedHashMap<>();
  private final Map<String, String> orphans = new LinkedHashMap<>();
  private final Map<Integer, List<String>> starts = new TreeMap<>();
  private final Set<String> stopped = new HashSet<>();
  private Optional<Instant> wake = Optional.empty();

  Tick(
      Rollout state,
      FleetView fleet,
      TrafficView traffic,
      MetricsView metrics,
      Instant now,
      IdSource ids) {
    this.state = state;
    this.initial = state;
    this.fleet = fleet;
    this.observedTraffic = traffic;
    this.metrics = metrics;
    this.now = now;
    this.ids = ids;
  }

  String service() {
    return state.service();
  }

  /**
   * Changes the rollout state from its current value. Prefer this to reading {@code state} into a
   * local and assigning a wither of the local later: that drops any {@link #condition} or progress
   * applied in between.
   */
  void update(UnaryOperator<Rollout> change) {
    state = change.apply(state);
  }

  void event(String kind, String message) {
    events.add(new RecordEvent(service(), kind, message));
  }

  void condition(String type, boolean status, String reason, String message) {
    state = state.withCondition(new Condition(type, status, reason, message, now));
  }

  /**
   * Wants the route table to be {@code t}; the last call wins, and nothing is sent if it is already
   * so.
   */
  void setTraffic(Traffic t) {
    traffic = Optional.of(t);
  }

  void wakeAt(Instant at) {
    if (wake.isEmpty() || at.isBefore(wake.get())) wake = Optional.of(at);
  }

  /**
   * Records progress when {@code mark} beats the best seen so far; the deadline restarts from now.
   */
  void progress(int mark) {
    if (mark > state.progressMark()) state = state.withProgress(now, mark);
  }

  /** Instances of {@code revision} that are alive and not stopped in this tick. */
  List<ObservedInstance> live(int revision) {
    return fleet.of(service(), revision).stream()
        .filter(i -> !i.isDead() && !stopped.contains(i.id()))
        .toList();
  }

  int healthy(int revision) {
    return (int) live(revision).stream().filter(ObservedInstance::isHealthy).count();
  }

  void stop(ObservedInstance i, String reason) {
    if (stopped.add(i.id())) {
      stops.put(i.id(), new StopInstance(service(), i.id(), reason, i.isHealthy()));
    }
  }

  /**
   * Stops an instance of a revision outside the rollout once the route no longer needs it: a
   * superseded rollout's instances keep serving until the rollout's own revisions can.
   */
  void stopUnlessRouted(ObservedInstance i, String reason) {
    orphans.putIfAbsent(i.id(), reason);
  }

  /**
   * Makes {@code revision} have {@code target} live instances: fewer pending starts first, then
   * stops (not-yet-healthy first, then the newest), or starts with fresh ids.
   */
  void scaleTo(int revision, int target, String reason) {
    List<String> pending = starts.computeIfAbsent(revision, r -> new ArrayList<>());
    List<ObservedInstance> live = live(revision);
    int excess = live.size() + pending.size() - target;
    while (excess > 0 && !pending.isEmpty()) {
      pending.remove(pending.size() - 1);
      excess--;
    }
    if (excess > 0) {
      live.stream().sorted(STOP_ORDER).limit(excess).forEach(i -> stop(i, reason));
    }
    for (int n = excess; n < 0; n++) pending.add(ids.newInstanceId(service(), revision));
  }

  /** Which instance to stop first: one that serves nothing, then the most recent. */
  static final Comparator<ObservedInstance> STOP_ORDER =
      Comparator.comparing(ObservedInstance::isHealthy)
          .thenComparing(ObservedInstance::since, Comparator.reverseOrder())
          .thenComparing(ObservedInstance::id, Comparator.reverseOrder());

  /**
   * The route table as wanted (or, if no step asked for one, as the router has it), minus what
   * cannot serve it once this tick's stops are done: weights of revisions without a healthy
   * instance go to the others in proportion; if none is left, all traffic goes to the stable
   * revision, else the new one, else to whatever the router routes now that can still serve (a
   * superseded rollout's revision). A crash or a death between two decisions can leave a planned
   * split pointing at an empty fleet; this is where it is corrected.
   *
   * <p>When nothing of the service can serve, the route is kept, never emptied: the router then
   * answers 503 for the service and serves again the moment a routed instance is healthy, where an
   * empty table would answer 404 (no route) until the next decision. Only an explicit {@link
   * Traffic#NONE} (an aborted first deploy) removes the route.
   */
  private Traffic routable(Traffic wanted, boolean explicit) {
    if (explicit && wanted.weights().isEmpty() && wanted.preview().isEmpty()) return wanted;
    Traffic now = observedTraffic.of(service());
    TreeMap<Integer, Integer> kept = servable(wanted);
    Traffic t;
    if (!kept.isEmpty() && kept.size() == wanted.weights().size()) {
      t = new Traffic(wanted.weights(), Optional.empty());
    } else if (!kept.isEmpty()) {
      t = RollingStrategy.proportional(kept).orElseThrow();
    } else if (state.from() != 0 && healthy(state.from()) > 0) {
      t = Traffic.all(state.from());
    } else if (healthy(state.to()) > 0) {
      t = Traffic.all(state.to());
    } else if (!servable(now).isEmpty()) {
      t = RollingStrategy.proportional(servable(now)).orElseThrow();
    } else {
      t = new Traffic(now.weights(), Optional.empty()); // nothing can serve: keep it, see above
    }
    // A preview only ever shows the rollout's new revision, never one it superseded.
    return wanted
        .preview()
        .filter(p -> p.revision() == state.to() && healthy(p.revision()) > 0)
        .map(t::withPreview)
        .orElse(t);
  }

  /** The weights of {@code t} on revisions with a healthy instance after this tick's stops. */
  private TreeMap<Integer, Integer> servable(Traffic t) {
    TreeMap<Integer, Integer> kept = new TreeMap<>();
    t.weights()
        .forEach(
            (rev, w) -> {
              if (healthy(rev) > 0) kept.put(rev, w);
            });
    return kept;
  }

  /**
   * Events first, then one route swap, then drains and stops, then starts: the executor's order.
   */
  Decision decide() {
    List<Action> actions = new ArrayList<>(events);
    Traffic observed = observedTraffic.of(service());
    // A step that leaves the route alone still gets it repaired when what it routes to is gone.
    Traffic route = routable(traffic.orElse(observed), traffic.isPresent());
    if (!route.equals(observed)) actions.add(new Action.SetTraffic(service(), route));
    for (var orphan : orphans.entrySet()) {
      fleet.of(service()).stream()
          .filter(i -> i.id().equals(orphan.getKey()))
          .filter(i -> route.weight(i.revision()) == 0)
          .findFirst()
          .ifPresent(i -> stop(i, orphan.getValue()));
    }
    actions.addAll(stops.values());
    starts.forEach(
        (rev, idList) -> {
          if (!idList.isEmpty()) actions.add(new StartInstances(service(), rev, idList));
        });
    boolean settled =
        state.phase().isTerminal()
            && state.equals(initial)
            && route.equals(observed)
            && route.weights().equals(endRoute().weights());
    return new Decision(state, actions, wake, settled);
  }

  /** Where a finished rollout leaves the traffic. */
  private Traffic endRoute() {
    int last = state.lastGood();
    return last == 0 ? Traffic.NONE : Traffic.all(last);
  }
}
