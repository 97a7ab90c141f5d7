package dev.kiln.journal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.model.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The append-only, hash-chained journal in {@code state.db} (SQLite, WAL). Safe to use from several
 * threads (calls are serialized) and from several processes on the same file (appends take the
 * write lock with {@code BEGIN IMMEDIATE}, and wait for it up to the busy timeout).
 *
 * <p>See the package documentation for what the chain proves.
 */
public final class Journal implements AutoCloseable {
  static final int BUSY_TIMEOUT_MS = 10_000;

  /**
   * Write transactions between two copies of the WAL into the database file ({@link #tidyWal}):
   * about as many pages as SQLite's own automatic checkpoint (1000), which ran at the end of
   * whichever commit crossed it, adding two disk syncs to that commit (one in ~170 of a
   * rollback's).
   */
  static final int WAL_TIDY_EVERY = 200;

  /** Write transactions without a {@link #tidyWal}, after which a commit copies the WAL itself. */
  static final int WAL_TIDY_INLINE = 5 * WAL_TIDY_EVERY;

  private static final System.Logger LOG = System.getLogger(Journal.class.getName());
  private static final String COLUMNS =
      "seq, time, actor, kind, subject, cause, body, prev_hash, hash";

  private final Path path;
  private final Connection db;
  private final Clock clock;
  private final Anchoring anchoring;
  private int commitsSinceTidy;

  private Journal(Path path, Connection db, Clock clock, Anchoring anchoring) {
    this.path = path;
    this.db = db;
    this.clock = clock;
    this.anchoring = anchoring;
  }

  /**
   * Opens (creating if needed) the journal in {@code db}, anchored in {@code journal-head} beside
   * it; times of new entries come from {@code clock}.
   */
  public static Journal open(Path db, Clock clock) {
    return open(db, clock, Anchoring.beside(db));
  }

  /** Opens the journal in {@code db}; each checkpoint is also written to {@code anchoring}. */
  public static Journal open(Path db, Clock clock, Anchoring anchoring) {
    try {
      Path parent = db.toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MS);
        s.execute("PRAGMA journal_mode = WAL");
        // An entry is written before the change it describes is acted on: it must survive a crash.
        s.execute("PRAGMA synchronous = FULL");
        // The WAL is copied into the database by tidyWal, after the caller acted on its entries,
        // not at the end of a commit it would delay.
        s.execute("PRAGMA wal_autocheckpoint = 0");
      }
      Journal journal = new Journal(db, c, clock, anchoring);
      journal.inTransaction(() -> Schema.create(c));
      return journal;
    } catch (SQLException | IOException e) {
      throw new JournalException(
          "cannot open the journal "
              + db
              + ": "
              + e.getMessage()
              + " (is the folder writable, and the file a SQLite database?)",
          e);
    }
  }

  /**
   * Appends one entry, durably, before the caller acts on it.
   *
   * @throws JournalException if the body is not a JSON object or contains a guarded secret value
   */
  public synchronized Entry append(EntryDraft draft) {
    return appendAll(List.of(draft)).get(0);
  }

  /**
   * Appends several entries in order, in one transaction (one fsync): all of them or, if any draft
   * is refused, none.
   *
   * @throws JournalException if a body is not a JSON object or contains a guarded secret value
   */
  public synchronized List<Entry> appendAll(List<EntryDraft> drafts) {
    return appendAll(drafts, true);
  }

  /**
   * {@link #appendAll} for a change that is acted on at once, with the disk sync after the act: the
   * transaction is committed when this returns (every reader sees it, and it survives a crash of
   * this process: it is in the WAL file), and durable against a power loss once {@link #sync} ran,
   * which the caller does right after acting and before it tells anyone the change was made. A
   * power loss in between stops whatever acted on it too (the router is a process on this host),
   * and the journal is what everything is rebuilt from. A warm rollback's swap waited ~1.5 ms for
   * this sync (issue 8).
   *
   * @throws JournalException as {@link #appendAll}
   */
  public synchronized List<Entry> appendAllSyncAfter(List<EntryDraft> drafts) {
    return appendAll(drafts, false);
  }

  /**
   * Makes every committed entry durable: one {@code fdatasync} of the WAL, for after {@link
   * #appendAllSyncAfter}. Not under the journal's lock: other appends go on meanwhile.
   *
   * @throws JournalException if the WAL cannot be synced
   */
  public void sync() {
    Path wal = path.resolveSibling(path.getFileName() + "-wal");
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(wal, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(false);
    } catch (IOException e) {
      throw new JournalException("journal " + path + ": cannot sync its WAL " + wal + ": " + e, e);
    }
  }

  /** The connection's {@code PRAGMA synchronous} (2 is FULL): tests. */
  synchronized int synchronous() {
    return read(
        () -> {
          try (Statement s = db.createStatement();
              ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
            return rs.next() ? rs.getInt(1) : -1;
          }
        });
  }

  private List<Entry> appendAll(List<EntryDraft> drafts, boolean syncNow) {
    List<String> bodies = new ArrayList<>();
    for (EntryDraft draft : drafts) {
      JsonNode body = Canonical.parse(draft.body());
      if (!body.isObject())
        throw new JournalException("an entry body must be a JSON object: " + draft);
      SecretGuard.check(draft, body);
      bodies.add(Canonical.json(body));
    }
    return inTransaction(
        syncNow,
        () -> {
          // The head and the high-water mark are read once per transaction, the INSERT prepared
          // once and the mark written once: BEGIN IMMEDIATE holds the write lock, so each entry's
          // predecessor is the one inserted just before it (a rollback's five entries were twenty
          // statements compiled and run on the way to its swap).
          Optional<StoredRow> head = head(db);
          // Past the high-water mark too: a seq handed out once is never handed out again, even
          // if its row was deleted (the verifier then names the gap).
          long last = Math.max(head.map(StoredRow::seq).orElse(0L), highWater(db));
          String prev = head.map(StoredRow::hash).orElse(Canonical.GENESIS.toString());
          List<Entry> out = new ArrayList<>();
          try (PreparedStatement insert =
              db.prepareStatement(
                  "INSERT INTO journal (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < drafts.size(); i++) {
              StoredRow row = insert(insert, last + 1, prev, drafts.get(i), bodies.get(i));
              out.add(row.toEntry());
              last = row.seq();
              prev = row.hash();
            }
          }
          if (!out.isEmpty()) markHighWater(last);
          return out;
        });
  }

  private StoredRow insert(
      PreparedStatement insert, long seq, String prev, EntryDraft draft, String canonicalBody)
      throws SQLException {
    String time = Canonical.time(clock.instant());
    String hash =
        Canonical.hash(
                Digest.parse(prev),
                Canonical.entry(
                    seq,
                    time,
                    draft.actor(),
                    draft.kind(),
                    draft.subject(),
                    draft.cause(),
                    canonicalBody))
            .toString();
    StoredRow row =
        new StoredRow(
            seq,
            time,
            draft.actor(),
            draft.kind(),
            draft.subject(),
            draft.cause(),
            canonicalBody,
            prev,
            hash);
    insert.setLong(1, row.seq());
    insert.setString(2, row.time());
    insert.setString(3, row.actor());
    insert.setString(4, row.kind());
    insert.setString(5, row.subject());
    insert.setString(6, row.cause());
    insert.setString(7, row.body());
    insert.setString(8, row.prevHash());
    insert.setString(9, row.hash());
    insert.executeUpdate();
    return row;
  }

  /** Records {@code seq} as the highest ever handed out. */
  private void markHighWater(long seq) throws SQLException {
    try (PreparedStatement mark =
        db.prepareStatement("UPDATE " + Schema.HIGH_WATER + " SET seq = ?")) {
      mark.setLong(1, seq);
      if (mark.executeUpdate() == 0) {
        try (PreparedStatement add =
            db.prepareStatement("INSERT INTO " + Schema.HIGH_WATER + " (seq) VALUES (?)")) {
          add.setLong(1, seq);
          add.executeUpdate();
        }
      }
    }
  }

  /**
   * Copies the WAL into the database file (a passive checkpoint: two disk syncs) when {@value
   * #WAL_TIDY_EVERY} write transactions went by since the last copy; otherwise does nothing. For
   * after acting on what was appended: the entries are durable in the WAL already.
   */
  public synchronized void tidyWal() {
    if (commitsSinceTidy >= WAL_TIDY_EVERY) copyWal();
  }

  private void copyWal() {
    commitsSinceTidy = 0;
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA wal_checkpoint(PASSIVE)");
    } catch (SQLException e) {
      // the WAL keeps every entry durably: a copy that failed is tried again at the next tidy
      LOG.log(
          System.Logger.Level.WARNING, "journal " + path + ": WAL checkpoint: " + e.getMessage());
    }
  }

  /** The last entry, if any. */
  public synchronized Optional<Entry> head() {
    return read(() -> head(db).map(StoredRow::toEntry));
  }

  /**
   * Signs the current head (seq and hash), linked to the previous checkpoint, stores the
   * checkpoint, then anchors it outside the database ({@code journal-head}, and each witness).
   */
  public synchronized Checkpoint checkpoint(Signer signer) {
    Checkpoint c =
        inTransaction(
            () -> {
              Optional<StoredRow> head = head(db);
              long seq = head.map(StoredRow::seq).orElse(0L);
              Digest hash = head.map(r -> Digest.parse(r.hash())).orElse(Canonical.GENESIS);
              Instant time = Canonical.parseTime(Canonical.time(clock.instant()));
              Digest prev = newestCheckpoint(db).map(Journal::link).orElse(Canonical.GENESIS);
              byte[] signature =
                  signer.sign(
                      Canonical.checkpointMessage(
                          Long.toString(seq),
                          hash.toString(),
                          Canonical.time(time),
                          prev.toString()));
              try (PreparedStatement insert =
                  db.prepareStatement(
                      "INSERT INTO checkpoints (seq, hash, time, algorithm, signature, prev)"
                          + " VALUES (?, ?, ?, ?, ?, ?)")) {
                insert.setLong(1, seq);
                insert.setString(2, hash.toString());
                insert.setString(3, Canonical.time(time));
                insert.setString(4, signer.algorithm());
                insert.setString(5, Base64.getEncoder().encodeToString(signature));
                insert.setString(6, prev.toString());
                insert.executeUpdate();
              }
              return new Checkpoint(seq, hash, time, prev, signer.algorithm(), signature);
            });
    // After the commit: a crash in between leaves the anchor one checkpoint behind, which verifies
    // (the newer checkpoint links to it) and is brought up to date by requireTrusted.
    anchoring.files().forEach(f -> HeadFile.write(f, c));
    return c;
  }

  private static Digest link(StoredCheckpoint cp) {
    try {
      return Digest.parse(cp.link());
    } catch (StoredCheckpoint.Malformed e) {
      throw new JournalException(
          "cannot extend the checkpoint chain: "
              + e.getMessage()
              + "; run `kiln audit verify` to see what was altered");
    }
  }

  private static Optional<StoredCheckpoint> newestCheckpoint(Connection db) throws SQLException {
    List<StoredCheckpoint> all = JournalVerifier.checkpoints(db);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /**
   * Recomputes the whole chain, checks the checkpoints' chain and signature with {@code hostKey}
   * and the anchored heads. Never throws for a tampered journal: that is a report, not an error.
   */
  public synchronized VerifyReport verify(PublicKey hostKey) {
    return read(() -> JournalVerifier.verify(db, path, hostKey, anchoring));
  }

  /**
   * Verifies the journal before anything is built from it (the server calls this before replay) and
   * brings a lagging anchor up to date.
   *
   * @return the report, whose warnings the caller should show
   * @throws JournalException naming the first bad entry and how to proceed, if verification fails
   */
  public synchronized VerifyReport requireTrusted(PublicKey hostKey) {
    long started = System.nanoTime(); // for the log line only: start time is a measured figure
    VerifyReport report = verify(hostKey);
    LOG.log(
        System.Logger.Level.INFO,
        "journal verified in "
            + (System.nanoTime() - started) / 1_000_000
            + " ms: "
            + report.toString().lines().findFirst().orElse(""));
    VerifyReport.Break b = report.firstBreak().orElse(null);
    if (b != null) {
      Path home = path.toAbsolutePath().getParent();
      throw new JournalException(
          "the journal "
              + path
              + " failed verification at entry "
              + b.seq()
              + " ("
              + b.reason().name().toLowerCase(java.util.Locale.ROOT)
              + "): "
              + b.message()
              + ". Nothing was replayed or acted on. To proceed: see `kiln audit verify --home "
              + home
              + "` and compare with an earlier `kiln audit export`; then restore state.db and "
              + Anchoring.FILE
              + " together from a backup, or move both aside to start an empty journal");
    }
    read(
        () -> {
          Optional<StoredCheckpoint> newest = newestCheckpoint(db);
          if (newest.isEmpty() || !newest.get().chained()) return;
          String link = newest.get().link();
          for (Path f : anchoring.files()) {
            Optional<StoredCheckpoint> anchored = HeadFile.read(f);
            if (anchored.isEmpty() || !anchored.get().link().equals(link)) {
              HeadFile.write(f, toCheckpoint(newest.get()));
            }
          }
        });
    return report;
  }

  private static Checkpoint toCheckpoint(StoredCheckpoint s) {
    return new Checkpoint(
        s.seqNumber(),
        Digest.parse(s.hash()),
        Canonical.parseTime(s.time()),
        Digest.parse(s.prev().orElseThrow()),
        s.algorithm(),
        Base64.getDecoder().decode(s.signature()));
  }

  /** Where checkpoints are anchored outside the database. */
  public Anchoring anchoring() {
    return anchoring;
  }

  /** The entries matching {@code query}, in seq order. */
  public synchronized List<Entry> entries(Query query) {
    return entries(query, Integer.MAX_VALUE);
  }

  /** The first {@code limit} entries {@code query} selects, in seq order: a page of a tail. */
  public synchronized List<Entry> entries(Query query, int limit) {
    if (limit < 1)
      throw new JournalException("a page of entries needs a limit of at least 1, was " + limit);
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM journal WHERE seq > ?");
    List<String> args = new ArrayList<>();
    query
        .since()
        .ifPresent(
            t -> {
              sql.append(" AND time >= ?");
              args.add(Canonical.time(t));
            });
    query
        .subject()
        .ifPresent(
            s -> {
              sql.append(" AND subject = ?");
              args.add(s);
            });
    query
        .kind()
        .ifPresent(
            k -> {
              sql.append(" AND kind = ?");
              args.add(k);
            });
    sql.append(" ORDER BY seq LIMIT ").append(limit);
    return read(
        () -> {
          List<Entry> out = new ArrayList<>();
          try (PreparedStatement select = db.prepareStatement(sql.toString())) {
            select.setLong(1, query.afterSeq());
            for (int i = 0; i < args.size(); i++) select.setString(i + 2, args.get(i));
            try (ResultSet rs = select.executeQuery()) {
              while (rs.next()) out.add(row(rs).toEntry());
            }
          }
          return out;
        });
  }

  /**
   * Writes every entry as one canonical JSON object per line, with its hashes, in seq order: enough
   * to recompute the chain elsewhere. Rows are exported as stored, even if tampered with.
   */
  public synchronized void exportJsonLines(OutputStream out) {
    read(
        () -> {
          try (Statement s = db.createStatement();
              ResultSet rs = s.executeQuery("SELECT " + COLUMNS + " FROM journal ORDER BY seq")) {
            while (rs.next()) {
              out.write((ExportLine.of(row(rs)) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            out.flush();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  public Path path() {
    return path;
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      throw new JournalException("cannot close the journal " + path + ": " + e.getMessage(), e);
    }
  }

  private static Optional<StoredRow> head(Connection db) throws SQLException {
    try (Statement s = db.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT " + COLUMNS + " FROM journal ORDER BY seq DESC LIMIT 1")) {
      return rs.next() ? Optional.of(row(rs)) : Optional.empty();
    }
  }

  private static long highWater(Connection db) throws SQLException {
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT coalesce(max(seq), 0) FROM " + Schema.HIGH_WATER)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  static StoredRow row(ResultSet rs) throws SQLException {
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

  @FunctionalInterface
  private interface Work<T> {
    T run() throws SQLException;
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front, so reading the head and appending are atomic.
   */
  private <T> T inTransaction(Work<T> work) {
    return inTransaction(true, work);
  }

  /**
   * {@code syncNow} false commits without the disk sync ({@code synchronous = NORMAL} for this
   * transaction alone: in WAL mode the commit is then written, not synced): {@link #sync} follows.
   */
  private <T> T inTransaction(boolean syncNow, Work<T> work) {
    try (Statement s = db.createStatement()) {
      if (!syncNow) s.execute("PRAGMA synchronous = NORMAL");
      T result;
      try {
        s.execute("BEGIN IMMEDIATE");
        try {
          result = work.run();
          s.execute("COMMIT");
        } catch (SQLException | RuntimeException e) {
          s.execute("ROLLBACK");
          throw e;
        }
      } finally {
        if (!syncNow) s.execute("PRAGMA synchronous = FULL");
      }
      // a caller that never tidies still has a bounded WAL
      if (++commitsSinceTidy >= WAL_TIDY_INLINE) copyWal();
      return result;
    } catch (SQLException e) {
      throw new JournalException("journal " + path + ": " + e.getMessage(), e);
    }
  }

  /** Work without a result. */
  @FunctionalInterface
  private interface Step {
    void run() throws SQLException;
  }

  private void inTransaction(Step step) {
    inTransaction(
        () -> {
          step.run();
          return Boolean.TRUE;
        });
  }

  private void read(Step step) {
    read(
        () -> {
          step.run();
          return Boolean.TRUE;
        });
  }

  private <T> T read(Work<T> work) {
    try {
      return work.run();
    } catch (SQLException e) {
      throw new JournalException("journal " + path + ": " + e.getMessage(), e);
    }
  }
}
