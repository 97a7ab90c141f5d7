package dev.kiln.cli;

import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --env NAME}: one environment of a blueprint with {@code environments:}. Inside the server
 * its services are named {@code NAME--SERVICE} (see docs/blueprint.md): that is the name {@code
 * kiln journal --service} and the API use.
 */
public final class EnvOption {
  @Option(
      names = "--env",
      paramLabel = "ENV",
      description = "The environment (one of the blueprint's environments:, e.g. staging).")
  Optional<String> env = Optional.empty();

  /** The server's name for {@code service} in this environment. */
  String qualify(String service) {
    return env.map(e -> e + "--" + service).orElse(service);
  }

  /** Whether a server-side service name belongs to this environment (all do without --env). */
  boolean contains(String qualified) {
    return env.map(e -> qualified.startsWith(e + "--")).orElse(true);
  }

  /** {@code /v1/VERB}, or {@code /v1/environments/ENV/VERB}. */
  String endpoint(String verb) {
    return env.map(e -> ApiClient.path("/v1/environments", e, verb)).orElse("/v1/" + verb);
  }
}
