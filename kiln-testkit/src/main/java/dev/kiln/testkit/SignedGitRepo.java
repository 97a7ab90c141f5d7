package dev.kiln.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A git repository in a temp folder driven by the real {@code git} CLI, with SSH signing keys made
 * by {@code ssh-keygen} and commits signed the way users sign them ({@code git -c gpg.format=ssh -c
 * user.signingkey=KEY commit -S}). What GitOps tests follow.
 */
public final class SignedGitRepo {
  private final Path dir;
  private final Path keys;

  /** A signing key pair: the private key file and its {@code allowed_signers} line. */
  public record Key(Path privateKey, String publicKeyLine) {
    public String allowedSignersLine(String principal) {
      return principal + " " + publicKeyLine;
    }
  }

  private SignedGitRepo(Path dir, Path keys) {
    this.dir = dir;
    this.keys = keys;
  }

  /** {@code git init -b BRANCH} in {@code dir}, with a committer identity of its own. */
  public static SignedGitRepo init(Path dir, String branch) {
    SignedGitRepo r = new SignedGitRepo(dir, dir.resolveSibling(dir.getFileName() + "-keys"));
    try {
      Files.createDirectories(dir);
      Files.createDirectories(r.keys);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    r.git("init", "-q", "-b", branch);
    r.git("config", "user.name", "Ada Tester");
    r.git("config", "user.email", "ada@example.com");
    r.git("config", "commit.gpgsign", "false");
    return r;
  }

  public Path dir() {
    return dir;
  }

  /** A new key made by {@code ssh-keygen -t TYPE} (ed25519 or rsa), without a passphrase. */
  public Key newKey(String name, String type) {
    Path k = keys.resolve(name);
    run(keys, List.of("ssh-keygen", "-q", "-t", type, "-N", "", "-C", name, "-f", k.toString()));
    try {
      String pub = Files.readString(k.resolveSibling(name + ".pub")).strip();
      String[] parts = pub.split(" ");
      return new Key(k, parts[0] + " " + parts[1]);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Writes (or replaces) a file of the work tree. */
  public SignedGitRepo write(String path, String content) {
    try {
      Path f = dir.resolve(path);
      Files.createDirectories(f.getParent());
      Files.writeString(f, content);
      return this;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Copies a host file into the work tree, keeping its mode. */
  public SignedGitRepo copy(Path from, String path) {
    try {
      Path f = dir.resolve(path);
      Files.createDirectories(f.getParent());
      Files.copy(
          from,
          f,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      return this;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** {@code git add -A && git commit -S} with {@code key}; returns the new commit's SHA. */
  public String commitSigned(Key key, String message) {
    git("add", "-A");
    git(
        "-c",
        "gpg.format=ssh",
        "-c",
        "user.signingkey=" + key.privateKey(),
        "commit",
        "-q",
        "--allow-empty",
        "-S",
        "-m",
        message);
    return head();
  }

  /** {@code git add -A && git commit} without a signature. */
  public String commitUnsigned(String message) {
    git("add", "-A");
    git("commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", message);
    return head();
  }

  public String head() {
    return git("rev-parse", "HEAD").strip();
  }

  /** Runs {@code git ARGS} in the work tree and returns its output; fails on a non-zero exit. */
  public String git(String... args) {
    List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
    cmd.addAll(List.of(args));
    return run(dir, cmd);
  }

  private static String run(Path cwd, List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(cmd + ": timed out");
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0)
        throw new IllegalStateException(cmd + " exited " + p.exitValue() + ": " + text);
      return text;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
