package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.controller.PromotionRefusedException;
import dev.kiln.controller.Revision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Applying one environment of a blueprint (on the harness: fake runtime, fake clock): it changes
 * only its own services, and an environment with {@code promotion:} runs only a digest that soaked
 * in its source.
 */
class EnvironmentApplyTest {
  private static final Duration TICK = Duration.ofMillis(200);
  private static final String ENVIRONMENTS =
      """
      environments:
        staging:
          router: 127.0.0.1:18081
          services:
            web: { replicas: 1, env: { LOG_LEVEL: debug } }
        production:
          router: 127.0.0.1:18080
      """;
  private static final String PROMOTED =
      ENVIRONMENTS + "    promotion: { from: staging, soak: 10m }\n";

  @TempDir Path tmp;

  @Test
  void eachEnvironment_hasItsOwnServices_andAnApplyChangesOnlyItsOwn() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 2, ENVIRONMENTS), "alice", Optional.of("staging"));
      h.applier.apply(h.blueprint("hello", 2, ENVIRONMENTS), "alice", Optional.of("production"));
      assertThat(h.state.replicas("staging--web")).isEqualTo(1);
      assertThat(h.state.replicas("production--web")).isEqualTo(2);
      assertThat(h.state.revision("staging--web", 1).orElseThrow().config().env())
          .containsEntry("LOG_LEVEL", "debug");
      assertThat(h.state.revision("production--web", 1).orElseThrow().config().env()).isEmpty();
      assertThat(h.state.environments()).containsOnlyKeys("staging", "production");
      assertThat(h.kinds()).filteredOn("environment-applied"::equals).hasSize(2);

      h.image("hello", "B", h.key);
      var staged =
          h.applier.apply(h.blueprint("hello", 2, ENVIRONMENTS), "alice", Optional.of("staging"));
      assertThat(staged.plan().newRevisions())
          .extracting(Revision::toString)
          .containsExactly("staging--web@2");

      // the default environment beside them: plain names, and it removes none of theirs
      h.applier.apply(h.blueprint("hello", 1, ""), "alice");
      assertThat(h.state.services()).containsOnlyKeys("web", "staging--web", "production--web");
      assertThat(h.kinds()).doesNotContain("service-removed");
    }
  }

  @Test
  void aServicesDriftPolicy_holdsInEveryEnvironment_andIsJournaledWithIt() throws Exception {
    String reportOnly =
        "    drift: { response: report, replacements: 1, window: 5m }\n" + ENVIRONMENTS;
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 2, reportOnly), "alice", Optional.of("staging"));
      h.applier.apply(h.blueprint("hello", 2, reportOnly), "alice", Optional.of("production"));
      for (String svc : java.util.List.of("staging--web", "production--web")) {
        assertThat(h.state.driftModes())
            .containsEntry(svc, dev.kiln.controller.DriftResponse.Mode.REPORT);
        assertThat(h.state.driftBudgets())
            .containsEntry(
                svc, new dev.kiln.controller.DriftResponse.Budget(1, Duration.ofMinutes(5)));
      }
      // the declared environments carry it too (a promotion builds production's spec from them)
      assertThat(h.state.environments().get("production").services().get("web").applied().drift())
          .isEqualTo(new dev.kiln.model.DriftPolicy("report", 1, Duration.ofMinutes(5)));
      // and the environment-applied entry reads back with it (a replay rebuilds the same state)
      var declared =
          new JournalEvent.EnvironmentApplied(
              "staging",
              dev.kiln.model.Digest.of(
                  "kiln.yaml".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
              new java.util.TreeMap<>(h.state.environments()));
      assertThat(EventCodec.decode("environment-applied", "staging", EventCodec.encode(declared)))
          .isEqualTo(declared);
    }
  }

  @Test
  void environmentsAndEnvMustAgree_elseNothingIsRecorded() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      assertThatThrownBy(() -> h.applier.apply(h.blueprint("hello", 1, ENVIRONMENTS), "alice"))
          .isInstanceOf(ServerException.class)
          .hasMessageContaining("declares environments staging, production")
          .hasMessageContaining("--env staging");
      assertThatThrownBy(
              () -> h.applier.apply(h.blueprint("hello", 1, ""), "alice", Optional.of("staging")))
          .isInstanceOf(ServerException.class)
          .hasMessageContaining("declares no environments");
      assertThatThrownBy(
              () ->
                  h.applier.apply(
                      h.blueprint("hello", 1, ENVIRONMENTS), "alice", Optional.of("qa")))
          .isInstanceOf(ServerException.NotFound.class)
          .hasMessageContaining("no environment 'qa'");
      assertThat(h.kinds()).isEmpty();
    }
  }

  @Test
  void production_runsOnlyWhatSoakedInStaging_onTheServersClock() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 2, PROMOTED), "alice", Optional.of("staging"));
      h.tick();
      h.allHealthy(1);
      h.tickUntil(() -> h.state.liveRevision("staging--web").isPresent(), TICK, 20);
      h.tick();

      assertThatThrownBy(
              () ->
                  h.applier.apply(
                      h.blueprint("hello", 2, PROMOTED), "alice", Optional.of("production")))
          .isInstanceOf(PromotionRefusedException.class)
          .hasMessageContaining("has soaked 200ms of 10m")
          .hasMessageContaining("eligible at 2026-11-30T00:10:00Z");
      assertThat(h.kinds().getLast()).isEqualTo("promotion-refused");
      assertThat(h.state.services()).doesNotContainKey("production--web");

      h.clock.advance(Duration.ofMinutes(10));
      h.applier.apply(h.blueprint("hello", 2, PROMOTED), "alice", Optional.of("production"));
      var promoted = (JournalEvent.EnvPromoted) h.events(JournalEvent.EnvPromoted.class).getFirst();
      var staging = h.state.revision("staging--web", 1).orElseThrow();
      assertThat(promoted.via()).isEqualTo("apply");
      assertThat(promoted.digest()).isEqualTo(staging.image());
      assertThat(h.state.revision("production--web", 1).orElseThrow().image())
          .isEqualTo(staging.image());
      assertThat(h.state.replicas("production--web")).isEqualTo(2);

      // a new image in production that never ran in staging: refused whatever the time
      h.image("hello", "B", h.key);
      h.clock.advance(Duration.ofDays(1));
      assertThatThrownBy(
              () ->
                  h.applier.apply(
                      h.blueprint("hello", 2, PROMOTED), "alice", Optional.of("production")))
          .isInstanceOf(PromotionRefusedException.class)
          .hasMessageContaining("is not live in staging");
      assertThat(ErrorStatus.statusOf(new PromotionRefusedException("x", java.util.List.of())))
          .isEqualTo(409);
    }
  }
}
