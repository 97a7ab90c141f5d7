package dev.kiln.cli;

import dev.kiln.api.EnvironmentView;
import dev.kiln.api.EnvironmentsResponse;
import dev.kiln.api.ServicesResponse;
import dev.kiln.model.KilnException;
import java.util.List;

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

  /**
   * {@link #services}, and when the environment has none, whether the server knows it at all:
   * {@code kiln status --env nosuch} said "no services yet; deploy a blueprint with `kiln apply`"
   * and exit 0 where {@code kiln env promote} and {@code kiln apply --env} name the environments.
   */
  static ServicesResponse services(ApiClient api, ServicesResponse answer, EnvOption env) {
    ServicesResponse mine = services(answer, env);
    if (env.env.isEmpty() || !mine.services().isEmpty()) return mine;
    List<String> known =
        ApiClient.read(api.get("/v1/environments"), EnvironmentsResponse.class)
            .environments()
            .stream()
            .map(EnvironmentView::name)
            .sorted()
            .toList();
    String name = env.env.get();
    if (!known.contains(name))
      throw new KilnException(
          "no environment '"
              + name
              + "'; "
              + (known.isEmpty()
                  ? "none is applied yet (`kiln apply --env NAME -f kiln.yaml`)"
                  : "known: " + String.join(", ", known)));
    return mine;
  }
}
