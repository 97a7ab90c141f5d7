package dev.kiln.server;

import dev.kiln.controller.RuntimeConfig;
import dev.kiln.model.Digest;
import dev.kiln.model.Resources;
import dev.kiln.model.Route;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** An {@code environment-applied} event with two environments, for codec and state tests. */
final class EnvironmentSamples {
  private EnvironmentSamples() {}

  static JournalEvent.EnvironmentApplied applied(Digest blueprint) {
    RuntimeConfig config =
        new RuntimeConfig(
            new TreeMap<>(Map.of("LOG_LEVEL", "debug")),
            List.of("API_TOKEN"),
            new TreeMap<>(),
            Optional.empty(),
            Optional.of(new Route("*", "/")),
            Resources.UNLIMITED,
            "process");
    var web =
        new JournalEvent.EnvironmentService(
            new JournalEvent.AppliedService(
                "site", 1, Strategy.Rolling.DEFAULT, Duration.ofMinutes(10)),
            config);
    return new JournalEvent.EnvironmentApplied(
        "staging",
        blueprint,
        new TreeMap<>(
            Map.of(
                "staging",
                new JournalEvent.DeclaredEnvironment(
                    "127.0.0.1:8081",
                    Optional.empty(),
                    Duration.ZERO,
                    new TreeMap<>(Map.of("web", web))),
                "production",
                new JournalEvent.DeclaredEnvironment(
                    "127.0.0.1:8080",
                    Optional.of("staging"),
                    Duration.ofMinutes(10),
                    new TreeMap<>(Map.of("web", web))))));
  }
}
