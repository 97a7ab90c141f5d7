package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Staging and production on one real server (process runtime, real routers): each environment
 * answers on its own router port with its own overrides; a revision is refused for production
 * before its soak in staging, and promoted after it with the identical digest.
 */
class EnvironmentsIT {
  @TempDir Path tmp;

  @Test
  void stagingThenProduction_refusedBeforeTheSoak_promotedAfterIt_withTheSameDigest()
      throws Exception {
    try (KilnFixture k = new KilnFixture(tmp)) {
      int stagingPort = freePort();
      int productionPort = freePort();
      site(k);
      Path bp = blueprint(k, "app", stagingPort, productionPort, "kiln.yaml");
      Path other = blueprint(k, "b", stagingPort, productionPort, "kiln-other.yaml");
      k.start();

      // staging: its own router, its own override
      JsonNode applied = k.json(k.post("/v1/environments/staging/apply", k.submission(bp)));
      assertThat(applied.get("plan").toString()).contains("staging--web");
      k.awaitService("staging--web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
      String stagingDigest = k.service("staging--web").get("image").asText();
      assertThat(get(stagingPort, "/cgi-bin/level.cgi")).isEqualTo("level=debug\n");

      // before its soak, previewed without journaling: promote --dry-run, plan --env, env list
      JsonNode dry =
          k.json(
              k.post(
                  "/v1/environments/promote",
                  "{\"service\": \"web\", \"from\": \"staging\", \"to\": \"production\","
                      + " \"dryRun\": true}"));
      assertThat(dry.get("verdict").get("verdict").asText()).isEqualTo("refused");
      assertThat(dry.get("verdict").get("reason").asText()).contains("soaked");
      assertThat(dry.get("verdict").get("eligibleAt").isTextual()).isTrue();
      assertThat(dry.get("verdict").get("evidence").toString()).contains("signature: valid");
      JsonNode planned = k.json(k.post("/v1/environments/production/plan", k.submission(bp)));
      assertThat(planned.get("promotionGate")).hasSize(1);
      assertThat(planned.get("promotionGate").get(0).get("verdict").asText()).isEqualTo("refused");
      assertThat(planned.get("promotionGate").get(0).get("digest").asText())
          .isEqualTo(stagingDigest);
      JsonNode gate =
          k.json(k.get("/v1/environments")).get("environments").findValues("promotionGate").stream()
              .filter(JsonNode::isObject)
              .findFirst()
              .orElseThrow();
      assertThat(gate.get("verdict").asText()).isEqualTo("refused");
      assertThat(gate.get("eligibleAt").asText())
          .isEqualTo(dry.get("verdict").get("eligibleAt").asText());
      assertThat(k.json(k.get("/v1/journal?kind=promotion-refused")).get("entries")).isEmpty();

      // before its soak: refused, by promote and by apply alike, with the reason and journaled
      HttpResponse<String> early =
          k.post(
              "/v1/environments/promote",
              "{\"service\": \"web\", \"from\": \"staging\", \"to\": \"production\"}");
      assertThat(early.statusCode()).isEqualTo(409);
      assertThat(early.body()).contains("soaked").contains("eligible at");
      HttpResponse<String> earlyApply =
          k.post("/v1/environments/production/apply", k.submission(bp));
      assertThat(earlyApply.statusCode()).isEqualTo(409);
      assertThat(earlyApply.body()).contains("soaked");
      // a digest that never ran in staging: refused whatever the time
      HttpResponse<String> never = k.post("/v1/environments/production/apply", k.submission(other));
      assertThat(never.statusCode()).isEqualTo(409);
      assertThat(never.body()).contains("is not live in staging");
      JsonNode refused =
          k.json(k.get("/v1/journal?service=production--web&kind=promotion-refused"))
              .get("entries");
      assertThat(refused).hasSize(3);
      assertThat(k.json(k.get("/v1/services")).toString()).doesNotContain("production--web");

      // after its soak: promoted, the identical digest, production's overrides, its own router
      JsonNode promoted = promoteOnceSoaked(k);
      assertThat(promoted.get("promoted").get("digest").asText()).isEqualTo(stagingDigest);
      JsonNode prod =
          k.awaitService("production--web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
      assertThat(prod.get("image").asText()).isEqualTo(stagingDigest);
      assertThat(prod.get("replicas").asInt()).isEqualTo(2);
      assertThat(prod.get("instances")).hasSize(2);
      assertThat(get(productionPort, "/cgi-bin/level.cgi")).isEqualTo("level=warn\n");
      assertThat(get(stagingPort, "/cgi-bin/level.cgi")).isEqualTo("level=debug\n");
      assertThat(get(productionPort, "/")).isEqualTo("A\n");

      JsonNode evidence =
          k.json(k.get("/v1/journal?service=production--web&kind=env-promoted")).get("entries");
      assertThat(evidence).hasSize(1);
      JsonNode body = evidence.get(0).get("body");
      assertThat(body.get("from").asText()).isEqualTo("staging");
      assertThat(body.get("revision").asInt()).isEqualTo(1);
      assertThat(body.get("digest").asText()).isEqualTo(stagingDigest);
      assertThat(body.get("evidence").toString())
          .contains("signature: valid")
          .contains("healthy now: 1 of 1")
          .contains("soak: ");

      // the same blueprint applied to production now: the digest passed staging, nothing changes
      JsonNode again = k.json(k.post("/v1/environments/production/apply", k.submission(bp)));
      assertThat(again.get("rollouts")).isEmpty();

      JsonNode diff = k.json(k.get("/v1/environments/diff?a=staging&b=production"));
      JsonNode web = diff.get("services").get(0);
      assertThat(web.get("sameImage").asBoolean()).isTrue();
      assertThat(web.get("differs").toString())
          .contains("\"field\":\"replicas\",\"a\":\"1\",\"b\":\"2\"")
          .contains("\"field\":\"env.LOG_LEVEL\",\"a\":\"debug\",\"b\":\"warn\"");
      JsonNode list = k.json(k.get("/v1/environments")).get("environments");
      assertThat(list).hasSize(2);
      assertThat(list.findValues("promotionGate").stream().filter(JsonNode::isObject).toList())
          .singleElement()
          .satisfies(g -> assertThat(g.get("verdict").asText()).isEqualTo("eligible"));
      // /metrics: the environments' routers too, labelled env=..., each family declared once
      String metrics = k.get("/metrics").body();
      assertThat(metrics).contains("env=\"staging\"").contains("env=\"production\"");
      java.util.List<String> types = metrics.lines().filter(l -> l.startsWith("# TYPE ")).toList();
      assertThat(types).doesNotHaveDuplicates();
      assertThat(list.toString())
          .contains("127.0.0.1:" + stagingPort)
          .contains("127.0.0.1:" + productionPort);

      // a restarted control plane serves each environment on its own router again, adopted
      k.cp.close();
      k.cp = null;
      k.start();
      assertThat(get(stagingPort, "/cgi-bin/level.cgi")).isEqualTo("level=debug\n");
      assertThat(get(productionPort, "/cgi-bin/level.cgi")).isEqualTo("level=warn\n");
      k.awaitService("production--web", Duration.ofSeconds(60), KilnFixture.settledOn(1));

      // without --env, a blueprint with environments is refused, naming them
      HttpResponse<String> plain = k.post("/v1/apply", k.submission(bp));
      assertThat(plain.statusCode()).isEqualTo(400);
      assertThat(plain.body()).contains("declares environments staging, production");
    }
  }

  @Test
  void underKilnServer_anEnvironmentsRouterIsAProcessOfItsOwn_thatOutlivesTheServer()
      throws Exception {
    try (KilnFixture k = new KilnFixture(tmp)) {
      int stagingPort = freePort();
      int productionPort = freePort();
      site(k);
      Path bp = blueprint(k, "app", stagingPort, productionPort, "kiln.yaml");
      ServerConfig config =
          new ServerConfig(
                  k.home,
                  ServerConfig.address("127.0.0.1:0"),
                  ServerConfig.address("127.0.0.1:" + freePort()),
                  java.time.Clock.systemUTC(),
                  java.util.Map.of())
              .withSeparateRouter(true);
      k.cp = ControlPlane.start(config);
      try {
        k.json(k.post("/v1/environments/staging/apply", k.submission(bp)));
        k.awaitService("staging--web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
        assertThat(get(stagingPort, "/cgi-bin/level.cgi")).isEqualTo("level=debug\n");
        assertThat(k.home.resolve("environments/staging/router/router.json")).exists();
        // an environment's router process starts small, not with the main router's fixed,
        // pre-touched heap
        assertThat(routerCommandLine(k.home.resolve("environments/staging")))
            .contains("-Xms64m")
            .doesNotContain("-XX:+AlwaysPreTouch");

        k.cp.close(); // the control plane goes; staging's router process keeps serving
        k.cp = null;
        assertThat(get(stagingPort, "/cgi-bin/level.cgi")).isEqualTo("level=debug\n");
        k.cp = ControlPlane.start(config); // and is adopted, not started twice
        assertThat(get(stagingPort, "/cgi-bin/level.cgi")).isEqualTo("level=debug\n");
        k.awaitService("staging--web", Duration.ofSeconds(60), KilnFixture.settledOn(1));

        // a promotion to an environment never applied here starts its router too
        promoteOnceSoaked(k);
        k.awaitService("production--web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
        assertThat(get(productionPort, "/cgi-bin/level.cgi")).isEqualTo("level=warn\n");
        assertThat(k.home.resolve("environments/production/router/router.json")).exists();
      } finally {
        if (k.cp != null) {
          k.cp.stopFleet("test cleanup");
          k.cp.stopRouter();
        }
      }
    }
  }

  /** The command line of the router process recorded under {@code home}. */
  private static java.util.List<String> routerCommandLine(Path home) throws Exception {
    long pid =
        Json.parse(Files.readString(home.resolve("router").resolve(RouterProcess.STATE_FILE)))
            .get("pid")
            .asLong();
    String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
    return java.util.List.of(cmdline.split("\0"));
  }

  private static JsonNode promoteOnceSoaked(KilnFixture k) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      HttpResponse<String> r =
          k.post(
              "/v1/environments/promote",
              "{\"service\": \"web\", \"from\": \"staging\", \"to\": \"production\"}");
      if (r.statusCode() == 200) return k.json(r);
      assertThat(r.body()).contains("soaked");
      if (System.nanoTime() > end) throw new AssertionError("never eligible: " + r.body());
      Thread.sleep(500);
    }
  }

  /** A site whose page says A and whose CGI says the LOG_LEVEL the instance was given. */
  private static void site(KilnFixture k) throws IOException {
    Path site = k.folder.resolve("site-app");
    Path cgi = site.resolve("cgi-bin/level.cgi");
    Files.createDirectories(cgi.getParent());
    Files.writeString(site.resolve("index.html"), "A\n");
    Files.writeString(site.resolve("health.html"), "ok\n");
    Files.writeString(
        cgi,
        "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\nlevel=%s\\n' \"$LOG_LEVEL\"\n");
    Files.setPosixFilePermissions(cgi, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static Path blueprint(
      KilnFixture k, String image, int staging, int production, String name) throws IOException {
    String images =
        """
        images:
          app:
            from: scratch
            steps:
              - copy: { src: bin/, dest: /bin }
              - copy: { src: site-app/, dest: /www }
            entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
          b:
            from: scratch
            steps:
              - copy: { src: bin/, dest: /bin }
              - copy: { src: site-b/, dest: /www }
            entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
        """;
    String rest =
        """
        services:
          web:
            image: %s
            replicas: 1
            env: { LOG_LEVEL: info }
            health: { http: /health.html, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            route: { host: "*", path: / }
        environments:
          staging:
            router: 127.0.0.1:%d
            services:
              web: { env: { LOG_LEVEL: debug } }
          production:
            router: 127.0.0.1:%d
            promotion: { from: staging, soak: 5s }
            services:
              web: { replicas: 2, env: { LOG_LEVEL: warn } }
        """
            .formatted(image, staging, production);
    Path file = k.folder.resolve(name);
    Files.writeString(file, images + rest);
    return file;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String get(int port, String path) throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " on " + port + ": " + r.body()).isEqualTo(200);
    return r.body();
  }
}
