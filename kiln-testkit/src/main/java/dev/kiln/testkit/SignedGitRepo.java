package dev.kiln.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A git repository in a temp folder driven by the real {@code git} CLI, with SSH signing keys made
 * by {@code ssh-keygen} and commits signed the way users sign them ({@code git -c gpg.format=ssh -c
 * user.signingkey=KEY commit -S}), or OpenPGP keys made by the real {@code gpg} in a GNUPGHOME of
 * the repository's own ({@code git -c gpg.program=gpg -c user.signingkey=FPR commit -S}). What
 * GitOps tests follow. Call {@link #stopGpgAgent()} after a test that made OpenPGP keys.
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

  /**
   * An OpenPGP key made by {@code gpg --quick-gen-key}: its fingerprint (what {@code
   * user.signingkey} names) and the armored public key, as {@code gpg --armor --export} writes it.
   */
  public record GpgKey(String fingerprint, String armoredPublicKey) {}

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

  /** The repository's own GNUPGHOME (mode 700, as gpg wants it), made on first use. */
  public Path gnupgHome() {
    Path home = keys.resolve("gnupg");
    try {
      if (!Files.isDirectory(home)) {
        Files.createDirectories(home);
        Files.setPosixFilePermissions(
            home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      }
      return home;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * A new OpenPGP key without a passphrase: {@code gpg --quick-gen-key USERID ALGO sign never}
   * (ALGO e.g. {@code ed25519} or {@code rsa3072}), made at {@code fakedTime} when one is given
   * ({@code gpg --faked-system-time}, e.g. {@code 20200101T000000}).
   */
  public GpgKey newGpgKey(String userId, String algo, java.util.Optional<String> fakedTime) {
    List<String> gen = new ArrayList<>(List.of("gpg", "--batch", "--passphrase", ""));
    fakedTime.ifPresent(t -> gen.addAll(List.of("--faked-system-time", t + "!")));
    gen.addAll(List.of("--quick-gen-key", userId, algo, "sign", "never"));
    gpg(gen);
    String colons = gpg(List.of("gpg", "--batch", "--with-colons", "--list-keys", userId));
    String fpr =
        colons
            .lines()
            .filter(l -> l.startsWith("fpr:"))
            .map(l -> l.split(":")[9])
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("gpg made no key: " + colons));
    return new GpgKey(fpr, armoredPublicKey(fpr));
  }

  /** {@code gpg --armor --export FPR}: the public key as it is now (revocations, expiry). */
  public String armoredPublicKey(String fingerprint) {
    String out = gpg(List.of("gpg", "--batch", "--armor", "--export", fingerprint));
    String end = "-----END PGP PUBLIC KEY BLOCK-----";
    int from = out.indexOf("-----BEGIN PGP PUBLIC KEY BLOCK-----");
    int to = out.indexOf(end);
    if (from < 0 || to < 0) throw new IllegalStateException("gpg exported no key: " + out);
    return out.substring(from, to + end.length()) + "\n"; // without gpg's warnings (stderr)
  }

  /**
   * Runs gpg (ARGS start with "gpg") with the repository's GNUPGHOME; returns its stdout+stderr.
   */
  public String gpg(List<String> args) {
    return run(keys, args, java.util.Map.of("GNUPGHOME", gnupgHome().toString()));
  }

  /** Stops the gpg-agent that gpg started for this GNUPGHOME, if any. */
  public void stopGpgAgent() {
    if (Files.isDirectory(keys.resolve("gnupg"))) gpg(List.of("gpgconf", "--kill", "gpg-agent"));
  }

  /**
   * {@code git add -A && git -c gpg.program=gpg -c user.signingkey=FPR commit -S}: an OpenPGP
   * signed commit, as git's default {@code gpg.format=openpgp} makes it; with {@code fakedTime} the
   * signature is made at that time (a gpg wrapper passing {@code --faked-system-time}).
   */
  public String commitGpgSigned(GpgKey key, String message, java.util.Optional<String> fakedTime) {
    String program = "gpg";
    if (fakedTime.isPresent()) {
      Path wrapper = keys.resolve("gpg-at-" + fakedTime.get());
      try {
        Files.writeString(
            wrapper, "#!/bin/sh\nexec gpg --faked-system-time " + fakedTime.get() + "! \"$@\"\n");
        wrapper.toFile().setExecutable(true);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      program = wrapper.toString();
    }
    Map<String, String> env = Map.of("GNUPGHOME", gnupgHome().toString());
    run(dir, gitCommand("add", "-A"), env);
    run(
        dir,
        gitCommand(
            "-c",
            "gpg.format=openpgp",
            "-c",
            "gpg.program=" + program,
            "-c",
            "user.signingkey=" + key.fingerprint(),
            "commit",
            "-q",
            "--allow-empty",
            "-S",
            "-m",
            message),
        env);
    return head();
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
    return run(dir, gitCommand(args));
  }

  private List<String> gitCommand(String... args) {
    List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static String run(Path cwd, List<String> cmd) {
    return run(cwd, cmd, Map.of());
  }

  private static String run(Path cwd, List<String> cmd, Map<String, String> env) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
      pb.environment().putAll(env);
      Process p = pb.start();
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
