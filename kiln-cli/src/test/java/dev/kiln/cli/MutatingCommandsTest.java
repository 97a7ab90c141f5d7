package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** promote, pause, resume, abort and rollback: intents sent to the server, and what they print. */
class MutatingCommandsTest {
  private FakeKilnServer server;

  @BeforeEach
  void start() throws Exception {
    server = new FakeKilnServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"promote", "pause", "resume", "abort"})
  void intents_postAnEmptyObjectWithTokenAndActor(String verb) {
    server.on(
        "POST /v1/services/web/" + verb,
        Canned.rollout("r1", "web", "canary", "PAUSED", 1, 3, 10, ""));

    FakeKilnServer.Run r = server.kiln(verb, "web");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .isEqualTo("web: " + verb + " recorded; rollout 2 -> 3 canary is PAUSED 1/3\n");
    FakeKilnServer.Request req = server.requests().getFirst();
    assertThat(req.body()).isEqualTo("{}");
    assertThat(req.headers())
        .containsEntry("authorization", "Bearer test-token")
        .containsKey("x-kiln-actor");
  }

  @ParameterizedTest
  @ValueSource(strings = {"promote", "pause", "resume", "abort", "rollback"})
  void withEnv_actOnTheEnvironmentsService(String verb) {
    // as status, history, plan and apply take --env: no need to spell staging--web
    server.on(
        "POST /v1/services/staging--web/" + verb,
        verb.equals("rollback")
            ? "{\"revision\":"
                + Canned.revision("staging--web", 5, Canned.D1, "rollback")
                + ",\"mode\":\"fast-track\",\"rollout\":null}"
            : Canned.rollout("r1", "staging--web", "canary", "PAUSED", 1, 3, 10, ""));

    FakeKilnServer.Run r = server.kiln(verb, "--env", "staging", "web");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("staging--web: " + verb);
    assertThat(server.routes()).containsExactly("POST /v1/services/staging--web/" + verb);
  }

  @Test
  void promote_withoutAnActiveRollout_isTheServers409Message() {
    server.on(
        "POST /v1/services/web/promote",
        409,
        "{\"error\":\"web has no active rollout to promote\"}");

    FakeKilnServer.Run r = server.kiln("promote", "web");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo("error: web has no active rollout to promote" + System.lineSeparator());
  }

  @Test
  void rollback_toARevision_sendsIt_andFollowsTheRollout() {
    String rollout = Canned.rollout("r9", "web", "rolling", "PROGRESSING", 1, 2, null, "");
    server.on(
        "POST /v1/services/web/rollback",
        "{\"revision\":"
            + Canned.revision("web", 5, Canned.D1, "rollback")
            + ",\"mode\":\"fast-track\",\"rollout\":"
            + rollout
            + "}");
    server.on("GET /v1/services", Canned.services(Canned.service("web", 3, "null")));
    server.on("GET /v1/rollouts", Canned.rollouts(rollout.replace("PROGRESSING", "SUCCEEDED")));

    FakeKilnServer.Run r = server.kiln("rollback", "web", "--to", "3", "--poll-interval", "5ms");

    assertThat(r.exit()).isZero();
    assertThat(server.requests().getFirst().body()).isEqualTo("{\"to\":3}");
    assertThat(r.out())
        .startsWith(
            "web: rollback recorded as revision 5 (image sha256:111111111111), by fast-track\n")
        .endsWith("rollback of web (2 -> 3) done\n");
  }

  @Test
  void rollback_toThePrevious_sendsAnEmptyObject_andASwapNeedsNoFollowing() {
    server.on(
        "POST /v1/services/web/rollback",
        "{\"revision\":"
            + Canned.revision("web", 4, Canned.D2, "rollback")
            + ",\"mode\":\"swap\",\"rollout\":null}");

    FakeKilnServer.Run r = server.kiln("rollback", "web");

    assertThat(r.exit()).isZero();
    assertThat(server.requests().getFirst().body()).isEqualTo("{}");
    assertThat(r.out())
        .isEqualTo("web: rollback recorded as revision 4 (image sha256:222222222222), by swap\n");
    assertThat(server.routes()).containsExactly("POST /v1/services/web/rollback");
  }

  @Test
  void rollback_thatIsAborted_exits1() {
    String rollout = Canned.rollout("r9", "web", "rolling", "PROGRESSING", 1, 2, null, "");
    server.on(
        "POST /v1/services/web/rollback",
        "{\"revision\":"
            + Canned.revision("web", 5, Canned.D1, "rollback")
            + ",\"mode\":\"fast-track\",\"rollout\":"
            + rollout
            + "}");
    server.on("GET /v1/services", Canned.services());
    server.on(
        "GET /v1/rollouts",
        Canned.rollouts(
            Canned.rollout(
                "r9", "web", "rolling", "ABORTED", 1, 2, null, "instances failed to start")));

    FakeKilnServer.Run r = server.kiln("rollback", "web", "--poll-interval", "5ms");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("error: rollback of web (2 -> 3) was aborted: instances failed to start");
  }
}
