package dev.kiln.journal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** The tables of {@code state.db} that the journal owns. Every statement is idempotent. */
final class Schema {
  private Schema() {}

  /** The highest seq ever handed out: survives a deleted tail, so a seq is never reused. */
  static final String HIGH_WATER = "journal_high_water";

  private static final String[] STATEMENTS = {
    """
    CREATE TABLE IF NOT EXISTS journal (
      seq INTEGER PRIMARY KEY,
      time TEXT NOT NULL,
      actor TEXT NOT NULL,
      kind TEXT NOT NULL,
      subject TEXT NOT NULL,
      cause TEXT NOT NULL,
      body TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL)\
    """,
    "CREATE INDEX IF NOT EXISTS journal_subject ON journal (subject, seq)",
    "CREATE INDEX IF NOT EXISTS journal_kind ON journal (kind, seq)",
    "CREATE INDEX IF NOT EXISTS journal_time ON journal (time)",
    // Guards against bugs, not attackers (who can drop them): the chain is what detects tampering.
    """
    CREATE TRIGGER IF NOT EXISTS journal_no_update BEFORE UPDATE ON journal
    BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END\
    """,
    """
    CREATE TRIGGER IF NOT EXISTS journal_no_delete BEFORE DELETE ON journal
    BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END\
    """,
    """
    CREATE TABLE IF NOT EXISTS checkpoints (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      seq INTEGER NOT NULL,
      hash TEXT NOT NULL,
      time TEXT NOT NULL,
      algorithm TEXT NOT NULL,
      signature TEXT NOT NULL,
      prev TEXT)\
    """,
  };

  static void create(Connection db) throws SQLException {
    try (Statement s = db.createStatement()) {
      for (String sql : STATEMENTS) s.execute(sql);
      // Databases from before checkpoints were chained: their checkpoints keep prev NULL.
      if (!JournalVerifier.hasColumn(db, "checkpoints", "prev")) {
        s.execute("ALTER TABLE checkpoints ADD COLUMN prev TEXT");
      }
      // Started at the current head when the table is first made, and only then: a row deleted
      // later is evidence for the verifier, not something to quietly recreate.
      if (!JournalVerifier.hasTable(db, HIGH_WATER)) {
        s.execute("CREATE TABLE " + HIGH_WATER + " (seq INTEGER NOT NULL)");
        s.execute("INSERT INTO " + HIGH_WATER + " (seq) SELECT coalesce(max(seq), 0) FROM journal");
      }
    }
  }
}
