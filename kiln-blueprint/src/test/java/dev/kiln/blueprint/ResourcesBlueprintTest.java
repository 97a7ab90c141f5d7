package dev.kiln.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Resources;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A service's {@code resources:}: Kubernetes units in, exact limits out, bad values located. */
class ResourcesBlueprintTest {
  private static final String SERVICE = BlueprintProblemsTest.SERVICE;

  private static Resources resources(String yaml) {
    return BlueprintParser.parse(Path.of("kiln.yaml"), SERVICE + "    resources: " + yaml + "\n")
        .service("web")
        .orElseThrow()
        .resources();
  }

  @Test
  void theIssuesExample_readsAsBytesMillicoresAndPids() {
    assertThat(resources("{ memory: 256Mi, cpu: 0.5, pids: 128 }"))
        .isEqualTo(new Resources(256L * 1024 * 1024, 500, 128));
  }

  @Test
  void kubernetesUnits_binaryDecimalAndMillicores() {
    assertThat(resources("{ memory: 1Gi }").memoryBytes()).isEqualTo(1L << 30);
    assertThat(resources("{ memory: 8192Ki }").memoryBytes()).isEqualTo(8192L * 1024);
    assertThat(resources("{ memory: 500M }").memoryBytes()).isEqualTo(500_000_000L);
    assertThat(resources("{ memory: 1.5Gi }").memoryBytes()).isEqualTo(3L << 29);
    assertThat(resources("{ memory: 67108864 }").memoryBytes()).isEqualTo(64L << 20);
    assertThat(resources("{ cpu: 250m }").cpuMillis()).isEqualTo(250);
    assertThat(resources("{ cpu: 2 }").cpuMillis()).isEqualTo(2000);
    assertThat(resources("{ cpu: \"1.25\" }").cpuMillis()).isEqualTo(1250);
  }

  @Test
  void eachKeyIsOptional_andNoResourcesMeansUnlimited() {
    assertThat(resources("{ pids: 64 }")).isEqualTo(new Resources(0, 0, 64));
    assertThat(
            BlueprintParser.parse(Path.of("kiln.yaml"), SERVICE)
                .service("web")
                .orElseThrow()
                .resources())
        .isEqualTo(Resources.UNLIMITED);
  }

  static Stream<Arguments> badResources() {
    return Stream.of(
        Arguments.of(
            "{ memory: 256MB }",
            "7:26: services.web.resources.memory: '256MB' is not a memory size",
            "256Mi"),
        Arguments.of(
            "{ memory: 0 }",
            "7:26: services.web.resources.memory: must be more than 0",
            "leave memory out"),
        Arguments.of(
            "{ memory: 1Ki }", "7:26: services.web.resources.memory: 1Ki is out of range", "4Mi"),
        Arguments.of(
            "{ cpu: 0 }", "7:23: services.web.resources.cpu: must be more than 0", "leave cpu out"),
        Arguments.of(
            "{ cpu: half }",
            "7:23: services.web.resources.cpu: 'half' is not a CPU quantity (at most millicore precision)",
            "500m"),
        Arguments.of(
            "{ cpu: 0.0005 }",
            "7:23: services.web.resources.cpu: '0.0005' is not a CPU quantity (at most millicore precision)",
            "500m"),
        Arguments.of(
            "{ cpu: 2000 }",
            "7:23: services.web.resources.cpu: 2000 is out of range",
            "1024 cores"),
        Arguments.of(
            "{ pids: 0 }", "7:24: services.web.resources.pids: 0 is out of range", "use 1 to"),
        Arguments.of(
            "{ pids: many }",
            "7:24: services.web.resources.pids: expected a whole number, got a string 'many'",
            ""),
        Arguments.of(
            "{ memroy: 1Gi }", "7:18: services.web.resources: unknown key 'memroy'", "memory"),
        Arguments.of(
            "256Mi", "7:16: services.web.resources: expected a mapping, got a string '256Mi'", ""));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badResources")
  void badResources_areReportedWithTheirPosition(String yaml, String expected, String hint) {
    List<Problem> problems =
        BlueprintProblemsTest.problems(SERVICE + "    resources: " + yaml + "\n");

    Problem problem =
        problems.stream()
            .filter(p -> BlueprintProblemsTest.located(p).equals(expected))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no '" + expected + "' in " + problems));
    assertThat(problem.hint().orElse("")).contains(hint);
  }

  @Test
  void quantities_roundMemoryUpToWholeBytes_andRefuseOverflow() {
    assertThat(ResourceQuantities.memory("0.5")).contains(1L);
    assertThat(ResourceQuantities.memory("99999999999Ti")).isEmpty();
    assertThat(ResourceQuantities.cpuMillis("1.5m")).isEmpty();
  }
}
