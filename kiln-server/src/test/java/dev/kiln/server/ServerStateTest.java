package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.Rollout;
import dev.kiln.controller.Traffic;
import dev.kiln.image.HostKey;
import dev.kiln.journal.Journal;
import dev.kiln.model.Strategy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fresh state replayed from the journal equals the state that wrote it. */
class ServerStateTest {
  @TempDir Path tmp;

  @Test
  void replayRebuildsRevisionsRolloutsTrafficAndAdoptions() {
    HostKey key = HostKey.generate(tmp.resolve("keys"));
    ServerState live = new ServerState();
    try (Journal journal = Journal.open(tmp.resolve("state.db"), Clock.systemUTC())) {
      Recorder rec = new Recorder(journal, live, key);
      rec.append(
          "local",
          "apply",
          new JournalEvent.BlueprintApplied(
              "/srv/kiln.yaml",
              dev.kiln.model.Digest.parse("sha256:" + "d".repeat(64)),
              java.util.Optional.empty(),
              new java.util.TreeMap<>(),
              new java.util.TreeMap<>(
                  java.util.Map.of(
                      "web",
                      new JournalEvent.AppliedService(
                          "hello", 2, Strategy.Rolling.DEFAULT, Duration.ofMinutes(10)))),
              true));
      rec.append(
          "local", "apply", new JournalEvent.RevisionCreated(StateCodecTest.revision(), "apply"));
      Rollout r =
          Rollout.start(
              "web",
              0,
              3,
              2,
              Strategy.Rolling.DEFAULT,
              Duration.ofMinutes(10),
              false,
              StateCodecTest.T0);
      rec.append("local", "apply", new JournalEvent.RolloutStarted(r, java.util.Optional.empty()));
      rec.append("kiln-controller", "rollout", new JournalEvent.TrafficSet("web", Traffic.all(3)));
      rec.append(
          "kiln-controller",
          "rollback",
          new JournalEvent.InstanceAdopted("web", 3, 4, java.util.List.of("web-3-abc")));

      ServerState replayed = new ServerState();
      new Recorder(journal, replayed, key).replay();
      assertThat(replayed.services()).isEqualTo(live.services());
      assertThat(replayed.revisions("web")).containsExactly(StateCodecTest.revision());
      assertThat(replayed.rollout("web")).contains(r);
      assertThat(replayed.traffic("web")).isEqualTo(Traffic.all(3));
      assertThat(replayed.revisionOf("web-3-abc", 3)).isEqualTo(4);
      assertThat(replayed.revisionOf("web-3-def", 3)).isEqualTo(3);
      assertThat(replayed.desiredRevision("web")).contains(3);
      assertThat(replayed.lastSeq()).isEqualTo(live.lastSeq());
    }
  }
}
