package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheduled snapshots count only once a restore drill proved them; the verdict is journaled and
 * only the newest proven ones are kept. A damaged snapshot fails its drill, the member named.
 */
class SnapshotScheduleIT {
  @TempDir Path tmp;

  @Test
  void eachSnapshot_isDrilled_journaled_andOnlyTheNewestKept() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      k.apply(k.blueprint("a", "rolling: { max-surge: 1, max-unavailable: 0 }"));
      k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
      Path dir = tmp.resolve("snapshots");
      SnapshotSchedule schedule = SnapshotSchedule.manual(k.cp, dir, 1);

      SnapshotSchedule.Drill first = schedule.runOnce();
      assertThat(first.good()).as(first.verdict()).isTrue();
      assertThat(first.verdict()).contains("web@1", "a plan would bake nothing");
      SnapshotSchedule.Drill second = schedule.runOnce();
      assertThat(second.good()).as(second.verdict()).isTrue();
      assertThat(second.journalSeq()).isGreaterThan(first.journalSeq());

      try (Stream<Path> s = Files.list(dir)) {
        assertThat(s.toList()).containsExactly(second.file());
      }
      JsonNode drills = k.json(k.get("/v1/journal?kind=snapshot-drill")).get("entries");
      assertThat(drills).hasSize(2);
      assertThat(drills.get(1).get("body").get("good").asBoolean()).isTrue();
      assertThat(drills.get(1).get("body").get("file").asText())
          .isEqualTo(second.file().toString());

      byte[] bytes = Files.readAllBytes(second.file());
      bytes[bytes.length / 3] ^= 0x01;
      Path damaged = tmp.resolve("damaged.snapshot");
      Files.write(damaged, bytes);
      SnapshotSchedule.Drill bad = SnapshotSchedule.drill(damaged, k.cp.key, tmp);
      assertThat(bad.good()).isFalse();
      assertThat(bad.verdict()).contains("member");
    }
  }
}
