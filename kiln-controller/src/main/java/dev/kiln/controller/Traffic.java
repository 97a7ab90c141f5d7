package dev.kiln.controller;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A service's route table as the controller wants it or the router reports it: the percentage of
 * requests each revision receives (summing to 100, or empty while nothing is routable), plus an
 * optional preview route that reaches one revision only for requests carrying a header or cookie.
 */
public record Traffic(SortedMap<Integer, Integer> weights, Optional<Preview> preview) {
  public static final Traffic NONE = new Traffic(new TreeMap<>(), Optional.empty());

  public Traffic {
    TreeMap<Integer, Integer> copy = new TreeMap<>();
    weights.forEach(
        (rev, w) -> {
          if (w < 0 || w > 100) throw new IllegalArgumentException("weight out of 0..100: " + w);
          if (w > 0) copy.put(rev, w); // a zero weight and no entry route the same way
        });
    int sum = copy.values().stream().mapToInt(Integer::intValue).sum();
    if (!copy.isEmpty() && sum != 100) {
      throw new IllegalArgumentException("weights must sum to 100, not " + sum + ": " + copy);
    }
    weights = Collections.unmodifiableSortedMap(copy);
  }

  public static Traffic all(int revision) {
    return new Traffic(new TreeMap<>(Map.of(revision, 100)), Optional.empty());
  }

  public static Traffic split(int stable, int canary, int canaryWeight) {
    TreeMap<Integer, Integer> w = new TreeMap<>();
    w.put(stable, 100 - canaryWeight);
    w.put(canary, canaryWeight);
    return new Traffic(w, Optional.empty());
  }

  public Traffic withPreview(Preview p) {
    return new Traffic(weights, Optional.of(p));
  }

  public int weight(int revision) {
    return weights.getOrDefault(revision, 0);
  }

  /**
   * Requests with header {@code header: value} (or cookie {@code header=value}) go to {@code
   * revision}, whatever the weights say: how a blue-green fleet is tested before it is promoted.
   */
  public record Preview(int revision, String header, String value) {
    public static final String HEADER = "X-Kiln-Preview";

    public static Preview of(int revision) {
      return new Preview(revision, HEADER, Integer.toString(revision));
    }
  }
}
