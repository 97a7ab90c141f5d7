package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
  static final String KIND = "instance-limit-exceeded";

  private final Recorder rec;
  private final Set<String> journaled = ConcurrentHashMap.newKeySet();

  LimitKills(Recorder rec) {
    this.rec = rec;
  }

  void observe(String actor, String id, int revision, InstanceStatus status) {
    if (status.running() || status.termination().isEmpty()) return;
    if (!journaled.add(id)) return;
    Termination t = status.termination().get();
    ObjectNode body = body(id, revision, status);
    rec.append(actor, KIND, status.spec().service(), cause(id, t, status), body);
  }

  /** Pure: the entry's body. */
  static ObjectNode body(String id, int revision, InstanceStatus status) {
    Termination t = status.termination().orElseThrow();
    Resources limits = status.spec().limits();
    Optional<Usage> usage = status.usage();
    ObjectNode body = Json.object();
    body.put("instance", id);
    body.put("revision", revision);
    body.put("reason", t.label());
    switch (t) {
      case OOM_KILLED -> {
        body.put("limit", Resources.bytes(limits.memoryBytes()));
        body.put("limitBytes", limits.memoryBytes());
        usage.ifPresent(u -> body.put("peakBytes", u.memoryPeakBytes()));
      }
      case PIDS_LIMIT -> {
        body.put("limit", Integer.toString(limits.pids()));
        usage.ifPresent(u -> body.put("refusedForks", u.pidsRefused()));
      }
    }
    status.exitCode().ifPresent(code -> body.put("exitCode", code));
    return body;
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
