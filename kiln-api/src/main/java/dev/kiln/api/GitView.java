package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;

/**
 * {@code GET /v1/git} and the {@code git} of {@code GET /v1/services}: what the server follows
 * (absent when it follows nothing now), the applied commit, the last refusal since, and whether the
 * live blueprint is still the commit's. Every part is left out when absent: a server that never
 * followed a branch answers {@code {}} ({@link #NONE}).
 */
public record GitView(
    @JsonInclude(Include.NON_NULL) @Nullable String source,
    @JsonInclude(Include.NON_NULL) @Nullable String branch,
    @JsonInclude(Include.NON_NULL) @Nullable String path,
    @JsonInclude(Include.NON_NULL) @Nullable String interval,
    @JsonInclude(Include.NON_NULL) @Nullable Boolean signed,
    @JsonInclude(Include.NON_NULL) @Nullable String driftResponse,
    @JsonInclude(Include.NON_NULL) @Nullable String applying,
    @JsonInclude(Include.NON_NULL) @Nullable Applied applied,
    @JsonInclude(Include.NON_NULL) @Nullable Refused refused,
    @JsonInclude(Include.NON_NULL) @Nullable Boolean inSync,
    @JsonInclude(Include.NON_NULL) @Nullable Drift drift) {

  /** The answer of a server that never followed a branch. */
  public static final GitView NONE =
      new GitView(null, null, null, null, null, null, null, null, null, null, null);

  /** The commit whose blueprint was applied, its author, its verified signer, its digest. */
  public record Applied(
      String commit,
      String author,
      @JsonInclude(Include.NON_NULL) @Nullable String signer,
      String blueprint) {}

  /** The last commit refused since the applied one: which, the branch head, why. */
  public record Refused(String commit, String head, String reason, String error) {}

  /** The live blueprint is not the commit's: which digest, and the entry that applied it. */
  public record Drift(String blueprint, long seq, String actor) {}
}
