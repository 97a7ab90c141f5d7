package dev.kiln.blueprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kiln.model.Blueprint;
import dev.kiln.model.Environment;
import dev.kiln.model.ServiceSpec;
import dev.kiln.model.Strategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code environments:}: the issue's example reads as written; every mistake is located. */
class EnvironmentsBlueprintTest {
  private static final String SERVICE =
      BlueprintProblemsTest.SERVICE + "    replicas: 3\n    env: { LOG_LEVEL: info, MODE: web }\n";

  private static Blueprint parse(String yaml) {
    return BlueprintParser.parse(Path.of("kiln.yaml"), yaml);
  }

  @Test
  void theIssuesExample_readsAsWritten_andResolvesOverrides() {
    Blueprint bp =
        parse(
            SERVICE
                + """
                environments:
                  staging:
                    router: 127.0.0.1:8081           # each environment has its own router listener
                    services:
                      web: { replicas: 1, env: { LOG_LEVEL: debug } }
                  production:
                    router: 127.0.0.1:8080
                    promotion: { from: staging, soak: 10m }
                """);
    assertThat(bp.environments()).containsOnlyKeys("staging", "production");
    Environment staging = bp.environment("staging").orElseThrow();
    Environment production = bp.environment("production").orElseThrow();
    assertThat(staging.router()).isEqualTo("127.0.0.1:8081");
    assertThat(staging.promotion()).isEmpty();
    assertThat(production.promotion())
        .contains(new Environment.Promotion("staging", Duration.ofMinutes(10)));

    ServiceSpec base = bp.service("web").orElseThrow();
    ServiceSpec inStaging = staging.resolve(base);
    assertThat(inStaging.replicas()).isEqualTo(1);
    assertThat(inStaging.env())
        .containsExactly(Map.entry("LOG_LEVEL", "debug"), Map.entry("MODE", "web"));
    assertThat(inStaging.image()).isEqualTo(base.image());
    assertThat(production.resolve(base)).isEqualTo(base);
  }

  @Test
  void withoutEnvironments_theBlueprintHasNone() {
    assertThat(parse(SERVICE).environments()).isEmpty();
  }

  @Test
  void strategySecretsAndAutoscale_areOverridable() {
    Blueprint bp =
        parse(
            SERVICE
                + """
                environments:
                  production:
                    router: 127.0.0.1:8080
                    services:
                      web:
                        secrets: [ API_TOKEN ]
                        strategy: { blue-green: {} }
                        autoscale: { min: 2, max: 6, target: { rps: 100 } }
                """);
    ServiceSpec s =
        bp.environment("production").orElseThrow().resolve(bp.service("web").orElseThrow());
    assertThat(s.secrets()).containsExactly("API_TOKEN");
    assertThat(s.strategy()).isInstanceOf(Strategy.BlueGreen.class);
    assertThat(s.autoscale()).map(a -> a.max()).contains(6);
    assertThat(s.replicas()).isEqualTo(2);
  }

  static Stream<Arguments> badEnvironments() {
    return Stream.of(
        bad(
            "environments:\n  staging:\n    router: 127.0.0.1:8081\n    services:\n      web: { image: other }\n",
            "13:14: environments.staging.services.web: an environment may not change 'image'",
            "overrides only replicas, env, secrets, autoscale, strategy"),
        bad(
            "environments:\n  staging:\n    router: 127.0.0.1:8081\n    services:\n      web:\n        health: { tcp: true }\n",
            "14:9: environments.staging.services.web: an environment may not change 'health'",
            "change it under services.web"),
        bad(
            "environments:\n  staging:\n    router: 127.0.0.1:8081\n    services:\n      web:\n        colour: blue\n",
            "14:9: environments.staging.services.web: unknown key 'colour'",
            "valid keys"),
        bad(
            "environments:\n  staging:\n    router: 127.0.0.1:8081\n    services:\n      api: { replicas: 1 }\n",
            "13:7: environments.staging.services.api: no service 'api' in the blueprint",
            "declared services: web"),
        bad(
            "environments:\n  production:\n    router: 127.0.0.1:8080\n    promotion: { from: stagin }\n",
            "12:24: environments.production.promotion.from: unknown environment 'stagin'",
            "declared environments: production"),
        bad(
            "environments:\n  staging:\n    router: 127.0.0.1:8081\n"
                + "  production:\n    router: 127.0.0.1:8081\n",
            "13:13: environments.production.router: 127.0.0.1:8081 is already environment staging's router",
            "its own router listener"),
        bad(
            "environments:\n  staging:\n    router: localhost\n",
            "11:13: environments.staging.router: 'localhost' is not HOST:PORT",
            "127.0.0.1:8081"),
        bad(
            "environments:\n  staging:\n    services: {}\n",
            "10:3: environments.staging: missing required key 'router'",
            "router: 127.0.0.1:8081"),
        bad(
            "environments:\n  a--b:\n    router: 127.0.0.1:8081\n",
            "10:3: environments.a--b: invalid environment name",
            "without '--'"),
        bad(
            "environments:\n  staging:\n    router: 127.0.0.1:8081\n    promotion: { from: staging }\n",
            "12:24: environments.staging.promotion.from: an environment cannot promote from itself",
            ""),
        bad(
            "environments:\n  staging:\n    router: 127.0.0.1:8081\n    services:\n      web: { replicas: many }\n",
            "13:24: environments.staging.services.web.replicas: expected a whole number",
            ""));
  }

  private static Arguments bad(String environments, String expected, String hint) {
    return Arguments.of(environments, expected, hint);
  }

  @ParameterizedTest
  @MethodSource("badEnvironments")
  void badEnvironment_isReportedWithItsPosition(String environments, String expected, String hint) {
    BlueprintException e =
        catchThrowableOfType(() -> parse(SERVICE + environments), BlueprintException.class);
    assertThat(e).as("expected a problem: " + expected).isNotNull();
    assertThat(e.problems()).hasSize(1);
    assertThat(e.problems().get(0).toString()).contains("kiln.yaml:" + expected);
    assertThat(e.problems().get(0).hint().orElse("")).contains(hint);
  }

  @Test
  void aPromotionCycle_isNamedOnce_atAnEnvironmentInIt() {
    BlueprintException e =
        catchThrowableOfType(
            () ->
                parse(
                    SERVICE
                        + """
                        environments:
                          qa:
                            router: 127.0.0.1:8082
                            promotion: { from: production }
                          staging:
                            router: 127.0.0.1:8081
                            promotion: { from: qa }
                          production:
                            router: 127.0.0.1:8080
                            promotion: { from: staging }
                        """),
            BlueprintException.class);
    assertThat(e.problems()).hasSize(1);
    assertThat(e.problems().get(0).toString())
        .contains("kiln.yaml:12:")
        .contains("promotions form a cycle: qa <- production <- staging <- qa");
  }

  @Test
  void overrideErrors_changeNothing_andAreAllReportedAtOnce() {
    BlueprintException e =
        catchThrowableOfType(
            () ->
                parse(
                    SERVICE
                        + """
                        environments:
                          staging:
                            router: 127.0.0.1:8081
                            services:
                              web: { image: other, replicas: 2000 }
                              api: {}
                        """),
            BlueprintException.class);
    assertThat(e.problems())
        .extracting(p -> p.message())
        .containsExactly(
            "environments.staging.services.web: an environment may not change 'image' (a"
                + " promotion moves the same image digest from one environment to the next)",
            "environments.staging.services.web.replicas: 2000 is out of range",
            "environments.staging.services.api: no service 'api' in the blueprint");
    assertThat(List.of(e.problems().get(0).at().line())).containsExactly(13);
    assertThat(Optional.of(e.getMessage())).get().asString().contains("kiln.yaml:13:14");
  }
}
