package dev.kiln.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.testkit.SignedGitRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commits signed by the real git through ssh-keygen ({@code gpg.format=ssh}), verified by Kiln's
 * SSHSIG code; {@code git verify-commit} with the same allowed signers file is the oracle.
 */
class CommitSignaturesIT {
  @TempDir Path tmp;
  SignedGitRepo repo;
  SignedGitRepo.Key alice;
  SignedGitRepo.Key bob;
  SignedGitRepo.Key mallory;
  Path allowed;
  GitMirror mirror;

  @BeforeEach
  void setUp() throws Exception {
    repo = SignedGitRepo.init(tmp.resolve("repo"), "main");
    alice = repo.newKey("alice", "ed25519");
    bob = repo.newKey("bob", "rsa");
    mallory = repo.newKey("mallory", "ed25519");
    allowed = tmp.resolve("allowed_signers");
    Files.writeString(
        allowed,
        "# who may change production\n"
            + alice.allowedSignersLine("alice@example.com")
            + "\n"
            + "bob@example.com namespaces=\"git\" "
            + bob.publicKeyLine()
            + " bob's laptop\n");
    repo.git("config", "gpg.ssh.allowedSignersFile", allowed.toString());
  }

  private SignatureVerdict verdict(String sha) {
    if (mirror == null)
      mirror = GitMirror.open(tmp.resolve("mirror.git"), repo.dir().toString(), "main");
    mirror.fetch();
    GitMirror.Commit c = mirror.commit(sha);
    return new CommitSignatures(AllowedSigners.load(allowed)).verify(c.raw(), c.committedAt());
  }

  private boolean gitVerifies(String sha) {
    try {
      repo.git("-c", "gpg.format=ssh", "verify-commit", sha);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  @Test
  void ed25519SignedCommit_isSignedByItsPrincipal_asGitAgrees() {
    String sha = repo.write("kiln.yaml", "services: {}\n").commitSigned(alice, "first");
    SignatureVerdict v = verdict(sha);
    assertThat(v).isInstanceOf(SignatureVerdict.Signed.class);
    assertThat(((SignatureVerdict.Signed) v).principals()).isEqualTo("alice@example.com");
    assertThat(((SignatureVerdict.Signed) v).fingerprint()).startsWith("SHA256:");
    assertThat(gitVerifies(sha)).isTrue();
  }

  @Test
  void rsaSignedCommit_withNamespacesOption_isSigned() {
    String sha = repo.write("a", "1\n").commitSigned(bob, "rsa");
    assertThat(verdict(sha))
        .isInstanceOfSatisfying(
            SignatureVerdict.Signed.class,
            s -> assertThat(s.principals()).isEqualTo("bob@example.com"));
    assertThat(gitVerifies(sha)).isTrue();
  }

  @Test
  void ecdsaSignedCommits_onEachCurve_areSigned() throws Exception {
    for (String bits : new String[] {"256", "384", "521"}) {
      SignedGitRepo.Key k = ecdsaKey("carol-" + bits, bits);
      Files.writeString(
          allowed, Files.readString(allowed) + k.allowedSignersLine("carol@example.com") + "\n");
      String sha = repo.write("a", bits + "\n").commitSigned(k, "ecdsa " + bits);
      assertThat(verdict(sha)).as("nistp" + bits).isInstanceOf(SignatureVerdict.Signed.class);
      assertThat(gitVerifies(sha)).isTrue();
    }
  }

  private SignedGitRepo.Key ecdsaKey(String name, String bits) throws Exception {
    Path k = tmp.resolve(name);
    Process p =
        new ProcessBuilder(
                "ssh-keygen",
                "-q",
                "-t",
                "ecdsa",
                "-b",
                bits,
                "-N",
                "",
                "-C",
                name,
                "-f",
                k.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor()).isZero();
    String[] pub = Files.readString(tmp.resolve(name + ".pub")).strip().split(" ");
    return new SignedGitRepo.Key(k, pub[0] + " " + pub[1]);
  }

  @Test
  void unsignedCommit_isUnsigned() {
    String sha = repo.write("a", "1\n").commitUnsigned("plain");
    assertThat(verdict(sha)).isInstanceOf(SignatureVerdict.Unsigned.class);
    assertThat(gitVerifies(sha)).isFalse();
  }

  @Test
  void commitByAKeyNotAllowed_isBad_namingTheKey() {
    String sha = repo.write("a", "1\n").commitSigned(mallory, "sneaky");
    SignatureVerdict v = verdict(sha);
    assertThat(v).isInstanceOf(SignatureVerdict.Bad.class);
    assertThat(((SignatureVerdict.Bad) v).reason()).contains("SHA256:", "not allowed");
    assertThat(gitVerifies(sha)).isFalse();
  }

  @Test
  void alteredCommit_doesNotVerify() throws Exception {
    String sha = repo.write("a", "1\n").commitSigned(alice, "honest message");
    mirror = GitMirror.open(tmp.resolve("mirror.git"), repo.dir().toString(), "main");
    mirror.fetch();
    GitMirror.Commit c = mirror.commit(sha);
    String raw = new String(c.raw(), StandardCharsets.ISO_8859_1);
    byte[] altered =
        raw.replace("honest message", "h0nest message").getBytes(StandardCharsets.ISO_8859_1);
    SignatureVerdict v =
        new CommitSignatures(AllowedSigners.load(allowed)).verify(altered, c.committedAt());
    assertThat(v).isInstanceOf(SignatureVerdict.Bad.class);
    assertThat(((SignatureVerdict.Bad) v).reason()).contains("does not verify");
  }

  @Test
  void splitPayload_isTheCommitWithoutItsSignatureHeader() {
    String sha = repo.write("a", "1\n").commitSigned(alice, "split");
    mirror = GitMirror.open(tmp.resolve("mirror.git"), repo.dir().toString(), "main");
    mirror.fetch();
    CommitSignatures.Split s = CommitSignatures.split(mirror.commit(sha).raw());
    assertThat(s.signature()).isPresent();
    assertThat(s.signature().get())
        .startsWith(SshSignature.ARMOR_BEGIN)
        .endsWith(SshSignature.ARMOR_END);
    String payload = new String(s.payload(), StandardCharsets.UTF_8);
    assertThat(payload)
        .doesNotContain("gpgsig")
        .contains("committer Ada Tester")
        .endsWith("split\n");
    assertThat(Optional.of(payload)).isNotEmpty();
  }
}
