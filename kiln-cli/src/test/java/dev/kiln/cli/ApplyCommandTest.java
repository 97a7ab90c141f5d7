package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplyCommandTest {
  @TempDir Path dir;
  private FakeKilnServer server;
  private Path blueprint;

  private static final String PROGRESSING =
      Canned.rollout("r1", "web", "canary", "PROGRESSING", 1, 3, 10, "");
  private static final String PAUSED =
      Canned.rollout("r1", "web", "canary", "PAUSED", 2, 3, 50, "waiting 30s");
  private static final String SUCCEEDED =
      Canned.rollout("r1", "web", "canary", "SUCCEEDED", 3, 3, 100, "");
  private static final String ABORTED =
      Canned.rollout(
          "r1", "web", "canary", "ABORTED", 2, 3, 0, "analysis failed: error rate 7% > 1%");

  @BeforeEach
  void start() throws Exception {
    server = new FakeKilnServer();
    blueprint = Files.writeString(dir.resolve("kiln.yaml"), "services: {}\n");
    server.on("GET /v1/services", Canned.services(Canned.service("web", 3, "null")));
  }

  @AfterEach
  void stop() {
    server.close();
    System.clearProperty("kiln.terminal");
  }

  private FakeKilnServer.Run apply(String... more) {
    String[] args = new String[more.length + 5];
    System.arraycopy(
        new String[] {"apply", "-f", blueprint.toString(), "--poll-interval", "5ms"},
        0,
        args,
        0,
        5);
    System.arraycopy(more, 0, args, 5, more.length);
    return server.kiln(args);
  }

  private void started(String rollout) {
    server.on(
        "POST /v1/apply",
        "{\"plan\":"
            + Canned.PLAN_CHANGES
            + ",\"rollouts\":["
            + rollout
            + "],\"certificates\":[]}");
  }

  @Test
  void followsTheRolloutToSuccess_oneLinePerChange_exit0() {
    started(PROGRESSING);
    server
        .on("GET /v1/rollouts", Canned.rollouts(PROGRESSING))
        .on("GET /v1/rollouts", Canned.rollouts(PROGRESSING))
        .on("GET /v1/rollouts", Canned.rollouts(PAUSED))
        .on("GET /v1/rollouts", Canned.rollouts(SUCCEEDED));

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .startsWith("-/+ web: replace revision 2 with 3 (image changed)\n")
        .endsWith(
            """

            web: 2 -> 3 canary PROGRESSING step 1/3, weight 10%, healthy 3/3
            web: 2 -> 3 canary PAUSED step 2/3, weight 50%, healthy 3/3 (waiting 30s)
            web: 2 -> 3 canary SUCCEEDED step 3/3, weight 100%, healthy 3/3
            rollout of web (2 -> 3) succeeded
            """);
    assertThat(server.requests().getFirst().body())
        .contains("\"blueprint\":\"services: {}\\n\"")
        .doesNotContain(blueprint.toAbsolutePath().toString());
    assertThat(server.routes()).filteredOn(s -> s.equals("GET /v1/rollouts")).hasSize(4);
  }

  @Test
  void aScaleOnlyApply_followsTheNewInstancesUntilHealthy_thenSaysItScaled() {
    // the apply hands back the service's last rollout, SUCCEEDED long ago, with the new count
    String scaled =
        Canned.rollout(
                "r1", "web", "rolling", "SUCCEEDED", 1, 1, 100, "its instance runs revision 3")
            .replace("\"message\"", "\"replicas\":3,\"message\"");
    started(scaled);
    server.on("GET /v1/rollouts", Canned.rollouts(scaled));
    server
        .clear("GET /v1/services")
        .on("GET /v1/services", Canned.services(Canned.service("web", 1, "null")))
        .on("GET /v1/services", Canned.services(Canned.service("web", 2, "null")))
        .on("GET /v1/services", Canned.services(Canned.service("web", 3, "null")));

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .endsWith(
            """

            web: 2 -> 3 rolling SCALING weight 100%, healthy 1/3 (starting instances of revision 3)
            web: 2 -> 3 rolling SCALING weight 100%, healthy 2/3 (starting instances of revision 3)
            web: 2 -> 3 rolling SUCCEEDED step 1/1, weight 100%, healthy 3/3 (its instance runs revision 3)
            web scaled to 3 instances of revision 3, all healthy
            """)
        .doesNotContain("succeeded");
  }

  @Test
  void aScaleOnlyApply_thatDoesNotGetHealthy_isNotCalledASuccess() {
    String scaled =
        Canned.rollout("r1", "web", "rolling", "SUCCEEDED", 1, 1, 100, "")
            .replace("\"message\"", "\"replicas\":3,\"message\"");
    started(scaled);
    server.on("GET /v1/rollouts", Canned.rollouts(scaled));
    server
        .clear("GET /v1/services")
        .on("GET /v1/services", Canned.services(Canned.service("web", 1, "null")));

    FakeKilnServer.Run r = apply("--timeout", "50ms");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("error: stopped following after 0.05s: web scaling, 1/3 healthy still in");
  }

  @Test
  void anAbortedRollout_exits1WithItsMessage() {
    started(PROGRESSING);
    server
        .on("GET /v1/rollouts", Canned.rollouts(PROGRESSING))
        .on("GET /v1/rollouts", Canned.rollouts(ABORTED));

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith(
            "error: rollout of web (2 -> 3) was aborted: analysis failed: error rate 7% > 1%");
  }

  @Test
  void detach_returnsAtOnceWithoutFollowing() {
    started(PROGRESSING);

    FakeKilnServer.Run r = apply("--detach");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("started web: 2 -> 3 canary PROGRESSING step 1/3, weight 10%")
        .contains("kiln status");
    assertThat(server.routes()).containsExactly("POST /v1/apply");
  }

  @Test
  void nothingToRollOut_printsThePlanAndExits0() {
    server.on(
        "POST /v1/apply",
        "{\"plan\":" + Canned.PLAN_NONE + ",\"rollouts\":[],\"certificates\":[]}");

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("No changes. The fleet matches the blueprint.\n");
  }

  @Test
  void onlyACertificateRenewed_saysSoInsteadOfNoChanges() {
    server.on(
        "POST /v1/apply",
        "{\"plan\":"
            + Canned.PLAN_NONE
            + ",\"certificates\":[{\"service\":\"web\",\"action\":\"renewed\","
            + "\"notAfter\":\"2027-01-29T12:00:00Z\"},{\"service\":\"api\",\"action\":\"removed\"}],"
            + "\"rollouts\":[]}");

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "certificate renewed for web (expires 2027-01-29T12:00:00Z)\n"
                + "certificate removed from api\n");
  }

  @Test
  void aCertificateInstalledBesideARollout_followsThePlan() {
    server.on(
        "POST /v1/apply",
        "{\"plan\":"
            + Canned.PLAN_CHANGES
            + ",\"certificates\":[{\"service\":\"api\",\"action\":\"installed\","
            + "\"notAfter\":\"2027-01-29T12:00:00Z\"}],\"rollouts\":[]}");

    FakeKilnServer.Run r = apply();

    assertThat(r.out())
        .contains("Plan: 1 to create")
        .endsWith("certificate installed for api (expires 2027-01-29T12:00:00Z)\n");
  }

  @Test
  void aRolloutAtAGateForPromote_endsTheFollowing_sayingWhatToRun() {
    // a blue-green preview without auto-promotion waits for a person, not for time: following it
    // would last until someone promotes (a CI job would hang for its whole timeout)
    String preview =
        Canned.rollout("r1", "web", "blue-green", "PROGRESSING", 1, 1, 0, "run `kiln promote web`")
            .replace(
                "{\"type\":\"Progressing\"",
                "{\"type\":\"Paused\",\"status\":true,\"reason\":\"AwaitingPromotion\","
                    + "\"message\":\"run `kiln promote web`\"},{\"type\":\"Progressing\"");
    started(preview);
    server.on("GET /v1/rollouts", Canned.rollouts(preview));

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .endsWith(
            "rollout of web (2 -> 3) waits for `kiln promote web` (run `kiln promote web`);"
                + " `kiln abort web` goes back\n");
    assertThat(server.routes()).filteredOn(s -> s.equals("GET /v1/rollouts")).hasSize(1);
  }

  @Test
  void aBlueGreenThatPromotesItselfLater_isFollowedOn() {
    String later =
        Canned.rollout("r1", "web", "blue-green", "PROGRESSING", 1, 1, 0, "")
            .replace(
                "{\"type\":\"Progressing\"",
                "{\"type\":\"Paused\",\"status\":true,\"reason\":\"AutoPromotionPending\","
                    + "\"message\":\"promotes automatically at 2026-11-23T07:05:00Z\"},"
                    + "{\"type\":\"Progressing\"");
    started(later);
    server
        .on("GET /v1/rollouts", Canned.rollouts(later))
        .on("GET /v1/rollouts", Canned.rollouts(later.replace("PROGRESSING", "SUCCEEDED")));

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("rollout of web (2 -> 3) succeeded");
  }

  @Test
  void aCanarysTimedPause_isFollowedOn() {
    String pausing =
        Canned.rollout("r1", "web", "canary", "PROGRESSING", 1, 3, 10, "")
            .replace(
                "{\"type\":\"Progressing\"",
                "{\"type\":\"Paused\",\"status\":true,\"reason\":\"CanaryPauseTimed\","
                    + "\"message\":\"until 2026-11-23T07:05:00Z\"},{\"type\":\"Progressing\"");
    started(pausing);
    server
        .on("GET /v1/rollouts", Canned.rollouts(pausing))
        .on("GET /v1/rollouts", Canned.rollouts(SUCCEEDED));

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("rollout of web (2 -> 3) succeeded");
  }

  @Test
  void blueGreenScalingDown_countsAsDone() {
    // canaryWeight is always sent: the percent on the new side (all of it once switched)
    String bg = Canned.rollout("r1", "web", "blue-green", "PROGRESSING", 0, 0, 100, "");
    started(bg);
    server.on("GET /v1/rollouts", Canned.rollouts(bg.replace("PROGRESSING", "SCALING_DOWN")));

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("web: 2 -> 3 blue-green SCALING_DOWN weight 100%, healthy 3/3")
        .contains("rollout of web (2 -> 3) succeeded");
  }

  @Test
  void aRolloutReplacedByANewerOne_isNoLongerFollowed() {
    started(PROGRESSING);
    server.on(
        "GET /v1/rollouts",
        Canned.rollouts(Canned.rollout("r2", "web", "canary", "PROGRESSING", 1, 3, 10, "")));

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("rollout of web (2 -> 3) was superseded by a newer one");
  }

  @Test
  void timeout_exits1AndSaysTheRolloutGoesOn() {
    started(PROGRESSING);
    server.on("GET /v1/rollouts", Canned.rollouts(PAUSED));

    FakeKilnServer.Run r = apply("--timeout", "50ms");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("error: stopped following after 0.05s: web PAUSED 2/3 still in progress");
  }

  @Test
  void onATerminal_theProgressBlockIsRedrawnInPlace() {
    System.setProperty("kiln.terminal", "true");
    started(PROGRESSING);
    server
        .on("GET /v1/rollouts", Canned.rollouts(PROGRESSING))
        .on("GET /v1/rollouts", Canned.rollouts(SUCCEEDED));

    FakeKilnServer.Run r = apply();

    assertThat(r.exit()).isZero();
    String block1 =
        """
        SERVICE   REVISION   STRATEGY   PHASE         STEP   WEIGHT   HEALTHY
        web       2 -> 3     canary     PROGRESSING   1/3    10%      3/3
        """;
    String block2 =
        """
        SERVICE   REVISION   STRATEGY   PHASE       STEP   WEIGHT   HEALTHY
        web       2 -> 3     canary     SUCCEEDED   3/3    100%     3/3
        """;
    assertThat(r.out()).contains(block1 + "\u001b[2F\u001b[J" + block2);
  }

  @Test
  void durations_readLikeHumansWriteThem() {
    ApplyCommand.DurationConverter c = new ApplyCommand.DurationConverter();
    assertThat(c.convert("15m")).isEqualTo(Duration.ofMinutes(15));
    assertThat(c.convert("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(c.convert("PT2S")).isEqualTo(Duration.ofSeconds(2));
    FakeKilnServer.Run r = server.kiln("apply", "--timeout", "soon");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("'soon' is not a duration");
  }
}
