package dev.kiln.blueprint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A table of bad blueprints and the located problem each one must produce. */
class BlueprintProblemsTest {
  static final String IMAGE = "images:\n  app:\n    from: scratch\n";
  static final String SERVICE = IMAGE + "services:\n  web:\n    image: app\n";

  static Stream<Arguments> badBlueprints() {
    return Stream.of(
        // yaml, "line:column: message", a piece of the hint ("" = none checked)
        bad(
            "images:\n  app:\n    form: scratch\n",
            "3:5: images.app: unknown key 'form'",
            "did you mean 'from'? valid keys: from, steps, copy"),
        bad(
            "images:\n  app:\n    env: {}\n",
            "2:3: images.app: missing required key 'from'",
            "scratch | debian:<suite>"),
        bad("image: {}\n", "1:1: blueprint: unknown key 'image'", "did you mean 'images'?"),
        bad(
            IMAGE + "    copy: site/\n",
            "4:11: images.app.copy: expected a list, got a string 'site/'",
            "copy: [ { src"),
        bad(
            IMAGE + "    expose: [ web ]\n",
            "4:15: images.app.expose[0]: expected a whole number, got a string 'web'",
            ""),
        bad(
            IMAGE + "    expose: [ 70000 ]\n",
            "4:15: images.app.expose[0]: 70000 is out of range",
            "1 to 65535"),
        bad(
            "images:\n  app:\n    from: alpine\n",
            "3:11: images.app.from: unknown base 'alpine'",
            "scratch | debian:<suite> | oci:<dir>[:<tag>] | docker-archive:<tar> | image:<name>"),
        bad(
            "images:\n  app:\n    from: image:base\n",
            "3:11: images.app.from: no image named 'base' in this blueprint",
            "images: app"),
        bad(
            "images:\n  App_1:\n    from: scratch\n",
            "2:3: images.App_1: invalid image name",
            "lowercase"),
        bad(
            IMAGE + "    copy: [ { src: /etc/passwd, dest: /p } ]\n",
            "4:20: images.app.copy[0].src: '/etc/passwd' must be relative to the blueprint folder",
            ""),
        bad(
            IMAGE + "    copy: [ { src: a/../../secret, dest: /p } ]\n",
            "4:20: images.app.copy[0].src: 'a/../../secret' escapes the blueprint folder",
            ""),
        bad(
            IMAGE + "    copy: [ { src: a, dest: www } ]\n",
            "4:29: images.app.copy[0].dest: must be an absolute path, got 'www'",
            "start it with /"),
        bad(
            IMAGE + "    copy: [ { src: a, dest: /a, mode: \"0855\" } ]\n",
            "4:39: images.app.copy[0].mode: '0855' is not a file mode",
            "octal"),
        bad(
            IMAGE + "    copy: [ { dest: /a } ]\n",
            "4:13: images.app.copy[0]: missing required key 'src'",
            ""),
        bad(
            IMAGE + "    steps: [ { run: ls } ]\n    run: pwd\n",
            "5:5: images.app: has both steps: and the run: shorthand",
            "use one"),
        bad(
            IMAGE + "    steps: [ { run: ls, copy: { src: a, dest: /a } } ]\n",
            "4:14: images.app.steps[0]: a step is exactly one of copy: or run:",
            ""),
        bad(
            IMAGE + "    env: { 1BAD: x }\n",
            "4:12: images.app.env: invalid name '1BAD'",
            "letters, digits"),
        bad(
            IMAGE + "    test: [ { http: /, expect-exit: 1 } ]\n",
            "4:24: images.app.test[0]: unknown key 'expect-exit'",
            "valid keys: http, expect"),
        bad(
            IMAGE + "    entrypoint: /bin/app\n",
            "4:17: images.app.entrypoint: expected a list, got a string '/bin/app'",
            "exec-style"),
        bad(
            IMAGE + "    run: { command: make, network: maybe }\n",
            "4:36: images.app.run.network: expected true or false, got a string 'maybe'",
            ""),
        bad(
            IMAGE + "services:\n  web:\n    image: apo\n",
            "6:12: services.web.image: no image named 'apo' in this blueprint",
            "did you mean 'app'?"),
        bad(
            IMAGE + "services:\n  web: {}\n",
            "5:3: services.web: missing required key 'image'",
            ""),
        bad(
            SERVICE + "    replicas: three\n",
            "7:15: services.web.replicas: expected a whole number, got a string 'three'",
            ""),
        bad(
            SERVICE + "    progress-deadline: 10 minutes\n",
            "7:24: services.web.progress-deadline: '10 minutes' is not a duration",
            "500ms, 1s, 1m30s, 10m or 2h"),
        bad(
            SERVICE + "    health: { http: /, interval: 1s30m }\n",
            "7:34: services.web.health.interval: '1s30m' is not a duration",
            "largest first"),
        bad(
            SERVICE + "    health: { interval: 1s }\n",
            "7:13: services.web.health: no probe",
            "http: /path"),
        bad(
            SERVICE + "    health: { tcp: true, exec: [ x ] }\n",
            "7:13: services.web.health: more than one probe (tcp, exec)",
            ""),
        bad(
            SERVICE + "    health: { tcp: true, healthy: 0 }\n",
            "7:35: services.web.health.healthy: 0 is out of range",
            "1 to 100"),
        bad(
            SERVICE + "    strategy: { rolling: { max-surge: 0 } }\n",
            "7:26: services.web.strategy.rolling: max-surge and max-unavailable cannot both be 0",
            ""),
        bad(
            SERVICE + "    strategy: { bluegreen: {} }\n",
            "7:17: services.web.strategy: unknown key 'bluegreen'",
            "did you mean 'blue-green'?"),
        bad(
            SERVICE + "    strategy: { canary: { steps: [ { weight: 110 } ] } }\n",
            "7:46: services.web.strategy.canary.steps[0].weight: 110 is out of range",
            "0 to 100"),
        bad(
            SERVICE
                + "    strategy: { canary: { steps: [ { weight: 10 } ], analysis: { max-error-rate:"
                + " lots } } }\n",
            "7:82: services.web.strategy.canary.analysis.max-error-rate: 'lots' is not a"
                + " percentage",
            "1%"),
        bad(
            SERVICE + "    env: { TOKEN: x }\n    secrets: [ TOKEN ]\n",
            "8:16: services.web.secrets[0]: 'TOKEN' is both a secret and an env key",
            "remove TOKEN from env"),
        bad(
            SERVICE + "    volumes: { Data: /d }\n",
            "7:16: services.web.volumes: invalid volume name 'Data'",
            ""),
        bad(
            SERVICE + "    network: nonne\n",
            "7:14: services.web.network: unknown network 'nonne'",
            "did you mean 'none'?"),
        bad(
            SERVICE + "    runtime: dokcer\n",
            "7:14: services.web.runtime: unknown runtime 'dokcer'",
            "did you mean 'docker'?"),
        bad(
            SERVICE + "    route: { host: a.example, tls: { key: APP_KEY } }\n",
            "7:36: services.web.route.tls: missing required key 'cert'",
            "PEM certificate chain"),
        bad(
            SERVICE + "    route: { tls: { cert: c.pem, key: \"-----BEGIN PRIVATE KEY-----\" } }\n",
            "7:39: services.web.route.tls.key: a private key was pasted into the blueprint",
            "put the key in a secret"),
        bad(
            SERVICE + "    route: { tls: { cert: c.pem, key: K, redirect: sometimes } }\n",
            "7:52: services.web.route.tls.redirect: expected true or false, got a string 'sometimes'",
            ""),
        bad(
            SERVICE + "    route: { path: api }\n",
            "7:20: services.web.route.path: must be an absolute path, got 'api'",
            ""),
        bad(
            IMAGE + "    env: { A: x, A: y }\n",
            "4:18: duplicate key 'A' (first defined at line 4)",
            ""),
        bad(
            IMAGE + "  app:\n    from: scratch\n",
            "4:3: duplicate key 'app' (first defined at line 2)",
            ""),
        bad(
            IMAGE + "    user: !!python/object:os.system ls\n",
            "4:11: unsupported tag 'tag:yaml.org,2002:python/object:os.system'",
            "plain YAML"),
        bad(
            "images:\n  app:\n    from: [scratch\n",
            "4:1: YAML syntax: while parsing a flow sequence: expected ',' or ']', but got <stream"
                + " end>",
            ""),
        bad("", "1:1: the blueprint is empty", ""),
        bad(
            IMAGE + "    copy: [ { src: \"a\\0b\", dest: /a } ]\n",
            "4:20: images.app.copy[0].src: must not contain a NUL character",
            ""),
        bad(
            "x-base: &b { from: scratch }\nimages:\n  app:\n    <<: *b\n",
            "4:5: images.app: unknown key '<<'",
            "merge keys are not supported"),
        bad(
            IMAGE + "    copy: [ { src: a, dest: /a } ]\n    steps: []\n",
            "4:5: images.app: has both steps: and the copy: shorthand",
            ""),
        bad(
            IMAGE + "    steps: [ { copy: { src: a, dest: /a }, mode: 1 } ]\n",
            "4:44: images.app.steps[0]: unknown key 'mode'",
            "valid keys: copy, run"),
        bad(
            IMAGE + "    run: [ [ make, install ] ]\n",
            "4:12: images.app.run[0]: expected a command string, got a list",
            ""),
        bad(
            IMAGE + "    test: [ { expect: 200 } ]\n",
            "4:13: images.app.test[0]: a test needs http: or command:",
            "{ http: /, expect: 200 }"),
        bad(
            IMAGE + "    from: \"oci:out:\"\n",
            "4:5: duplicate key 'from' (first defined at line 3)",
            ""),
        bad(
            "images:\n  app:\n    from: \"oci:out:\"\n",
            "3:11: images.app.from: 'oci:out:' needs a folder and a tag",
            ""),
        bad(
            "images:\n  app:\n    from: \"debian:\"\n",
            "3:11: images.app.from: 'debian:' names no debian source",
            ""),
        bad(
            SERVICE + "    health: { tcp: false }\n",
            "7:20: services.web.health.tcp: tcp: false is not a probe",
            ""),
        bad(
            SERVICE + "    health: { exec: [ x ], expect: 200 }\n",
            "7:28: services.web.health.expect: only http probes have an expected status",
            ""),
        bad(
            SERVICE + "    secrets: [ A, A ]\n",
            "7:19: services.web.secrets[1]: duplicate secret 'A'",
            ""),
        bad(
            SERVICE + "    volumes: { a: /d, b: /d }\n",
            "7:26: services.web.volumes.b: /d is already mounted by another volume",
            ""),
        bad(
            SERVICE + "    strategy: { rolling: {}, canary: {} }\n",
            "7:15: services.web.strategy: a strategy is exactly one of rolling, blue-green, canary",
            ""),
        bad(
            SERVICE + "    strategy: { canary: { steps: [] } }\n",
            "7:34: services.web.strategy.canary.steps: needs at least one step",
            ""),
        bad("- a\n", "1:1: blueprint: expected a mapping, got a list", ""));
  }

  private static Arguments bad(String yaml, String expected, String hint) {
    return Arguments.of(yaml, expected, hint);
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badBlueprints")
  void badBlueprint_isReportedWithItsPosition(String yaml, String expected, String hint) {
    List<Problem> problems = problems(yaml);

    assertThat(problems).extracting(BlueprintProblemsTest::located).contains(expected);
    Problem problem =
        problems.stream().filter(p -> located(p).equals(expected)).findFirst().orElseThrow();
    assertThat(problem.hint().orElse("")).contains(hint);
    assertThat(problem.at().file()).isEqualTo(Path.of("kiln.yaml"));
  }

  @org.junit.jupiter.api.Test
  void everyProblemOfTheFile_isReportedAtOnce_sortedByPosition() {
    String yaml =
        """
        services:
          web:
            image: nope
            replicas: -1
        images:
          app:
            from: scratch
            wrkdir: /app
            copy: [ { src: ../x, dest: /x } ]
        """;

    BlueprintException e =
        catchThrowableOfType(
            BlueprintException.class, () -> BlueprintParser.parse(Path.of("kiln.yaml"), yaml));

    assertThat(e.problems())
        .extracting(BlueprintProblemsTest::located)
        .containsExactly(
            "3:12: services.web.image: no image named 'nope' in this blueprint",
            "4:15: services.web.replicas: -1 is out of range",
            "8:5: images.app: unknown key 'wrkdir'",
            "9:20: images.app.copy[0].src: '../x' escapes the blueprint folder");
    assertThat(e.getMessage())
        .startsWith("the blueprint has 4 problems:\n  kiln.yaml:3:12: services.web.image: no image")
        .contains("\n  kiln.yaml:8:5: images.app: unknown key 'wrkdir'; did you mean 'workdir'?");
  }

  @org.junit.jupiter.api.Test
  void imageCycle_isNamedOnce() {
    List<Problem> problems =
        problems(
            """
            images:
              a: { from: "image:b" }
              b: { from: "image:c" }
              c: { from: "image:a" }
              d: { from: "image:d" }
            """);

    assertThat(problems)
        .extracting(BlueprintProblemsTest::located)
        .containsExactly(
            "2:14: images.a.from: image cycle a -> b -> c -> a",
            "5:14: images.d.from: image cycle d -> d");
  }

  static List<Problem> problems(String yaml) {
    return catchThrowableOfType(
            BlueprintException.class, () -> BlueprintParser.parse(Path.of("kiln.yaml"), yaml))
        .problems();
  }

  static String located(Problem p) {
    return p.at().line() + ":" + p.at().column() + ": " + p.message();
  }
}
