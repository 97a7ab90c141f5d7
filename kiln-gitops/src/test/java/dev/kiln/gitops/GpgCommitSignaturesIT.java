package dev.kiln.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testkit.SignedGitRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commits signed by the real git through the real gpg (git's default {@code gpg.format=openpgp}),
 * verified by Kiln with BouncyCastle against an armored export of the allowed keys; {@code git
 * verify-commit} with the same GNUPGHOME is the oracle where gpg's answer is the same question.
 */
class GpgCommitSignaturesIT {
  @TempDir Path tmp;
  SignedGitRepo repo;
  SignedGitRepo.GpgKey alice;
  SignedGitRepo.GpgKey bob;
  SignedGitRepo.GpgKey mallory;
  Path allowedGpg;
  GitMirror mirror;

  @BeforeEach
  void setUp() throws Exception {
    repo = SignedGitRepo.init(tmp.resolve("repo"), "main");
    alice = repo.newGpgKey("Alice <alice@example.com>", "ed25519", Optional.empty());
    bob = repo.newGpgKey("Bob <bob@example.com>", "rsa3072", Optional.empty());
    mallory = repo.newGpgKey("Mallory <mallory@example.com>", "ed25519", Optional.empty());
    allowedGpg = tmp.resolve("allowed.asc");
    // two keys exported separately and concatenated, as an admin collects them
    Files.writeString(allowedGpg, alice.armoredPublicKey() + bob.armoredPublicKey());
  }

  @AfterEach
  void tearDown() {
    if (mirror != null) mirror.close();
    repo.stopGpgAgent();
  }

  private GitMirror.Commit commit(String sha) {
    if (mirror == null)
      mirror = GitMirror.open(tmp.resolve("mirror.git"), repo.dir().toString(), "main");
    mirror.fetch();
    return mirror.commit(sha);
  }

  private SignatureVerdict verdict(String sha) {
    GitMirror.Commit c = commit(sha);
    return gpgOnly().verify(c.raw(), c.committedAt());
  }

  private CommitSignatures gpgOnly() {
    return new CommitSignatures(Optional.empty(), Optional.of(GpgKeys.load(allowedGpg)));
  }

  private boolean gitVerifies(String sha) {
    try {
      repo.gpg(List.of("git", "-C", repo.dir().toString(), "verify-commit", sha));
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  @Test
  void ed25519AndRsaSignedCommits_byAllowedKeys_areSigned_byUserIdAndFingerprint() {
    String a =
        repo.write("kiln.yaml", "services: {}\n").commitGpgSigned(alice, "a", Optional.empty());
    String b =
        repo.write("kiln.yaml", "services: {} # b\n").commitGpgSigned(bob, "b", Optional.empty());
    assertThat(verdict(a))
        .isEqualTo(new SignatureVerdict.Signed("Alice <alice@example.com>", alice.fingerprint()));
    assertThat(verdict(b))
        .isEqualTo(new SignatureVerdict.Signed("Bob <bob@example.com>", bob.fingerprint()));
    assertThat(gitVerifies(a)).isTrue();
  }

  @Test
  void aCommitSignedByASigningSubkey_isSignedByItsPrimaryKeysIdentity() throws Exception {
    repo.gpg(
        List.of(
            "gpg",
            "--batch",
            "--passphrase",
            "",
            "--quick-add-key",
            alice.fingerprint(),
            "ed25519",
            "sign"));
    // git asks gpg for the primary key's fingerprint; gpg picks the newest signing subkey
    String sha = repo.write("a", "1\n").commitGpgSigned(alice, "by the subkey", Optional.empty());
    Files.writeString(allowedGpg, repo.armoredPublicKey(alice.fingerprint()));
    assertThat(repo.git("cat-file", "commit", sha)).contains("BEGIN PGP SIGNATURE");
    assertThat(verdict(sha))
        .isEqualTo(new SignatureVerdict.Signed("Alice <alice@example.com>", alice.fingerprint()));
    // the key as exported before the subkey existed does not know it
    Files.writeString(allowedGpg, alice.armoredPublicKey());
    assertThat(verdict(sha))
        .isInstanceOfSatisfying(
            SignatureVerdict.Bad.class, b -> assertThat(b.reason()).contains("not in"));
  }

  @Test
  void commitByAKeyNotInTheFile_isBad_namingTheKeyId() {
    String sha = repo.write("a", "1\n").commitGpgSigned(mallory, "sneaky", Optional.empty());
    SignatureVerdict v = verdict(sha);
    assertThat(v).isInstanceOf(SignatureVerdict.Bad.class);
    assertThat(((SignatureVerdict.Bad) v).reason())
        .contains(mallory.fingerprint().substring(24), "not in", allowedGpg.toString());
    // gpg itself knows mallory (same GNUPGHOME): the allowed file is what refuses her
    assertThat(gitVerifies(sha)).isTrue();
  }

  @Test
  void alteredCommit_doesNotVerify() {
    String sha = repo.write("a", "1\n").commitGpgSigned(alice, "honest message", Optional.empty());
    GitMirror.Commit c = commit(sha);
    byte[] altered =
        new String(c.raw(), StandardCharsets.ISO_8859_1)
            .replace("honest message", "h0nest message")
            .getBytes(StandardCharsets.ISO_8859_1);
    SignatureVerdict v = gpgOnly().verify(altered, c.committedAt());
    assertThat(v).isInstanceOf(SignatureVerdict.Bad.class);
    assertThat(((SignatureVerdict.Bad) v).reason())
        .contains("does not verify", alice.fingerprint());
  }

  @Test
  void aKeyRevokedInTheFile_isBad() throws Exception {
    String sha =
        repo.write("a", "1\n").commitGpgSigned(alice, "before revocation", Optional.empty());
    // gpg wrote a revocation certificate at key generation, its armor line disarmed with ":"
    Path rev = repo.gnupgHome().resolve("openpgp-revocs.d/" + alice.fingerprint() + ".rev");
    Path armed = tmp.resolve("alice.rev");
    Files.writeString(armed, Files.readString(rev).replace(":-----BEGIN", "-----BEGIN"));
    repo.gpg(List.of("gpg", "--batch", "--import", armed.toString()));
    Files.writeString(allowedGpg, repo.armoredPublicKey(alice.fingerprint()));
    SignatureVerdict v = verdict(sha);
    assertThat(v).isInstanceOf(SignatureVerdict.Bad.class);
    assertThat(((SignatureVerdict.Bad) v).reason()).contains("revoked", alice.fingerprint());
  }

  @Test
  void anExpiredKey_isBad_whetherItExpiredBeforeTheSignatureOrSince() throws Exception {
    SignedGitRepo.GpgKey old =
        repo.newGpgKey("Olga <olga@example.com>", "ed25519", Optional.of("20200101T000000"));
    String sha =
        repo.write("a", "1\n")
            .commitGpgSigned(old, "signed at noon", Optional.of("20200101T120000"));
    Files.writeString(allowedGpg, old.armoredPublicKey());
    assertThat(verdict(sha)).isInstanceOf(SignatureVerdict.Signed.class);
    // set to expire on 2020-01-02 (gpg at 2020-01-01 01:00, for a day): valid at noon, not now
    setExpiry(old, "20200101T010000", "1d");
    Files.writeString(allowedGpg, repo.armoredPublicKey(old.fingerprint()));
    GitMirror.Commit c = commit(sha);
    assertThat(verdict(sha))
        .isInstanceOfSatisfying(
            SignatureVerdict.Bad.class,
            b -> assertThat(b.reason()).contains("expired at 2020-01-02T01:00:00Z"));
    // while it was still valid, the same commit passes: the expiry is what refuses it
    CommitSignatures back_then =
        new CommitSignatures(
            Optional.empty(),
            Optional.of(GpgKeys.load(allowedGpg)),
            Clock.fixed(Instant.parse("2020-01-01T18:00:00Z"), ZoneOffset.UTC));
    assertThat(back_then.verify(c.raw(), c.committedAt()))
        .isInstanceOf(SignatureVerdict.Signed.class);
    // at 01:05 set to expire a minute later: the noon signature came after the expiry
    setExpiry(old, "20200101T010500", "seconds=60");
    Files.writeString(allowedGpg, repo.armoredPublicKey(old.fingerprint()));
    assertThat(verdict(sha))
        .isInstanceOfSatisfying(
            SignatureVerdict.Bad.class,
            b -> assertThat(b.reason()).contains("after its key expired (2020-01-01T01:06:00Z)"));
  }

  private void setExpiry(SignedGitRepo.GpgKey key, String at, String expire) {
    repo.gpg(
        List.of(
            "gpg",
            "--batch",
            "--passphrase",
            "",
            "--pinentry-mode",
            "loopback",
            "--faked-system-time",
            at + "!",
            "--quick-set-expire",
            key.fingerprint(),
            expire));
  }

  @Test
  void gpgSignature_withOnlySshSignersAllowed_isBad_sayingWhichFlag() throws Exception {
    SignedGitRepo.Key sshKey = repo.newKey("carol", "ed25519");
    Path allowedSsh = tmp.resolve("allowed_signers");
    Files.writeString(allowedSsh, sshKey.allowedSignersLine("carol@example.com") + "\n");
    String sha = repo.write("a", "1\n").commitGpgSigned(alice, "gpg", Optional.empty());
    GitMirror.Commit c = commit(sha);
    SignatureVerdict v =
        new CommitSignatures(AllowedSigners.load(allowedSsh)).verify(c.raw(), c.committedAt());
    assertThat(v).isInstanceOf(SignatureVerdict.Bad.class);
    assertThat(((SignatureVerdict.Bad) v).reason()).contains("OpenPGP", "--allowed-gpg-keys");
  }

  @Test
  void mixedSshAndGpgRange_isAccepted_andAnUnknownGpgKeyInTheMiddleIsTheOneRefused()
      throws Exception {
    SignedGitRepo.Key carol = repo.newKey("carol", "ed25519");
    Path allowedSsh = tmp.resolve("allowed_signers");
    Files.writeString(allowedSsh, carol.allowedSignersLine("carol@example.com") + "\n");
    String base = repo.write("kiln.yaml", "v: 1\n").commitSigned(carol, "base");
    String gpg1 = repo.write("kiln.yaml", "v: 2\n").commitGpgSigned(alice, "two", Optional.empty());
    String ssh2 = repo.write("kiln.yaml", "v: 3\n").commitSigned(carol, "three");
    CommitSignatures both =
        new CommitSignatures(
            Optional.of(AllowedSigners.load(allowedSsh)), Optional.of(GpgKeys.load(allowedGpg)));
    commit(ssh2);
    assertThat(decide(both, base, ssh2)).isEmpty();

    String bad =
        repo.write("kiln.yaml", "v: 4\n").commitGpgSigned(mallory, "four", Optional.empty());
    String head = repo.write("kiln.yaml", "v: 5\n").commitGpgSigned(bob, "five", Optional.empty());
    commit(head);
    Optional<RangeCheck.Refusal> r = decide(both, base, head);
    assertThat(r).isPresent();
    assertThat(r.get().commit()).isEqualTo(bad);
    assertThat(r.get().reason()).isEqualTo(RangeCheck.Reason.BAD_SIGNATURE);
    assertThat(r.get().error()).contains(bad, "not in");
    assertThat(gpg1).isNotEqualTo(ssh2);
  }

  private Optional<RangeCheck.Refusal> decide(CommitSignatures sigs, String from, String to) {
    return RangeCheck.decide(
        mirror.range(Optional.of(from), to).stream()
            .map(
                c ->
                    new RangeCheck.Checked(
                        c.sha(), c.author(), sigs.verify(c.raw(), c.committedAt())))
            .toList());
  }
}
