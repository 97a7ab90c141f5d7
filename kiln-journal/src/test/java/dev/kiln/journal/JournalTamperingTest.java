package dev.kiln.journal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.journal.VerifyReport.Reason;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tampering with state.db by plain JDBC, as someone with file access would: verify must fail and
 * name the first bad entry.
 */
class JournalTamperingTest {
  @TempDir Path dir;
  Path db;
  Journal journal;
  KeyPair hostKey;

  @BeforeEach
  void fiveEntries() throws Exception {
    db = dir.resolve("state.db");
    journal = Journal.open(db, new JournalTest.TickingClock(JournalTest.T0, Duration.ofSeconds(1)));
    hostKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    for (int i = 1; i <= 5; i++) {
      journal.append(JournalTest.draft("rollout.step", "service/web", "{\"step\":" + i + "}"));
    }
  }

  @AfterEach
  void close() {
    journal.close();
  }

  /** Runs SQL as an attacker would: first removing the append-only triggers. */
  private void tamper(String... sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER IF EXISTS journal_no_update");
      s.execute("DROP TRIGGER IF EXISTS journal_no_delete");
      for (String q : sql) s.execute(q);
    }
  }

  private VerifyReport.Break firstBreak() {
    VerifyReport report = journal.verify(hostKey.getPublic());
    assertThat(report.ok()).as(report.toString()).isFalse();
    return report.firstBreak().orElseThrow();
  }

  @Test
  void untouched_verifies() {
    journal.checkpoint(Signer.ed25519(hostKey.getPrivate()));

    VerifyReport report = journal.verify(hostKey.getPublic());

    assertThat(report.ok()).isTrue();
    assertThat(report.entries()).isEqualTo(5);
    assertThat(report.checkpoints()).isEqualTo(1);
  }

  @Test
  void editedBody_isNamed() throws Exception {
    tamper("UPDATE journal SET body = '{\"step\":99}' WHERE seq = 3");

    assertThat(firstBreak())
        .extracting(b -> b.seq(), b -> b.reason())
        .containsExactly(3L, Reason.CHANGED);
  }

  @Test
  void editedActor_isNamed() throws Exception {
    tamper("UPDATE journal SET actor = 'mallory' WHERE seq = 2");

    assertThat(firstBreak())
        .extracting(b -> b.seq(), b -> b.reason())
        .containsExactly(2L, Reason.CHANGED);
  }

  @Test
  void editedAndRehashedEntry_isNamedByTheNextLink() throws Exception {
    // A smarter edit: change entry 3 and store a correctly recomputed hash for it.
    StoredRow row = read(3);
    StoredRow edited =
        new StoredRow(
            3,
            row.time(),
            "mallory",
            row.kind(),
            row.subject(),
            row.cause(),
            row.body(),
            row.prevHash(),
            "");
    tamper(
        "UPDATE journal SET actor = 'mallory', hash = '"
            + edited.computeHash(3)
            + "' WHERE seq = 3");

    assertThat(firstBreak())
        .extracting(b -> b.seq(), b -> b.reason())
        .containsExactly(3L, Reason.CHANGED);
  }

  @Test
  void deletedEntry_isNamedAsMissing() throws Exception {
    tamper("DELETE FROM journal WHERE seq = 2");

    assertThat(firstBreak())
        .extracting(b -> b.seq(), b -> b.reason())
        .containsExactly(2L, Reason.MISSING);
  }

  @Test
  void swappedEntries_areNamedAsReordered() throws Exception {
    tamper(
        "CREATE TEMP TABLE t AS SELECT * FROM journal WHERE seq IN (2, 3)", swap(2, 3), swap(3, 2));

    VerifyReport.Break b = firstBreak();
    assertThat(b.seq()).isEqualTo(2);
    assertThat(b.reason()).isEqualTo(Reason.REORDERED);
    assertThat(b.message()).contains("written as entry 3");
  }

  private static String swap(int target, int source) {
    return "UPDATE journal SET (time, actor, kind, subject, cause, body, prev_hash, hash) ="
        + " (SELECT time, actor, kind, subject, cause, body, prev_hash, hash FROM t WHERE seq = "
        + source
        + ") WHERE seq = "
        + target;
  }

  @Test
  void truncationAfterACheckpoint_isDetected() throws Exception {
    journal.checkpoint(Signer.ed25519(hostKey.getPrivate()));
    tamper("DELETE FROM journal WHERE seq >= 4");

    VerifyReport.Break b = firstBreak();
    assertThat(b.seq()).isEqualTo(4);
    assertThat(b.reason()).isEqualTo(Reason.TRUNCATED);
    assertThat(b.message()).contains("entries after 3 are missing");
  }

  @Test
  void truncationWithoutACheckpoint_isNamedByTheHighWaterMark() throws Exception {
    tamper("DELETE FROM journal WHERE seq >= 4");

    VerifyReport.Break b = firstBreak();
    assertThat(b.seq()).isEqualTo(4);
    assertThat(b.reason()).isEqualTo(Reason.TRUNCATED);
    assertThat(b.message()).contains("entries after 3 are missing").contains("up to 5");
  }

  @Test
  void forgedCheckpointSignature_isDetected() throws Exception {
    journal.checkpoint(Signer.ed25519(hostKey.getPrivate()));
    KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    journal.checkpoint(Signer.ed25519(other.getPrivate())); // a checkpoint by someone else's key

    VerifyReport.Break b = firstBreak();
    assertThat(b.reason()).isEqualTo(Reason.BAD_CHECKPOINT_SIGNATURE);
    assertThat(b.seq()).isEqualTo(5);
  }

  @Test
  void editedCheckpoint_failsItsSignature() throws Exception {
    journal.checkpoint(Signer.ed25519(hostKey.getPrivate()));
    tamper("UPDATE checkpoints SET hash = 'sha256:" + "1".repeat(64) + "'");

    assertThat(firstBreak().reason()).isEqualTo(Reason.BAD_CHECKPOINT_SIGNATURE);
  }

  @Test
  void rewrittenChainUnderACheckpoint_isDetected() throws Exception {
    journal.checkpoint(Signer.ed25519(hostKey.getPrivate()));
    // Rewrite entry 5 completely, with a consistent hash: the chain alone cannot tell.
    StoredRow row = read(5);
    StoredRow edited =
        new StoredRow(
            5,
            row.time(),
            "mallory",
            row.kind(),
            row.subject(),
            row.cause(),
            row.body(),
            row.prevHash(),
            "");
    tamper(
        "UPDATE journal SET actor = 'mallory', hash = '"
            + edited.computeHash(5)
            + "' WHERE seq = 5");

    assertThat(firstBreak())
        .extracting(b -> b.seq(), b -> b.reason())
        .containsExactly(5L, Reason.CHANGED);
  }

  @Test
  void concurrentAppendsFromTwoConnections_keepTheChainValid() throws Exception {
    int perThread = 50;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Journal second = Journal.open(db, java.time.Clock.systemUTC())) {
      List<Callable<Void>> writers = new ArrayList<>();
      for (Journal j : List.of(journal, second)) {
        writers.add(
            () -> {
              for (int i = 0; i < perThread; i++)
                j.append(JournalTest.draft("k", "s", "{\"i\":" + i + "}"));
              return null;
            });
      }
      for (Future<Void> f : pool.invokeAll(writers)) f.get();
    } finally {
      pool.shutdownNow();
    }

    VerifyReport report = journal.verify(hostKey.getPublic());
    assertThat(report.ok()).as(report.toString()).isTrue();
    assertThat(report.entries()).isEqualTo(5 + 2 * perThread);
  }

  private StoredRow read(long seq) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement s =
            c.prepareStatement(
                "SELECT seq, time, actor, kind, subject, cause, body, prev_hash, hash FROM journal"
                    + " WHERE seq = ?")) {
      s.setLong(1, seq);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return new StoredRow(
            rs.getLong(1),
            rs.getString(2),
            rs.getString(3),
            rs.getString(4),
            rs.getString(5),
            rs.getString(6),
            rs.getString(7),
            rs.getString(8),
            rs.getString(9));
      }
    }
  }
}
