package dev.kiln.router;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The class data a router process starts from, to shorten its warm-up after start.
 *
 * <p>On JDK 25 and later: an AOT cache (JEP 483/514/515): classes loaded and linked, and method
 * profiles, recorded by a training run of the self warm-up workload ({@link #main}) once per router
 * class path and JVM, and used by every router start after it. The cache's name carries a digest of
 * the JVM version and of every class path entry (path, size, modification time), so a rebuilt Kiln
 * or another JDK trains a new one; the JVM itself also refuses (and ignores) a cache that does not
 * match. On older JDKs (21): AppCDS, the archive created at the first run's exit.
 *
 * <p>{@link #plan} is the pure decision; {@link #train} runs the training JVM. A training that
 * fails or takes too long only costs the cache: the router starts without one.
 */
public final class RouterAot {
  private RouterAot() {}

  /** The first JDK with the one-step AOT cache training ({@code -XX:AOTCacheOutput}, JEP 514). */
  static final int AOT_CACHE_FEATURE = 25;

  /** Requests of the training run: more than the self warm-up, so that C2 profiles settle. */
  static final RouterWarmup TRAINING = new RouterWarmup(40_000, Duration.ofSeconds(10), 64);

  /** What a router process gets. */
  public sealed interface Plan permits UseCache, TrainCache, AppCds, Without {
    /** The JVM options for the router process (before the main class). */
    List<String> options();
  }

  /** An AOT cache for this class path and JVM exists: start from it. */
  public record UseCache(Path cache) implements Plan {
    @Override
    public List<String> options() {
      return List.of("-XX:AOTCache=" + cache);
    }
  }

  /** The JVM supports an AOT cache but none was trained for this class path yet. */
  public record TrainCache(Path cache) implements Plan {
    @Override
    public List<String> options() {
      return List.of(); // until trained, the router starts without class data
    }
  }

  /** A JVM before 25: the AppCDS archive, created at the first run's exit, used after. */
  public record AppCds(Path archive) implements Plan {
    @Override
    public List<String> options() {
      return List.of("-XX:SharedArchiveFile=" + archive, "-XX:+AutoCreateSharedArchive");
    }
  }

  /**
   * A directory on the class path (a build's classes, as in tests): the JVM archives classes from
   * jars only, and would fail at the end of a training or at exit; no class data then.
   */
  public record Without() implements Plan {
    @Override
    public List<String> options() {
      return List.of();
    }
  }

  /**
   * @param jarsOnly whether the class path holds jars only ({@link #jarsOnly(String)})
   * @param jvmFeature the feature version of the JVM that runs the router (21, 25, ...)
   * @param dir where the class data lives (the router's directory under $KILN_HOME)
   * @param key {@link #key} of the router's class path and JVM
   * @param exists whether a file exists
   */
  public static Plan plan(
      boolean jarsOnly, int jvmFeature, Path dir, String key, Predicate<Path> exists) {
    if (!jarsOnly) return new Without();
    if (jvmFeature < AOT_CACHE_FEATURE) return new AppCds(dir.resolve("router.jsa"));
    Path cache = dir.resolve("router-" + key + ".aot");
    return exists.test(cache) ? new UseCache(cache) : new TrainCache(cache);
  }

  /** Whether no entry of the class path is a directory (missing entries do not count). */
  public static boolean jarsOnly(String classPath) {
    for (String entry : classPath.split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty() && Files.isDirectory(Path.of(entry))) return false;
    }
    return true;
  }

  /**
   * A digest of the JVM version and of every class path entry's path, size and modification time:
   * another JDK, a rebuilt jar or a changed class path gives another key.
   */
  public static String key(String classPath, String jvmVersion) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(jvmVersion.getBytes(StandardCharsets.UTF_8));
      for (String entry : classPath.split(java.io.File.pathSeparator)) {
        if (entry.isEmpty()) continue;
        Path p = Path.of(entry);
        long size = -1;
        long modified = -1;
        try {
          size = Files.size(p);
          modified = Files.getLastModifiedTime(p).toMillis();
        } catch (IOException missing) {
          // a missing entry is part of the class path as given; the key still names it
        }
        sha.update(("\0" + entry + "\0" + size + "\0" + modified).getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new RouterException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * Trains the AOT cache of {@code plan}: runs {@code javaBinary} with {@code jvmOptions} and
   * {@code -XX:AOTCacheOutput} on {@link #main} (the warm-up workload), then moves the cache into
   * place and removes the caches of other class paths and JVMs from the directory. Its output goes
   * to {@code router-aot-training.log} beside the cache.
   *
   * @return true when the cache exists afterwards
   */
  public static boolean train(
      Path javaBinary,
      List<String> jvmOptions,
      String classPath,
      TrainCache plan,
      Duration timeout) {
    return train(List.of(), javaBinary, jvmOptions, classPath, plan, timeout);
  }

  /**
   * {@link #train(Path, List, String, TrainCache, Duration)} with a command {@code prefix} (e.g.
   * {@code nice -n 10}, for a training that runs beside a serving fleet).
   */
  public static boolean train(
      List<String> prefix,
      Path javaBinary,
      List<String> jvmOptions,
      String classPath,
      TrainCache plan,
      Duration timeout) {
    Path cache = plan.cache().toAbsolutePath();
    Path dir = Objects.requireNonNull(cache.getParent(), "a cache file has a directory");
    Path partial = cache.resolveSibling(cache.getFileName() + "." + ProcessHandle.current().pid());
    List<String> command = new ArrayList<>(prefix);
    command.add(javaBinary.toString());
    command.addAll(jvmOptions);
    command.add("-XX:AOTCacheOutput=" + partial);
    command.add("-cp");
    command.add(classPath);
    command.add(RouterAot.class.getName());
    try {
      Files.createDirectories(dir);
      ProcessBuilder pb = new ProcessBuilder(command);
      // like the router process: nothing of the caller's environment (it may hold secrets)
      pb.environment().clear();
      pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
      pb.environment().put("LANG", "C.UTF-8");
      Process p =
          pb.redirectErrorStream(true)
              .redirectOutput(dir.resolve("router-aot-training.log").toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        return false;
      }
      if (p.exitValue() != 0 || !Files.exists(partial)) return false;
      Files.move(partial, cache, StandardCopyOption.ATOMIC_MOVE);
      removeOthers(dir, cache);
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      try {
        Files.deleteIfExists(partial);
        Files.deleteIfExists(partial.resolveSibling(partial.getFileName() + ".config"));
      } catch (IOException ignored) {
        // a leftover partial file is only disk space; the next training overwrites nothing of it
      }
    }
  }

  /** Caches of older builds or JDKs: never used again. */
  private static void removeOthers(Path dir, Path keep) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.startsWith("router-") && name.endsWith(".aot") && !f.equals(keep))
          Files.deleteIfExists(f);
      }
    }
  }

  /**
   * The training workload: the self warm-up's private router and dummy backend, with {@link
   * #TRAINING}'s request count, then exit (the JVM writes the cache at exit).
   */
  public static void main(String[] args) {
    RouterWarmup.Report r = TRAINING.run(RouterConfig.builder().listen("127.0.0.1", 0).build());
    System.out.println(
        "AOT training: "
            + r.served()
            + " requests in "
            + r.took().toMillis()
            + " ms"
            + (r.error() == null ? "" : " (stopped: " + r.error() + ")"));
    System.exit(r.served() > 0 ? 0 : 1);
  }
}
