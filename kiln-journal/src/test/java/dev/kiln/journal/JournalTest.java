package dev.kiln.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal on a real SQLite file: appending, chaining, querying, exporting, refusing secrets.
 */
class JournalTest {
  static final Instant T0 = Instant.parse("2026-11-23T06:00:00Z");

  @TempDir Path dir;
  Path db;
  TickingClock clock = new TickingClock(T0, Duration.ofSeconds(1));
  Journal journal;
  KeyPair hostKey;

  @BeforeEach
  void open() throws Exception {
    db = dir.resolve("state.db");
    journal = Journal.open(db, clock);
    hostKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  @AfterEach
  void close() {
    journal.close();
  }

  static EntryDraft draft(String kind, String subject, String body) {
    return new EntryDraft("alice", kind, subject, "because", body);
  }

  @Test
  void append_chainsEntriesWithTimeFromTheClock() {
    Entry first =
        journal.append(draft("blueprint.applied", "blueprint/kiln.yaml", "{\"b\":1, \"a\":[1,2]}"));
    Entry second = journal.append(draft("revision.created", "service/web", "{}"));

    assertThat(first.seq()).isEqualTo(1);
    assertThat(first.time()).isEqualTo(T0);
    assertThat(first.body()).isEqualTo("{\"a\":[1,2],\"b\":1}");
    assertThat(first.prevHash()).isEqualTo(Canonical.GENESIS);
    assertThat(second.seq()).isEqualTo(2);
    assertThat(second.time()).isEqualTo(T0.plusSeconds(1));
    assertThat(second.prevHash()).isEqualTo(first.hash());
    assertThat(journal.head()).contains(second);
    assertThat(journal.verify(hostKey.getPublic()).ok()).isTrue();
  }

  @Test
  void hash_isOverPreviousHashAndTheCanonicalEntry() {
    Entry e =
        journal.append(
            new EntryDraft("bob", "rollout.step", "service/web", "weight 10", "{\"w\":10}"));

    String canonical =
        "{\"actor\":\"bob\",\"body\":{\"w\":10},\"cause\":\"weight 10\",\"kind\":\"rollout.step\","
            + "\"seq\":1,\"subject\":\"service/web\",\"time\":\"2026-11-23T06:00:00.000000000Z\"}";
    assertThat(e.hash())
        .isEqualTo(
            dev.kiln.model.Digest.of(
                ("sha256:" + "0".repeat(64) + "\n" + canonical).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void reopening_continuesTheSameChain() {
    Entry first = journal.append(draft("a", "s", "{}"));
    journal.close();
    journal = Journal.open(db, clock);

    Entry second = journal.append(draft("b", "s", "{}"));

    assertThat(second.seq()).isEqualTo(2);
    assertThat(second.prevHash()).isEqualTo(first.hash());
  }

  @Test
  void entries_filterBySubjectKindTimeAndSeq() {
    journal.append(draft("instance.started", "service/web", "{}")); // T0
    journal.append(draft("instance.started", "service/api", "{}")); // T0+1
    journal.append(draft("instance.stopped", "service/web", "{}")); // T0+2

    assertThat(journal.entries(Query.all())).extracting(Entry::seq).containsExactly(1L, 2L, 3L);
    assertThat(journal.entries(Query.all().subject("service/web")))
        .extracting(Entry::seq)
        .containsExactly(1L, 3L);
    assertThat(journal.entries(Query.all().kind("instance.started")))
        .extracting(Entry::seq)
        .containsExactly(1L, 2L);
    assertThat(journal.entries(Query.all().since(T0.plusSeconds(1))))
        .extracting(Entry::seq)
        .containsExactly(2L, 3L);
    assertThat(journal.entries(Query.all().afterSeq(2))).extracting(Entry::seq).containsExactly(3L);
  }

  @Test
  void export_writesOneCanonicalJsonLinePerEntry() {
    Entry e = journal.append(draft("a", "s", "{\"x\":\"y\"}"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    journal.exportJsonLines(out);

    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"actor\":\"alice\",\"body\":{\"x\":\"y\"},\"cause\":\"because\",\"hash\":\""
                + e.hash()
                + "\",\"kind\":\"a\",\"prevHash\":\""
                + Canonical.GENESIS
                + "\",\"seq\":1,\"subject\":\"s\",\"time\":\"2026-11-23T06:00:00.000000000Z\"}\n");
  }

  @Test
  void secretValues_areRefusedWhereverTheyAppear_andNotEchoed() {
    Set<String> secrets = Set.of("hunter2");
    EntryDraft inBody = draft("a", "s", "{\"env\":{\"TOKEN\":\"xhunter2x\"}}").guarding(secrets);
    EntryDraft inKey = draft("a", "s", "{\"hunter2\":1}").guarding(secrets);
    EntryDraft escaped = draft("a", "s", "{\"t\":\"hunter\\u0032\"}").guarding(secrets);
    EntryDraft inCause = new EntryDraft("a", "k", "s", "set to hunter2", "{}", secrets);

    for (EntryDraft d : List.of(inBody, inKey, escaped, inCause)) {
      assertThatThrownBy(() -> journal.append(d))
          .isInstanceOf(JournalException.class)
          .hasMessageContaining("secret")
          .hasMessageNotContaining("hunter2");
    }
    assertThat(journal.head()).isEmpty();
    assertThat(
            journal.append(draft("a", "s", "{\"secret\":\"API_TOKEN\"}").guarding(secrets)).seq())
        .isEqualTo(1);
  }

  @Test
  void bodies_mustBeJsonObjects() {
    assertThatThrownBy(() -> journal.append(draft("a", "s", "[1]")))
        .isInstanceOf(JournalException.class);
    assertThatThrownBy(() -> journal.append(draft("a", "s", "{oops")))
        .isInstanceOf(JournalException.class);
  }

  @Test
  void theJournalTable_refusesUpdatesAndDeletes() throws Exception {
    journal.append(draft("a", "s", "{}"));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("UPDATE journal SET actor = 'eve'"))
          .hasMessageContaining("append-only");
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM journal"))
          .hasMessageContaining("append-only");
    }
  }

  /** Each read of the time moves it forward by a step: distinct, predictable times. */
  static final class TickingClock extends Clock {
    private Instant now;
    private final Duration step;

    TickingClock(Instant start, Duration step) {
      this.now = start;
      this.step = step;
    }

    @Override
    public synchronized Instant instant() {
      Instant t = now;
      now = now.plus(step);
      return t;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
