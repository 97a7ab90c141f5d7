package dev.kiln.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code kiln server --git URL_OR_PATH --branch main --path kiln.yaml [--git-interval 30s]
 * [--allowed-signers FILE] [--allowed-gpg-keys FILE] [--git-drift report|revert]}.
 *
 * @param source what JGit fetches from: a path or a URL
 * @param path the blueprint's path inside the repository
 * @param interval how often the branch is polled (the webhook checks at once)
 * @param allowedSigners when set, every new commit must be signed by one of them
 * @param drift what to do when a manual {@code kiln apply} diverges from git
 * @param allowedGpgKeys when set, OpenPGP-signed commits by one of these armored public keys pass
 *     too (with {@code allowedSigners}, a range may mix SSH and GPG signatures)
 */
public record GitOptions(
    String source,
    String branch,
    String path,
    Duration interval,
    Optional<Path> allowedSigners,
    Drift drift,
    Optional<Path> allowedGpgKeys) {
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

  /** {@code --git-drift}: report a divergence (journal and status), or re-apply the commit. */
  public enum Drift {
    REPORT,
    REVERT;

    public static Drift parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ServerException("--git-drift " + s + ": must be report or revert");
      }
    }

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Without OpenPGP keys: SSH signers only, or no signature check. */
  public GitOptions(
      String source,
      String branch,
      String path,
      Duration interval,
      Optional<Path> allowedSigners,
      Drift drift) {
    this(source, branch, path, interval, allowedSigners, drift, Optional.empty());
  }

  /** Whether every new commit must be signed (by an SSH signer or an OpenPGP key). */
  public boolean signaturesRequired() {
    return allowedSigners.isPresent() || allowedGpgKeys.isPresent();
  }

  public GitOptions {
    if (source.isBlank()) throw new ServerException("--git needs a repository path or URL");
    if (branch.isBlank()) throw new ServerException("--branch must name a branch, e.g. main");
    if (path.isBlank() || path.startsWith("/") || Path.of(path).normalize().startsWith(".."))
      throw new ServerException(
          "--path " + path + ": a path inside the repository, e.g. kiln.yaml or deploy/kiln.yaml");
    if (!interval.isPositive())
      throw new ServerException("--git-interval must be positive, e.g. 30s");
  }
}
