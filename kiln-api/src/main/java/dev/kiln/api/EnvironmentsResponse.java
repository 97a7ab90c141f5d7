package dev.kiln.api;

import java.util.List;

/** {@code GET /v1/environments} ({@code kiln env list}): every environment the journal knows. */
public record EnvironmentsResponse(List<EnvironmentView> environments) {
  public EnvironmentsResponse {
    environments = List.copyOf(environments);
  }
}
