package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln env list|diff|promote} and {@code --env} on apply, plan, status and history. */
class EnvCommandTest {
  @TempDir Path dir;
  private FakeKilnServer server;

  @BeforeEach
  void start() throws Exception {
    server = new FakeKilnServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void promote_sendsServiceFromTo_andPrintsTheEvidence() {
    server.on(
        "POST /v1/environments/promote",
        """
        {"promoted": {"service": "web", "from": "staging", "to": "production", "revision": 3,
          "digest": "sha256:abc", "evidence": ["signature: valid", "soak: PT12M of PT10M"]},
         "plan": {"changes": []}, "rollouts": [%s]}
        """
            .formatted(
                Canned.rollout(
                    "production--web-r2",
                    "production--web",
                    "rolling",
                    "PROGRESSING",
                    1,
                    1,
                    null,
                    "")));

    FakeKilnServer.Run r =
        server.kiln("env", "promote", "web", "--from", "staging", "--to", "production", "--detach");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .startsWith(
            "promoting web revision 3 of staging to production: sha256:abc\n"
                + "  signature: valid\n"
                + "  soak: PT12M of PT10M\n"
                + "started production--web");
    assertThat(server.requests().getFirst().body())
        .isEqualTo("{\"service\":\"web\",\"from\":\"staging\",\"to\":\"production\"}");
  }

  @Test
  void promote_refused_isTheServers409Reason() {
    server.on(
        "POST /v1/environments/promote",
        409,
        "{\"error\":\"promotion of web from staging to production refused: web in staging revision 3"
            + " has soaked PT4M of PT10M\"}");

    FakeKilnServer.Run r =
        server.kiln("env", "promote", "web", "--from", "staging", "--to", "production");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("refused: web in staging revision 3 has soaked PT4M of PT10M");
  }

  @Test
  void diff_showsLiveRevisionsDigests_andTheOverridesThatDiffer() {
    server.on(
        "GET /v1/environments/diff?a=staging&b=production",
        """
        {"a": "staging", "b": "production", "services": [{"name": "web",
          "a": {"name": "web", "liveRevision": 3, "image": "sha256:aaa", "replicas": 1, "healthy": 1},
          "b": {"name": "web", "liveRevision": 2, "image": "sha256:bbb", "replicas": 2, "healthy": 2},
          "sameImage": false,
          "differs": [{"field": "replicas", "a": "1", "b": "2"},
                      {"field": "env.LOG_LEVEL", "a": "debug", "b": "warn"}]}]}
        """);

    FakeKilnServer.Run r = server.kiln("env", "diff", "staging", "production");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("web:\n  staging: revision 3, sha256:aaa, 1/1 healthy\n")
        .contains("  production: revision 2, sha256:bbb, 2/2 healthy\n  image digests differ\n")
        .containsPattern("replicas +1 +2")
        .containsPattern("env.LOG_LEVEL +debug +warn");
  }

  @Test
  void diff_detailedExitcode_is2WhenTheyDiffer_asPlanDoes() {
    server.on(
        "GET /v1/environments/diff?a=staging&b=production",
        """
        {"a": "staging", "b": "production", "services": [{"name": "web",
          "a": {"name": "web", "liveRevision": 3, "image": "sha256:aaa", "replicas": 1, "healthy": 1},
          "b": {"name": "web", "liveRevision": 2, "image": "sha256:bbb", "replicas": 1, "healthy": 1},
          "sameImage": false, "differs": []}]}
        """);

    assertThat(server.kiln("env", "diff", "staging", "production", "--detailed-exitcode").exit())
        .isEqualTo(2);
    // without the flag a difference is no error, as before (and as kiln plan)
    assertThat(server.kiln("env", "diff", "staging", "production").exit()).isZero();
  }

  @Test
  void diff_detailedExitcode_is2ForAFieldAlone_0WhenNothingDiffers() {
    String same =
        """
        {"name": "web", "liveRevision": 4, "image": "sha256:aaa", "replicas": 2, "healthy": 2}""";
    server.on(
        "GET /v1/environments/diff?a=staging&b=production",
        """
        {"a": "staging", "b": "production", "services": [{"name": "web", "a": %s, "b": %s,
          "sameImage": true, "differs": [{"field": "env.LOG_LEVEL", "a": "debug", "b": "warn"}]}]}
        """
            .formatted(same, same));
    server.on(
        "GET /v1/environments/diff?a=staging&b=qa",
        """
        {"a": "staging", "b": "qa", "services": [{"name": "web", "a": %s, "b": %s,
          "sameImage": true, "differs": []}]}
        """
            .formatted(same, same));

    assertThat(server.kiln("env", "diff", "staging", "production", "--detailed-exitcode").exit())
        .isEqualTo(2);
    FakeKilnServer.Run same2 = server.kiln("env", "diff", "staging", "qa", "--detailed-exitcode");
    assertThat(same2.exit()).isZero();
    assertThat(same2.out()).contains("same image digest").contains("no overrides differ");
  }

  @Test
  void diff_neitherLive_isNoDifference_andNotSaidToDiffer() {
    String none =
        """
        {"name": "web", "liveRevision": null, "image": null, "replicas": 1, "healthy": 0}""";
    server.on(
        "GET /v1/environments/diff?a=staging&b=production",
        """
        {"a": "staging", "b": "production", "services": [{"name": "web", "a": %s, "b": %s,
          "sameImage": false, "differs": []}]}
        """
            .formatted(none, none));

    FakeKilnServer.Run r =
        server.kiln("env", "diff", "staging", "production", "--detailed-exitcode");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("no image live in either").doesNotContain("image digests differ");
  }

  @Test
  void diff_help_namesTheExitCodes() {
    assertThat(server.kiln("env", "diff", "--help").out())
        .contains("--detailed-exitcode")
        .containsPattern("2 +they differ \\(with --detailed-exitcode\\)");
  }

  /** Production, promoted from staging after a 10m soak, its web's gate refused until then. */
  private static String production(String eligibleAt) {
    return """
        {"name": "production", "router": "127.0.0.1:8080", "listening": "127.0.0.1:8080",
         "promotion": {"from": "staging", "soak": "PT10M"},
         "services": [{"name": "web", "liveRevision": 2, "image": "sha256:bbbbbbbbbbbbbbbb", "replicas": 2, "healthy": 2,
           "promotionGate": {"verdict": "refused", "reason": "soaked PT4M of PT10M",
             "eligibleAt": "%s", "evidence": []}}]}
        """
        .formatted(eligibleAt);
  }

  @Test
  void list_onePerEnvironmentAndService() {
    server.on(
        "GET /v1/environments",
        "{\"environments\": ["
            + production("2026-11-30T10:10:00Z")
            + ","
            + """
              {"name": "staging", "router": "127.0.0.1:8081", "listening": "127.0.0.1:8081", "promotion": null,
               "services": [{"name": "web", "liveRevision": null, "image": null, "replicas": 0, "healthy": 0}]}]}
              """);

    FakeKilnServer.Run r = server.kiln("env", "list");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .containsPattern("production +127.0.0.1:8080 +from staging, soak 10m +web +2 ")
        .containsPattern("staging +127.0.0.1:8081 +- +web +- ")
        .containsPattern("2/2 +eligible at 2026-11-30T10:10:00Z\n");
  }

  @Test
  void list_eligibleAt_isToTheSecond_roundedUp() {
    server.on(
        "GET /v1/environments",
        "{\"environments\": [" + production("2026-11-30T10:10:00.703047483Z") + "]}");

    FakeKilnServer.Run r = server.kiln("env", "list");

    assertThat(r.out()).containsPattern("2/2 +eligible at 2026-11-30T10:10:01Z\n");
  }

  @Test
  void statusAndHistory_ofAnUnknownEnvironment_nameTheKnownOnes_exit1() {
    server.on("GET /v1/services", Canned.services(Canned.service("production--web", 2, "null")));
    server.on(
        "GET /v1/environments",
        "{\"environments\": [{\"name\": \"staging\", \"services\": []},"
            + " {\"name\": \"production\", \"services\": []}]}");

    FakeKilnServer.Run status = server.kiln("status", "--env", "nosuch");
    FakeKilnServer.Run history = server.kiln("history", "--env", "nosuch");
    // a known environment with nothing applied yet is no error
    FakeKilnServer.Run empty = server.kiln("status", "--env", "staging");

    assertThat(status.exit()).isEqualTo(1);
    assertThat(status.err()).contains("no environment 'nosuch'; known: production, staging");
    assertThat(history.exit()).isEqualTo(1);
    assertThat(history.err()).contains("no environment 'nosuch'; known: production, staging");
    assertThat(empty.exit()).as(empty.err()).isZero();
    assertThat(empty.out()).contains("no services yet");
  }

  @Test
  void status_withEnv_showsThePromotionGatesVerdict() {
    server.on("GET /v1/services", Canned.services(Canned.service("production--web", 2, "null")));
    server.on(
        "GET /v1/environments",
        "{\"environments\": [{\"name\": \"production\", \"services\": [{\"name\": \"web\","
            + " \"promotionGate\": "
            + REFUSED
            + "}]}]}");

    FakeKilnServer.Run r = server.kiln("status", "--env", "production");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(
            "promotion gate (from staging):\n"
                + "  web: eligible at 2026-11-30T10:10:00Z (web in staging revision 3 has soaked"
                + " PT4M of PT10M)\n");
  }

  private static final String REFUSED =
      """
      {"service": "web", "from": "staging", "to": "production", "soak": "PT10M",
       "verdict": "refused", "reason": "web in staging revision 3 has soaked PT4M of PT10M",
       "revision": 3, "digest": "sha256:abc", "eligibleAt": "2026-11-30T10:10:00Z",
       "evidence": ["staging runs web revision 3, sha256:abc", "soak: PT4M of PT10M"]}
      """;

  @Test
  void promote_dryRun_printsTheVerdictAndEvidence_exit2WhenRefused() {
    server.on("POST /v1/environments/promote", "{\"dryRun\": true, \"verdict\": " + REFUSED + "}");

    FakeKilnServer.Run r =
        server.kiln(
            "env", "promote", "web", "--from", "staging", "--to", "production", "--dry-run");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out())
        .isEqualTo(
            "web from staging to production: refused: web in staging revision 3 has soaked PT4M"
                + " of PT10M\n"
                + "  staging runs web revision 3, sha256:abc\n"
                + "  soak: PT4M of PT10M\n");
    assertThat(server.requests().getFirst().body())
        .isEqualTo(
            "{\"service\":\"web\",\"from\":\"staging\",\"to\":\"production\",\"dryRun\":true}");
    assertThat(server.routes()).containsExactly("POST /v1/environments/promote");
  }

  @Test
  void promote_dryRun_eligible_exit0() {
    server.on(
        "POST /v1/environments/promote",
        "{\"dryRun\": true, \"verdict\": "
            + REFUSED
                .replace("\"refused\"", "\"eligible\"")
                .replace(
                    "\"reason\": \"web in staging revision 3 has soaked PT4M of PT10M\"",
                    "\"reason\": null")
            + "}");

    FakeKilnServer.Run r =
        server.kiln(
            "env", "promote", "web", "--from", "staging", "--to", "production", "--dry-run");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .startsWith("web from staging to production: eligible, revision 3, sha256:abc\n");
  }

  @Test
  void plan_withEnv_saysWhetherThePromotionGateWouldRefuse() throws Exception {
    Path bp = Files.writeString(dir.resolve("kiln.yaml"), "services: {}\n");
    String plan = Canned.PLAN_CHANGES.strip();
    server.on(
        "POST /v1/environments/production/plan",
        plan.substring(0, plan.length() - 1) + ", \"promotionGate\": [" + REFUSED + "]}");

    FakeKilnServer.Run r = server.kiln("plan", "-f", bp.toString(), "--env", "production");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains(
            "Promotion gate (kiln apply would be refused):\n"
                + "  web from staging to production: refused: web in staging revision 3 has"
                + " soaked PT4M of PT10M\n"
                + "    staging runs web revision 3, sha256:abc\n");
  }

  @Test
  void statusAndHistory_withEnv_readThatEnvironmentsServices() {
    server.on(
        "GET /v1/services",
        Canned.services(
            Canned.service("staging--web", 1, "null"),
            Canned.service("production--web", 2, "null")));
    server.on("GET /v1/services/staging--web/revisions", "{\"revisions\": []}");
    server.on("GET /v1/environments", "{\"environments\": []}");

    FakeKilnServer.Run status = server.kiln("status", "--env", "staging");
    FakeKilnServer.Run history = server.kiln("history", "--env", "staging");

    assertThat(status.out()).contains("staging--web").doesNotContain("production--web");
    assertThat(history.exit()).isZero();
    assertThat(server.routes()).doesNotContain("GET /v1/services/production--web/revisions");
  }

  @Test
  void statusJson_withEnv_isTheServicesAnswerNarrowedToThatEnvironment() throws Exception {
    String cert =
        "{\"service\":\"%s\",\"host\":\"%s.example.org\",\"cert\":\"certs/a.pem\","
            + "\"subject\":\"CN=x\",\"fingerprint\":\"ab\",\"notAfter\":\"2027-01-31T00:00:00Z\","
            + "\"daysLeft\":62,\"redirect\":false,\"hsts\":false}";
    server.on(
        "GET /v1/services",
        "{\"services\":["
            + Canned.service("staging--web", 1, "null")
            + ","
            + Canned.service("production--web", 2, "null")
            + "],\"certificates\":["
            + cert.formatted("staging--web", "staging")
            + ","
            + cert.formatted("production--web", "www")
            + "],\"git\":{}}");

    FakeKilnServer.Run r = server.kiln("status", "--env", "staging", "-o", "json");

    assertThat(r.exit()).as(r.err()).isZero();
    var json = ApiClient.JSON.readTree(r.out());
    assertThat(json.get("services")).hasSize(1);
    assertThat(json.get("services").get(0).get("name").asText()).isEqualTo("staging--web");
    assertThat(json.get("certificates")).hasSize(1);
    assertThat(json.get("certificates").get(0).get("host").asText())
        .isEqualTo("staging.example.org");
    assertThat(json.has("git")).as("the follower's status is the whole server's").isFalse();
    // the same records the server sends: the environment's service reads back as it was sent
    assertThat(json.get("services").get(0))
        .isEqualTo(ApiClient.JSON.readTree(Canned.service("staging--web", 1, "null")));
  }

  @Test
  void apply_withEnv_postsToThatEnvironment() throws Exception {
    Path bp = Files.writeString(dir.resolve("kiln.yaml"), "services: {}\n");
    server.on(
        "POST /v1/environments/staging/apply",
        "{\"plan\":" + Canned.PLAN_CHANGES + ",\"rollouts\":[],\"certificates\":[]}");
    server.on("POST /v1/environments/staging/plan", Canned.PLAN_CHANGES);

    assertThat(server.kiln("apply", "-f", bp.toString(), "--env", "staging").exit()).isZero();
    assertThat(server.kiln("plan", "-f", bp.toString(), "--env", "staging").exit()).isZero();
    assertThat(server.routes())
        .contains("POST /v1/environments/staging/apply", "POST /v1/environments/staging/plan");
  }
}
