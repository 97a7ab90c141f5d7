package dev.kiln.api;

import java.util.Map;

/** One revision of a service: its image, who made it and why, and its config fields. */
public record RevisionView(
    String service,
    int number,
    String image,
    String contentDigest,
    String createdAt,
    String actor,
    String cause,
    Map<String, String> config) {
  public RevisionView {
    config = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
  }
}
