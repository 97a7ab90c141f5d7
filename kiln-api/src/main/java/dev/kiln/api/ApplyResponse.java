package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The answer of {@code POST /v1/apply}: the plan applied, the rollouts it started, and the
 * certificates ({@code route.tls}) it installed, renewed or removed.
 */
public record ApplyResponse(
    PlanView plan, List<RolloutView> rollouts, List<CertificateChange> certificates) {
  public ApplyResponse {
    rollouts = List.copyOf(rollouts);
    certificates = List.copyOf(certificates);
  }

  /** One certificate an apply changed; {@code notAfter} is absent for a removed one. */
  public record CertificateChange(
      String service,
      String action,
      @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String notAfter) {}
}
