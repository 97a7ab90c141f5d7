package dev.kiln.api;

import java.util.Map;

/**
 * One drift verdict (an {@code instance-drifted} entry): the surface ({@code rootfs}, {@code
 * process}, {@code exec}), what drifted, the evidence (names and hashes, never values) and what
 * Kiln did ({@code replace} or {@code report}) and why.
 */
public record DriftView(
    String at,
    String service,
    int revision,
    String instance,
    String surface,
    String what,
    Map<String, String> evidence,
    String response,
    String reason) {
  public DriftView {
    evidence = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(evidence));
  }
}
