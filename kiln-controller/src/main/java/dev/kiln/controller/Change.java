package dev.kiln.controller;

import java.util.List;

/** One line of a {@link Plan}: what applying the blueprint does to one service, and why. */
public sealed interface Change {
  /** How a field that one side does not have is shown in a diff. */
  String ABSENT = "(none)";

  String service();

  /** A service the blueprint declares and nothing runs yet: its first revision. */
  record Create(Revision revision, int replicas) implements Change {
    public String service() {
      return revision.service();
    }
  }

  /**
   * A service whose image or runtime config changed: a new revision replaces every instance of the
   * old one through the service's strategy. {@code fields} says which fields changed and from what
   * to what.
   */
  record Replace(
      Revision from, Revision to, List<FieldChange> fields, int fromReplicas, int toReplicas)
      implements Change {
    public Replace {
      fields = List.copyOf(fields);
      if (fields.isEmpty())
        throw new IllegalArgumentException("a replacement needs a changed field");
    }

    public String service() {
      return to.service();
    }
  }

  /** Only the replica count changed: same revision, more or fewer instances, no rollout. */
  record Scale(Revision revision, int from, int to) implements Change {
    public String service() {
      return revision.service();
    }
  }

  /** A live service the blueprint no longer declares: its instances are drained and stopped. */
  record Remove(Revision revision, int replicas) implements Change {
    public String service() {
      return revision.service();
    }
  }

  /** Desired and live agree. */
  record NoChange(Revision revision, int replicas) implements Change {
    public String service() {
      return revision.service();
    }
  }

  /**
   * A field of a revision that differs, with both values ({@value ABSENT} when a side lacks it).
   */
  record FieldChange(String field, String from, String to) {}
}
