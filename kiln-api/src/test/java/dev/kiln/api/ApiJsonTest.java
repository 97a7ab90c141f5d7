package dev.kiln.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The records write the JSON the server always wrote (names, nulls kept where the field was always
 * sent, absent where it was left out) and read back what a server sends, including fields a newer
 * server adds (the CLI ignores unknown fields).
 */
class ApiJsonTest {
  private static final ObjectMapper WRITE = new ObjectMapper();
  private static final ObjectMapper READ =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private static InstanceView instance(Long pid) {
    return new InstanceView(
        "web-r1-0001",
        "web",
        1,
        "process",
        "running",
        "HEALTHY",
        null,
        41001,
        null,
        "127.0.0.1:41001",
        pid,
        "2026-11-30T05:00:00Z",
        "-",
        null,
        null);
  }

  @Test
  void aServiceBeforeItsFirstRolloutSendsNullsAndLeavesOutWhatItHasNot() throws Exception {
    ServiceView s =
        new ServiceView(
            "web",
            null,
            null,
            3,
            0,
            "rolling",
            new ServiceView.Route("*", "/", null),
            Map.of(),
            null,
            List.of(instance(null)),
            null);
    JsonNode n = WRITE.valueToTree(s);

    assertThat(n.has("image") && n.get("image").isNull()).isTrue();
    assertThat(n.get("liveRevision").isNull()).isTrue();
    assertThat(n.get("rollout").isNull()).isTrue();
    assertThat(n.has("autoscale")).isFalse();
    assertThat(n.get("route").has("tls")).isFalse();
    JsonNode i = n.get("instances").get(0);
    assertThat(i.get("pid").isNull()).isTrue();
    assertThat(i.has("termination") || i.has("isolation") || i.has("limits") || i.has("usage"))
        .isFalse();
    assertThat(WRITE.writeValueAsString(n.get("route")))
        .isEqualTo("{\"host\":\"*\",\"path\":\"/\"}");
  }

  @Test
  void aPlanChangeKeepsTheFieldNamesOldClientsRead() throws Exception {
    PlanView plan =
        new PlanView(
            List.of(
                new ChangeView(
                    "web",
                    "replace",
                    1,
                    2,
                    null,
                    List.of(new ChangeView.FieldChange("image", "sha256:a", "sha256:b")))),
            "~ web",
            true,
            "sha256:c",
            null,
            null);
    assertThat(WRITE.writeValueAsString(plan))
        .isEqualTo(
            "{\"changes\":[{\"service\":\"web\",\"action\":\"replace\",\"fromRevision\":1,"
                + "\"toRevision\":2,\"replicas\":null,\"fields\":[{\"name\":\"image\","
                + "\"from\":\"sha256:a\",\"to\":\"sha256:b\"}]}],\"text\":\"~ web\","
                + "\"hasChanges\":true,\"blueprintDigest\":\"sha256:c\"}");
  }

  @Test
  void anErrorHasProblemsOnlyWhenThereAreAny() throws Exception {
    assertThat(WRITE.writeValueAsString(ApiError.of("no service named x")))
        .isEqualTo("{\"error\":\"no service named x\"}");
    ApiError read =
        READ.readValue("{\"error\":\"bad\",\"problems\":[\"kiln.yaml:3:5: x\"]}", ApiError.class);
    assertThat(read.problems()).containsExactly("kiln.yaml:3:5: x");
    assertThat(READ.readValue("{\"error\":\"bad\"}", ApiError.class).problems()).isEmpty();
  }

  @Test
  void aJournalEntryRoundTripsWithAnyBodyAndIgnoresNewFields() throws Exception {
    String json =
        "{\"entries\":[{\"seq\":7,\"time\":\"2026-11-30T05:00:00Z\",\"actor\":\"uid:0(root)\","
            + "\"kind\":\"traffic-set\",\"subject\":\"web\",\"cause\":\"apply\","
            + "\"body\":{\"v\":2,\"weights\":{\"1\":100}},\"hash\":\"h\",\"prevHash\":\"p\","
            + "\"addedLater\":true}]}";
    JournalResponse r = READ.readValue(json, JournalResponse.class);
    JournalEntry e = r.entries().get(0);
    assertThat(e.seq()).isEqualTo(7);
    assertThat(e.kind()).isEqualTo("traffic-set");
    assertThat(WRITE.valueToTree(e.body()).path("weights").path("1").asInt()).isEqualTo(100);
    JsonNode back = WRITE.valueToTree(r);
    assertThat(back.get("entries").get(0).has("addedLater")).isFalse();
    assertThat(back.get("entries").get(0).get("prevHash").asText()).isEqualTo("p");
  }

  @Test
  void aRolloutReadsBackEqual() throws Exception {
    RolloutView r =
        new RolloutView(
            "web-r2",
            "web",
            1,
            2,
            "canary",
            "PROGRESSING",
            1,
            3,
            10,
            "2026-11-30T05:00:00Z",
            "2026-11-30T05:10:00Z",
            List.of(
                new ConditionView(
                    "Progressing", true, "StepStarted", "step 1", "2026-11-30T05:00:00Z")),
            "step 1",
            3,
            false,
            "none");
    assertThat(READ.readValue(WRITE.writeValueAsString(r), RolloutView.class)).isEqualTo(r);
  }

  @Test
  void gitStatusOfAServerThatNeverFollowedABranchIsAnEmptyObject() throws Exception {
    assertThat(WRITE.writeValueAsString(GitView.NONE)).isEqualTo("{}");
    GitView applied =
        new GitView(
            null,
            "main",
            null,
            null,
            null,
            null,
            null,
            new GitView.Applied("c0ffee", "Ada", null, "sha256:b"),
            null,
            true,
            null);
    assertThat(WRITE.writeValueAsString(applied))
        .isEqualTo(
            "{\"branch\":\"main\",\"applied\":{\"commit\":\"c0ffee\",\"author\":\"Ada\","
                + "\"blueprint\":\"sha256:b\"},\"inSync\":true}");
    assertThat(READ.readValue("{}", GitView.class)).isEqualTo(GitView.NONE);
  }

  @Test
  void aPromotionDryRunSendsOnlyTheVerdict_andAnEnvironmentsServiceAlwaysSendsItsGate()
      throws Exception {
    PromotionVerdict refused =
        new PromotionVerdict(
            "web",
            "staging",
            "production",
            "PT10M",
            "refused",
            "not live",
            null,
            null,
            null,
            List.of());
    JsonNode dry = WRITE.valueToTree(PromoteResponse.dryRun(refused));
    assertThat(dry.properties()).extracting(Map.Entry::getKey).containsExactly("dryRun", "verdict");
    assertThat(dry.get("verdict").get("revision").isNull()).isTrue();
    JsonNode service =
        WRITE.valueToTree(
            new EnvironmentView.Service("web", "production--web", null, null, 0, 0, null));
    assertThat(service.has("promotionGate") && service.get("promotionGate").isNull()).isTrue();
    assertThat(WRITE.writeValueAsString(new PromoteRequest("web", "staging", "production", null)))
        .isEqualTo("{\"service\":\"web\",\"from\":\"staging\",\"to\":\"production\"}");
  }

  @Test
  void aJournalEntryWritesBackTheLineTheStreamSent_whateverItsBody() throws Exception {
    // `kiln journal --follow -o json` prints each streamed entry after reading it as a record
    for (String body :
        List.of(
            "{\"v\":1,\"weights\":{\"3\":90,\"4\":10},\"rate\":0.25,\"ids\":[\"a\",null]}",
            "\"an old body that is not JSON\"",
            "null")) {
      String line =
          "{\"seq\":12,\"time\":\"2026-11-30T05:00:00.123Z\",\"actor\":\"uid:0(root)\","
              + "\"kind\":\"traffic-set\",\"subject\":\"web\",\"cause\":\"canary step\",\"body\":"
              + body
              + ",\"hash\":\"sha256:aa\",\"prevHash\":\"sha256:bb\"}";
      assertThat(WRITE.writeValueAsString(READ.readValue(line, JournalEntry.class)))
          .isEqualTo(line);
    }
  }

  @Test
  void anAuditVerdictNamesItsWitnessesOnlyWhenThereAreAny() throws Exception {
    AuditVerifyResponse none =
        new AuditVerifyResponse(
            true,
            "/h/state.db",
            "/h/keys/host.pub",
            "k1",
            "/h/journal-head",
            List.of(),
            3,
            1,
            null,
            List.of(),
            "sha256:aa",
            null,
            null,
            null);
    JsonNode n = WRITE.valueToTree(none);
    assertThat(n.has("witnesses") || n.has("anchoredSeq") || n.has("badSeq")).isFalse();
    assertThat(n.get("warnings").isArray()).isTrue();
    AuditVerifyResponse some =
        READ.readValue(
            "{\"ok\":true,\"witnesses\":[\"/mnt/w\"],\"entries\":3}", AuditVerifyResponse.class);
    assertThat(some.witnesses()).containsExactly("/mnt/w");
    assertThat(WRITE.valueToTree(some).get("witnesses").get(0).asText()).isEqualTo("/mnt/w");
    // an older server sent neither list
    assertThat(READ.readValue("{\"ok\":false}", AuditVerifyResponse.class).witnesses()).isEmpty();
  }

  @Test
  void aRollbackToThePreviousRevisionIsAnEmptyObject() throws Exception {
    assertThat(WRITE.writeValueAsString(RollbackRequest.previous())).isEqualTo("{}");
    assertThat(WRITE.writeValueAsString(new RollbackRequest(3))).isEqualTo("{\"to\":3}");
    assertThat(READ.readValue("{}", RollbackRequest.class).to()).isNull();
  }

  @Test
  void aSnapshotRequestLeavesOutWhatTheServerDefaults() throws Exception {
    assertThat(WRITE.writeValueAsString(new SnapshotRequest(null, "/srv/snap", 5, false)))
        .isEqualTo("{\"dir\":\"/srv/snap\",\"keepRevisions\":5,\"volumes\":false}");
  }

  @Test
  void anEnvironmentDiffHasFixedKeys_andReadsBackEqual() throws Exception {
    EnvironmentDiff diff =
        new EnvironmentDiff(
            "staging",
            "production",
            List.of(
                new EnvironmentDiff.Service(
                    "web",
                    new EnvironmentDiff.Side("web", "staging--web", 3, "sha256:aaa", 1, 1),
                    new EnvironmentDiff.Side("web", "production--web", null, null, 2, 0),
                    false,
                    List.of(new EnvironmentDiff.Difference("replicas", "1", "2")))));
    JsonNode n = WRITE.valueToTree(diff);
    assertThat(n.properties()).extracting(Map.Entry::getKey).containsExactly("a", "b", "services");
    JsonNode web = n.get("services").get(0);
    assertThat(web.has("staging") || web.has("production")).isFalse();
    assertThat(web.get("b").get("liveRevision").isNull()).isTrue();
    assertThat(web.get("differs").get(0).toString())
        .isEqualTo("{\"field\":\"replicas\",\"a\":\"1\",\"b\":\"2\"}");
    assertThat(READ.treeToValue(n, EnvironmentDiff.class)).isEqualTo(diff);
  }

  @Test
  void aPromotionSendsTheEnvPromotedEntrysBody() throws Exception {
    PromoteResponse.Promoted p =
        new PromoteResponse.Promoted(
            "web",
            "staging",
            "production",
            3,
            "sha256:abc",
            "2026-11-30T05:00:00Z",
            "PT10M",
            List.of("signature: valid"),
            "cli");
    JsonNode n =
        WRITE.valueToTree(
            PromoteResponse.promoted(
                p, new PlanView(List.of(), "", false, "sha256:b", null, null), List.of()));
    assertThat(n.get("promoted").properties())
        .extracting(Map.Entry::getKey)
        .containsExactly(
            "service", "from", "to", "revision", "digest", "soakStart", "soak", "evidence", "via");
    assertThat(READ.treeToValue(n, PromoteResponse.class).promoted()).isEqualTo(p);
  }

  @Test
  void serviceMetricsWriteWhatTheDashboardsChartsRead() throws Exception {
    Map<String, List<ServiceMetricsResponse.Point>> revisions = new java.util.LinkedHashMap<>();
    revisions.put("1", List.of(new ServiceMetricsResponse.Point(1000, 2.5, 0.0, 12.345, 5)));
    revisions.put("2", List.of());
    ServiceMetricsResponse m =
        new ServiceMetricsResponse(
            "web", 2, 300, revisions, new ServiceMetricsResponse.Analysis(0.05, null, 20));
    assertThat(WRITE.writeValueAsString(m))
        .isEqualTo(
            "{\"service\":\"web\",\"stepSeconds\":2,\"spanSeconds\":300,\"revisions\":{\"1\":"
                + "[{\"t\":1000,\"rps\":2.5,\"errorRate\":0.0,\"p99Millis\":12.345,\"requests\":5}],"
                + "\"2\":[]},\"analysis\":{\"maxErrorRate\":0.05,\"minRequests\":20}}");
    assertThat(READ.readValue(WRITE.writeValueAsString(m), ServiceMetricsResponse.class))
        .isEqualTo(m);
    ServiceMetricsResponse none = new ServiceMetricsResponse("web", 2, 300, Map.of(), null);
    assertThat(WRITE.valueToTree(none).has("analysis")).isFalse();
  }

  @Test
  void aDashboardSessionLeavesOutItsExpiryWithoutACookie() throws Exception {
    assertThat(WRITE.writeValueAsString(new UiSession("token:ci", "", null)))
        .isEqualTo("{\"principal\":\"token:ci\",\"csrf\":\"\"}");
  }
}
