package dev.kiln.model;

import java.time.Duration;
import java.util.List;

/**
 * What Kiln does when an instance of a service drifts from its image and revision (the blueprint's
 * {@code drift:} key): {@code replace} it with a new instance of the same revision (the default) or
 * only {@code report} it. The budget caps replacements per service: at most {@code replacements} in
 * any {@code window}; past it drift is reported and the instances keep running, so a misbehaving
 * host cannot set off a replacement storm.
 */
public record DriftPolicy(String response, int replacements, Duration window) {
  public static final List<String> RESPONSES = List.of("replace", "report");
  public static final DriftPolicy DEFAULT = new DriftPolicy("replace", 3, Duration.ofMinutes(10));

  public DriftPolicy {
    if (!RESPONSES.contains(response))
      throw new IllegalArgumentException("drift must be one of " + RESPONSES + ": " + response);
    if (replacements < 0) throw new IllegalArgumentException("replacements < 0");
    if (window.isNegative() || window.isZero())
      throw new IllegalArgumentException("window must be longer than 0");
  }

  /** The default budget with the given response. */
  public static DriftPolicy of(String response) {
    return new DriftPolicy(response, DEFAULT.replacements(), DEFAULT.window());
  }
}
