package dev.kiln.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.image.HostKey;
import dev.kiln.journal.EntryDraft;
import dev.kiln.journal.Journal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {
  @TempDir Path tmp;
  SnapshotFixture f;

  @BeforeEach
  void home() throws Exception {
    f = new SnapshotFixture(tmp.resolve("home"));
  }

  @Test
  void aSnapshot_verifies_andHoldsTheJournalTheChosenImagesWithReferrers_andNoSecret()
      throws Exception {
    SnapshotWriter.Result r =
        SnapshotWriter.write(f.plan(false), f.key, tmp.resolve("out/s1.kiln"));

    SnapshotReader.Verdict v = SnapshotReader.verify(r.file(), Optional.of(f.key.publicKey()));
    assertThat(v.problem()).isEmpty();
    assertThat(v.journalSeq()).isEqualTo(20);
    assertThat(v.members())
        .extracting(Member::path)
        .contains("journal/state.db", "images/index.json", "router/table.json", "keys/host.pub")
        .noneMatch(
            p -> p.contains("host.key") || p.contains("api-token") || p.startsWith("volumes/"));
    // two images, each: manifest, config, layer, + signature referrer (manifest, config, layer)
    assertThat(v.members())
        .filteredOn(m -> m.path().startsWith("images/blobs/"))
        .hasSizeGreaterThanOrEqualTo(8);
    String all = new String(Files.readAllBytes(r.file()), StandardCharsets.ISO_8859_1);
    assertThat(all).doesNotContain("secret-token-never-in-a-snapshot");
    assertThat(Files.list(tmp.resolve("out")))
        .extracting(p -> p.getFileName().toString())
        .containsExactly("s1.kiln");
  }

  @Test
  void twoSnapshotsOfAnUnchangedState_areByteIdentical_andAChangeShows() throws Exception {
    var a = SnapshotWriter.write(f.plan(false), f.key, tmp.resolve("a.kiln"));
    var b = SnapshotWriter.write(f.plan(false), f.key, tmp.resolve("b.kiln"));
    assertThat(Files.readAllBytes(a.file())).isEqualTo(Files.readAllBytes(b.file()));
    try (Journal j = Journal.open(f.home.resolve("state.db"), Clock.systemUTC())) {
      j.append(
          new EntryDraft("test", "revision-created", "service/web", "apply", "{\"revision\":21}"));
    }
    var c = SnapshotWriter.write(f.plan(false), f.key, tmp.resolve("c.kiln"));
    assertThat(Files.readAllBytes(c.file())).isNotEqualTo(Files.readAllBytes(a.file()));
    assertThat(c.journalSeq()).isEqualTo(21);
  }

  @Test
  void volumes_onlyWhenAskedFor() throws Exception {
    var r = SnapshotWriter.write(f.plan(true), f.key, tmp.resolve("v.kiln"));
    var v = SnapshotReader.verify(r.file(), Optional.of(f.key.publicKey()));
    assertThat(v.members()).extracting(Member::path).contains("volumes/web/data/counter");
  }

  @Test
  void plainTarReadsTheContent() throws Exception {
    var r = SnapshotWriter.write(f.plan(false), f.key, tmp.resolve("t.kiln"));
    Process p =
        new ProcessBuilder("tar", "-tzif", r.file().toString()).redirectErrorStream(true).start();
    String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    assertThat(listing)
        .contains("journal/state.db")
        .contains("SNAPSHOT.json")
        .contains("SNAPSHOT.sig");
  }

  @Test
  void anotherKey_orNoTrustedKey_isRefused() throws Exception {
    var r = SnapshotWriter.write(f.plan(false), f.key, tmp.resolve("k.kiln"));
    HostKey stranger = HostKey.generate(tmp.resolve("stranger"));
    assertThat(SnapshotReader.verify(r.file(), Optional.of(stranger.publicKey())).problem())
        .hasValueSatisfying(p -> assertThat(p).contains("not the trusted key"));
    assertThat(SnapshotReader.verify(r.file(), Optional.empty()).problem())
        .hasValueSatisfying(p -> assertThat(p).contains("--key"));
  }

  @Test
  void reSignedByAnotherKey_withItsPublicKeySwapped_isRefused() throws Exception {
    // An attacker rewrites the archive with their own key: content and signature agree with each
    // other, but not with the key the verifier trusts.
    HostKey attacker = HostKey.generate(tmp.resolve("attacker"));
    var forged = SnapshotWriter.write(f.plan(false), attacker, tmp.resolve("forged.kiln"));
    assertThat(SnapshotReader.verify(forged.file(), Optional.of(attacker.publicKey())).ok())
        .isFalse(); // journal
    assertThat(SnapshotReader.verify(forged.file(), Optional.of(f.key.publicKey())).problem())
        .hasValueSatisfying(p -> assertThat(p).contains("SNAPSHOT.sig"));
  }

  @Test
  void everySingleByteCorruption_isDetected_andNamesWhere() throws Exception {
    var r = SnapshotWriter.write(f.plan(false), f.key, tmp.resolve("c.kiln"));
    byte[] good = Files.readAllBytes(r.file());
    Random random = new Random(20261130);
    Path copy = tmp.resolve("corrupt.kiln");
    int detected = 0;
    for (int i = 0; i < 1000; i++) {
      byte[] bad = good.clone();
      int at = random.nextInt(bad.length);
      bad[at] = (byte) (bad[at] ^ (1 + random.nextInt(255)));
      Files.write(copy, bad);
      SnapshotReader.Verdict v = SnapshotReader.verify(copy, Optional.of(f.key.publicKey()));
      assertThat(v.problem()).as("corruption at byte %d of %d", at, bad.length).isPresent();
      assertThat(v.problem().get())
          .containsAnyOf("member ", "SNAPSHOT", "archive", "content", "signature");
      detected++;
    }
    assertThat(detected).isEqualTo(1000);
  }

  @Test
  void truncation_isDetected() throws Exception {
    var r = SnapshotWriter.write(f.plan(false), f.key, tmp.resolve("t.kiln"));
    byte[] good = Files.readAllBytes(r.file());
    for (int len : new int[] {0, 10, good.length / 2, good.length - 30, good.length - 1}) {
      Path cut = tmp.resolve("cut-" + len);
      Files.write(cut, java.util.Arrays.copyOf(good, len));
      assertThat(SnapshotReader.verify(cut, Optional.of(f.key.publicKey())).ok())
          .as("length %d", len)
          .isFalse();
    }
    Path longer = tmp.resolve("longer");
    Files.write(longer, java.util.Arrays.copyOf(good, good.length + 1));
    assertThat(SnapshotReader.verify(longer, Optional.of(f.key.publicKey())).ok()).isFalse();
  }

  @Test
  void aHandEditedMember_isNamed() throws Exception {
    var r = SnapshotWriter.write(f.plan(false), f.key, tmp.resolve("e.kiln"));
    Path dir = tmp.resolve("unpacked");
    Files.createDirectories(dir);
    Process x =
        new ProcessBuilder("tar", "-xzif", r.file().toString(), "-C", dir.toString()).start();
    assertThat(x.waitFor()).isZero();
    Files.writeString(dir.resolve("router/table.json"), "{\"version\":4,\"services\":[]}");
    Path edited = tmp.resolve("edited.kiln");
    // re-pack with GNU tar (the signature no longer covers it, and table.json's hash differs)
    Process c =
        new ProcessBuilder(
                "tar",
                "-czf",
                edited.toString(),
                "-C",
                dir.toString(),
                "journal",
                "images",
                "router",
                "keys",
                "SNAPSHOT.json",
                "SNAPSHOT.sig")
            .start();
    assertThat(c.waitFor()).isZero();
    var v = SnapshotReader.verify(edited, Optional.of(f.key.publicKey()));
    assertThat(v.problem())
        .hasValueSatisfying(p -> assertThat(p).startsWith("member router/table.json"));
  }
}
