package dev.kiln.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Autoscale;
import dev.kiln.model.Autoscale.Metric;
import dev.kiln.model.ServiceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A service's {@code autoscale:}: the issue's example reads as written; every mistake is located.
 */
class AutoscaleBlueprintTest {
  private static final String SERVICE = BlueprintProblemsTest.SERVICE;

  private static ServiceSpec service(String extra) {
    return BlueprintParser.parse(Path.of("kiln.yaml"), SERVICE + extra)
        .service("web")
        .orElseThrow();
  }

  @Test
  void theIssuesExample() {
    ServiceSpec s =
        service(
            """
                autoscale:
                  min: 0
                  max: 10
                  target: { concurrency: 10 }
                  scale-down-delay: 5m
                  idle-to-zero: 10m
            """);
    assertThat(s.autoscale())
        .contains(
            new Autoscale(
                0,
                10,
                new Autoscale.Target(Metric.CONCURRENCY, 10),
                Duration.ofMinutes(5),
                Optional.of(Duration.ofMinutes(10))));
    assertThat(s.replicas()).isEqualTo(1); // starts serving; goes to zero once idle
  }

  @Test
  void eachTarget_andTheDefaults() {
    assertThat(
            service("    autoscale: { min: 2, max: 4, target: { rps: 200 } }\n")
                .autoscale()
                .orElseThrow())
        .isEqualTo(
            new Autoscale(
                2,
                4,
                new Autoscale.Target(Metric.RPS, 200),
                Duration.ofMinutes(5),
                Optional.empty()));
    assertThat(
            service("    autoscale: { min: 1, max: 4, target: { cpu: 70% } }\n")
                .autoscale()
                .orElseThrow()
                .target())
        .isEqualTo(new Autoscale.Target(Metric.CPU, 70));
    assertThat(
            service("    autoscale: { min: 1, max: 4, target: { p99: 100ms } }\n")
                .autoscale()
                .orElseThrow()
                .target())
        .isEqualTo(new Autoscale.Target(Metric.P99, 100));
    assertThat(
            service("    replicas: 3\n    autoscale: { min: 2, max: 4, target: { rps: 9 } }\n")
                .replicas())
        .isEqualTo(3);
    assertThat(service("    autoscale: { min: 2, max: 4, target: { rps: 9 } }\n").replicas())
        .isEqualTo(2);
    assertThat(service("    replicas: 2\n").autoscale()).isEmpty();
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of(
            "{ min: 5, max: 2, target: { rps: 9 } }",
            "7:23: services.web.autoscale.min: 5 is greater than max (2)"),
        Arguments.of(
            "{ min: 1, max: 4, target: { rps: 9, cpu: 50% } }",
            "7:42: services.web.autoscale.target: names 2 metrics (rps, cpu)"),
        Arguments.of(
            "{ min: 1, max: 4, target: {} }",
            "7:42: services.web.autoscale.target: names no metric"),
        Arguments.of(
            "{ min: 1, max: 4, target: { p99: fast } }",
            "7:49: services.web.autoscale.target.p99: 'fast' is not a duration"),
        Arguments.of(
            "{ min: 1, max: 4, target: { cpu: 150% } }",
            "7:49: services.web.autoscale.target.cpu: '150%' is not a percentage"),
        Arguments.of(
            "{ min: 0, max: 4, target: { rps: 9 } }",
            "7:23: services.web.autoscale.min: 0 needs idle-to-zero"),
        Arguments.of(
            "{ min: 1, max: 4, target: { rps: 9 }, idle-to-zero: 5m }",
            "7:54: services.web.autoscale.idle-to-zero: needs min: 0"),
        Arguments.of(
            "{ max: 4, target: { rps: 9 } }",
            "7:16: services.web.autoscale: missing required key 'min'"),
        Arguments.of(
            "{ min: 1, max: 4, target: { rps: 9 }, scale-down-delay: soon }",
            "7:72: services.web.autoscale.scale-down-delay: 'soon' is not a duration"),
        Arguments.of(
            "{ min: 1, max: 4, taget: { rps: 9 } }",
            "7:34: services.web.autoscale: unknown key 'taget'"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("mistakes")
  void mistakes_areLocated(String yaml, String expected) {
    List<Problem> problems =
        BlueprintProblemsTest.problems(SERVICE + "    autoscale: " + yaml + "\n");
    assertThat(problems)
        .extracting(BlueprintProblemsTest::located)
        .anySatisfy(p -> assertThat(p).startsWith(expected));
  }

  @Test
  void replicasOutsideTheBounds_isLocatedAtReplicas() {
    List<Problem> problems =
        BlueprintProblemsTest.problems(
            SERVICE + "    replicas: 9\n    autoscale: { min: 1, max: 4, target: { rps: 9 } }\n");
    assertThat(problems)
        .extracting(BlueprintProblemsTest::located)
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("7:15: services.web.replicas: 9 is outside autoscale's 1..4"));
  }
}
