package dev.kiln.server;

import dev.kiln.model.Digest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@link JournalEvent} kinds of instances: starting, stopping, adopted, failed, limits, moved,
 * drifted. This interface only groups their records in a file of their own: {@link JournalEvent}
 * extends it so that each stays named {@code JournalEvent.Xxx}, and its {@code permits} list is the
 * family.
 */
interface InstanceEvents {
  /** Instances about to be started (journaled first, so a restarted server knows the ids). */
  record InstanceStarting(
      String service, int revision, Optional<Digest> image, List<String> instances)
      implements JournalEvent {
    public InstanceStarting {
      instances = List.copyOf(instances);
    }

    public String kind() {
      return "instance-starting";
    }

    public String subject() {
      return service;
    }
  }

  /** An instance about to be taken out of the route (drained if {@code drain}) and stopped. */
  record InstanceStopping(String service, String instance, String reason, boolean drain)
      implements JournalEvent {
    public String kind() {
      return "instance-stopping";
    }

    public String subject() {
      return service;
    }
  }

  /** Running instances of {@code fromRevision} now serve {@code toRevision} (a warm rollback). */
  record InstanceAdopted(String service, int fromRevision, int toRevision, List<String> instances)
      implements JournalEvent {
    public InstanceAdopted {
      instances = List.copyOf(instances);
    }

    public String kind() {
      return "instance-adopted";
    }

    public String subject() {
      return service;
    }
  }

  /** An instance failed to start or crashed; the service waits {@code retryIn} before retrying. */
  record InstanceFailed(
      String service, int revision, String instance, String error, Duration retryIn)
      implements JournalEvent {
    public String kind() {
      return "instance-failed";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * A resource limit ended an instance ({@code OOMKilled} or {@code PidsLimit}): the limit and the
   * peak it reached. The healer replaces it like any instance that exited; this says why.
   */
  record InstanceLimitExceeded(
      String service,
      String instance,
      int revision,
      String reason,
      String limit,
      Optional<Long> limitBytes,
      Optional<Long> peakBytes,
      Optional<Long> refusedForks,
      Optional<Integer> exitCode)
      implements JournalEvent {
    public String kind() {
      return "instance-limit-exceeded";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * An instance on another host (a swarm node) was lost or ended there, and the replacement of the
   * same revision was placed by the engine on another node (issue 17: a task moved is a
   * replacement). The healer's {@code instance-replaced} entry says a new instance replaces it;
   * this says from where to where, and why, as the runtime reported it.
   *
   * @param reason the runtime's words for the old instance, e.g. {@code lost: node 10.0.0.3 is down
   *     (task …)}
   */
  record InstanceMoved(
      String service,
      int revision,
      String instance,
      String fromNode,
      String replacement,
      String toNode,
      String reason)
      implements JournalEvent {
    public String kind() {
      return "instance-moved";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * A verdict on drift observed on a running instance (issue 10): the surface ({@code rootfs},
   * {@code process}, {@code socket}, {@code env}, {@code config}), what drifted and the evidence
   * (paths with expected and found entries, pids and executables, ports, key names — never values),
   * and the response: {@code replace} or {@code report}, with why.
   */
  record InstanceDrifted(
      String service,
      int revision,
      String instance,
      String surface,
      String what,
      java.util.SortedMap<String, String> evidence,
      String response,
      String reason)
      implements JournalEvent {
    public InstanceDrifted {
      evidence = new TreeMap<>(evidence);
    }

    public String kind() {
      return "instance-drifted";
    }

    public String subject() {
      return service;
    }
  }
}
