package dev.kiln.cli;

import dev.kiln.api.ServicesResponse;

/** {@code GET /v1/services} narrowed to one environment's services (all without --env). */
final class EnvFilter {
  private EnvFilter() {}

  /**
   * The environment's services and the certificates of their routes; the GitOps follower's status
   * is the whole server's, so it is left out.
   */
  static ServicesResponse services(ServicesResponse answer, EnvOption env) {
    if (env.env.isEmpty()) return answer;
    return new ServicesResponse(
        answer.services().stream().filter(s -> env.contains(s.name())).toList(),
        answer.certificates().stream().filter(c -> env.contains(c.service())).toList(),
        null);
  }
}
