package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.GitView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GitStatusTest {
  /** The answer as the CLI reads it: {@code GET /v1/git}'s JSON into its kiln-api record. */
  static GitView json(String s) throws Exception {
    return ApiClient.read(new ObjectMapper().readTree(s), GitView.class);
  }

  @Test
  void inSync_namesTheCommitAuthorAndSigner() throws Exception {
    String out =
        GitStatus.line(
            json(
                "{\"branch\":\"main\",\"applied\":{\"commit\":\"0123456789abcdef0123\",\"author\":\"Ada <ada@example.com>\",\"signer\":\"ada@example.com SHA256:xyz\",\"blueprint\":\"sha256:aa\"},\"inSync\":true}"));
    assertThat(out)
        .contains(
            "git: main applied 0123456789ab by Ada <ada@example.com>, signed ada@example.com SHA256:xyz")
        .contains("live state matches the commit");
  }

  @Test
  void drift_andARefusalSinceTheAppliedCommit_areShown() throws Exception {
    String out =
        GitStatus.line(
            json(
                "{\"branch\":\"main\",\"driftResponse\":\"report\",\"applied\":{\"commit\":\"aaaaaaaaaaaaaaaa\",\"author\":\"Ada\",\"blueprint\":\"sha256:aa\"},"
                    + "\"inSync\":false,\"drift\":{\"blueprint\":\"sha256:bb\",\"seq\":42,\"actor\":\"uid:0(root)\"},"
                    + "\"refused\":{\"commit\":\"cccc\",\"head\":\"dddddddddddddddd\",\"reason\":\"unsigned\",\"error\":\"commit cccc by Eve is not signed\"}}"));
    assertThat(out)
        .contains("DRIFTED from git")
        .contains("uid:0(root) (journal seq 42)")
        .contains("last refused: dddddddddddd (unsigned): commit cccc by Eve is not signed");
  }

  @Test
  void serverFlags_parseWithTheIssuesNamesAndDefaults() {
    ServerCommand cmd = new ServerCommand();
    new CommandLine(cmd)
        .parseArgs(
            "--git",
            "/nonexistent/repo.git",
            "--allowed-signers",
            "signers",
            "--git-drift",
            "revert");
    var o = ServerCommand.gitOptions(cmd.git);
    assertThat(o.source()).isEqualTo("/nonexistent/repo.git");
    assertThat(o.branch()).isEqualTo("main");
    assertThat(o.path()).isEqualTo("kiln.yaml");
    assertThat(o.interval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.allowedSigners()).contains(Path.of("signers").toAbsolutePath());
    assertThat(o.drift().key()).isEqualTo("revert");
    ServerCommand none = new ServerCommand();
    new CommandLine(none).parseArgs();
    assertThat(Optional.ofNullable(none.git)).isEmpty();
  }

  @Test
  void aBadAllowedSignersFile_stopsTheServerBeforeItStarts(
      @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path signers = tmp.resolve("allowed_signers");
    java.nio.file.Files.writeString(signers, "alice@example.com ssh-ed25519 !!!\n");
    ServerCommand cmd = new ServerCommand();
    new CommandLine(cmd)
        .parseArgs("--git", tmp.toString(), "--allowed-signers", signers.toString());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> dev.kiln.server.GitFollower.preflight(ServerCommand.gitOptions(cmd.git)))
        .hasMessageContaining(signers + ":1:");
  }

  @Test
  void allowedGpgKeys_isParsed_andABadKeyFileStopsTheServerBeforeItStarts(
      @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path keys = tmp.resolve("allowed.asc");
    java.nio.file.Files.writeString(keys, "not a key\n");
    ServerCommand cmd = new ServerCommand();
    new CommandLine(cmd).parseArgs("--git", tmp.toString(), "--allowed-gpg-keys", keys.toString());
    var o = ServerCommand.gitOptions(cmd.git);
    assertThat(o.allowedGpgKeys()).contains(keys);
    assertThat(o.allowedSigners()).isEmpty();
    assertThat(o.signaturesRequired()).isTrue();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> dev.kiln.server.GitFollower.preflight(o))
        .hasMessageContaining(keys + ": no OpenPGP public key");
  }

  @Test
  void aRealArmoredKeyFile_passesPreflight_onTheCliClasspath(
      @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    // the shipped classpath: bcpg must find the bcprov it was built for (one BouncyCastle version)
    var repo = dev.kiln.testkit.SignedGitRepo.init(tmp.resolve("repo"), "main");
    try {
      var key = repo.newGpgKey("Ada <ada@example.com>", "ed25519", Optional.empty());
      Path keys = tmp.resolve("allowed.asc");
      java.nio.file.Files.writeString(keys, key.armoredPublicKey());
      ServerCommand cmd = new ServerCommand();
      new CommandLine(cmd)
          .parseArgs("--git", tmp.toString(), "--allowed-gpg-keys", keys.toString());
      dev.kiln.server.GitFollower.preflight(ServerCommand.gitOptions(cmd.git));
      assertThat(dev.kiln.gitops.GpgKeys.load(keys).size()).isEqualTo(1);
    } finally {
      repo.stopGpgAgent();
    }
  }
}
