package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code GET /v1/audit/verify}: the verdict and what was verified (database and key, so an "ok"
 * about another home's journal is seen for what it is); the head when the chain holds, the first
 * bad entry and why when it does not. A broken journal is still a 200. {@code kiln audit verify
 * --home} verifies offline and prints the same shape; {@code witnesses} (the folders that hold a
 * copy of the anchor) is left out when there are none.
 */
public record AuditVerifyResponse(
    boolean ok,
    String database,
    String key,
    String keyId,
    String anchor,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> witnesses,
    long entries,
    int checkpoints,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Long anchoredSeq,
    List<String> warnings,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String head,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Long badSeq,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String reason,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String message) {
  public AuditVerifyResponse {
    // an older server sent none: read as empty
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    witnesses = witnesses == null ? List.of() : List.copyOf(witnesses);
  }
}
