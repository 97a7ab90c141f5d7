package dev.kiln.api;

import java.util.List;

/** {@code GET /v1/drift[?service=]}: every drift verdict, oldest first. */
public record DriftResponse(List<DriftView> drift) {
  public DriftResponse {
    drift = List.copyOf(drift);
  }
}
