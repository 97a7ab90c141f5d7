package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.image.HostKey;
import dev.kiln.snapshot.SnapshotReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 end to end: two services (web blue-green with the previous revision warm, api rolling),
 * a few applies, a snapshot taken while they run; then every instance stopped, the control plane
 * gone, KILN_HOME deleted — and a restore into a new home brings back the same revisions, digests
 * and answers, a plan with the same blueprint has no changes, and a rollback to the previous
 * revision answers the old content without baking. A point-in-time restore to an earlier seq brings
 * back the earlier revisions.
 */
class DisasterRecoveryIT {
  @TempDir Path tmp;

  @Test
  void aSnapshot_restoredOnABareHome_bringsBackTheSameFleet_andRollsBackWithoutBaking()
      throws Exception {
    Path snapshot;
    long earlySeq;
    Map<String, JsonNode> revisionsBefore = new java.util.TreeMap<>();
    Path finalBlueprint;
    String finalSubmission;
    Path keys = tmp.resolve("operator-keys");
    try (KilnFixture k = new KilnFixture(tmp.resolve("first")).start()) {
      sites(k);
      String first = k.submission(blueprint(k, "a", "c", "v1.yaml"));
      k.json(k.post("/v1/apply", first));
      k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
      k.awaitService("api", Duration.ofSeconds(60), KilnFixture.settledOn(1));
      earlySeq = k.cp.executor.call(() -> k.cp.state.lastSeq());

      k.json(k.post("/v1/apply", k.submission(blueprint(k, "b", "c", "v2.yaml"))));
      k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(2));
      finalBlueprint = blueprint(k, "b", "d", "v3.yaml");
      finalSubmission = k.submission(finalBlueprint);
      k.json(k.post("/v1/apply", finalSubmission));
      k.awaitService("api", Duration.ofSeconds(60), KilnFixture.settledOn(2));
      assertThat(get(k, "/")).isEqualTo("B\n");
      assertThat(get(k, "/api/")).isEqualTo("D\n");
      for (String s : new String[] {"web", "api"}) {
        revisionsBefore.put(s, k.json(k.get("/v1/services/" + s + "/revisions")));
      }

      JsonNode created =
          k.json(
              k.post(
                  "/v1/snapshots",
                  "{\"dir\":\"" + tmp.resolve("snapshots").toAbsolutePath() + "\"}"));
      snapshot = Path.of(created.get("file").asText());
      assertThat(snapshot.getFileName().toString()).matches("kiln-\\d{10}\\.snapshot");
      assertThat(created.get("revisions").toString()).contains("web@1", "web@2", "api@1", "api@2");
      assertThat(k.json(k.get("/v1/journal?kind=snapshot-created")).get("entries")).hasSize(1);
      assertThat(SnapshotReader.verify(snapshot, Optional.of(k.cp.key.publicKey())).ok()).isTrue();
      copyTree(k.home.resolve("keys"), keys); // the operator keeps the key apart from snapshots
    } // every instance drained and stopped, the control plane and its router closed
    deleteTree(tmp.resolve("first/home"));
    HostKey key = HostKey.loadIfPresent(keys).orElseThrow();

    try (KilnFixture k = new KilnFixture(tmp.resolve("second"))) {
      ServerConfig config = config(k.home);
      Recovery.restoreFiles(snapshot, config, key, false, OptionalLong.empty(), "tester@it");
      k.cp = Recovery.startFleet(config, Duration.ofSeconds(90));

      for (String s : new String[] {"web", "api"}) {
        assertThat(k.json(k.get("/v1/services/" + s + "/revisions")))
            .isEqualTo(revisionsBefore.get(s));
      }
      assertThat(get(k, "/")).isEqualTo("B\n");
      assertThat(get(k, "/api/")).isEqualTo("D\n");
      JsonNode restored = k.json(k.get("/v1/journal?kind=restored")).get("entries");
      assertThat(restored).hasSize(1);
      assertThat(restored.get(0).get("actor").asText()).isEqualTo("tester@it");
      assertThat(k.cp.rec.journal().verify(key.publicKey()).ok()).isTrue();
      JsonNode plan = k.json(k.post("/v1/plan", finalSubmission));
      assertThat(plan.get("hasChanges").asBoolean()).as(plan.toString()).isFalse();

      long imagesBefore = countBlobs(k.home);
      k.json(k.post("/v1/services/web/rollback", "{}"));
      k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(3));
      assertThat(get(k, "/")).isEqualTo("A\n");
      assertThat(countBlobs(k.home)).as("nothing baked").isEqualTo(imagesBefore);
    }

    try (KilnFixture k = new KilnFixture(tmp.resolve("third"))) {
      ServerConfig config = config(k.home);
      Recovery.restoreFiles(snapshot, config, key, false, OptionalLong.of(earlySeq), "tester@it");
      k.cp = Recovery.startFleet(config, Duration.ofSeconds(90));
      assertThat(get(k, "/")).isEqualTo("A\n");
      assertThat(get(k, "/api/")).isEqualTo("C\n");
      assertThat(k.json(k.get("/v1/services/web/revisions")).get("revisions")).hasSize(1);
      assertThat(k.cp.rec.journal().verify(key.publicKey()).ok()).isTrue();
    }
  }

  private static ServerConfig config(Path home) {
    return new ServerConfig(
        home,
        ServerConfig.address("127.0.0.1:0"),
        ServerConfig.address("127.0.0.1:0"),
        Clock.systemUTC(),
        Map.of());
  }

  /** api's sites answer under /api/, its route. */
  private static void sites(KilnFixture k) throws IOException {
    for (String[] s : new String[][] {{"c", "C\n"}, {"d", "D\n"}}) {
      Path site = k.folder.resolve("site-" + s[0]);
      Files.createDirectories(site.resolve("api"));
      Files.writeString(site.resolve("api/index.html"), s[1]);
      Files.writeString(site.resolve("health.html"), "ok\n");
    }
  }

  private static Path blueprint(KilnFixture k, String web, String api, String name)
      throws IOException {
    StringBuilder y = new StringBuilder("images:\n");
    for (String image : new String[] {"a", "b", "c", "d"}) {
      y.append("  ")
          .append(image)
          .append(":\n    from: scratch\n    steps:\n")
          .append("      - copy: { src: bin/, dest: /bin }\n")
          .append("      - copy: { src: site-")
          .append(image)
          .append("/, dest: /www }\n")
          .append(
              "    entrypoint: [ /bin/sh, -c, \"exec busybox httpd -f -p 127.0.0.1:$PORT -h /www\" ]\n");
    }
    String health =
        "    health: { http: /health.html, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }\n";
    y.append("services:\n  web:\n    image: ")
        .append(web)
        .append("\n    replicas: 2\n")
        .append(health)
        .append("    route: { host: \"*\", path: / }\n")
        .append("    strategy:\n      blue-green: { auto-promote: 1s, scale-down-delay: 10m }\n")
        .append("  api:\n    image: ")
        .append(api)
        .append("\n    replicas: 2\n")
        .append(health)
        .append("    route: { host: \"*\", path: /api }\n")
        .append("    strategy:\n      rolling: { max-surge: 1, max-unavailable: 0 }\n");
    Path file = k.folder.resolve(name);
    Files.writeString(file, y.toString());
    return file;
  }

  private static String get(KilnFixture k, String path) throws Exception {
    HttpResponse<String> r =
        k.http.send(
            HttpRequest.newBuilder(URI.create(k.router() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return r.body();
  }

  private static long countBlobs(Path home) throws IOException {
    try (Stream<Path> s = Files.list(home.resolve("images/blobs/sha256"))) {
      return s.count();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(t);
        else Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
