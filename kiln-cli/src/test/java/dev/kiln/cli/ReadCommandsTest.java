package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** status, history and journal: the requests they make, their tables, their JSON. */
class ReadCommandsTest {
  private FakeKilnServer server;

  private static final String WEB =
      Canned.service(
          "web",
          2,
          Canned.rollout("r1", "web", "canary", "PAUSED", 1, 3, 10, "waiting for promote"),
          Canned.instance("web-2-a1b2", 2, "HEALTHY", 1234),
          Canned.instance("web-3-c3d4", 3, "STARTING", null));
  private static final String API =
      Canned.service("api", 3, "null")
          .replace("\"2\":90,\"3\":10", "\"3\":100")
          .replace("\"name\":\"web\"", "");

  @BeforeEach
  void start() throws Exception {
    server = new FakeKilnServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void status_tablesTheServices() {
    server.on("GET /v1/services", Canned.services(WEB, API));

    FakeKilnServer.Run r = server.kiln("status");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            NAME   REVISION   HEALTHY/DESIRED   STRATEGY   ROLLOUT      TRAFFIC
            web    3          2/3               canary     PAUSED 1/3   r2 90%, r3 10%
            api    3          3/3               canary     -            r3 100%
            """);
  }

  @Test
  void status_ofOneService_showsItsRolloutAndInstances() {
    server.on("GET /v1/services/web", WEB);

    FakeKilnServer.Run r = server.kiln("status", "web");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            Service:    web
            Revision:   3
            Image:      %s
            Instances:  2 healthy of 3 desired
            Strategy:   canary
            Route:      * /
            Traffic:    r2 90%%, r3 10%%
            Rollout:    2 -> 3 canary PAUSED 1/3, weight 10%% (waiting for promote)
              Progressing=true NewRevisionHealthy: 2 of 3 healthy

            INSTANCE     REVISION   RUNTIME   STATE     HEALTH     PORT    PID    STARTED                CPU   MEMORY   DRIFT
            web-2-a1b2   2          process   running   HEALTHY    41234   1234   2026-11-23T07:00:01Z   -     -        -
            web-3-c3d4   3          process   running   STARTING   41234   -      2026-11-23T07:00:01Z   -     -        -
            """
                .formatted(Canned.D2));
  }

  @Test
  void status_aCanaryStepWithoutAPause_saysItWaitsForPromote() {
    // as the controller words it (CanaryStrategy): the condition a step without a pause sets
    String waiting =
        Canned.rollout("r1", "web", "canary", "PROGRESSING", 0, 3, 10, "")
            .replace(
                "{\"type\":\"Progressing\",\"status\":true,\"reason\":\"NewRevisionHealthy\","
                    + "\"message\":\"2 of 3 healthy\"}",
                "{\"type\":\"Paused\",\"status\":true,\"reason\":\"CanaryPauseStep\","
                    + "\"message\":\"run `kiln promote web`\"}");
    server.on("GET /v1/services", Canned.services(Canned.service("web", 3, waiting)));
    server.on("GET /v1/services/web", Canned.service("web", 3, waiting));

    FakeKilnServer.Run table = server.kiln("status");
    FakeKilnServer.Run one = server.kiln("status", "web");

    assertThat(table.out()).contains("PROGRESSING 0/3, awaits kiln promote");
    assertThat(one.out())
        .contains(
            "Rollout:    2 -> 3 canary PROGRESSING 0/3, weight 10%; waits for `kiln promote web`,"
                + " `kiln abort web` goes back\n"
                + "  Paused=true CanaryPauseStep: run `kiln promote web`\n");
  }

  @Test
  void status_unknownService_isTheServers404Message() {
    server.on("GET /v1/services/nope", 404, "{\"error\":\"no service 'nope'; known: web, api\"}");

    FakeKilnServer.Run r = server.kiln("status", "nope");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo("error: no service 'nope'; known: web, api" + System.lineSeparator());
  }

  @Test
  void status_withoutServices_saysHowToDeploy() {
    server.on("GET /v1/services", Canned.services());
    assertThat(server.kiln("status").out())
        .isEqualTo("no services yet; deploy a blueprint with `kiln apply`\n");
  }

  @Test
  void status_json_isTheServersJson() throws Exception {
    server.on("GET /v1/services", Canned.services(WEB));

    FakeKilnServer.Run r = server.kiln("status", "-o", "json");

    assertThat(ApiClient.JSON.readTree(r.out()))
        .isEqualTo(ApiClient.JSON.readTree(Canned.services(WEB)));
    assertThat(r.out()).contains("\n  \"services\" : ["); // pretty
  }

  @Test
  void history_ofOneService() {
    server.on(
        "GET /v1/services/web/revisions",
        "{\"revisions\":["
            + Canned.revision("web", 1, Canned.D1, "apply")
            + ","
            + Canned.revision("web", 2, Canned.D2, "rollback")
            + "]}");

    FakeKilnServer.Run r = server.kiln("history", "web");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            REVISION   IMAGE                 CREATED                ACTOR                CAUSE
            1          sha256:111111111111   2026-11-20T10:15:30Z   local:alice@laptop   apply
            2          sha256:222222222222   2026-11-20T10:15:30Z   local:alice@laptop   rollback
            """);
  }

  @Test
  void history_ofEveryService_gathersEachServicesRevisions() throws Exception {
    server.on("GET /v1/services", Canned.services(WEB, Canned.service("api", 3, "null")));
    server.on(
        "GET /v1/services/web/revisions",
        "{\"revisions\":[" + Canned.revision("web", 1, Canned.D1, "apply") + "]}");
    server.on(
        "GET /v1/services/api/revisions",
        "{\"revisions\":[" + Canned.revision("api", 1, Canned.D2, "apply") + "]}");

    FakeKilnServer.Run table = server.kiln("history");
    FakeKilnServer.Run json = server.kiln("history", "-o", "json");

    assertThat(table.out().lines())
        .containsExactly(
            "SERVICE   REVISION   IMAGE                 CREATED                ACTOR                CAUSE",
            "web       1          sha256:111111111111   2026-11-20T10:15:30Z   local:alice@laptop   apply",
            "api       1          sha256:222222222222   2026-11-20T10:15:30Z   local:alice@laptop   apply");
    assertThat(ApiClient.JSON.readTree(json.out()).path("revisions")).hasSize(2);
  }

  @Test
  void journal_passesTheFiltersAndTablesTheEntries() {
    server.on(
        "GET /v1/journal?since=10&service=web&kind=rollout-step&limit=2",
        "{\"entries\":["
            + Canned.entry(11, "rollout-step", "web", "canary step 1: weight 10%")
            + ","
            + Canned.entry(12, "rollout-step", "web", "canary step 2: weight 50%")
            + "]}");

    FakeKilnServer.Run r =
        server.kiln(
            "journal",
            "--since",
            "10",
            "--service",
            "web",
            "--kind",
            "rollout-step",
            "--limit",
            "2");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
            SEQ   TIME                   ACTOR                KIND           SUBJECT   CAUSE
            11    2026-11-23T07:00:00Z   local:alice@laptop   rollout-step   web       canary step 1: weight 10%
            12    2026-11-23T07:00:00Z   local:alice@laptop   rollout-step   web       canary step 2: weight 50%
            """);
  }

  @Test
  void journal_env_namesTheServiceAsTheServerDoes_andNeedsOne() {
    server.on(
        "GET /v1/journal?service=staging--web",
        "{\"entries\":["
            + Canned.entry(7, "rollout-succeeded", "staging--web", "rollout 1 -> 2 succeeded")
            + "]}");

    FakeKilnServer.Run one = server.kiln("journal", "--env", "staging", "--service", "web");
    FakeKilnServer.Run none = server.kiln("journal", "--env", "staging");

    assertThat(one.exit()).isZero();
    assertThat(one.out()).contains("staging--web", "rollout 1 -> 2 succeeded");
    assertThat(none.exit()).isEqualTo(2);
    assertThat(none.err())
        .contains("--env staging needs --service NAME")
        .contains("kiln journal --env staging --service web");
  }

  @Test
  void journal_anUnknownService_isTheServersRefusal_exit1() {
    String refusal = "{\"error\":\"no service named 'nosuch'; known: api, web\"}";
    server.on("GET /v1/journal?service=nosuch", 404, refusal);
    server.on("GET /v1/journal?since=5&service=nosuch&limit=1", 404, refusal);

    FakeKilnServer.Run listed = server.kiln("journal", "--service", "nosuch");
    // --follow --since streams without a first read: it asks once, and does not follow nothing
    FakeKilnServer.Run followed =
        server.kiln("journal", "--follow", "--since", "5", "--service", "nosuch");

    assertThat(listed.exit()).isEqualTo(1);
    assertThat(listed.err()).contains("no service named 'nosuch'; known: api, web");
    assertThat(followed.exit()).isEqualTo(1);
    assertThat(followed.err()).contains("no service named 'nosuch'; known: api, web");
    assertThat(server.routes()).noneMatch(r -> r.startsWith("GET /v1/events"));
  }

  @Test
  void journal_withoutFilters_asksForEverything_andJsonKeepsBodiesAndHashes() throws Exception {
    String entries = "{\"entries\":[" + Canned.entry(1, "apply", "web", "kiln apply") + "]}";
    server.on("GET /v1/journal", entries);

    FakeKilnServer.Run r = server.kiln("journal", "-o", "json");

    assertThat(server.routes()).containsExactly("GET /v1/journal");
    assertThat(ApiClient.JSON.readTree(r.out())).isEqualTo(ApiClient.JSON.readTree(entries));
  }
}
