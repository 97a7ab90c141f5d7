package dev.kiln.controller;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the scaler remembers between decisions, carried by the caller (so {@link Scaler#decide}
 * stays a pure function): the recent recommendations (for the scale-down stabilization window), the
 * times instances were started (for the flap budget), and whether panic mode holds until some time.
 */
public record ScalerState(
    List<Recommendation> recommendations, List<Instant> starts, Optional<Instant> panicUntil) {
  public static final ScalerState INITIAL = new ScalerState(List.of(), List.of(), Optional.empty());

  public record Recommendation(Instant at, int count) {}

  public ScalerState {
    recommendations = List.copyOf(recommendations);
    starts = List.copyOf(starts);
  }
}
