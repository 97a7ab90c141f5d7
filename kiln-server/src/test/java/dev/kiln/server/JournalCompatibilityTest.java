package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.Traffic;
import dev.kiln.image.HostKey;
import dev.kiln.journal.Journal;
import dev.kiln.model.HealthCheck;
import dev.kiln.model.Strategy;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal written by the v1 release (untyped events, JSON built at each call site; see {@code
 * src/test/resources/journal-v1/}) still replays to the same state: services, revisions, rollouts
 * of each strategy with their intents, traffic and adopted instances.
 */
class JournalCompatibilityTest {
  @TempDir Path tmp;
  ServerState state;
  Journal journal;

  @BeforeEach
  void replay() throws Exception {
    Path db = tmp.resolve("state.db");
    try (InputStream in = getClass().getResourceAsStream("/journal-v1/state.db")) {
      Files.copy(in, db);
    }
    HostKey key = HostKey.generate(tmp.resolve("keys"));
    state = new ServerState();
    journal = Journal.open(db, Clock.systemUTC());
    new Recorder(journal, state, key).replay();
  }

  @Test
  void everyEntryReplays_andTheChainStillVerifiesWithTheKeyThatSignedIt() throws Exception {
    assertThat(state.lastSeq()).isEqualTo(85);
    try (InputStream in = getClass().getResourceAsStream("/journal-v1/" + HostKey.PUBLIC_FILE)) {
      Files.copy(in, tmp.resolve(HostKey.PUBLIC_FILE));
    }
    var report = journal.verify(HostKey.readPublicKey(tmp.resolve(HostKey.PUBLIC_FILE)));
    assertThat(report.ok()).as(report.toString()).isTrue();
    assertThat(report.checkpoints()).isEqualTo(1);
  }

  @Test
  void everyV1EntryDecodesToATypedEvent_andSurvivesReencodingAsV2() {
    var entries = journal.entries(dev.kiln.journal.Query.all());
    java.util.Set<String> kinds = new java.util.TreeSet<>();
    for (var e : entries) {
      JournalEvent event = EventCodec.decode(e);
      assertThat(event.kind()).isEqualTo(e.kind());
      assertThat(event.subject()).isEqualTo(e.subject());
      assertThat(Json.parse(e.body()).has("v")).isFalse();
      JournalEvent again =
          EventCodec.decode(
              e.kind(), e.subject(), Json.parse(Json.write(EventCodec.encode(event))));
      assertThat(again).isEqualTo(event);
      kinds.add(e.kind());
    }
    assertThat(kinds).hasSize(24);
  }

  @Test
  void servicesAreThoseOfTheLastAppliedBlueprint_andARemovedServiceIsGone() {
    assertThat(state.services().keySet()).containsExactly("admin", "api", "web");
    ServerState.ServiceInfo web = state.service("web").orElseThrow();
    assertThat(state.replicas("web")).isEqualTo(5);
    assertThat(web.strategy()).isEqualTo(new Strategy.Rolling(1, 0));
    assertThat(web.progressDeadline()).isEqualTo(Duration.ofMinutes(10));
    Strategy.Canary canary = (Strategy.Canary) state.service("api").orElseThrow().strategy();
    assertThat(canary.steps()).extracting(Strategy.CanaryStep::weight).containsExactly(20, 50);
    assertThat(canary.steps().get(0).pause()).contains(Duration.ofSeconds(30));
    assertThat(canary.analysis().orElseThrow().maxErrorRate()).isEqualTo(0.05);
    assertThat(canary.analysis().orElseThrow().maxP99()).contains(Duration.ofMillis(250));
    assertThat(state.service("admin").orElseThrow().strategy())
        .isEqualTo(
            new Strategy.BlueGreen(
                java.util.Optional.of(Duration.ofMinutes(2)), Duration.ofSeconds(45)));
    assertThat(state.service("old")).isEmpty();
    assertThat(state.rollout("old")).isEmpty();
    assertThat(state.traffic().keySet()).doesNotContain("old");
  }

  @Test
  void revisionsKeepTheirImageConfigAndWhoCreatedThemWhy() {
    assertThat(state.revisions("web")).extracting(Revision::number).containsExactly(1, 2, 3);
    assertThat(state.revisions("admin")).extracting(Revision::number).containsExactly(1, 2, 3);
    Revision web1 = state.revision("web", 1).orElseThrow();
    Revision web3 = state.revision("web", 3).orElseThrow();
    assertThat(web3.sameContentAs(web1)).isTrue();
    assertThat(web1.image()).isEqualTo(dev.kiln.model.Digest.parse("sha256:" + "a".repeat(64)));
    assertThat(state.revision("web", 2).orElseThrow().image())
        .isEqualTo(dev.kiln.model.Digest.parse("sha256:" + "b".repeat(64)));
    assertThat(web1.config().env()).isEqualTo(Map.of("GREETING", "hello"));
    assertThat(web1.config().secrets()).containsExactly("db-password");
    assertThat(web1.config().volumes()).isEqualTo(Map.of("data", "/var/data"));
    assertThat(web1.config().route().orElseThrow().pathPrefix()).isEqualTo("/");
    assertThat(web1.config().health().orElseThrow().probe())
        .isEqualTo(new HealthCheck.Probe.Http("/health", 200));
    Revision api1 = state.revision("api", 1).orElseThrow();
    assertThat(api1.config().runtime()).isEqualTo("docker");
    assertThat(api1.config().health().orElseThrow().probe())
        .isEqualTo(new HealthCheck.Probe.Exec(List.of("/bin/check", "--quick")));
    assertThat(api1.config().health().orElseThrow().unhealthy()).isEqualTo(5);
    assertThat(state.meta(web3).actor()).isEqualTo("bob");
    assertThat(state.meta(web3).cause()).isEqualTo("rollback");
    assertThat(state.meta(web1).cause()).isEqualTo("apply");
  }

  @Test
  void rolloutsOfEachStrategyReplayWithPhaseStepAndIntent() {
    Rollout web = state.rollout("web").orElseThrow();
    assertThat(web.from()).isEqualTo(2);
    assertThat(web.to()).isEqualTo(3);
    assertThat(web.fastTrack()).isTrue();
    assertThat(web.phase()).isEqualTo(Rollout.Phase.SCALING_DOWN);
    assertThat(web.switchedAt()).isPresent();
    assertThat(state.replicas("web")).isEqualTo(5);

    Rollout api = state.rollout("api").orElseThrow();
    assertThat(api.from()).isEqualTo(1);
    assertThat(api.to()).isEqualTo(2);
    assertThat(api.phase()).isEqualTo(Rollout.Phase.ABORTED);
    assertThat(api.step()).isEqualTo(1);
    assertThat(api.intent()).isEqualTo(new Rollout.Intent(false, true, true));
    assertThat(api.strategy()).isInstanceOf(Strategy.Canary.class);

    Rollout admin = state.rollout("admin").orElseThrow();
    assertThat(admin.from()).isEqualTo(2);
    assertThat(admin.to()).isEqualTo(3);
    assertThat(admin.phase()).isEqualTo(Rollout.Phase.PROGRESSING);
    assertThat(admin.intent().abort()).isTrue();
    assertThat(admin.replicas()).isEqualTo(4);
    assertThat(state.rolloutStartedAt("admin")).isPresent();

    assertThat(state.liveRevision("web")).contains(3);
    assertThat(state.desiredRevision("api")).contains(1);
    assertThat(state.desiredRevision("admin")).contains(3);
  }

  @Test
  void trafficAndAdoptedInstancesReplay() {
    assertThat(state.traffic("web")).isEqualTo(Traffic.all(3));
    assertThat(state.traffic("api")).isEqualTo(Traffic.all(1));
    assertThat(state.traffic("admin")).isEqualTo(Traffic.all(2));
    assertThat(state.revisionOf("web-1-bbbbbb", 1)).isEqualTo(3);
    assertThat(state.revisionOf("web-1-eeeeee", 1)).isEqualTo(3);
    assertThat(state.revisionOf("web-2-aaaaaa", 2)).isEqualTo(2);
  }
}
