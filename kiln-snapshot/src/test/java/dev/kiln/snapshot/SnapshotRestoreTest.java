package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.journal.EntryDraft;
import dev.kiln.journal.Journal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotRestoreTest {
  @TempDir Path tmp;
  SnapshotFixture f;
  Path snapshot;

  @BeforeEach
  void snapshot() throws Exception {
    f = new SnapshotFixture(tmp.resolve("home"));
    snapshot = SnapshotWriter.write(f.plan(true), f.key, tmp.resolve("s.kiln")).file();
  }

  @Test
  void intoAnEmptyHome_theJournalImagesAndTableComeBack_verified() throws Exception {
    Path target = tmp.resolve("new-home");
    SnapshotRestore.Restored r = SnapshotRestore.restore(snapshot, target, f.key, false);

    assertThat(r.journalSeq()).isEqualTo(20);
    try (Journal j = Journal.open(target.resolve("state.db"), Clock.systemUTC())) {
      assertThat(j.verify(f.key.publicKey()).ok()).isTrue();
      assertThat(j.head().orElseThrow().seq()).isEqualTo(20);
    }
    ImageStore store = ImageStore.open(target.resolve("images"));
    assertThat(store.resolve("web")).isPresent();
    assertThat(store.resolve("web-previous")).isPresent();
    assertThat(store.resolve("unrelated")).isEmpty();
    assertThat(ImageSigner.verify(store, f.web.digest(), f.key.publicKey()).valid()).isTrue();
    assertThat(target.resolve("router/table.json"))
        .hasSameTextualContentAs(f.home.resolve("router/table.json"));
    assertThat(target.resolve("volumes/web/data/counter")).hasContent("42\n");
    assertThat(target.resolve(SnapshotRestore.MARKER)).doesNotExist();
    assertThat(target.resolve("api-token")).doesNotExist();
  }

  @Test
  void aNonEmptyHome_isRefusedWithoutForce_andMovedAsideWithIt() throws Exception {
    Path target = tmp.resolve("busy");
    Files.createDirectories(target);
    Files.writeString(target.resolve("notes"), "mine");
    assertThatThrownBy(() -> SnapshotRestore.restore(snapshot, target, f.key, false))
        .hasMessageContaining("not empty")
        .hasMessageContaining("--force");
    assertThat(target.resolve("notes")).hasContent("mine");

    SnapshotRestore.restore(snapshot, target, f.key, true);
    assertThat(target.resolve("state.db")).exists();
    assertThat(tmp.resolve("busy.before-restore-1/notes")).hasContent("mine");
  }

  @Test
  void aDamagedSnapshot_changesNothing() throws Exception {
    byte[] bad = Files.readAllBytes(snapshot);
    bad[bad.length / 2] ^= 0x5a;
    Path damaged = tmp.resolve("damaged.kiln");
    Files.write(damaged, bad);
    Path target = tmp.resolve("target");

    assertThatThrownBy(() -> SnapshotRestore.restore(damaged, target, f.key, false))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("was not restored");
    assertThat(target).doesNotExist();
  }

  @Test
  void anInterruptedRestore_isClearedAndRedoneByARerun() throws Exception {
    Path target = tmp.resolve("interrupted");
    Files.createDirectories(target.resolve("images/blobs"));
    Files.writeString(target.resolve(SnapshotRestore.MARKER), "killed mid-restore\n");
    Files.writeString(target.resolve("state.db"), "half a database");

    SnapshotRestore.restore(snapshot, target, f.key, false);
    try (Journal j = Journal.open(target.resolve("state.db"), Clock.systemUTC())) {
      assertThat(j.verify(f.key.publicKey()).ok()).isTrue();
    }
    try (Stream<Path> s = Files.list(target)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .doesNotContain(SnapshotRestore.MARKER, ".restore-tmp");
    }
  }

  @Test
  void theJournalHead_travelsWithTheJournal_andTheRestoredJournalIsTrustedAgainstIt()
      throws Exception {
    SnapshotPlan p = f.plan(false);
    SnapshotPlan withHead =
        new SnapshotPlan(
            p.journalDb(),
            p.store(),
            p.images(),
            p.routeTable(),
            p.volumes(),
            Optional.of(f.home.resolve("journal-head")));
    Path file = SnapshotWriter.write(withHead, f.key, tmp.resolve("head.kiln")).file();
    assertThat(SnapshotReader.verify(file, Optional.of(f.key.publicKey())).members())
        .extracting(Member::path)
        .contains("journal/journal-head");

    Path target = tmp.resolve("with-head");
    SnapshotRestore.restore(file, target, f.key, false);
    assertThat(target.resolve("journal-head"))
        .hasSameBinaryContentAs(f.home.resolve("journal-head"));
    try (Journal j = Journal.open(target.resolve("state.db"), Clock.systemUTC())) {
      assertThat(j.requireTrusted(f.key.publicKey()).ok()).isTrue();
    }
  }

  @Test
  void toSeq_keepsTheEntriesUpToIt_andTheChainContinuesFromThere() throws Exception {
    Path target = tmp.resolve("pit");
    SnapshotRestore.Restored r =
        SnapshotRestore.restore(snapshot, target, f.key, false, OptionalLong.of(12));

    assertThat(r.journalSeq()).isEqualTo(12);
    assertThat(target.resolve("journal-head")).doesNotExist();
    try (Journal j = Journal.open(target.resolve("state.db"), Clock.systemUTC())) {
      assertThat(j.requireTrusted(f.key.publicKey()).ok()).isTrue();
      assertThat(j.head().orElseThrow().seq()).isEqualTo(12);
      var next = j.append(new EntryDraft("test", "restored", "server", "restore", "{\"seq\":12}"));
      assertThat(next.seq()).isEqualTo(13);
      j.checkpoint(f.signer());
      assertThat(j.verify(f.key.publicKey()).ok()).isTrue();
    }
  }

  @Test
  void toSeqBeyondTheSnapshot_isRefused_andChangesNothing() {
    Path target = tmp.resolve("too-far");
    assertThatThrownBy(
            () -> SnapshotRestore.restore(snapshot, target, f.key, false, OptionalLong.of(21)))
        .hasMessageContaining("--to-seq 21")
        .hasMessageContaining("ends at seq 20");
    assertThat(target).doesNotExist();
  }
}
