package dev.kiln.server;

import dev.kiln.model.Resources;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.Termination;
import dev.kiln.runtime.Usage;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Journals, once per instance, that a resource limit ended it ({@code instance-limit-exceeded}):
 * which limit, what it was, and the peak the instance reached, so that {@code kiln journal} answers
 * "why was web-r3-0002 replaced?" with "OOMKilled at 256Mi (peak 256Mi)". The healer replaces the
 * instance as it replaces any that exited; this only says why.
 */
final class LimitKills {
  private final Recorder rec;
  private final Set<String> journaled = ConcurrentHashMap.newKeySet();

  LimitKills(Recorder rec) {
    this.rec = rec;
  }

  void observe(String actor, String id, int revision, InstanceStatus status) {
    if (status.running() || status.termination().isEmpty()) return;
    if (!journaled.add(id)) return;
    Termination t = status.termination().get();
    rec.append(actor, cause(id, t, status), event(id, revision, status));
  }

  /** Pure: the entry. */
  static JournalEvent.InstanceLimitExceeded event(String id, int revision, InstanceStatus status) {
    Termination t = status.termination().orElseThrow();
    Resources limits = status.spec().limits();
    Optional<Usage> usage = status.usage();
    Optional<Integer> exit =
        status.exitCode().isPresent()
            ? Optional.of(status.exitCode().getAsInt())
            : Optional.empty();
    return switch (t) {
      case OOM_KILLED ->
          new JournalEvent.InstanceLimitExceeded(
              status.spec().service(),
              id,
              revision,
              t.label(),
              Resources.bytes(limits.memoryBytes()),
              Optional.of(limits.memoryBytes()),
              usage.map(Usage::memoryPeakBytes),
              Optional.empty(),
              exit);
      case PIDS_LIMIT ->
          new JournalEvent.InstanceLimitExceeded(
              status.spec().service(),
              id,
              revision,
              t.label(),
              Integer.toString(limits.pids()),
              Optional.empty(),
              Optional.empty(),
              usage.map(Usage::pidsRefused),
              exit);
    };
  }

  static String cause(String id, Termination t, InstanceStatus status) {
    Resources limits = status.spec().limits();
    return switch (t) {
      case OOM_KILLED ->
          id
              + " "
              + t.label()
              + " at its memory limit "
              + Resources.bytes(limits.memoryBytes())
              + status
                  .usage()
                  .map(u -> " (peak " + Resources.bytes(u.memoryPeakBytes()) + ")")
                  .orElse("")
              + "; a new instance replaces it";
      case PIDS_LIMIT ->
          id + " exited at its pids limit " + limits.pids() + "; a new instance replaces it";
    };
  }
}
