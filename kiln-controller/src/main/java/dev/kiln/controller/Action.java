package dev.kiln.controller;

import java.util.List;

/**
 * What a decision asks the executor to do. The executor journals each action before it performs it,
 * and performs them in order.
 */
public sealed interface Action {
  String service();

  /** Start one new instance of {@code revision} per id. */
  record StartInstances(String service, int revision, List<String> instanceIds) implements Action {
    public StartInstances {
      instanceIds = List.copyOf(instanceIds);
      if (instanceIds.isEmpty()) throw new IllegalArgumentException("nothing to start");
    }
  }

  /**
   * Stop an instance; with {@code drain} the router first stops sending it new requests and waits
   * for in-flight ones (an instance that never received traffic is stopped at once).
   */
  record StopInstance(String service, String instanceId, String reason, boolean drain)
      implements Action {}

  /**
   * Record that these running instances of {@code fromRevision} now serve {@code toRevision}, a
   * rollback's new revision with the same content digest. Nothing about the instances changes —
   * they were started from the identical image and config — only the revision the controller and
   * the router know them by, as Argo Rollouts re-labels an old ReplicaSet on undo.
   */
  record AdoptInstances(String service, int fromRevision, int toRevision, List<String> instanceIds)
      implements Action {
    public AdoptInstances {
      instanceIds = List.copyOf(instanceIds);
    }
  }

  /** Replace the service's route table in one atomic router swap. */
  record SetTraffic(String service, Traffic traffic) implements Action {}

  /**
   * A fact worth a journal line of its own (phase change, analysis result, replacement); {@code
   * kind} is one of {@link EventKind}'s.
   */
  record RecordEvent(String service, String kind, String message) implements Action {
    public RecordEvent {
      EventKind.of(kind);
    }

    public EventKind eventKind() {
      return EventKind.of(kind);
    }
  }
}
