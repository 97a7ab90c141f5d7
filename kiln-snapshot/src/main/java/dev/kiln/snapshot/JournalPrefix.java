package dev.kiln.snapshot;

import dev.kiln.journal.Journal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;

/**
 * A point-in-time journal: the entries up to a sequence number, copied row for row (same times,
 * actors and hashes) into a fresh journal, with the checkpoints that sign them. The chain is
 * prefix-closed, so the copy verifies and the next append continues it from that entry. The journal
 * forbids deleting entries (and remembers its highest seq), so a prefix is a new file, not a
 * truncated one.
 */
final class JournalPrefix {
  private JournalPrefix() {}

  /** Replaces {@code db} by its entries {@code <= seq}; {@code 1 <= seq <= its last seq}. */
  static void keepUpTo(Path db, long seq) {
    Path fresh = db.resolveSibling(db.getFileName() + ".prefix");
    try {
      deleteDb(fresh);
      Journal.open(fresh, Clock.systemUTC()).close(); // the journal's own schema
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + fresh.toAbsolutePath());
          Statement s = c.createStatement()) {
        c.setAutoCommit(false);
        s.execute(
            "ATTACH DATABASE '" + db.toAbsolutePath().toString().replace("'", "''") + "' AS src");
        copy(
            c,
            "INSERT INTO journal (seq, time, actor, kind, subject, cause, body, prev_hash, hash)"
                + " SELECT seq, time, actor, kind, subject, cause, body, prev_hash, hash"
                + " FROM src.journal WHERE seq <= ? ORDER BY seq",
            seq);
        copy(
            c,
            "INSERT INTO checkpoints (seq, hash, time, algorithm, signature, prev)"
                + " SELECT seq, hash, time, algorithm, signature, prev"
                + " FROM src.checkpoints WHERE seq <= ? ORDER BY id",
            seq);
        copy(c, "UPDATE journal_high_water SET seq = ?", seq);
        c.commit();
        s.execute("DETACH DATABASE src");
      }
      deleteDb(db);
      Files.move(fresh, db, StandardCopyOption.ATOMIC_MOVE);
    } catch (SQLException | IOException e) {
      throw new SnapshotException(
          "cannot cut the journal " + db + " at seq " + seq + ": " + e.getMessage(), e);
    }
  }

  private static void copy(Connection c, String sql, long seq) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      p.setLong(1, seq);
      p.executeUpdate();
    }
  }

  private static void deleteDb(Path db) throws IOException {
    for (String suffix : List.of("", "-wal", "-shm")) {
      Files.deleteIfExists(db.resolveSibling(db.getFileName() + suffix));
    }
  }
}
