package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code POST /v1/services/{name}/rollback} ({@code kiln rollback SERVICE [--to N]}): the revision
 * to return to; left out, the one before the live revision.
 */
public record RollbackRequest(@JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Integer to) {
  /** The previous revision. */
  public static RollbackRequest previous() {
    return new RollbackRequest(null);
  }
}
