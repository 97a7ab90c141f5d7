package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.Baker;
import dev.kiln.image.ImageStore;
import dev.kiln.server.ControlPlane;
import dev.kiln.server.ServerConfig;
import dev.kiln.testkit.SteadyClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln patch} end to end, offline, with real apt: a Debian package repository built in the
 * test ({@code dpkg-deb}, {@code apt-ftparchive}) and served on loopback holds kiln-demo 1.0-1; a
 * {@code debian:bookworm} image installs it in a network {@code run} step; an OSV record says 1.0-2
 * fixes it. The fleet scan finds it on both running instances; the fixed version is published;
 * {@code kiln patch} rebakes (new digest, clean re-scan), journals the advisory and replaces the
 * fleet while a client sees no failed request.
 */
class PatchIT {
  /**
   * Where kiln-image's tests keep the debootstrapped bookworm root (made on first use);
   * -Dkiln.test.debian-cache=DIR for another (an empty one measures the cold make).
   */
  static final Path DEBIAN_CACHE =
      Path.of(System.getProperty("kiln.test.debian-cache", "/var/tmp/kiln-test-debian-cache"));

  /**
   * On tmpfs when there is room ({@link TmpfsTempDir}). Where the time went on the build machine's
   * ext4, alone, per test method of ~40 s: apt in the sandbox 0.2 s a bake, the run step's
   * snapshots 0.1 s, layer writes and scans well under 0.5 s, the loopback repo nothing; but every
   * bake unpacks the ~126 MB Debian base into its work root (3 to 6 s each, three bakes a method)
   * and every new image is unpacked into the home's rootfs (4.5 to 6 s each, two a method): over
   * half the time, in inode allocation. On tmpfs each unpack takes about 1 s.
   */
  @TempDir(factory = TmpfsTempDir.class)
  Path tmp;

  private ControlPlane cp;
  private HttpServer repoServer;
  private Path project;
  private Path home;
  private Path repo;

  @BeforeEach
  void start() throws Exception {
    project = tmp.resolve("project");
    Path opt = Files.createDirectories(project.resolve("opt"));
    Files.copy(
        Path.of("/bin/busybox"), opt.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(
        opt.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(opt.resolve("www"));
    Files.writeString(opt.resolve("www/index.html"), "hi\n");
    repo = Files.createDirectories(tmp.resolve("repo"));
    publish("1.0-1");
    repoServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    repoServer.createContext(
        "/",
        ex -> {
          Path f = repo.resolve(ex.getRequestURI().getPath().substring(1)).normalize();
          if (!f.startsWith(repo) || !Files.isRegularFile(f)) {
            ex.sendResponseHeaders(404, -1);
          } else {
            ex.sendResponseHeaders(200, Files.size(f));
            try (var o = ex.getResponseBody()) {
              Files.copy(f, o);
            }
          }
          ex.close();
        });
    repoServer.start();
    home = tmp.resolve("home");
    System.setProperty("kiln.home", home.toString());
    cp =
        ControlPlane.start(
            ServerConfig.defaults(home)
                .withApi(ServerConfig.address("127.0.0.1:0"))
                .withRouter(ServerConfig.address("127.0.0.1:0")));
    // The CLI talks to it over $KILN_HOME/api.sock, like a user on the server's host.
  }

  @AfterEach
  void stop() {
    System.clearProperty("kiln.home");
    if (repoServer != null) repoServer.stop(0);
    if (cp != null) {
      try {
        cp.stopFleet("test cleanup");
      } finally {
        cp.close();
      }
    }
  }

  /** Builds kiln-demo at {@code version} into the repo and regenerates its indexes. */
  private void publish(String version) throws Exception {
    Path pkg = tmp.resolve("pkg-" + version);
    Files.createDirectories(pkg.resolve("DEBIAN"));
    Files.createDirectories(pkg.resolve("usr/share/kiln-demo"));
    Files.writeString(pkg.resolve("usr/share/kiln-demo/VERSION"), version + "\n");
    Files.writeString(
        pkg.resolve("DEBIAN/control"),
        "Package: kiln-demo\nVersion: "
            + version
            + "\nArchitecture: all\nMaintainer: Kiln Tests <tests@kiln.dev>\n"
            + "Description: a package with an advisory against it\n");
    Files.createDirectories(repo.resolve("pool"));
    sh(
        tmp,
        "dpkg-deb",
        "--root-owner-group",
        "--build",
        pkg.toString(),
        repo.resolve("pool/kiln-demo_" + version + "_all.deb").toString());
    String packages = sh(repo, "apt-ftparchive", "packages", "pool");
    Files.writeString(repo.resolve("Packages"), packages);
    Files.deleteIfExists(repo.resolve("Release"));
    String release = sh(repo, "apt-ftparchive", "release", ".");
    Files.writeString(repo.resolve("Release"), release);
  }

  private static String sh(Path dir, String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + err).isZero();
    return out;
  }

  private String blueprint() {
    int port = repoServer.getAddress().getPort();
    return """
        images:
          site:
            from: debian:bookworm
            steps:
              - copy: { src: opt/, dest: /opt/kiln }
              - run:
                  command: >-
                    echo 'deb [trusted=yes] http://127.0.0.1:%d/ ./' > /etc/apt/sources.list.d/local.list &&
                    apt-get -o Dir::Etc::SourceList=/etc/apt/sources.list.d/local.list
                    -o Dir::Etc::SourceParts=- -o APT::Sandbox::User=root update &&
                    apt-get -o Dir::Etc::SourceList=/etc/apt/sources.list.d/local.list
                    -o Dir::Etc::SourceParts=- -o APT::Sandbox::User=root install -y kiln-demo &&
                    cp /usr/share/kiln-demo/VERSION /opt/kiln/www/version &&
                    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/*
                  network: true
            entrypoint: [ /bin/sh, -c, "exec /opt/kiln/busybox httpd -f -p 127.0.0.1:$PORT -h /opt/kiln/www" ]
        services:
          web:
            image: site
            replicas: 2
            health: { http: /, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            route: { host: "*", path: / }
        """
        .formatted(port);
  }

  @Test
  void patchRebakesTheVulnerablePackage_andReplacesTheFleet_withoutAFailedRequest()
      throws Exception {
    Path file = Files.writeString(project.resolve("kiln.yaml"), blueprint());
    // The first bake takes debian:bookworm from the tests' debootstrap cache; later bakes in this
    // home find the base by its record.
    ImageStore store = ImageStore.open(home.resolve("images"));
    new Baker(
            store,
            home.resolve("cache"),
            BakeOptions.defaults()
                .withKeysDir(Optional.of(home.resolve("keys")))
                .withDebianCache(DEBIAN_CACHE))
        .bake(BlueprintParser.parse(file), List.of());
    FakeKilnServer.Run apply =
        FakeKilnServer.run("apply", "-f", file.toString(), "--timeout", "3m");
    assertThat(apply.exit()).as(apply.out() + apply.err()).isZero();
    String vulnerable = store.resolve("site").orElseThrow().digest().toString();
    assertThat(get("/version")).isEqualTo("1.0-1\n");

    Path feed =
        Files.writeString(
            tmp.resolve("KILN-2026-1.json"),
            """
            {"id": "KILN-2026-1", "aliases": ["CVE-2026-0001"],
             "affected": [{"package": {"ecosystem": "Debian:12", "name": "kiln-demo"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-2"}]}],
               "ecosystem_specific": {"urgency": "high"}}]}
            """);
    List<String> running = new ArrayList<>();
    for (JsonNode i : ApiClient.fromEnvironment().get("/v1/instances").path("instances"))
      if (i.path("state").asText().equals("running")) running.add(i.path("id").asText());
    assertThat(running).hasSize(2);
    FakeKilnServer.Run scan =
        FakeKilnServer.run(
            "scan", "--home", home.toString(), "--fleet", "--advisories", feed.toString());
    assertThat(scan.out())
        .contains("run by web r1 (live): 2 running: ")
        .containsPattern("high\\s+KILN-2026-1\\s+CVE-2026-0001\\s+kiln-demo\\s+1.0-1\\s+1.0-2");
    for (String id : running) assertThat(scan.out()).contains(id);

    // Before the fix is published the rebake still installs 1.0-1: the patch stops, rolls nothing.
    FakeKilnServer.Run early =
        FakeKilnServer.run(
            "patch",
            "-f",
            file.toString(),
            "--home",
            home.toString(),
            "--keep-base",
            "--advisories",
            feed.toString());
    assertThat(early.exit()).as(early.out() + early.err()).isEqualTo(1);
    assertThat(early.err())
        .contains("still carries KILN-2026-1")
        .contains("nothing was rolled out");

    publish("1.0-2");
    FakeKilnServer.Run plan =
        FakeKilnServer.run(
            "patch",
            "-f",
            file.toString(),
            "--home",
            home.toString(),
            "--plan",
            "--advisories",
            feed.toString());
    assertThat(plan.exit()).as(plan.out() + plan.err()).isZero();
    assertThat(plan.out()).contains("would patch web: rebake site").contains("KILN-2026-1");
    assertThat(store.resolve("site").orElseThrow().digest().toString()).isEqualTo(vulnerable);

    // Requests back to back through the router while the patch runs, from one HttpClient (the
    // loop here made a new one, with its own selector thread, for every request).
    SteadyClient client =
        SteadyClient.start(
            URI.create("http://" + cp.routerAddress() + "/version"),
            Set.of("1.0-1\n", "1.0-2\n"),
            Duration.ofSeconds(10));
    FakeKilnServer.Run patch;
    try {
      client.awaitAnswers(1);
      patch =
          FakeKilnServer.run(
              "patch",
              "-f",
              file.toString(),
              "--home",
              home.toString(),
              "--keep-base",
              "--advisories",
              feed.toString(),
              "--timeout",
              "3m");
    } finally {
      client.close();
    }
    assertThat(patch.exit()).as(patch.out() + patch.err()).isZero();
    System.out.println(
        "PatchIT: "
            + patch.out().lines().filter(l -> l.startsWith("patched ")).findFirst().orElse("")
            + "; "
            + client.ok()
            + " requests answered meanwhile");
    String fixed = store.resolve("site").orElseThrow().digest().toString();
    assertThat(fixed).isNotEqualTo(vulnerable);
    assertThat(patch.out()).contains("re-scan clean: site");
    assertThat(client.failed()).as("last failure: " + client.lastFailure()).isZero();
    assertThat(client.ok()).isPositive();
    assertThat(get("/version")).isEqualTo("1.0-2\n");

    // Every running instance is of the new revision; the journal cites the advisory.
    JsonNode services = ApiClient.fromEnvironment().get("/v1/services").path("services");
    assertThat(services.get(0).path("liveRevision").asInt()).isEqualTo(2);
    // the replaced instances drain before they stop (the rollout succeeded when traffic moved):
    // every running instance is revision 2 soon after
    dev.kiln.testkit.Await.untilTrue(
        "only revision 2 running",
        () -> {
          for (JsonNode i : ApiClient.fromEnvironment().get("/v1/instances").path("instances"))
            if (i.path("state").asText().equals("running") && i.path("revision").asInt() != 2)
              return false;
          return true;
        });
    FakeKilnServer.Run journal =
        FakeKilnServer.run("journal", "--kind", "patch-started", "-o", "json");
    assertThat(journal.out()).contains("KILN-2026-1").contains(vulnerable).contains(fixed);

    FakeKilnServer.Run rescan =
        FakeKilnServer.run(
            "scan",
            "--home",
            home.toString(),
            "--fleet",
            "--advisories",
            feed.toString(),
            "--fail-on",
            "low");
    assertThat(rescan.exit()).as(rescan.out() + rescan.err()).isZero();
  }

  @Test
  void patchWithEnv_patchesThatEnvironment_andAPromotionGateRefusesBeforeAnythingIsJournaled()
      throws Exception {
    Path file =
        Files.writeString(
            project.resolve("kiln.yaml"),
            blueprint()
                + """
                environments:
                  staging:
                    router: %s
                  production:
                    router: %s
                    promotion: { from: staging, soak: 0s }
                """
                    .formatted(cp.routerAddress(), "127.0.0.1:" + freePort()));
    ImageStore store = ImageStore.open(home.resolve("images"));
    new Baker(
            store,
            home.resolve("cache"),
            BakeOptions.defaults()
                .withKeysDir(Optional.of(home.resolve("keys")))
                .withDebianCache(DEBIAN_CACHE))
        .bake(BlueprintParser.parse(file), List.of());
    for (String env : List.of("staging", "production")) {
      FakeKilnServer.Run apply =
          FakeKilnServer.run("apply", "-f", file.toString(), "--env", env, "--timeout", "3m");
      assertThat(apply.exit()).as(apply.out() + apply.err()).isZero();
    }
    String vulnerable = store.resolve("site").orElseThrow().digest().toString();
    Path feed =
        Files.writeString(
            tmp.resolve("KILN-2026-1.json"),
            """
            {"id": "KILN-2026-1",
             "affected": [{"package": {"ecosystem": "Debian:12", "name": "kiln-demo"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-2"}]}]}]}
            """);
    publish("1.0-2");

    // production runs only what passed staging: the rebake is refused before anything is recorded
    FakeKilnServer.Run refused =
        FakeKilnServer.run(
            "patch",
            "-f",
            file.toString(),
            "--env",
            "production",
            "--home",
            home.toString(),
            "--keep-base",
            "--advisories",
            feed.toString());
    assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(1);
    assertThat(refused.err()).contains("is not live in staging").contains("nothing was rolled out");
    assertThat(store.resolve("site").orElseThrow().digest().toString()).isEqualTo(vulnerable);
    assertThat(FakeKilnServer.run("journal", "--kind", "patch-started", "-o", "json").out())
        .doesNotContain("KILN-2026-1");

    FakeKilnServer.Run staging =
        FakeKilnServer.run(
            "patch",
            "-f",
            file.toString(),
            "--env",
            "staging",
            "--home",
            home.toString(),
            "--keep-base",
            "--advisories",
            feed.toString(),
            "--timeout",
            "3m");
    assertThat(staging.exit()).as(staging.out() + staging.err()).isZero();
    assertThat(staging.out()).contains("patching web: rebake site");
    JsonNode services = ApiClient.fromEnvironment().get("/v1/services").path("services");
    for (JsonNode svc : services) {
      int live = svc.path("liveRevision").asInt();
      if (svc.path("name").asText().equals("staging--web")) assertThat(live).isEqualTo(2);
      else assertThat(live).as(svc.toString()).isEqualTo(1);
    }
    assertThat(FakeKilnServer.run("journal", "--kind", "patch-started", "-o", "json").out())
        .contains("staging--web")
        .doesNotContain("production--web");
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .build()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + cp.routerAddress() + path))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode() + " for " + path);
    return r.body();
  }
}
