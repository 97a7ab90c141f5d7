package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.ControlPlane;
import dev.kiln.server.ServerConfig;
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
 * The CLI against a real control plane over its unix socket (in-process, a temp KILN_HOME): the
 * whole loop a user runs — plan, apply, status, history, rollback, journal, audit — with busybox
 * httpd instances in the process runtime.
 */
class ControlPlaneCliIT {
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
    for (String v : new String[] {"a", "b"}) {
      Path site = Files.createDirectories(project.resolve("site-" + v));
      Files.writeString(site.resolve("index.html"), v.toUpperCase() + "\n");
    }
    cp =
        ControlPlane.start(
            ServerConfig.defaults(tmp.resolve("home"))
                .withApi(ServerConfig.address("127.0.0.1:0"))
                .withRouter(ServerConfig.address("127.0.0.1:0")));
    // No kiln.api: the CLI talks to $KILN_HOME/api.sock, as a user's does.
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

  private Path blueprint(String site) throws Exception {
    return blueprint(site, 1);
  }

  private Path blueprint(String site, int replicas) throws Exception {
    String yaml =
        """
        images:
          site:
            from: scratch
            steps:
              - copy: { src: bin/, dest: /bin }
              - copy: { src: site-%s/, dest: /www }
            entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
        services:
          web:
            image: site
            replicas: %s
            health: { http: /, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            route: { host: "*", path: / }
            strategy:
              rolling: { max-surge: 1, max-unavailable: 0 }
        """
            .formatted(site, replicas);
    return Files.writeString(project.resolve("kiln.yaml"), yaml);
  }

  @Test
  void planApplyStatusHistoryRollbackJournalAudit() throws Exception {
    Path file = blueprint("a");

    FakeKilnServer.Run apply =
        FakeKilnServer.run("apply", "-f", file.toString(), "--timeout", "2m");
    assertThat(apply.exit()).as(apply.err()).isZero();
    assertThat(apply.out()).contains("rollout of web (new -> 1) succeeded");

    FakeKilnServer.Run same =
        FakeKilnServer.run("plan", "-f", file.toString(), "--detailed-exitcode");
    assertThat(same.exit()).as(same.out() + same.err()).isZero();

    FakeKilnServer.Run status = FakeKilnServer.run("status");
    assertThat(status.exit()).isZero();
    assertThat(status.out().lines().skip(1).findFirst().orElseThrow())
        .startsWith("web")
        .contains("1/1")
        .contains("r1 100%");

    // A scale alone: apply returns once the new instances are healthy, and says it scaled
    FakeKilnServer.Run scale =
        FakeKilnServer.run("apply", "-f", blueprint("a", 3).toString(), "--timeout", "2m");
    assertThat(scale.exit()).as(scale.err()).isZero();
    assertThat(scale.out())
        .contains("web scaled to 3 instances of revision 1, all healthy")
        .doesNotContain("succeeded");
    assertThat(FakeKilnServer.run("status").out()).containsPattern("web +1 +3/3 ");
    assertThat(FakeKilnServer.run("status", "web").out())
        .contains("(scaled to 3 instances of revision 1)");

    // Baked apart first: plan then finds the image current and shows the replacement.
    blueprint("b");
    FakeKilnServer.Run bake =
        FakeKilnServer.run("bake", "--home", tmp.resolve("home").toString(), "-f", file.toString());
    assertThat(bake.exit()).as(bake.err()).isZero();
    FakeKilnServer.Run plan =
        FakeKilnServer.run("plan", "-f", file.toString(), "--detailed-exitcode");
    assertThat(plan.exit()).as(plan.err()).isEqualTo(2);
    assertThat(plan.out()).contains("web").contains("image");

    FakeKilnServer.Run replace =
        FakeKilnServer.run("apply", "-f", file.toString(), "--timeout", "2m");
    assertThat(replace.exit()).as(replace.err()).isZero();
    assertThat(replace.out()).contains("rollout of web (1 -> 2) succeeded");

    FakeKilnServer.Run history = FakeKilnServer.run("history", "web");
    assertThat(history.out().lines()).hasSize(3).element(2).asString().startsWith("2 ");

    FakeKilnServer.Run rollback =
        FakeKilnServer.run("rollback", "web", "--to", "1", "--timeout", "2m");
    assertThat(rollback.exit()).as(rollback.err()).isZero();
    assertThat(rollback.out()).startsWith("web: rollback recorded as revision");

    FakeKilnServer.Run promote = FakeKilnServer.run("promote", "web");
    assertThat(promote.exit()).isEqualTo(1);
    assertThat(promote.err()).startsWith("error: ");

    FakeKilnServer.Run journal = FakeKilnServer.run("journal", "--service", "web", "-o", "json");
    JsonNode entries = ApiClient.JSON.readTree(journal.out()).path("entries");
    assertThat(entries).isNotEmpty();

    FakeKilnServer.Run verify = FakeKilnServer.run("audit", "verify");
    assertThat(verify.exit()).as(verify.err()).isZero();
    assertThat(verify.out()).startsWith("journal ok: ");

    Path export = tmp.resolve("journal.ndjson");
    FakeKilnServer.Run exported = FakeKilnServer.run("audit", "export", "-o", export.toString());
    assertThat(exported.exit()).as(exported.err()).isZero();
    assertThat(Files.readAllLines(export)).hasSizeGreaterThanOrEqualTo(entries.size());
  }

  @Test
  void serverStopAll_stopsTheInstancesAServerLeftRunning() throws Exception {
    FakeKilnServer.Run apply =
        FakeKilnServer.run("apply", "-f", blueprint("a").toString(), "--timeout", "2m");
    assertThat(apply.exit()).as(apply.err()).isZero();
    JsonNode instance =
        ApiClient.JSON
            .readTree(FakeKilnServer.run("status", "web", "-o", "json").out())
            .path("instances")
            .get(0);
    long pid = instance.path("pid").asLong();
    assertThat(ProcessHandle.of(pid)).isPresent();
    cp.close(); // as a stopped kiln server: its instances keep running
    cp = null;
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).hasValue(true);

    FakeKilnServer.Run stop =
        FakeKilnServer.run(
            "server", "--stop-all", "--router", "127.0.0.1:0", "--api", "127.0.0.1:0");

    assertThat(stop.exit()).as(stop.err()).isZero();
    assertThat(stop.out()).contains("every instance of").contains("stopped");
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    // the router process it started to adopt the fleet got SIGTERM, drained and exited before
    // --stop-all returned: its port is free for the next server
    Path routerState = tmp.resolve("home").resolve("router").resolve("router.json");
    if (Files.exists(routerState)) {
      long router = ApiClient.JSON.readTree(Files.readString(routerState)).path("pid").asLong();
      assertThat(ProcessHandle.of(router).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
  }

  @Test
  void editingACopiedFile_applyAloneRebakesAndRollsTheNewContentOut() throws Exception {
    Path file = blueprint("a");
    FakeKilnServer.Run first =
        FakeKilnServer.run("apply", "-f", file.toString(), "--timeout", "2m");
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(get("/")).isEqualTo("A\n");

    Files.writeString(project.resolve("site-a/index.html"), "A, edited\n");
    FakeKilnServer.Run noBake =
        FakeKilnServer.run("plan", "-f", file.toString(), "--no-bake", "--detailed-exitcode");
    assertThat(noBake.exit()).as(noBake.err()).isZero();

    FakeKilnServer.Run again =
        FakeKilnServer.run("apply", "-f", file.toString(), "--timeout", "2m");
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out())
        .contains("image site: rebaked ")
        .contains("inputs of step 2/2")
        .contains("rollout of web (1 -> 2) succeeded");
    assertThat(get("/")).isEqualTo("A, edited\n");

    FakeKilnServer.Run same =
        FakeKilnServer.run("plan", "-f", file.toString(), "--detailed-exitcode");
    assertThat(same.exit()).as(same.out() + same.err()).isZero();
    assertThat(same.out()).doesNotContain("rebaked");
  }

  private String get(String path) throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    return http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://" + cp.routerAddress() + path))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
