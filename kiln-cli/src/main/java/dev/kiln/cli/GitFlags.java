package dev.kiln.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code kiln server --git URL_OR_PATH --branch main --path kiln.yaml [--git-interval 30s]
 * [--allowed-signers FILE] [--allowed-gpg-keys FILE] [--git-drift report|revert]} (docs/gitops.md).
 */
final class GitFlags {
  @Option(
      names = "--git",
      required = true,
      paramLabel = "URL_OR_PATH",
      description =
          "Follow this git repository (a path or a URL JGit fetches from): on a new commit, bake what changed, plan and apply the blueprint at --path.")
  String source;

  @Option(
      names = "--branch",
      paramLabel = "BRANCH",
      defaultValue = "main",
      description = "The branch to follow (default: ${DEFAULT-VALUE}).")
  String branch;

  @Option(
      names = "--path",
      paramLabel = "PATH",
      defaultValue = "kiln.yaml",
      description = "The blueprint's path in the repository (default: ${DEFAULT-VALUE}).")
  String path;

  @Option(
      names = "--git-interval",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = ApplyCommand.DurationConverter.class,
      description =
          "How often the branch is fetched (default: ${DEFAULT-VALUE}); POST /v1/hooks/git checks at once.")
  Duration interval;

  @Option(
      names = "--allowed-signers",
      paramLabel = "FILE",
      description =
          "An allowed_signers file (ssh-keygen format): every commit since the last applied one must carry a valid SSH signature by one of its keys, else nothing is applied and the refusal names the commit.")
  Optional<Path> allowedSigners = Optional.empty();

  @Option(
      names = "--allowed-gpg-keys",
      paramLabel = "FILE",
      description =
          "Armored OpenPGP public keys (gpg --armor --export KEY...): commits signed with gpg by one of them pass too. With --allowed-signers, a range may mix SSH and GPG signatures; alone, every commit must be GPG-signed by one of these keys.")
  Optional<Path> allowedGpgKeys = Optional.empty();

  @Option(
      names = "--git-drift",
      paramLabel = "report|revert",
      defaultValue = "report",
      description =
          "When a manual `kiln apply` diverges from the applied commit: report it (journal, kiln status) or revert (apply the commit's blueprint again). Default: ${DEFAULT-VALUE}.")
  String drift;

  /** A local repository as an absolute path (the server may run elsewhere); a URL as given. */
  String sourceAsGiven() {
    Path local = Path.of(source);
    return Files.isDirectory(local) ? local.toAbsolutePath().normalize().toString() : source;
  }
}
