package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.image.HostKey;
import dev.kiln.image.ImageStore;
import dev.kiln.journal.EntryDraft;
import dev.kiln.journal.Journal;
import dev.kiln.snapshot.SnapshotPlan;
import dev.kiln.snapshot.SnapshotWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln snapshot verify|list} and {@code kiln restore}'s refusals, offline. */
class SnapshotCommandTest {
  @TempDir Path tmp;
  Path home;
  HostKey key;
  Path snapshot;

  record Run(int exit, String out, String err) {}

  static Run kiln(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = KilnCommand.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @BeforeEach
  void aSnapshot() {
    home = tmp.resolve("home");
    key = HostKey.generate(home.resolve("keys"));
    ImageStore store = ImageStore.open(home.resolve("images"));
    var image = CliImages.image(store, "hello", Map.of());
    try (Journal j = Journal.open(home.resolve("state.db"), Clock.systemUTC())) {
      for (int i = 0; i < 5; i++)
        j.append(new EntryDraft("test", "noted", "web", "test", "{\"i\":" + i + "}"));
    }
    snapshot =
        SnapshotWriter.write(
                new SnapshotPlan(
                    home.resolve("state.db"),
                    store,
                    List.of(image),
                    Optional.empty(),
                    Optional.empty()),
                key,
                tmp.resolve("snaps/kiln-0000000005.snapshot"))
            .file();
  }

  @Test
  void verify_aGoodSnapshot_saysOk_andADamagedOne_exits1NamingTheMember() throws Exception {
    Run good =
        kiln("snapshot", "verify", snapshot.toString(), "--key", key.publicKeyFile().toString());
    assertThat(good.exit()).as(good.err()).isZero();
    assertThat(good.out()).contains(": ok:").contains("journal verified to seq 5");

    byte[] bytes = Files.readAllBytes(snapshot);
    bytes[700] ^= 0x20; // inside the first member's data (the journal)
    Path damaged = tmp.resolve("damaged.snapshot");
    Files.write(damaged, bytes);
    Run bad =
        kiln("snapshot", "verify", damaged.toString(), "--key", key.publicKeyFile().toString());
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("BAD").contains("member");
  }

  @Test
  void verify_withAnotherKey_isRefused() {
    HostKey other = HostKey.generate(tmp.resolve("other-keys"));
    Run r =
        kiln("snapshot", "verify", snapshot.toString(), "--key", other.publicKeyFile().toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("SNAPSHOT.sig");
  }

  @Test
  void list_showsTheSnapshotsInTheFolder() {
    Run r = kiln("snapshot", "list", "--snapshot-dir", tmp.resolve("snaps").toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("kiln-0000000005.snapshot");
  }

  @Test
  void restore_withoutTheHostKey_isRefused_andCreatesNothing() {
    Path target = tmp.resolve("new-home");
    Run r = kiln("restore", snapshot.toString(), "--home", target.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("--key-dir").contains("never in a snapshot");
    assertThat(target).doesNotExist();
  }

  @Test
  void restore_intoANonEmptyHome_isRefusedWithoutForce() throws Exception {
    Run r =
        kiln(
            "restore",
            snapshot.toString(),
            "--home",
            home.toString(),
            "--key-dir",
            home.resolve("keys").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("not empty").contains("--force");
    assertThat(home.resolve("state.db")).exists();
  }
}
