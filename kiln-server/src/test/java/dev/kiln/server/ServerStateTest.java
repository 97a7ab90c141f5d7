package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
      ObjectNode bp = Json.object();
      ObjectNode web = bp.putObject("services").putObject("web");
      web.put("replicas", 2);
      web.set("strategy", StateCodec.strategy(Strategy.Rolling.DEFAULT));
      web.put("progressDeadline", Duration.ofMinutes(10).toString());
      rec.append("local", "blueprint-applied", "blueprint", "apply", bp);
      ObjectNode rev = Json.object();
      rev.set("revision", StateCodec.revision(StateCodecTest.revision()));
      rev.put("cause", "apply");
      rec.append("local", "revision-created", "web", "apply", rev);
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
      ObjectNode ro = Json.object();
      ro.set("rollout", StateCodec.rollout(r));
      rec.append("local", "rollout-started", "web", "apply", ro);
      ObjectNode t = Json.object();
      t.set("traffic", StateCodec.traffic(Traffic.all(3)));
      rec.append("kiln-controller", "traffic-set", "web", "rollout", t);
      ObjectNode adopt = Json.object();
      adopt.put("toRevision", 4);
      adopt.putArray("instances").add("web-3-abc");
      rec.append("kiln-controller", "instance-adopted", "web", "rollback", adopt);

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
