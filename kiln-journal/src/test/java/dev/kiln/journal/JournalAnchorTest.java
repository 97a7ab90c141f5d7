package dev.kiln.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.journal.VerifyReport.Reason;
import dev.kiln.model.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signed head outside state.db: journal-head, a witness copy, and seqs never handed out twice.
 */
class JournalAnchorTest {
  @TempDir Path dir;
  @TempDir Path witness;
  Path db;
  Journal journal;
  KeyPair hostKey;
  Signer signer;

  @BeforeEach
  void open() throws Exception {
    db = dir.resolve("state.db");
    journal =
        Journal.open(
            db,
            new JournalTest.TickingClock(JournalTest.T0, Duration.ofSeconds(1)),
            Anchoring.beside(db).withWitness(witness));
    hostKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    signer = Signer.ed25519(hostKey.getPrivate());
  }

  @AfterEach
  void close() {
    journal.close();
  }

  private void append(int n) {
    for (int i = 0; i < n; i++) journal.append(JournalTest.draft("k", "s", "{}"));
  }

  @Test
  void aCheckpoint_isAnchoredBesideTheDatabase_andInTheWitness_identically() throws Exception {
    append(3);
    Checkpoint first = journal.checkpoint(signer);
    append(2);
    Checkpoint second = journal.checkpoint(signer);

    Path head = dir.resolve(Anchoring.FILE);
    assertThat(Files.readString(head)).contains("\"seq\":5").contains(second.hash().toString());
    assertThat(Files.readString(witness.resolve(Anchoring.FILE))).isEqualTo(Files.readString(head));
    assertThat(second.prev())
        .as("the second checkpoint links to the first")
        .isEqualTo(Digest.parse(StoredCheckpoint.of("first", first).link()));
    VerifyReport report = journal.verify(hostKey.getPublic());
    assertThat(report.ok()).as(report.toString()).isTrue();
    assertThat(report.anchoredSeq()).contains(5L);
    assertThat(report.warnings()).isEmpty();
  }

  @Test
  void aWitnessOlderThanTheDatabase_afterACrashBetweenCommitAndAnchor_verifies_andIsCaughtUp()
      throws Exception {
    append(3);
    journal.checkpoint(signer);
    byte[] older = Files.readAllBytes(witness.resolve(Anchoring.FILE));
    append(2);
    journal.checkpoint(signer);
    Files.write(witness.resolve(Anchoring.FILE), older); // as if the crash came before this write

    VerifyReport report = journal.requireTrusted(hostKey.getPublic());

    assertThat(report.ok()).as(report.toString()).isTrue();
    assertThat(Files.readString(witness.resolve(Anchoring.FILE)))
        .isEqualTo(Files.readString(dir.resolve(Anchoring.FILE)));
  }

  @Test
  void theHomeAnchorDeleted_butTheWitnessKept_isNamed() throws Exception {
    append(3);
    journal.checkpoint(signer);
    Files.delete(dir.resolve(Anchoring.FILE));

    VerifyReport report = journal.verify(hostKey.getPublic());

    assertThat(report.firstBreak().orElseThrow().reason()).isEqualTo(Reason.BAD_ANCHOR);
    assertThat(report.firstBreak().orElseThrow().message()).contains("is missing");
  }

  @Test
  void everythingInKilnHomeRewound_isStillNamedByTheWitness() throws Exception {
    append(3);
    journal.checkpoint(signer);
    byte[] homeHeadAt3 = Files.readAllBytes(dir.resolve(Anchoring.FILE));
    append(3);
    journal.checkpoint(signer);
    // Someone with KILN_HOME but not the witness: tail, checkpoint, high-water and head rewound.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER journal_no_delete");
      s.execute("DELETE FROM journal WHERE seq > 3");
      s.execute("DELETE FROM checkpoints WHERE seq > 3");
      s.execute("UPDATE journal_high_water SET seq = 3");
    }
    Files.write(dir.resolve(Anchoring.FILE), homeHeadAt3);

    VerifyReport.Break b = journal.verify(hostKey.getPublic()).firstBreak().orElseThrow();

    assertThat(b.reason()).isEqualTo(Reason.TRUNCATED);
    assertThat(b.message())
        .contains("entries after 3 are missing; the anchored head is seq 6")
        .contains(witness.toString());
  }

  @Test
  void afterATruncatedTail_noSeqIsHandedOutTwice() throws Exception {
    append(5);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER journal_no_delete");
      s.execute("DELETE FROM journal WHERE seq > 3");
    }

    Entry next = journal.append(JournalTest.draft("k", "s", "{}"));

    assertThat(next.seq()).isEqualTo(6);
    VerifyReport.Break b = journal.verify(hostKey.getPublic()).firstBreak().orElseThrow();
    assertThat(b.seq()).isEqualTo(4);
    assertThat(b.reason()).isEqualTo(Reason.MISSING);
  }

  @Test
  void afterATruncatedTail_aBatchChainsPastTheHighWater_andMarksItsLastSeq() throws Exception {
    append(5);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER journal_no_delete");
      s.execute("DELETE FROM journal WHERE seq > 3");
    }
    Entry three = journal.head().orElseThrow();

    // one read of the head and the mark for the whole batch: each entry chains to the one before
    List<Entry> batch =
        journal.appendAll(
            List.of(
                JournalTest.draft("a", "s", "{}"),
                JournalTest.draft("b", "s", "{}"),
                JournalTest.draft("c", "s", "{}")));
    Entry after = journal.append(JournalTest.draft("d", "s", "{}"));

    assertThat(batch).extracting(Entry::seq).containsExactly(6L, 7L, 8L);
    assertThat(batch.get(0).prevHash()).isEqualTo(three.hash());
    assertThat(batch.get(1).prevHash()).isEqualTo(batch.get(0).hash());
    assertThat(batch.get(2).prevHash()).isEqualTo(batch.get(1).hash());
    assertThat(after.seq()).isEqualTo(9);
    assertThat(after.prevHash()).isEqualTo(batch.get(2).hash());
    assertThat(journal.entries(Query.all()))
        .extracting(Entry::seq)
        .containsExactly(1L, 2L, 3L, 6L, 7L, 8L, 9L);
    VerifyReport.Break b = journal.verify(hostKey.getPublic()).firstBreak().orElseThrow();
    assertThat(b.seq()).isEqualTo(4);
    assertThat(b.reason()).isEqualTo(Reason.MISSING);
  }

  @Test
  void checkpointsFromBeforeChaining_stillVerify_andTheChainContinuesFromThem() throws Exception {
    append(3);
    // A checkpoint as the previous version wrote it: no prev, the old signed statement.
    Entry head = journal.head().orElseThrow();
    byte[] legacy = Canonical.checkpointMessage(3, head.hash(), JournalTest.T0);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO checkpoints (seq, hash, time, algorithm, signature) VALUES"
                    + " (3, ?, ?, 'Ed25519', ?)")) {
      s.setString(1, head.hash().toString());
      s.setString(2, Canonical.time(JournalTest.T0));
      s.setString(3, Base64.getEncoder().encodeToString(signer.sign(legacy)));
      s.executeUpdate();
    }
    append(2);
    journal.checkpoint(signer);

    VerifyReport report = journal.verify(hostKey.getPublic());

    assertThat(report.ok()).as(report.toString()).isTrue();
    assertThat(report.checkpoints()).isEqualTo(2);
  }

  @Test
  void anEmptyJournal_verifiesWithoutWarnings_andEntriesWithoutACheckpointAreWarnedAbout() {
    assertThat(journal.requireTrusted(hostKey.getPublic()).warnings()).isEmpty();

    append(4);
    VerifyReport report = journal.requireTrusted(hostKey.getPublic());

    assertThat(report.ok()).isTrue();
    assertThat(report.anchoredSeq()).isEmpty();
    assertThat(report.warnings())
        .anySatisfy(w -> assertThat(w).contains("does not exist yet"))
        .anySatisfy(w -> assertThat(w).startsWith("entries 1..4 (4) come after the last signed"));
  }

  @Test
  void appendAll_isOneChainedBatch_allOrNothing() {
    append(1);
    List<Entry> batch =
        journal.appendAll(
            List.of(JournalTest.draft("a", "s", "{}"), JournalTest.draft("b", "s", "{}")));
    assertThat(batch).extracting(Entry::seq).containsExactly(2L, 3L);
    assertThat(batch.get(1).prevHash()).isEqualTo(batch.get(0).hash());

    assertThatThrownBy(
            () ->
                journal.appendAll(
                    List.of(JournalTest.draft("c", "s", "{}"), JournalTest.draft("d", "s", "[]"))))
        .isInstanceOf(JournalException.class);
    assertThat(journal.head().orElseThrow().seq()).isEqualTo(3);
  }
}
