package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.ControlPlane;
import dev.kiln.server.ServerConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The environment commands against a real control plane (in-process, over its unix socket, busybox
 * httpd in the process runtime): apply --env staging, status/history --env, env list, a promotion
 * refused before its soak and made after it, env diff.
 */
class EnvironmentsCliIT {
  @TempDir Path tmp;
  private ControlPlane cp;
  private Path project;

  @BeforeEach
  void start() throws Exception {
    project = tmp.resolve("project");
    Path bin = Files.createDirectories(project.resolve("bin"));
    Files.copy(
        Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(
        bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    if (!Files.exists(bin.resolve("sh"), LinkOption.NOFOLLOW_LINKS))
      Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    Path site = Files.createDirectories(project.resolve("site"));
    Files.writeString(site.resolve("index.html"), "A\n");
    cp =
        ControlPlane.start(
            ServerConfig.defaults(tmp.resolve("home"))
                .withApi(ServerConfig.address("127.0.0.1:0"))
                .withRouter(ServerConfig.address("127.0.0.1:0")));
    System.setProperty("kiln.home", tmp.resolve("home").toString());
  }

  @AfterEach
  void stop() {
    System.clearProperty("kiln.home");
    if (cp != null) {
      try {
        cp.stopFleet("test cleanup");
      } finally {
        cp.close();
      }
    }
  }

  @Test
  void applyStaging_promoteToProduction_afterItsSoak() throws Exception {
    int staging = freePort();
    int production = freePort();
    Path file =
        Files.writeString(
            project.resolve("kiln.yaml"),
            """
            images:
              site:
                from: scratch
                steps:
                  - copy: { src: bin/, dest: /bin }
                  - copy: { src: site/, dest: /www }
                entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
            services:
              web:
                image: site
                health: { http: /, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            environments:
              staging:
                router: 127.0.0.1:%d
              production:
                router: 127.0.0.1:%d
                promotion: { from: staging, soak: 5s }
                services:
                  web: { replicas: 2 }
            """
                .formatted(staging, production));

    FakeKilnServer.Run apply =
        FakeKilnServer.run("apply", "--env", "staging", "-f", file.toString(), "--timeout", "2m");
    assertThat(apply.exit()).as(apply.err()).isZero();
    assertThat(apply.out()).contains("rollout of staging--web (new -> 1) succeeded");
    // right after its rollout: refused, with the reason
    FakeKilnServer.Run early =
        FakeKilnServer.run("env", "promote", "web", "--from", "staging", "--to", "production");
    assertThat(early.exit()).isEqualTo(1);
    assertThat(early.err()).contains("refused").contains("soaked").contains("eligible at");
    assertThat(get(staging)).isEqualTo("A\n");
    // the same question without journaling or rolling: the verdict and its evidence, exit 2
    FakeKilnServer.Run dry =
        FakeKilnServer.run(
            "env", "promote", "web", "--from", "staging", "--to", "production", "--dry-run");
    assertThat(dry.exit()).as(dry.out() + dry.err()).isIn(0, 2);
    if (dry.exit() == 2)
      assertThat(dry.out())
          .contains("web from staging to production: refused: ")
          .contains("soaked");
    assertThat(dry.out()).contains("  signature: valid");
    assertThat(FakeKilnServer.run("env", "list").out()).containsPattern("GATE");

    FakeKilnServer.Run status = FakeKilnServer.run("status", "--env", "staging", "web");
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out()).contains("staging--web").contains("1 healthy of 1 desired");
    assertThat(FakeKilnServer.run("history", "--env", "staging").out()).contains("staging--web");

    FakeKilnServer.Run promoted = promoteOnceSoaked();
    assertThat(promoted.out())
        .contains("promoting web revision 1 of staging to production: sha256:")
        .contains("promoted web to production");
    assertThat(get(production)).isEqualTo("A\n");

    FakeKilnServer.Run list = FakeKilnServer.run("env", "list");
    assertThat(list.out())
        .containsPattern(
            "production +127.0.0.1:" + production + " +from staging, soak 5s +web +r?1")
        .containsPattern("staging +127.0.0.1:" + staging + " +- +web")
        .containsPattern("production .* eligible r1\n");
    FakeKilnServer.Run diff = FakeKilnServer.run("env", "diff", "staging", "production");
    assertThat(diff.out()).contains("same image digest").containsPattern("replicas +1 +2");
    // for a script: they differ (replicas), so exit 2 with --detailed-exitcode
    assertThat(
            FakeKilnServer.run("env", "diff", "staging", "production", "--detailed-exitcode")
                .exit())
        .isEqualTo(2);
    // the journal names a service of an environment ENV--SERVICE, and says so
    FakeKilnServer.Run journal = FakeKilnServer.run("journal", "--service", "web");
    assertThat(journal.exit()).isEqualTo(1);
    assertThat(journal.err())
        .contains("no service named 'web'")
        .contains("ENV--SERVICE: production--web, staging--web");
  }

  private static FakeKilnServer.Run promoteOnceSoaked() throws InterruptedException {
    long end = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (true) {
      FakeKilnServer.Run r =
          FakeKilnServer.run(
              "env",
              "promote",
              "web",
              "--from",
              "staging",
              "--to",
              "production",
              "--timeout",
              "2m");
      if (r.exit() == 0) return r;
      assertThat(r.err()).contains("soaked");
      if (System.nanoTime() > end) throw new AssertionError("never eligible: " + r.err());
      Thread.sleep(500);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String get(int port) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
