package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code GET /v1/services}: every service, the route certificates installed (with days left), and
 * the GitOps follower's status when the server follows a repository.
 */
public record ServicesResponse(
    List<ServiceView> services,
    List<CertificateView> certificates,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable GitView git) {
  public ServicesResponse {
    services = List.copyOf(services);
    certificates = List.copyOf(certificates);
  }
}
