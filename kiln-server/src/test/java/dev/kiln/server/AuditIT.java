package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.Baker;
import dev.kiln.image.ImageStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal through the API: who did what, tamper evidence, and the signature gate. */
class AuditIT {
  @TempDir Path tmp;

  @Test
  void everyChangeIsJournaledWithItsActor_andTamperingWithStateDbIsNamedByVerify()
      throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      k.apply(k.blueprint("a", "rolling: { max-surge: 1, max-unavailable: 0 }"));
      k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
      JsonNode verified = k.json(k.get("/v1/audit/verify"));
      assertThat(verified.get("ok").asBoolean()).isTrue();
      assertThat(verified.get("head").asText()).startsWith("sha256:");

      JsonNode applied = k.json(k.get("/v1/journal?kind=blueprint-applied")).get("entries").get(0);
      // The token proves who calls; the claimed name is only a label beside it.
      assertThat(applied.get("actor").asText()).matches("token:[0-9a-f]{12} label=tester@it");
      assertThat(applied.get("body").get("digest").asText()).startsWith("sha256:");
      List<String> kinds = k.json(k.get("/v1/journal")).get("entries").findValuesAsText("kind");
      assertThat(kinds)
          .contains(
              "image-verified",
              "blueprint-applied",
              "revision-created",
              "rollout-started",
              "instance-starting",
              "traffic-set",
              "rollout-succeeded");
      assertThat(kinds.indexOf("instance-starting")).isLessThan(kinds.indexOf("traffic-set"));
      JsonNode revisions = k.json(k.get("/v1/services/web/revisions")).get("revisions");
      assertThat(revisions.get(0).get("cause").asText()).isEqualTo("apply");
      assertThat(k.get("/v1/openapi.yaml").body()).contains("openapi: 3.0");
      assertThat(k.get("/metrics").body()).contains("kiln_journal_entries");
      assertThat(k.get("/v1/services/nope").statusCode()).isEqualTo(404);
      assertThat(k.post("/v1/services/web/promote", "{}").statusCode()).isEqualTo(409);

      try (Connection db =
              DriverManager.getConnection("jdbc:sqlite:" + k.home.resolve("state.db"));
          Statement s = db.createStatement()) {
        s.execute("DROP TRIGGER IF EXISTS journal_no_update");
        s.execute("UPDATE journal SET cause = 'nothing to see here' WHERE seq = 3");
      }
      JsonNode broken = k.json(k.get("/v1/audit/verify"));
      assertThat(broken.get("ok").asBoolean()).isFalse();
      assertThat(broken.get("badSeq").asLong()).isEqualTo(3);
      assertThat(broken.get("reason").asText()).isEqualTo("changed");
    }
  }

  @Test
  void anUnsignedImageIsRefused_andTheRefusalIsJournaled() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      Path file = k.blueprint("b", "rolling: { max-surge: 1, max-unavailable: 0 }");
      // Baked without the host key: not signed.
      ImageStore store = ImageStore.open(k.home.resolve("images"));
      var unsigned =
          new Baker(store, tmp.resolve("other-cache"), BakeOptions.defaults())
              .bake(BlueprintParser.parse(file), List.of("b"));
      var response =
          k.post(
              "/v1/apply",
              KilnFixture.submission(
                  file, java.util.Map.of("b", unsigned.images().get(0).manifest().digest())));
      assertThat(response.statusCode()).isEqualTo(409);
      assertThat(Json.parse(response.body()).get("error").asText())
          .contains("refused")
          .contains("not signed");
      JsonNode refused = k.json(k.get("/v1/journal?kind=image-refused")).get("entries");
      assertThat(refused).hasSize(1);
      assertThat(k.json(k.get("/v1/services")).get("services")).isEmpty();
    }
  }

  @Test
  void aMissingSecretFailsTheApplyClearly_andNothingIsRecorded() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      Path file = k.blueprint("a", "rolling: { max-surge: 1, max-unavailable: 0 }");
      java.nio.file.Files.writeString(
          file,
          java.nio.file.Files.readString(file)
              .replace("    replicas: 2\n", "    replicas: 2\n    secrets: [ API_TOKEN ]\n"));
      var response = k.post("/v1/apply", k.submission(file));
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(Json.parse(response.body()).get("error").asText())
          .contains("API_TOKEN")
          .contains(k.home.resolve("secrets").toString());
      assertThat(k.json(k.get("/v1/journal?kind=blueprint-applied")).get("entries")).isEmpty();
    }
  }

  @Test
  void theTcpApiRequiresTheToken_loopbackIncluded() throws Exception {
    KilnFixture k = new KilnFixture(tmp);
    ControlPlane cp =
        ControlPlane.start(
            new ServerConfig(
                k.home,
                ServerConfig.address("127.0.0.1:0"),
                ServerConfig.address("127.0.0.1:0"),
                java.time.Clock.systemUTC(),
                java.util.Map.of()));
    try {
      Path token = k.home.resolve("api-token");
      assertThat(java.nio.file.Files.getPosixFilePermissions(token).toString())
          .isEqualTo("[OWNER_READ, OWNER_WRITE]");
      String port = cp.apiAddress().substring(cp.apiAddress().lastIndexOf(':') + 1);
      var http = java.net.http.HttpClient.newHttpClient();
      var uri = java.net.URI.create("http://127.0.0.1:" + port + "/v1/health");
      var without =
          http.send(
              java.net.http.HttpRequest.newBuilder(uri).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(without.statusCode()).isEqualTo(401);
      var with =
          http.send(
              java.net.http.HttpRequest.newBuilder(uri)
                  .header(
                      "Authorization", "Bearer " + java.nio.file.Files.readString(token).strip())
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(with.statusCode()).isEqualTo(200);
    } finally {
      cp.close();
    }
  }
}
