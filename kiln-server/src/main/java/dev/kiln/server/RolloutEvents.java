package dev.kiln.server;

import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.Traffic;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The {@link JournalEvent} kinds of moving a service between revisions: revisions, rollouts,
 * traffic, scaling, rollback requests, removal. This interface only groups their records in a file
 * of their own: {@link JournalEvent} extends it so that each stays named {@code JournalEvent.Xxx},
 * and its {@code permits} list is the family.
 */
interface RolloutEvents {
  /** A new revision, by an apply or a rollback ({@code cause}). */
  record RevisionCreated(Revision revision, String cause) implements JournalEvent {
    public String kind() {
      return "revision-created";
    }

    public String subject() {
      return revision.service();
    }
  }

  /** A rollout began; {@code supersedes} names the target of the unfinished one it replaced. */
  record RolloutStarted(Rollout rollout, Optional<Integer> supersedes) implements JournalEvent {
    public String kind() {
      return "rollout-started";
    }

    public String subject() {
      return rollout.service();
    }
  }

  /** The rollout's next state, as the planner (or a scale) decided it. */
  record RolloutState(Rollout rollout) implements JournalEvent {
    public String kind() {
      return "rollout-state";
    }

    public String subject() {
      return rollout.service();
    }
  }

  /**
   * A request recorded on the rollout for the planner to act on: a user's pause, resume, promote or
   * abort, or the server's abort of a rollout whose image was refused.
   */
  record RolloutIntent(Rollout rollout, Optional<String> request) implements JournalEvent {
    public String kind() {
      return "rollout-intent";
    }

    public String subject() {
      return rollout.service();
    }
  }

  /** The traffic split a service's route now has. */
  record TrafficSet(String service, Traffic traffic) implements JournalEvent {
    public String kind() {
      return "traffic-set";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * The auto-scaler changed a service's instance count (a healer target for its live revision, not
   * a new revision): {@code from} the last target {@code to} the new one, split per revision by
   * traffic weight, with the rule that decided and the inputs it saw (metric values, windows). A
   * wake from zero is one of these, with a rule starting {@code wake:}.
   */
  record ServiceScaled(
      String service,
      int from,
      int to,
      SortedMap<Integer, Integer> perRevision,
      String rule,
      SortedMap<String, String> inputs)
      implements JournalEvent {
    public ServiceScaled {
      perRevision = new TreeMap<>(perRevision);
      inputs = new TreeMap<>(inputs);
    }

    public String kind() {
      return "service-scaled";
    }

    public String subject() {
      return service;
    }
  }

  /** A service left the blueprint; {@code revision} was its last. */
  record ServiceRemoved(String service, int revision) implements JournalEvent {
    public String kind() {
      return "service-removed";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * A user asked for a rollback: {@code mode} is {@code swap} (warm fleet) or {@code fast-track}.
   */
  record RollbackRequested(String service, int from, int to, String contentOf, String mode)
      implements JournalEvent {
    public String kind() {
      return "rollback";
    }

    public String subject() {
      return service;
    }
  }
}
