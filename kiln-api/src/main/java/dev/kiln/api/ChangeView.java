package dev.kiln.api;

import java.util.List;

/**
 * One line of a plan: the service, what happens to it ({@code create|replace|scale|remove|none}),
 * the revisions, the replica change (null when the count stays) and the fields that differ.
 */
public record ChangeView(
    String service,
    String action,
    @Nullable Integer fromRevision,
    @Nullable Integer toRevision,
    @Nullable ReplicaChange replicas,
    List<FieldChange> fields) {
  public ChangeView {
    fields = List.copyOf(fields);
  }

  /** A replica count before and after. */
  public record ReplicaChange(int from, int to) {}

  /** One field of the service's config, before and after. */
  public record FieldChange(String name, String from, String to) {}
}
