package dev.kiln.server;

import dev.kiln.controller.ObservedInstance;
import dev.kiln.runtime.InstanceStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Journals where an instance moved when the runtime places instances on several hosts (a swarm): an
 * instance on another host that is dead — it ended there outside any stop of Kiln's (its node lost,
 * its task failed), or it failed its health checks there (a lost node is often noticed by the
 * checks first) — is replaced by the healer or the rollout like any dead instance, and the engine
 * places the replacement on a live node. When that replacement of the same service and revision
 * starts on another node, this appends {@code instance-moved} (from-node, to-node, why), after the
 * planner's {@code instance-replaced} and {@code instance-starting} — a fact for the audit trail,
 * like {@link LimitKills}. Instances on this host (no {@link InstanceStatus#host()}) never move.
 * Called on the executor's thread (synchronized all the same: observing is cheap).
 */
final class Moves {
  /** An instance that ended on a node, awaiting the replacement that says where it went. */
  record Lost(String service, int revision, String instance, String node, String reason) {}

  /** At most this many await their replacement (the oldest is dropped): memory stays bounded. */
  static final int MAX_PENDING = 1_000;

  private final Recorder rec;
  // ids of instances that ended on another host: few, and never reused
  private final Set<String> seen = new HashSet<>();
  private final List<Lost> pending = new ArrayList<>();

  Moves(Recorder rec) {
    this.rec = rec;
  }

  /**
   * Whether instances of {@code runtime} are placed on nodes at all. The process runtime runs every
   * instance on this host, each in a network namespace of its own: its status's host is that
   * namespace's address, not a node's, and every replacement of an instance of its was journaled as
   * a move "placed on node 10.78.74.18, off 10.78.57.98".
   */
  static boolean placesOnNodes(String runtime) {
    return !runtime.equals("process");
  }

  /** An observed instance of {@code runtime}: remembered once if it is dead on another host. */
  synchronized void observe(ObservedInstance instance, InstanceStatus status, String runtime) {
    if (!placesOnNodes(runtime)) return;
    lost(instance, status)
        .filter(l -> seen.add(l.instance()))
        .ifPresent(
            l -> {
              if (pending.size() >= MAX_PENDING) pending.removeFirst();
              pending.add(l);
            });
  }

  /** A new instance started: journals the move it completes, if any. */
  synchronized void started(int revision, InstanceStatus started, String runtime) {
    if (!placesOnNodes(runtime)) return;
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

  /**
   * Pure: whether an observed instance is dead on another host (what the healer and the rollout
   * replace), and why, in the runtime's words when it ended.
   */
  static Optional<Lost> lost(ObservedInstance instance, InstanceStatus status) {
    if (!instance.isDead() || status.host().isEmpty()) return Optional.empty();
    String node = status.host().get();
    String reason =
        status.running()
            ? "persistently unhealthy on node "
                + node
                + " ("
                + instance.consecutiveFailures()
                + " failed checks)"
            : status.detail().orElse("exited on node " + node);
    return Optional.of(
        new Lost(instance.service(), instance.revision(), instance.id(), node, reason));
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
}
