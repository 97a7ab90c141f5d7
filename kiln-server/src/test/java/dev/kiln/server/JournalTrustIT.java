package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.image.HostKey;
import dev.kiln.journal.Anchoring;
import dev.kiln.journal.EntryDraft;
import dev.kiln.journal.Journal;
import dev.kiln.journal.JournalException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real control plane on a home whose journal was tampered with refuses to start, naming the entry
 * and how to proceed, before it replays or acts on anything; on the untouched home it starts.
 */
class JournalTrustIT {
  @TempDir Path home;
  Path db;

  /** 30 entries signed at 20 and 30 by the home's host key, as a server would leave them. */
  @BeforeEach
  void aHomeWithAJournal() {
    db = home.resolve("state.db");
    HostKey key = HostKey.generate(home.resolve("keys"));
    try (Journal j = Journal.open(db, Clock.systemUTC())) {
      for (int i = 1; i <= 30; i++) {
        j.append(
            new EntryDraft("local:root", "image-verified", "image", "apply", "{\"n\":" + i + "}"));
        if (i % 10 == 0 && i > 10) j.checkpoint(Recorder.signer(key));
      }
    }
  }

  private ControlPlane start() {
    return ControlPlane.start(
        new ServerConfig(
            home,
            ServerConfig.address("127.0.0.1:0"),
            ServerConfig.address("127.0.0.1:0"),
            Clock.systemUTC(),
            Map.of()));
  }

  @Test
  void untouched_theServerStarts() {
    try (ControlPlane cp = start()) {
      assertThat(cp.home()).isEqualTo(home.toAbsolutePath());
      assertThat(home.resolve("images")).as("what a refused start never reaches").exists();
    }
  }

  @Test
  void oneChangedByteInATime_isRefusedNamingTheEntry_notACrash() throws Exception {
    tamper("UPDATE journal SET time = replace(time, '.', ',') WHERE seq = 7");

    assertThatThrownBy(this::start)
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("failed verification at entry 7 (malformed)")
        .hasMessageContaining("kiln audit verify --home " + home.toAbsolutePath());
    assertNothingWasActedOn();
  }

  @Test
  void aTailTruncatedWithItsCheckpoint_isRefusedNamingTheAnchoredHead() throws Exception {
    tamper(
        "DELETE FROM journal WHERE seq > 24",
        "DELETE FROM checkpoints WHERE seq > 24",
        "DELETE FROM journal_high_water");

    assertThatThrownBy(this::start)
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("failed verification at entry 25 (truncated)")
        .hasMessageContaining("entries after 24 are missing; the anchored head is seq 30");
    assertNothingWasActedOn();
    assertThat(count("SELECT max(seq) FROM journal")).as("no seq reused").isEqualTo(24);
  }

  @Test
  void aDeletedAnchor_isRefused() throws Exception {
    Files.delete(home.resolve(Anchoring.FILE));

    assertThatThrownBy(this::start)
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("(bad_anchor)")
        .hasMessageContaining("journal-head " + home.resolve(Anchoring.FILE) + " is missing");
  }

  private void assertNothingWasActedOn() throws Exception {
    assertThat(home.resolve("images")).doesNotExist();
    assertThat(count("SELECT count(*) FROM checkpoints WHERE seq > 30")).isZero();
  }

  private void tamper(String... sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER IF EXISTS journal_no_update");
      s.execute("DROP TRIGGER IF EXISTS journal_no_delete");
      for (String q : sql) s.execute(q);
    }
  }

  private long count(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }
}
