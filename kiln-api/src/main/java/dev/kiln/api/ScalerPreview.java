package dev.kiln.api;

import java.util.Map;
import java.util.TreeMap;

/** What the scaler would do now for one autoscaled service (a preview, not part of the plan). */
public record ScalerPreview(
    String service, int from, int desired, String rule, Map<String, String> inputs) {
  public ScalerPreview {
    inputs = new TreeMap<>(inputs);
  }
}
