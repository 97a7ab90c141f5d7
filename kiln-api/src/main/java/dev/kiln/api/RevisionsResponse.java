package dev.kiln.api;

import java.util.List;

/** {@code GET /v1/services/{name}/revisions}. */
public record RevisionsResponse(List<RevisionView> revisions) {
  public RevisionsResponse {
    revisions = List.copyOf(revisions);
  }
}
