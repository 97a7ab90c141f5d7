package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.TreeMap;

/**
 * The body of plan and apply: the blueprint's text (the server opens no file a client names), the
 * names used in messages, the digests the client baked, the git commit, and route.tls chains.
 */
public record BlueprintRequest(
    String blueprint,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String name,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String folder,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Map<String, String> images,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String commit,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Map<String, String> certificates) {
  public BlueprintRequest {
    images = images == null ? null : new TreeMap<>(images);
    certificates = certificates == null ? null : new TreeMap<>(certificates);
  }
}
