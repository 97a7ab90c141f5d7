package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.journal.Entry;
import dev.kiln.journal.JournalException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries that complete each other (a rollback's) are journaled together: all or none. */
class RecorderTest {
  @TempDir Path tmp;

  private static Recorder.Pending rollback(String contentOf) {
    return new Recorder.Pending(
        "bob",
        "rollback requested (swap)",
        new JournalEvent.RollbackRequested("web", 2, 3, contentOf, "swap"));
  }

  @Test
  void appendAll_journalsTheEntriesInOrder_thenAppliesThem() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      int before = h.entries().size();

      List<Entry> appended = h.rec.appendAll(List.of(rollback("previous"), rollback("1")));

      assertThat(appended).extracting(Entry::seq).containsExactly(before + 1L, before + 2L);
      assertThat(h.entries().subList(before, h.entries().size()))
          .extracting(Entry::kind, Entry::actor)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("rollback", "bob"),
              org.assertj.core.groups.Tuple.tuple("rollback", "bob"));
      assertThat(h.state.lastSeq()).isEqualTo(before + 2L);
    }
  }

  @Test
  void everyWayOfAppending_handsEachEntryToTheListeners_inOrder_onceItIsDurable() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      List<Long> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
      h.rec.onAppend(e -> heard.add(e.seq()));
      long seq = h.state.lastSeq();

      h.rec.append("bob", "a note", new JournalEvent.RollbackRequested("web", 2, 3, "1", "swap"));
      h.rec.appendAll(List.of(rollback("previous"), rollback("1")));
      List<Entry> acted = h.rec.appendAllBeforeActing(List.of(rollback("1"), rollback("2")));
      assertThat(heard).as("not before the act's sync").hasSize(3);
      h.rec.afterActing(acted);

      // the dashboard's event stream (EventStreams) is one of them: a rollback reaches it at once
      assertThat(heard).containsExactly(seq + 1, seq + 2, seq + 3, seq + 4, seq + 5);
    }
  }

  @Test
  void appendAllBeforeActing_leavesTheDueCheckpointToTheCaller_forAfterItActed() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      Path anchor = h.home.resolve(dev.kiln.journal.Anchoring.FILE);
      java.nio.file.Files.deleteIfExists(anchor);
      long seq = h.state.lastSeq();
      List<Recorder.Pending> toTheHundredth = new java.util.ArrayList<>();
      for (long s = seq; s < Recorder.CHECKPOINT_EVERY; s++) toTheHundredth.add(rollback("1"));

      List<Entry> appended = h.rec.appendAllBeforeActing(toTheHundredth);

      assertThat(appended.getLast().seq()).isEqualTo(Recorder.CHECKPOINT_EVERY);
      assertThat(anchor).doesNotExist(); // durable, applied, not yet signed
      assertThat(h.state.lastSeq()).isEqualTo(Recorder.CHECKPOINT_EVERY);
      h.rec.afterActing(appended);
      assertThat(anchor).exists();
      assertThat(java.nio.file.Files.readString(anchor)).contains("\"seq\":100");
    }
  }

  @Test
  void appendAll_withOneRefusedEntry_journalsNoneAndChangesNothing() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      String secret = "s3cret-value-handed-to-an-instance";
      h.rec.guard(() -> Set.of(secret));
      int before = h.entries().size();
      long seq = h.state.lastSeq();

      assertThatThrownBy(() -> h.rec.appendAll(List.of(rollback("previous"), rollback(secret))))
          .isInstanceOf(JournalException.class);

      assertThat(h.entries()).hasSize(before);
      assertThat(h.state.lastSeq()).isEqualTo(seq);
    }
  }
}
