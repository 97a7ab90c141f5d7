package dev.kiln.controller;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The scaler's answer for one service: how many instances it should have, how they split between
 * revisions (by traffic weight during a rollout), the rule that decided, and the inputs it used —
 * all of which go into the {@code service-scaled} journal entry when the count changes.
 *
 * @param from the count before the decision (ready + starting)
 * @param perRevision desired instances per revision number
 * @param inputs metric values and windows, rendered for humans and the journal
 */
public record ScaleDecision(
    int from,
    int desired,
    SortedMap<Integer, Integer> perRevision,
    String rule,
    SortedMap<String, String> inputs,
    ScalerState next) {
  public ScaleDecision {
    perRevision = new TreeMap<>(perRevision);
    inputs = new TreeMap<>(inputs);
  }

  public boolean changed() {
    return desired != from;
  }

  static SortedMap<String, String> inputs(Map<String, String> values) {
    return new TreeMap<>(values);
  }
}
