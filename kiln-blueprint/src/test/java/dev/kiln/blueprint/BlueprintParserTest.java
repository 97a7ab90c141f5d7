package dev.kiln.blueprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.kiln.model.Base;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.DriftPolicy;
import dev.kiln.model.HealthCheck;
import dev.kiln.model.ImageRecipe;
import dev.kiln.model.ImageTest;
import dev.kiln.model.Location;
import dev.kiln.model.Resources;
import dev.kiln.model.Route;
import dev.kiln.model.ServiceSpec;
import dev.kiln.model.Step;
import dev.kiln.model.Strategy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The full, valid blueprint: exact records, defaults, ordering, digest. */
class BlueprintParserTest {
  static final String HELLO =
      """
      images:
        hello:
          from: scratch
          copy:
            - { src: site/, dest: /www }
            - { src: bin/busybox, dest: /bin/busybox, mode: "0755" }
          run: [ "/bin/busybox --install -s /bin" ]
          env: { GREETING: hello }
          workdir: /www
          user: "1000:1000"
          entrypoint: [ /bin/busybox, sh, -c, "exec httpd -f -p $PORT -h /www" ]
          cmd: []
          expose: [ 8080 ]
          labels: { org.opencontainers.image.title: hello }
          test:
            - { http: /, expect: 200 }
            - { command: [ /bin/sh, -c, "test -f /www/index.html" ] }
      services:
        web:
          image: hello
          replicas: 3
          health: { http: /, interval: 1s, timeout: 1s, healthy: 2, unhealthy: 3, start-deadline: 60s }
          route: { host: "*", path: / }
          strategy:
            blue-green: { auto-promote: 30s, scale-down-delay: 10m }
          progress-deadline: 10m
          env: { LOG_LEVEL: info }
          secrets: [ API_TOKEN ]
          volumes: { data: /var/lib/app }
          runtime: process
      """;

  @TempDir Path dir;

  private Location at(Path file, int line, int column) {
    return new Location(file, line, column);
  }

  @Test
  void fullExample_parsesIntoExactRecords() throws Exception {
    Path file = dir.resolve("kiln.yaml");
    Files.writeString(file, HELLO);
    // Read from a file, the blueprint's copy sources must be there, as the baker needs them.
    Files.createDirectories(dir.resolve("site"));
    Files.createDirectories(dir.resolve("bin"));
    Files.writeString(dir.resolve("bin/busybox"), "");

    Blueprint blueprint = BlueprintParser.parse(file);

    ImageRecipe hello =
        new ImageRecipe(
            "hello",
            new Base.Scratch(at(file, 3, 11)),
            List.of(
                new Step.Copy("site/", "/www", Optional.empty(), at(file, 5, 9)),
                new Step.Copy("bin/busybox", "/bin/busybox", Optional.of(0755), at(file, 6, 9)),
                new Step.Run("/bin/busybox --install -s /bin", false, at(file, 7, 12))),
            Map.of("GREETING", "hello"),
            Optional.of("/www"),
            Optional.of("1000:1000"),
            List.of("/bin/busybox", "sh", "-c", "exec httpd -f -p $PORT -h /www"),
            List.of(),
            List.of(8080),
            Map.of("org.opencontainers.image.title", "hello"),
            List.of(
                new ImageTest.Http("/", 200, at(file, 16, 9)),
                new ImageTest.Command(
                    List.of("/bin/sh", "-c", "test -f /www/index.html"), 0, at(file, 17, 9))),
            at(file, 2, 3));
    ServiceSpec web =
        new ServiceSpec(
            "web",
            "hello",
            3,
            Optional.of(
                new HealthCheck(
                    new HealthCheck.Probe.Http("/", 200),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    2,
                    3,
                    Duration.ofSeconds(60))),
            Optional.of(new Route("*", "/")),
            new Strategy.BlueGreen(Optional.of(Duration.ofSeconds(30)), Duration.ofMinutes(10)),
            Duration.ofMinutes(10),
            Map.of("LOG_LEVEL", "info"),
            List.of("API_TOKEN"),
            Map.of("data", "/var/lib/app"),
            Resources.UNLIMITED,
            "process",
            Optional.empty(),
            "private",
            DriftPolicy.DEFAULT,
            at(file, 19, 3));
    assertThat(blueprint.images()).containsExactly(Map.entry("hello", hello));
    assertThat(blueprint.services()).containsExactly(Map.entry("web", web));
    assertThat(blueprint.digest()).isEqualTo(Digest.of(HELLO.getBytes(StandardCharsets.UTF_8)));
    assertThat(blueprint.file()).isEqualTo(file);
  }

  @Test
  void minimalService_getsTheDocumentedDefaults() {
    Blueprint b =
        BlueprintParser.parse(
            Path.of("kiln.yaml"),
            """
            images: { app: { from: scratch } }
            services: { app: { image: app } }
            """);

    ServiceSpec app = b.service("app").orElseThrow();
    assertThat(app.replicas()).isEqualTo(1);
    assertThat(app.strategy()).isEqualTo(new Strategy.Rolling(1, 0));
    assertThat(app.progressDeadline()).isEqualTo(Duration.ofMinutes(10));
    assertThat(app.runtime()).isEqualTo("process");
    assertThat(app.network()).isEqualTo("private");
    assertThat(app.health()).isEmpty();
    assertThat(app.route()).isEmpty();
    assertThat(b.image("app").orElseThrow().steps()).isEmpty();
  }

  @Test
  void healthDefaults_comeFromHealthCheckConstants() {
    ServiceSpec s = service("health: { tcp: true }");
    assertThat(s.health())
        .contains(
            new HealthCheck(
                new HealthCheck.Probe.Tcp(),
                HealthCheck.DEFAULT_INTERVAL,
                HealthCheck.DEFAULT_TIMEOUT,
                1,
                3,
                HealthCheck.DEFAULT_START_DEADLINE));
  }

  @Test
  void execProbeAndRouteDefaults() {
    ServiceSpec s = service("health: { exec: [ /bin/true ] }\n    route: { host: example.com }");
    assertThat(s.health().orElseThrow().probe())
        .isEqualTo(new HealthCheck.Probe.Exec(List.of("/bin/true")));
    assertThat(s.route()).contains(new Route("example.com", "/"));
  }

  @Test
  void routeTlsNamesACertificateFileAndAKeySecret() {
    ServiceSpec s =
        service(
            "health: { exec: [ /bin/true ] }\n    route: { host: \"*.example.com\", tls: { cert:"
                + " certs/app.pem, key: APP_TLS_KEY, redirect: true, hsts: true } }");
    assertThat(s.route())
        .contains(
            new Route("*.example.com", "/")
                .withTls(new Route.Tls("certs/app.pem", "APP_TLS_KEY", true, true)));
  }

  @Test
  void strategies_rollingBlueGreenDefaultsAndCanary() {
    assertThat(service("strategy: { rolling: { max-surge: 2 } }").strategy())
        .isEqualTo(new Strategy.Rolling(2, 0));
    assertThat(service("strategy: { blue-green: }").strategy())
        .isEqualTo(new Strategy.BlueGreen(Optional.empty(), Duration.ofMinutes(10)));
    assertThat(
            service(
                    """
                    strategy:
                          canary:
                            steps: [ { weight: 10, pause: 30s }, { weight: 50, pause: 1m }, { weight: 100 } ]
                            analysis: { max-error-rate: 1%, max-p99: 250ms, min-requests: 20 }\
                    """)
                .strategy())
        .isEqualTo(
            new Strategy.Canary(
                List.of(
                    new Strategy.CanaryStep(10, Optional.of(Duration.ofSeconds(30))),
                    new Strategy.CanaryStep(50, Optional.of(Duration.ofMinutes(1))),
                    new Strategy.CanaryStep(100, Optional.empty())),
                Optional.of(new Strategy.Analysis(0.01, Optional.of(Duration.ofMillis(250)), 20))));
  }

  @Test
  void shorthandSteps_followTheOrderOfTheKeys() {
    ImageRecipe image =
        image(
            """
            run: [ "echo one", { command: "apt-get update", network: true } ]
                copy: [ { src: a, dest: /a } ]\
            """);
    assertThat(image.steps())
        .extracting(Object::getClass)
        .containsExactly(Step.Run.class, Step.Run.class, Step.Copy.class);
    assertThat(((Step.Run) image.steps().get(1)).network()).isTrue();
  }

  @Test
  void explicitSteps_keepTheirOrder() {
    ImageRecipe image =
        image(
            """
            steps:
                  - copy: { src: a, dest: /a, mode: 0644 }
                  - run: "echo hi"
                  - copy: { src: b/../c, dest: /c, mode: 0o600 }\
            """);
    assertThat(image.steps())
        .extracting(Object::getClass)
        .containsExactly(Step.Copy.class, Step.Run.class, Step.Copy.class);
    assertThat(((Step.Copy) image.steps().get(0)).mode()).contains(0644);
    assertThat(((Step.Copy) image.steps().get(2)).mode()).contains(0600);
  }

  @Test
  void bases_resolvePathsAgainstTheBlueprintFolder() {
    Path file = dir.resolve("kiln.yaml");
    Blueprint b =
        BlueprintParser.parse(
            file,
            """
            images:
              a: { from: "oci:build/out:v1" }
              b: { from: "oci:build:x/out" }
              c: { from: "docker-archive:../base.tar" }
              d: { from: "image:a" }
              e: { from: "debian:bookworm" }
            """);
    assertThat(b.image("a").orElseThrow().from())
        .isEqualTo(
            new Base.OciLayout(dir.resolve("build/out"), Optional.of("v1"), at(file, 2, 14)));
    assertThat(b.image("b").orElseThrow().from())
        .isEqualTo(
            new Base.OciLayout(dir.resolve("build:x/out"), Optional.empty(), at(file, 3, 14)));
    assertThat(b.image("c").orElseThrow().from())
        .isEqualTo(new Base.DockerArchive(dir.getParent().resolve("base.tar"), at(file, 4, 14)));
    assertThat(b.image("d").orElseThrow().from())
        .isEqualTo(new Base.BlueprintImage("a", at(file, 5, 14)));
    assertThat(b.image("e").orElseThrow().from())
        .isEqualTo(new Base.Debian("bookworm", at(file, 6, 14)));
  }

  @Test
  void extensionKeysAndAliases_letBlueprintsReuseValues() {
    Blueprint b =
        BlueprintParser.parse(
            Path.of("kiln.yaml"),
            """
            x-env: &env { LOG_LEVEL: info }
            images:
              app: { from: scratch, env: *env, user: 1000 }
            """);

    assertThat(b.image("app").orElseThrow().env()).containsExactly(Map.entry("LOG_LEVEL", "info"));
    assertThat(b.image("app").orElseThrow().user()).contains("1000");
  }

  @Test
  void byteOrderMark_isIgnoredButPartOfTheDigest() throws Exception {
    Path file = dir.resolve("kiln.yaml");
    byte[] bytes = "\uFEFFimages: { app: { from: scratch } }\n".getBytes(StandardCharsets.UTF_8);
    Files.write(file, bytes);

    Blueprint b = BlueprintParser.parse(file);

    assertThat(b.images()).containsOnlyKeys("app");
    assertThat(b.digest()).isEqualTo(Digest.of(bytes));
  }

  @Test
  void aFolderInsteadOfAFile_isOneClearProblem() {
    BlueprintException e =
        catchThrowableOfType(BlueprintException.class, () -> BlueprintParser.parse(dir));
    assertThat(e.getMessage()).startsWith(dir + ": ");
  }

  @Test
  void policy_denySeverity_isRead_andAnUnknownSeverityIsALocatedProblem() {
    Blueprint b =
        BlueprintParser.parse(
            Path.of("kiln.yaml"),
            "policy: { deny-severity: Critical }\nimages: { app: { from: scratch } }\n");
    assertThat(b.policy().denySeverity()).contains("critical");
    assertThat(
            BlueprintParser.parse(Path.of("kiln.yaml"), "images: { app: { from: scratch } }\n")
                .policy()
                .denySeverity())
        .isEmpty();
    BlueprintException e =
        catchThrowableOfType(
            BlueprintException.class,
            () ->
                BlueprintParser.parse(
                    Path.of("kiln.yaml"),
                    "images: { app: { from: scratch } }\npolicy:\n  deny-severity: severe\n"));
    assertThat(e.getMessage())
        .contains("kiln.yaml:3:")
        .contains("policy.deny-severity: unknown severity 'severe'")
        .contains("low, medium, high, critical");
    BlueprintException unknownKey =
        catchThrowableOfType(
            BlueprintException.class,
            () -> BlueprintParser.parse(Path.of("kiln.yaml"), "policy: { deny: high }\n"));
    assertThat(unknownKey.getMessage()).contains("policy: unknown key 'deny'");
  }

  @Test
  void missingFile_isOneClearProblem() {
    Path missing = dir.resolve("nope.yaml");
    BlueprintException e =
        catchThrowableOfType(BlueprintException.class, () -> BlueprintParser.parse(missing));
    assertThat(e.problems()).hasSize(1);
    assertThat(e.getMessage())
        .isEqualTo(missing + ": no such file; create it, or point to it with -f <file>");
  }

  private ServiceSpec service(String settings) {
    return BlueprintParser.parse(
            Path.of("kiln.yaml"),
            "images: { app: { from: scratch } }\nservices:\n  app:\n    image: app\n    "
                + settings
                + "\n")
        .service("app")
        .orElseThrow();
  }

  private ImageRecipe image(String settings) {
    return BlueprintParser.parse(
            Path.of("kiln.yaml"), "images:\n  app:\n    from: scratch\n    " + settings + "\n")
        .image("app")
        .orElseThrow();
  }

  @Test
  void networkNone_isRead() {
    Blueprint b =
        BlueprintParser.parse(
            Path.of("kiln.yaml"),
            """
            images: { app: { from: scratch } }
            services: { app: { image: app, network: none } }
            """);
    assertThat(b.service("app").orElseThrow().network()).isEqualTo("none");
  }
}
