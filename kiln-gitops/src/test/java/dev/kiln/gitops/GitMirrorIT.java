package dev.kiln.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.testkit.SignedGitRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mirror against a real repository: ranges, rewritten history, reading and exporting trees. */
class GitMirrorIT {
  @TempDir Path tmp;

  @Test
  void range_isEveryNewCommitOldestFirst_andAnUnsignedOneInTheMiddleIsTheOneRefused()
      throws Exception {
    SignedGitRepo repo = SignedGitRepo.init(tmp.resolve("repo"), "main");
    SignedGitRepo.Key alice = repo.newKey("alice", "ed25519");
    Path allowed = tmp.resolve("allowed_signers");
    Files.writeString(allowed, alice.allowedSignersLine("alice@example.com") + "\n");
    String base = repo.write("kiln.yaml", "v: 1\n").commitSigned(alice, "base");
    String signed1 = repo.write("kiln.yaml", "v: 2\n").commitSigned(alice, "two");
    String unsigned = repo.write("kiln.yaml", "v: 3\n").commitUnsigned("three, unsigned");
    String head = repo.write("kiln.yaml", "v: 4\n").commitSigned(alice, "four");

    try (GitMirror m = GitMirror.open(tmp.resolve("mirror.git"), repo.dir().toString(), "main")) {
      assertThat(m.fetch()).isEqualTo(head);
      List<GitMirror.Commit> range = m.range(Optional.of(base), head);
      assertThat(range).extracting(GitMirror.Commit::sha).containsExactly(signed1, unsigned, head);
      CommitSignatures sigs = new CommitSignatures(AllowedSigners.load(allowed));
      Optional<RangeCheck.Refusal> refusal =
          RangeCheck.decide(
              range.stream()
                  .map(
                      c ->
                          new RangeCheck.Checked(
                              c.sha(), c.author(), sigs.verify(c.raw(), c.committedAt())))
                  .toList());
      assertThat(refusal).isPresent();
      assertThat(refusal.get().commit()).isEqualTo(unsigned);
      assertThat(refusal.get().reason()).isEqualTo(RangeCheck.Reason.UNSIGNED);
      assertThat(refusal.get().error()).contains(unsigned, "not signed");
      // the head alone would have passed: what a head-only check (Flux, Argo CD) lets through
      assertThat(sigs.verify(range.get(2).raw(), range.get(2).committedAt()))
          .isInstanceOf(SignatureVerdict.Signed.class);
      assertThat(m.range(Optional.empty(), head))
          .extracting(GitMirror.Commit::sha)
          .containsExactly(head);
    }
  }

  @Test
  void forcePush_isSeen_andIsNotAFastForward() {
    SignedGitRepo repo = SignedGitRepo.init(tmp.resolve("repo"), "main");
    String one = repo.write("f", "1\n").commitUnsigned("one");
    String two = repo.write("f", "2\n").commitUnsigned("two");
    try (GitMirror m = GitMirror.open(tmp.resolve("mirror.git"), repo.dir().toString(), "main")) {
      assertThat(m.fetch()).isEqualTo(two);
      repo.git("reset", "-q", "--hard", one);
      String rewritten = repo.write("f", "other\n").commitUnsigned("rewritten");
      assertThat(m.fetch()).isEqualTo(rewritten);
      assertThat(m.isAncestor(two, rewritten)).isFalse();
      assertThat(m.isAncestor(one, rewritten)).isTrue();
    }
  }

  @Test
  void readAndExport_giveTheCommitsFiles_notTheWorkTrees() throws Exception {
    SignedGitRepo repo = SignedGitRepo.init(tmp.resolve("repo"), "main");
    repo.write("app/kiln.yaml", "v: 1\n").write("app/site/index.html", "A\n");
    Files.setPosixFilePermissions(
        repo.dir().resolve("app/site/index.html"), PosixFilePermissions.fromString("rwxr-xr-x"));
    String sha = repo.commitUnsigned("one");
    repo.write("app/kiln.yaml", "v: uncommitted\n");
    try (GitMirror m = GitMirror.open(tmp.resolve("mirror.git"), repo.dir().toString(), "main")) {
      m.fetch();
      assertThat(m.read(sha, "app/kiln.yaml", 1024)).map(String::new).contains("v: 1\n");
      assertThat(m.read(sha, "app/missing.yaml", 1024)).isEmpty();
      Path out = tmp.resolve("export");
      m.exportAtomically(sha, out);
      assertThat(out.resolve("app/site/index.html")).hasContent("A");
      assertThat(Files.isExecutable(out.resolve("app/site/index.html"))).isTrue();
      assertThat(out.resolve("app/kiln.yaml")).hasContent("v: 1");
      assertThat(out.resolveSibling("export.tmp")).doesNotExist();
    }
  }

  @Test
  void unknownBranch_isAClearError() {
    SignedGitRepo repo = SignedGitRepo.init(tmp.resolve("repo"), "main");
    repo.commitUnsigned("one");
    try (GitMirror m = GitMirror.open(tmp.resolve("mirror.git"), repo.dir().toString(), "prod")) {
      assertThatThrownBy(m::fetch).hasMessageContaining("prod");
    }
  }
}
