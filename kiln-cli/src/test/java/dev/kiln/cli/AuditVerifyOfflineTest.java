package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.image.HostKey;
import dev.kiln.journal.EntryDraft;
import dev.kiln.journal.Journal;
import dev.kiln.journal.Signer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln audit verify --home DIR} and {@code --db FILE --key FILE} on real homes, with a
 * server of another home answering at KILN_API that must never be asked.
 */
class AuditVerifyOfflineTest {
  @TempDir Path tmp;
  Path home;
  Path other;

  @BeforeEach
  void twoHomes() {
    home = journalHome(tmp.resolve("home"), 25);
    other = journalHome(tmp.resolve("other"), 3);
  }

  /** A home with a host key and {@code n} entries, checkpointed at 20 (if it has that many). */
  static Path journalHome(Path home, int n) {
    HostKey key = HostKey.generate(home.resolve("keys"));
    Signer signer =
        new Signer() {
          @Override
          public String algorithm() {
            return HostKey.ALGORITHM;
          }

          @Override
          public byte[] sign(byte[] message) {
            return key.sign(message);
          }
        };
    try (Journal j = Journal.open(home.resolve("state.db"), Clock.systemUTC())) {
      for (int i = 1; i <= n; i++) {
        j.append(new EntryDraft("local:root", "image-verified", "image", "apply", "{}"));
        if (i == 20) j.checkpoint(signer);
      }
    }
    return home;
  }

  /** kiln with a (fake) server of another home at KILN_API that answers ok to anything. */
  private FakeKilnServer.Run kiln(String... args) throws Exception {
    try (FakeKilnServer elsewhere = new FakeKilnServer()) {
      elsewhere.on("GET /v1/audit/verify", "{\"ok\":true,\"entries\":1,\"checkpoints\":0}");
      FakeKilnServer.Run r = elsewhere.kiln(args);
      assertThat(elsewhere.routes()).as("the server was asked").isEmpty();
      return r;
    }
  }

  @Test
  void home_ok_namesDatabaseKeyAndAnchor_andWarnsOfTheUnanchoredTail() throws Exception {
    FakeKilnServer.Run r = kiln("audit", "verify", "--home", home.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith(
            "journal ok: 25 entries, 1 signed checkpoints, anchored at seq 20, head sha256:")
        .contains("database " + home.resolve("state.db"))
        .contains("key " + home.resolve("keys/host.pub") + " (key id ");
    assertThat(r.err())
        .startsWith("warning: entries 21..25 (5) come after the last signed checkpoint");
  }

  @Test
  void home_tampered_exits1NamingTheEntryTheDatabaseAndTheKey() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("state.db"));
        Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER journal_no_update");
      s.execute("UPDATE journal SET actor = 'mallory' WHERE seq = 12");
    }

    FakeKilnServer.Run r = kiln("audit", "verify", "--home", home.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("error: journal verification failed at entry 12 (changed)")
        .contains("database " + home.resolve("state.db"))
        .contains("key " + home.resolve("keys/host.pub"));
  }

  @Test
  void dbAndKey_ofAnotherHost_isRefusedAsNotSignedByIt() throws Exception {
    FakeKilnServer.Run r =
        kiln(
            "audit",
            "verify",
            "--db",
            home.resolve("state.db").toString(),
            "--key",
            other.resolve("keys/host.pub").toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains("(bad_checkpoint_signature)")
        .contains("key " + other.resolve("keys/host.pub"));
  }

  @Test
  void dbAndKey_json_carriesTheVerdictAndWhatWasUsed() throws Exception {
    FakeKilnServer.Run r =
        kiln(
            "audit",
            "verify",
            "--db",
            home.resolve("state.db").toString(),
            "--key",
            home.resolve("keys/host.pub").toString(),
            "-o",
            "json");

    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode v = ApiClient.JSON.readTree(r.out());
    assertThat(v.get("ok").asBoolean()).isTrue();
    assertThat(v.get("database").asText()).isEqualTo(home.resolve("state.db").toString());
    assertThat(v.get("key").asText()).isEqualTo(home.resolve("keys/host.pub").toString());
    assertThat(v.get("anchor").asText()).isEqualTo(home.resolve("journal-head").toString());
    assertThat(v.get("entries").asLong()).isEqualTo(25);
    assertThat(v.get("anchoredSeq").asLong()).isEqualTo(20);
  }

  @Test
  void dbWithoutKey_isAClearErrorThatAsksNoServer() throws Exception {
    FakeKilnServer.Run r = kiln("audit", "verify", "--db", home.resolve("state.db").toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: --db needs --key FILE");
  }

  @Test
  void aHomeWithoutAJournal_saysSo() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));

    FakeKilnServer.Run r = kiln("audit", "verify", "--home", empty.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: no journal at " + empty.resolve("state.db"));
  }

  @Test
  void theServerCommand_refusesATamperedHome_withTheVerifiersMessage() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("state.db"));
        Statement s = c.createStatement()) {
      s.execute("DROP TRIGGER journal_no_delete");
      s.execute("DELETE FROM journal WHERE seq > 15");
      s.execute("DELETE FROM checkpoints");
    }

    FakeKilnServer.Run r =
        FakeKilnServer.run(
            "server",
            "--home",
            home.toString(),
            "--api",
            "127.0.0.1:0",
            "--router",
            "127.0.0.1:0",
            "--in-process-router");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith(
            "error: the journal "
                + home.resolve("state.db")
                + " failed verification at entry 16 (truncated)")
        .contains("entries after 15 are missing; the anchored head is seq 20")
        .contains("kiln audit verify --home " + home);
  }
}
