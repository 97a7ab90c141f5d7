package dev.kiln.server;

import dev.kiln.runtime.InstanceStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Journals where an instance moved when the runtime places instances on several hosts (a swarm): an
 * instance that ended on its node outside any stop of Kiln's (the node lost, the task failed) is
 * replaced by the healer or the rollout like any that exited, and the engine places the replacement
 * on a live node. When that replacement of the same service and revision starts on another node,
 * this appends {@code instance-moved} (from-node, to-node, the runtime's reason), after the
 * healer's {@code instance-replaced} and {@code instance-starting} — a fact for the audit trail,
 * like {@link LimitKills}. Instances on this host (no {@link InstanceStatus#host()}) never move.
 * Runs on the executor's thread only.
 */
final class Moves {
  /** An instance that ended on a node, awaiting the replacement that says where it went. */
  record Lost(String service, int revision, String instance, String node, String reason) {}

  /** The oldest instances pending per service are matched first; a bound keeps memory finite. */
  static final int MAX_PENDING = 1_000;

  private final Recorder rec;
  // ids of instances that ended on another host: few, and never reused
  private final Set<String> seen = new HashSet<>();
  private final List<Lost> pending = new ArrayList<>();

  Moves(Recorder rec) {
    this.rec = rec;
  }

  /** An observed instance: remembered once if it ended on another host. */
  void observe(String id, int revision, InstanceStatus status) {
    lost(id, revision, status)
        .filter(l -> seen.add(id))
        .ifPresent(
            l -> {
              if (pending.size() >= MAX_PENDING) pending.removeFirst();
              pending.add(l);
            });
  }

  /** A new instance started: journals the move it completes, if any. */
  void started(int revision, InstanceStatus started) {
    Optional<Match> m = match(pending, started.spec().service(), revision, started);
    m.ifPresent(
        match -> {
          pending.remove(match.lost());
          match
              .event()
              .ifPresent(
                  e ->
                      rec.append(
                          Executor.ACTOR,
                          "replacement placed on node " + e.toNode() + ", off " + e.fromNode(),
                          e));
        });
  }

  /** Pure: whether an observed instance ended on another host. */
  static Optional<Lost> lost(String id, int revision, InstanceStatus status) {
    if (status.running() || status.host().isEmpty()) return Optional.empty();
    return Optional.of(
        new Lost(
            status.spec().service(),
            revision,
            id,
            status.host().get(),
            status.detail().orElse("exited")));
  }

  /**
   * The pending instance a started one replaces (the oldest of its service and revision) and the
   * entry to journal: none when the replacement landed on the same node (a replacement, not a
   * move).
   */
  record Match(Lost lost, Optional<JournalEvent.InstanceMoved> event) {}

  static Optional<Match> match(
      List<Lost> pending, String service, int revision, InstanceStatus started) {
    if (started.host().isEmpty()) return Optional.empty();
    String to = started.host().get();
    return pending.stream()
        .filter(l -> l.service().equals(service) && l.revision() == revision)
        .findFirst()
        .map(
            l ->
                new Match(
                    l,
                    l.node().equals(to)
                        ? Optional.empty()
                        : Optional.of(
                            new JournalEvent.InstanceMoved(
                                service,
                                revision,
                                l.instance(),
                                l.node(),
                                started.id().value(),
                                to,
                                l.reason()))));
  }

  /** For tests: what awaits a replacement. */
  List<Lost> pending() {
    return List.copyOf(pending);
  }
}
