package dev.kiln.journal;

import dev.kiln.model.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.sqlite.SQLiteConfig;

/**
 * Verifies a journal database as stored: reads the checkpoints and anchors, streams the entries
 * through the chain once, then checks what pins them. Used by the server before it replays (through
 * {@link Journal#requireTrusted}) and by {@code kiln audit verify --home/--db} without a server.
 * Never throws for a tampered journal: that is a report, not an error.
 */
public final class JournalVerifier {
  private JournalVerifier() {}

  /**
   * Verifies {@code db} without changing it (opened read-only; no schema is created or migrated).
   *
   * @throws JournalException if {@code db} does not exist or is not a SQLite database
   */
  public static VerifyReport verify(Path db, PublicKey key, Anchoring anchoring) {
    if (!Files.isRegularFile(db)) {
      throw new JournalException("no journal at " + db + ": there is nothing to verify");
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setBusyTimeout(Journal.BUSY_TIMEOUT_MS);
    try (Connection c =
        DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath(), config.toProperties())) {
      return verify(c, db, key, anchoring);
    } catch (SQLException e) {
      throw new JournalException(
          "cannot read the journal " + db + ": " + e.getMessage() + " (is it a SQLite database?)",
          e);
    }
  }

  /** Verifies over an open connection (the journal's own), in one read transaction. */
  static VerifyReport verify(Connection c, Path db, PublicKey key, Anchoring anchoring)
      throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("BEGIN"); // one snapshot: rows and checkpoints as of the same moment
      try {
        return verifySnapshot(c, db, key, anchoring);
      } finally {
        s.execute("COMMIT");
      }
    }
  }

  private static VerifyReport verifySnapshot(
      Connection c, Path db, PublicKey key, Anchoring anchoring) throws SQLException {
    List<StoredCheckpoint> checkpoints = checkpoints(c);
    List<CheckpointChain.AnchorRead> anchors = anchors(anchoring);
    Set<Long> wanted = new HashSet<>();
    for (StoredCheckpoint cp : checkpoints) wanted.add(seqOrZero(cp));
    anchors.forEach(a -> a.head().ifPresent(h -> wanted.add(seqOrZero(h))));

    long vouchedUpTo = checkpoints.stream().mapToLong(JournalVerifier::seqOrZero).max().orElse(0);
    EntryChain chain = new EntryChain(wanted, vouchedUpTo, () -> maxSeq(c));
    long rows = 0;
    if (hasTable(c, "journal")) {
      try (Statement s = c.createStatement()) {
        s.setFetchSize(1000);
        try (ResultSet rs =
            s.executeQuery(
                "SELECT seq, time, actor, kind, subject, cause, body, prev_hash, hash"
                    + " FROM journal ORDER BY seq")) {
          while (rs.next()) {
            rows++;
            if (!chain.accept(Journal.row(rs))) break;
          }
        }
      }
    }
    String keyId = Digest.of(key.getEncoded()).hex().substring(0, 16);
    if (chain.broken().isPresent()) {
      return new VerifyReport(
          db,
          keyId,
          rows,
          checkpoints.size(),
          Optional.empty(),
          Optional.empty(),
          List.of(),
          chain.broken());
    }
    CheckpointChain.Outcome o =
        CheckpointChain.check(checkpoints, anchors, chain, highWater(c), key);
    return new VerifyReport(
        db,
        keyId,
        rows,
        checkpoints.size(),
        chain.head(),
        o.anchoredSeq(),
        o.warnings(),
        o.broken());
  }

  private static long seqOrZero(StoredCheckpoint cp) {
    try {
      return cp.seqNumber();
    } catch (StoredCheckpoint.Malformed e) {
      return 0;
    }
  }

  static List<StoredCheckpoint> checkpoints(Connection c) throws SQLException {
    List<StoredCheckpoint> out = new ArrayList<>();
    if (!hasTable(c, "checkpoints")) return out;
    // A database from before checkpoints were chained has no prev column (and, opened read-only,
    // is not migrated): its checkpoints are all unchained.
    String prev = hasColumn(c, "checkpoints", "prev") ? "prev" : "NULL";
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT seq, hash, time, algorithm, signature, "
                    + prev
                    + " FROM checkpoints ORDER BY id")) {
      while (rs.next()) {
        String seq = rs.getString(1);
        out.add(
            new StoredCheckpoint(
                "the checkpoint at seq " + seq,
                String.valueOf(seq),
                String.valueOf(rs.getString(2)),
                String.valueOf(rs.getString(3)),
                String.valueOf(rs.getString(4)),
                String.valueOf(rs.getString(5)),
                Optional.ofNullable(rs.getString(6))));
      }
    }
    return out;
  }

  private static List<CheckpointChain.AnchorRead> anchors(Anchoring anchoring) {
    List<CheckpointChain.AnchorRead> out = new ArrayList<>();
    List<Path> files = anchoring.files();
    for (int i = 0; i < files.size(); i++) {
      Path f = files.get(i);
      try {
        out.add(new CheckpointChain.AnchorRead(f, i > 0, HeadFile.read(f), Optional.empty()));
      } catch (StoredCheckpoint.Malformed e) {
        out.add(
            new CheckpointChain.AnchorRead(
                f, i > 0, Optional.empty(), Optional.of(e.getMessage())));
      }
    }
    return out;
  }

  private static Optional<Long> highWater(Connection c) throws SQLException {
    if (!hasTable(c, Schema.HIGH_WATER)) return Optional.empty();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT max(seq) FROM " + Schema.HIGH_WATER)) {
      if (!rs.next()) return Optional.empty();
      long v = rs.getLong(1);
      return rs.wasNull() ? Optional.empty() : Optional.of(v);
    }
  }

  private static long maxSeq(Connection c) {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT coalesce(max(seq), 0) FROM journal")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      return 0; // only used to name a reordering; "changed" is still true
    }
  }

  static boolean hasTable(Connection c, String table) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")) {
      s.setString(1, table);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    }
  }

  static boolean hasColumn(Connection c, String table, String column) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (rs.next()) if (column.equals(rs.getString("name"))) return true;
      return false;
    }
  }
}
