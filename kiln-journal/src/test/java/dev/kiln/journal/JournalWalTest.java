package dev.kiln.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit only appends to the WAL and syncs it once: the copy into the database file (two more
 * syncs) waits for {@link Journal#tidyWal}, which the caller runs after acting — or, for a caller
 * that never tidies, a commit makes it after {@link Journal#WAL_TIDY_INLINE} of them.
 */
class JournalWalTest {
  @TempDir Path dir;

  @Test
  void commits_leaveTheDatabaseFileAlone_untilTidyWalCopiesTheWal() throws Exception {
    Path db = dir.resolve("state.db");
    String big = "{\"pad\":\"" + "x".repeat(10_000) + "\"}"; // a few pages per entry
    try (Journal journal = Journal.open(db, Clock.systemUTC())) {
      long before = Files.size(db);
      // well past SQLite's automatic checkpoint (1000 pages), which is off
      for (int i = 0; i < Journal.WAL_TIDY_EVERY; i++)
        journal.append(new EntryDraft("test", "note", "s", "", big));
      assertThat(Files.size(db)).isEqualTo(before);
      assertThat(Files.size(dir.resolve("state.db-wal"))).isGreaterThan(1000L * 4096);

      journal.tidyWal();
      assertThat(Files.size(db)).isGreaterThan(before + 100L * 10_000);
    }
    try (Journal reopened = Journal.open(db, Clock.systemUTC())) {
      assertThat(reopened.entries(Query.all())).hasSize(Journal.WAL_TIDY_EVERY);
    }
  }

  @Test
  void tidyWal_beforeEnoughCommits_copiesNothing() throws Exception {
    Path db = dir.resolve("state.db");
    try (Journal journal = Journal.open(db, Clock.systemUTC())) {
      long before = Files.size(db);
      journal.append(new EntryDraft("test", "note", "s", "", "{\"n\":1}"));
      journal.tidyWal();
      assertThat(Files.size(db)).isEqualTo(before);
    }
  }

  @Test
  void aCallerThatNeverTidies_stillHasTheWalCopied() throws Exception {
    Path db = dir.resolve("state.db");
    try (Journal journal = Journal.open(db, Clock.systemUTC())) {
      long before = Files.size(db);
      for (int i = 0; i < Journal.WAL_TIDY_INLINE; i++)
        journal.append(new EntryDraft("test", "note", "s", "", "{\"n\":" + i + "}"));
      assertThat(Files.size(db)).isGreaterThan(before);
    }
  }

  @Test
  void appendAllSyncAfter_isCommittedForEveryReaderAtOnce_andLeavesLaterCommitsSynced()
      throws Exception {
    Path db = dir.resolve("state.db");
    try (Journal journal = Journal.open(db, Clock.systemUTC());
        Journal reader = Journal.open(db, Clock.systemUTC())) {
      journal.append(new EntryDraft("test", "note", "s", "", "{\"n\":0}"));

      var appended =
          journal.appendAllSyncAfter(
              java.util.List.of(
                  new EntryDraft("test", "rollback", "service/web", "", "{\"n\":1}"),
                  new EntryDraft("test", "rollout.started", "service/web", "", "{\"n\":2}")));

      // before the sync: committed, chained, visible to another connection (another process)
      assertThat(appended).extracting(Entry::seq).containsExactly(2L, 3L);
      assertThat(reader.entries(Query.all())).extracting(Entry::seq).containsExactly(1L, 2L, 3L);
      journal.sync();
      assertThat(journal.synchronous()).isEqualTo(2); // FULL again for every other commit
      journal.append(new EntryDraft("test", "note", "s", "", "{\"n\":3}"));
      var key = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      assertThat(journal.verify(key.getPublic()).ok()).isTrue();
    }
    try (Journal reopened = Journal.open(db, Clock.systemUTC())) {
      assertThat(reopened.entries(Query.all())).hasSize(4);
    }
  }
}
