package dev.kiln.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.journal.VerifyReport.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 random tamperings, each on a fresh copy of one real journal (entries appended through the
 * API, chained checkpoints every 40 entries, its {@code journal-head}, and an unanchored tail),
 * done as someone with file access would, by plain JDBC and file edits. Every one must be named by
 * the offline verifier (the first bad entry, or the missing anchor), and refused by the check the
 * server runs before it replays ({@link Journal#requireTrusted}).
 */
class JournalMutationTest {
  static final int MUTATIONS = 1000;
  static final long SEED = 0x6b696c6eL;
  static final int ENTRIES = 252;
  static final int CHECKPOINT_EVERY = 40;
  static final List<String> COLUMNS =
      List.of("seq", "time", "actor", "kind", "subject", "cause", "body", "prev_hash", "hash");
  static final List<String> CHECKPOINT_COLUMNS =
      List.of("seq", "hash", "time", "algorithm", "signature", "prev");

  @TempDir static Path original;
  @TempDir Path copies;
  static KeyPair key;

  /** The checkpoints' seqs, the same in every copy: read once, not once per tampering. */
  static List<Long> checkpointSeqs = List.of();

  @BeforeAll
  static void aRealJournal() throws Exception {
    key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Random r = new Random(SEED);
    String[] kinds = {"instance-starting", "instance-stopping", "traffic-set", "rollout-state"};
    try (Journal j =
        Journal.open(
            original.resolve("state.db"),
            new JournalTest.TickingClock(JournalTest.T0, Duration.ofMillis(1234)))) {
      for (int i = 1; i <= ENTRIES; i++) {
        String kind = kinds[r.nextInt(kinds.length)];
        String body =
            "{\"service\":\"web\",\"instance\":\"web-"
                + Integer.toHexString(r.nextInt())
                + "\",\"revision\":"
                + (1 + i / 50)
                + ",\"note\":\"caf\\u00e9 \\\"quoted\\\"\",\"weights\":[90,10]}";
        j.append(new EntryDraft("controller", kind, "web", "rollout step " + i, body));
        if (i % CHECKPOINT_EVERY == 0) j.checkpoint(Signer.ed25519(key.getPrivate()));
      }
    }
    // a plain connection: the original keeps its triggers, as every copy does
    try (Connection c =
        DriverManager.getConnection("jdbc:sqlite:" + original.resolve("state.db"))) {
      checkpointSeqs = checkpointSeqs(c);
    }
  }

  /** What one tampering did, and what a verifier must say about it. */
  record Mutation(String kind, String what, long firstBad, Set<Reason> reasons, String mentions) {
    static final long ANY = -1;
  }

  @Test
  void anUntouchedCopy_verifies_namesItsDatabaseAndKey_andWarnsOfTheUnanchoredTail()
      throws Exception {
    Path home = copy("untouched");

    VerifyReport report =
        JournalVerifier.verify(
            home.resolve("state.db"), key.getPublic(), Anchoring.beside(home.resolve("state.db")));

    assertThat(report.ok()).as(report.toString()).isTrue();
    assertThat(report.entries()).isEqualTo(ENTRIES);
    assertThat(report.anchoredSeq()).contains(240L);
    assertThat(report.database()).isEqualTo(home.resolve("state.db"));
    assertThat(report.toString()).contains(home.resolve("state.db").toString()).contains("key id");
    assertThat(report.warnings()).singleElement().asString().startsWith("entries 241..252 (12)");
    try (Journal j = Journal.open(home.resolve("state.db"), java.time.Clock.systemUTC())) {
      assertThat(j.requireTrusted(key.getPublic()).ok()).isTrue();
    }
  }

  @Test
  void everyOneOfAThousandRandomMutations_isNamedOffline_andRefusedAtStart() throws Exception {
    Random r = new Random(SEED);
    Map<String, Integer> byKind = new TreeMap<>();
    for (int i = 0; i < MUTATIONS; i++) {
      Path home = copy("m" + i);
      Path db = home.resolve("state.db");
      Mutation m = mutate(r, home);
      String label = "mutation " + i + " (" + m.kind() + ": " + m.what() + ")";

      VerifyReport report = JournalVerifier.verify(db, key.getPublic(), Anchoring.beside(db));

      assertThat(report.ok()).as(label + " went unnoticed").isFalse();
      VerifyReport.Break b = report.firstBreak().orElseThrow();
      if (m.firstBad() != Mutation.ANY)
        assertThat(b.seq()).as(label + ": " + report).isEqualTo(m.firstBad());
      assertThat(b.reason()).as(label + ": " + report).isIn(m.reasons());
      assertThat(b.message()).as(label).contains(m.mentions());
      assertThat(report.toString()).as(label).contains(db.toString());

      try (Journal server = Journal.open(db, java.time.Clock.systemUTC())) {
        assertThatThrownBy(() -> server.requireTrusted(key.getPublic()))
            .as(label + " was not refused at start")
            .isInstanceOf(JournalException.class)
            .hasMessageContaining(
                m.firstBad() == Mutation.ANY
                    ? "failed verification at entry"
                    : "failed verification at entry " + m.firstBad() + " ")
            .hasMessageContaining("Nothing was replayed or acted on");
      }
      byKind.merge(m.kind(), 1, Integer::sum);
      deleteTree(home);
    }
    System.out.println("journal mutations, all detected: " + byKind);
    assertThat(byKind.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(MUTATIONS);
    assertThat(byKind).hasSize(11).allSatisfy((k, n) -> assertThat(n).as(k).isGreaterThan(30));
  }

  /**
   * One tampering, through one connection to the copy (each connection the attacker opens drops the
   * triggers again, and each of its commits would be fsynced: the verifiers, not the edits, are
   * what the test times).
   */
  private Mutation mutate(Random r, Path home) throws Exception {
    try (Connection db = connect(home.resolve("state.db"))) {
      return mutate(r, home, db);
    }
  }

  private Mutation mutate(Random r, Path home, Connection db) throws Exception {
    List<Long> cps = checkpointSeqs;
    long lastCp = cps.get(cps.size() - 1);
    long k = 1 + r.nextInt(ENTRIES);
    switch (r.nextInt(11)) {
      case 0 -> {
        String column = COLUMNS.get(r.nextInt(COLUMNS.size()));
        if (column.equals("seq")) {
          long to = ENTRIES + 1 + r.nextInt(1000);
          sql(db, "UPDATE journal SET seq = " + to + " WHERE seq = " + k);
          return new Mutation(
              "edit-entry", "seq " + k + " -> " + to, k, EnumSet.of(Reason.MISSING), "");
        }
        String value = read(db, "SELECT " + column + " FROM journal WHERE seq = " + k);
        String edited = editOneChar(r, value);
        update(db, "UPDATE journal SET " + column + " = ? WHERE seq = " + k, edited);
        return new Mutation(
            "edit-entry",
            column + " of " + k,
            k,
            EnumSet.of(Reason.CHANGED, Reason.MALFORMED),
            "entry " + k);
      }
      case 1 -> {
        sql(db, "DELETE FROM journal WHERE seq = " + k);
        return new Mutation(
            "delete-entry", "seq " + k, k, EnumSet.of(Reason.MISSING, Reason.TRUNCATED), "");
      }
      case 2 -> {
        long j = k == ENTRIES ? k - 1 : k + 1 + r.nextInt((int) (ENTRIES - k));
        long a = Math.min(k, j);
        long b = Math.max(k, j);
        sql(
            db,
            "CREATE TEMP TABLE t AS SELECT * FROM journal WHERE seq IN (" + a + ", " + b + ")",
            swap(a, b),
            swap(b, a));
        return new Mutation(
            "swap-entries",
            a + " <-> " + b,
            a,
            EnumSet.of(Reason.REORDERED, Reason.CHANGED),
            " " + a + " ");
      }
      case 3 -> {
        sql(db, "DELETE FROM journal WHERE seq >= " + k);
        return new Mutation(
            "truncate", "from " + k, k, EnumSet.of(Reason.TRUNCATED), "entries after " + (k - 1));
      }
      case 4 -> {
        long id = 1 + r.nextInt(cps.size());
        sql(db, "DELETE FROM checkpoints WHERE id = " + id);
        return new Mutation(
            "delete-checkpoint",
            "#" + id + " (seq " + cps.get((int) id - 1) + ")",
            Mutation.ANY,
            EnumSet.of(Reason.CHECKPOINT_MISSING),
            "checkpoint");
      }
      case 5 -> {
        // Entries and their checkpoints together, and the high-water mark set back: only the
        // anchored head outside state.db still knows.
        long from = 1 + r.nextInt((int) lastCp);
        sql(
            db,
            "DELETE FROM journal WHERE seq >= " + from,
            "DELETE FROM checkpoints WHERE seq >= " + from,
            "UPDATE journal_high_water SET seq = " + (from - 1));
        return new Mutation(
            "truncate-with-checkpoints",
            "from " + from,
            from,
            EnumSet.of(Reason.TRUNCATED),
            "entries after " + (from - 1) + " are missing; the anchored head is seq " + lastCp);
      }
      case 6 -> {
        String[] bad = {
          "2026-11-23T06:00:00Z", // no fractional seconds
          "2026-11-23T06:00:00.000000000+01:00",
          "2026-02-30T06:00:00.000000000Z",
          "yesterday"
        };
        String time = bad[r.nextInt(bad.length)];
        updateRehashed(db, k, "time", time);
        return new Mutation(
            "malformed-time", time + " at " + k, k, EnumSet.of(Reason.MALFORMED), "entry " + k);
      }
      case 7 -> {
        String[] bad = {"{\"a\":", "[1,2]", "{}{}", "not json", "{\"a\":1} trailing"};
        String body = bad[r.nextInt(bad.length)];
        if (r.nextBoolean()) updateRehashed(db, k, "body", body);
        else update(db, "UPDATE journal SET body = ? WHERE seq = " + k, body);
        return new Mutation(
            "malformed-body", body + " at " + k, k, EnumSet.of(Reason.MALFORMED), "entry " + k);
      }
      case 8 -> {
        String column = r.nextBoolean() ? "hash" : "prev_hash";
        String[] bad = {"sha256:xyz", "", "SHA256:" + "A".repeat(64), "md5:0"};
        update(
            db,
            "UPDATE journal SET " + column + " = ? WHERE seq = " + k,
            bad[r.nextInt(bad.length)]);
        return new Mutation(
            "malformed-hash", column + " of " + k, k, EnumSet.of(Reason.MALFORMED), "entry " + k);
      }
      case 9 -> {
        long id = 1 + r.nextInt(cps.size());
        String column = CHECKPOINT_COLUMNS.get(r.nextInt(CHECKPOINT_COLUMNS.size()));
        String value = read(db, "SELECT " + column + " FROM checkpoints WHERE id = " + id);
        update(
            db,
            "UPDATE checkpoints SET " + column + " = ? WHERE id = " + id,
            editOneChar(r, value));
        return new Mutation(
            "edit-checkpoint",
            column + " of #" + id,
            Mutation.ANY,
            EnumSet.of(
                Reason.BAD_CHECKPOINT_SIGNATURE, Reason.CHECKPOINT_MISSING, Reason.MALFORMED),
            "checkpoint");
      }
      default -> {
        Path head = home.resolve(Anchoring.FILE);
        if (r.nextInt(4) == 0) {
          Files.delete(head);
          return new Mutation(
              "anchor", "deleted", Mutation.ANY, EnumSet.of(Reason.BAD_ANCHOR), "missing");
        }
        String text = Files.readString(head, StandardCharsets.UTF_8);
        // Not the final newline: whitespace after the object changes no statement.
        String edited = editOneChar(r, text.substring(0, text.length() - 1)) + "\n";
        Files.writeString(head, edited, StandardCharsets.UTF_8);
        return new Mutation(
            "anchor",
            "one character edited",
            Mutation.ANY,
            // A signature's last base64 character carries padding bits no decoder reads: the
            // statement still verifies, but no longer matches the checkpoint in the database.
            EnumSet.of(Reason.BAD_ANCHOR, Reason.CHECKPOINT_MISSING),
            Anchoring.FILE);
      }
    }
  }

  /** One character replaced by a different, visible one (never whitespace). */
  private static String editOneChar(Random r, String value) {
    int at = r.nextInt(value.length());
    char c;
    do {
      c = (char) ('!' + r.nextInt('~' - '!' + 1));
    } while (c == value.charAt(at));
    return value.substring(0, at) + c + value.substring(at + 1);
  }

  /** The attacker who also recomputes the row's hash: only the form check can tell. */
  private static void updateRehashed(Connection db, long seq, String column, String value)
      throws Exception {
    StoredRow row = readRow(db, seq);
    StoredRow edited =
        new StoredRow(
            seq,
            column.equals("time") ? value : row.time(),
            row.actor(),
            row.kind(),
            row.subject(),
            row.cause(),
            column.equals("body") ? value : row.body(),
            row.prevHash(),
            "");
    try (PreparedStatement s =
        db.prepareStatement("UPDATE journal SET " + column + " = ?, hash = ? WHERE seq = " + seq)) {
      s.setString(1, value);
      s.setString(2, edited.computeHash(seq));
      s.executeUpdate();
    }
  }

  private static String swap(long target, long source) {
    return "UPDATE journal SET (time, actor, kind, subject, cause, body, prev_hash, hash) ="
        + " (SELECT time, actor, kind, subject, cause, body, prev_hash, hash FROM t WHERE seq = "
        + source
        + ") WHERE seq = "
        + target;
  }

  private Path copy(String name) throws Exception {
    Path home = Files.createDirectories(copies.resolve(name));
    Files.copy(original.resolve("state.db"), home.resolve("state.db"));
    Files.copy(original.resolve(Anchoring.FILE), home.resolve(Anchoring.FILE));
    return home;
  }

  /**
   * The attacker's connection: the append-only triggers dropped, and no fsync (an edit that a power
   * cut could lose proves nothing less; the copy is read back by the verifiers at once).
   */
  private static Connection connect(Path db) throws Exception {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA synchronous = OFF");
      s.execute("DROP TRIGGER IF EXISTS journal_no_update");
      s.execute("DROP TRIGGER IF EXISTS journal_no_delete");
    }
    return c;
  }

  private static void sql(Connection db, String... statements) throws Exception {
    try (Statement s = db.createStatement()) {
      for (String q : statements) s.execute(q);
    }
  }

  private static void update(Connection db, String sql, String value) throws Exception {
    try (PreparedStatement s = db.prepareStatement(sql)) {
      s.setString(1, value);
      s.executeUpdate();
    }
  }

  private static String read(Connection db, String sql) throws Exception {
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static StoredRow readRow(Connection db, long seq) throws Exception {
    try (Statement s = db.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT seq, time, actor, kind, subject, cause, body, prev_hash, hash FROM journal"
                    + " WHERE seq = "
                    + seq)) {
      rs.next();
      return Journal.row(rs);
    }
  }

  private static List<Long> checkpointSeqs(Connection db) throws Exception {
    List<Long> out = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT seq FROM checkpoints ORDER BY id")) {
      while (rs.next()) out.add(rs.getLong(1));
    }
    return out;
  }

  private static void deleteTree(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
