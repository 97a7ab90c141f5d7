package dev.kiln.image;

import dev.kiln.oci.Profile;
import dev.kiln.oci.Trees;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code debian:<suite>}: a minimal Debian root made by {@code debootstrap --variant=minbase} on
 * first use, brought up to date from the suite's {@code -updates} and {@code -security} suites
 * ({@link DebianSuites}; apt in a bubblewrap sandbox over the root, like a network run step),
 * normalized (logs, apt lists and caches, host name, resolv.conf, machine id and device nodes
 * removed or emptied: they are host- or time-dependent), kept in {@code <debianCache>/<suite>} and
 * turned into a one-layer base image. The root is made in a temp folder and moved into place, so a
 * killed debootstrap is simply redone. Which manifest a suite became in a store is remembered in
 * {@code <records>/<suite>.json}, so later bakes skip even the layering. The packages debootstrap
 * downloaded stay in {@code <debianCache>/<suite>.debs} (its {@code --cache-dir}): a refresh for
 * {@code kiln patch} fetches the suite's indexes again and only the packages that changed since
 * (debootstrap checks each cached one against the fresh index's checksum).
 */
final class DebianBase {
  static final String MIRROR = DebianSuites.MIRROR;

  /**
   * Brings the debootstrapped root up to date from every source of {@link DebianSuites}; the lists
   * and downloaded packages are cleared by {@link #normalize}, so the root depends only on the
   * package versions. confold keeps the configuration files debootstrap put there.
   */
  private static final String UPGRADE =
      "apt-get -q update && apt-get -q -y -o Dpkg::Options::=--force-confdef"
          + " -o Dpkg::Options::=--force-confold dist-upgrade && apt-get clean";

  private static final List<String> EMPTIED =
      List.of("etc/machine-id", "etc/resolv.conf", "etc/hostname", "var/lib/dbus/machine-id");
  private static final List<String> CLEARED =
      List.of(
          "dev",
          "proc",
          "sys",
          "run",
          "tmp",
          "var/tmp",
          "var/log",
          "var/lib/apt/lists",
          "var/cache/apt",
          "var/cache/ldconfig");

  private final Path debianCache;
  private final Path records;
  private final Instant epoch;
  private final Consumer<String> note;
  private final boolean refresh;
  private final Maker maker;

  /** Makes a suite's normalized root at a path: debootstrap and upgrade (a seam for tests). */
  @FunctionalInterface
  interface Maker {
    void make(String suite, Path target) throws IOException;
  }

  /** Per lock file: FileLock is per process, so threads of one JVM queue here first. */
  private static final java.util.concurrent.ConcurrentMap<Path, Object> MAKING =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Suites debootstrapped again by this instance: a refresh happens once per bake, not per image.
   */
  private final java.util.Set<String> refreshed = new java.util.HashSet<>();

  DebianBase(Path debianCache, Path records, Instant epoch, Consumer<String> note) {
    this(debianCache, records, epoch, note, false);
  }

  /**
   * @param refresh debootstrap each suite again on its first use (for {@code kiln patch}: the
   *     cached root holds the package versions of the day it was made)
   */
  DebianBase(
      Path debianCache, Path records, Instant epoch, Consumer<String> note, boolean refresh) {
    this.debianCache = debianCache;
    this.records = records;
    this.epoch = epoch;
    this.note = note;
    this.refresh = refresh;
    this.maker = this::debootstrapAndUpgrade;
  }

  /** For tests: {@code maker} instead of debootstrap. */
  DebianBase(Path debianCache, Path records, Consumer<String> note, Maker maker) {
    this.debianCache = debianCache;
    this.records = records;
    this.epoch = Instant.EPOCH;
    this.note = note;
    this.refresh = false;
    this.maker = maker;
  }

  /** The base image's manifest for {@code suite}, made (and debootstrapped) if needed. */
  Descriptor ensure(ImageStore store, String suite) {
    Path record = records.resolve(suite + "-" + epoch.getEpochSecond() + ".json");
    boolean fresh = refresh && refreshed.add(suite);
    if (fresh) refreshRoot(suite);
    Optional<Descriptor> known =
        fresh ? Optional.empty() : readRecord(record).filter(d -> store.has(d.digest()));
    if (known.isPresent()) return known.get();
    Path root = rootfs(suite);
    note.accept("importing the debian:" + suite + " root from " + root + " as a base layer");
    RunStepSnapshot all = RunStepSnapshot.take(root, p -> false);
    List<LayerEntry> entries = RunStepSnapshot.empty(root).diff(all);
    String special = SpecialFiles.note(SpecialFiles.setId(entries), all.special());
    if (!special.isEmpty()) note.accept("debian:" + suite + ": " + special);
    Descriptor layer = new LayerWriter(epoch).write(store, entries);
    ImageConfig config =
        new ImageConfig(
            BaseImporter.hostArchitecture(),
            "linux",
            epoch,
            List.of("PATH=" + SandboxRun.DEFAULT_PATH),
            List.of(),
            List.of("/bin/bash"),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Map.of(),
            List.of(layer.digest()),
            List.of(history(root, suite)));
    Descriptor configBlob = store.put(MediaTypes.CONFIG, config.toBytes());
    Descriptor manifest = store.putManifest(new ImageManifest(configBlob, List.of(layer)));
    writeRecord(record, manifest);
    return manifest;
  }

  /** The normalized root for {@code suite}, debootstrapped on first use. */
  Path rootfs(String suite) {
    Path root = debianCache.resolve(suite);
    if (Files.isDirectory(root)) return root;
    try {
      Files.createDirectories(debianCache);
      // One make of a suite at a time per cache, in this JVM and across processes (two ITs, or
      // two bakes, on a fresh host): the second waits for the first and takes its root instead
      // of debootstrapping beside it, and cannot lose the race for the final rename.
      Path lock = debianCache.resolve("." + suite + ".lock").toAbsolutePath().normalize();
      synchronized (MAKING.computeIfAbsent(lock, l -> new Object())) {
        try (FileChannel channel =
                FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock held = channel.lock()) {
          if (Files.isDirectory(root)) return root; // made by another bake meanwhile
          make(suite, root);
        }
      }
    } catch (IOException e) {
      throw new ImageException(
          "cannot prepare debian:" + suite + " in " + debianCache + ": " + e, e);
    }
    return root;
  }

  /** Makes {@code root} in a temp folder beside it and moves it into place. */
  private void make(String suite, Path root) throws IOException {
    clearStale(suite);
    Path temp = Files.createTempDirectory(debianCache, suite + ".tmp-");
    try {
      maker.make(suite, temp.resolve("root"));
      try {
        Files.move(temp.resolve("root"), root, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        // A bake without the lock (an older Kiln) made it first: use theirs. (A rename onto a
        // non-empty folder is a plain FileSystemException, "Directory not empty", in the JDK.)
        if (!Files.isDirectory(root)) throw raced;
      }
    } finally {
      Trees.deleteQuietly(temp);
    }
  }

  /** debootstrap, the upgrade from the suite's updates and security suites, normalize. */
  private void debootstrapAndUpgrade(String suite, Path target) throws IOException {
    note.accept("debootstrap " + suite + " (a few minutes, needs " + MIRROR + ")");
    debootstrap(suite, target, debs(suite));
    note.accept(
        "debian:"
            + suite
            + ": apt-get dist-upgrade from "
            + String.join(", ", DebianSuites.names(suite)));
    upgrade(suite, target);
    normalize(target);
  }

  /**
   * Moves the cached root aside so that {@link #rootfs} debootstraps the suite again; the old root
   * is deleted only once the new one is in place, so a failed debootstrap keeps it.
   */
  private void refreshRoot(String suite) {
    Path root = debianCache.resolve(suite);
    if (!Files.isDirectory(root)) return;
    Path old = debianCache.resolve(suite + ".old-" + System.nanoTime());
    try {
      Files.move(root, old, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new ImageException(
          "cannot refresh debian:" + suite + " in " + debianCache + ": " + e, e);
    }
    note.accept("refreshing debian:" + suite + " (debootstrap again for the newest packages)");
    try {
      rootfs(suite);
    } catch (RuntimeException e) {
      try {
        Files.move(old, root, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException restore) {
        e.addSuppressed(restore);
      }
      throw e;
    }
    Trees.deleteQuietly(old);
  }

  /** A killed debootstrap leaves its temp folder; one older than an hour is no one's any more. */
  private void clearStale(String suite) throws IOException {
    long cutoff = System.currentTimeMillis() - 3_600_000;
    try (var temps = Files.newDirectoryStream(debianCache, suite + ".tmp-*")) {
      for (Path t : temps) {
        if (Files.getLastModifiedTime(t).toMillis() < cutoff) Trees.deleteQuietly(t);
      }
    }
  }

  /**
   * The suite's package cache, made if missing. Without it a refresh downloaded every package
   * again: 17 s of a bookworm debootstrap's download phase here, 6.6 s with the cache full.
   */
  private Path debs(String suite) throws IOException {
    return Files.createDirectories(debianCache.resolve(suite + ".debs")).toAbsolutePath();
  }

  /**
   * Keeps the newest file of each package in {@code debs}: the one this debootstrap used (a changed
   * package was downloaded now; an unchanged one is the only file of its name).
   */
  static void prune(Path debs) throws IOException {
    Map<String, Path> newest = new java.util.HashMap<>();
    List<Path> all;
    try (var files = Files.newDirectoryStream(debs, "*.deb")) {
      all = new java.util.ArrayList<>();
      files.forEach(all::add);
    }
    for (Path f : all) {
      String name = f.getFileName().toString(); // package_version_arch.deb
      int first = name.indexOf('_');
      String key =
          (first < 0 ? name : name.substring(0, first)) + name.substring(name.lastIndexOf('_') + 1);
      Path kept = newest.get(key);
      if (kept == null) {
        newest.put(key, f);
      } else if (Files.getLastModifiedTime(f).compareTo(Files.getLastModifiedTime(kept)) > 0) {
        Files.deleteIfExists(kept);
        newest.put(key, f);
      } else {
        Files.deleteIfExists(f);
      }
    }
  }

  private static void debootstrap(String suite, Path target, Path debs) throws IOException {
    List<String> cmd =
        List.of(
            "debootstrap",
            "--variant=minbase",
            "--cache-dir=" + debs,
            suite,
            target.toString(),
            MIRROR);
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new ImageException(
          "debian:"
              + suite
              + " needs debootstrap, which is not installed: apt-get install debootstrap");
    }
    SandboxRun.Tail tail = new SandboxRun.Tail(p.getInputStream());
    Thread reader = Thread.ofVirtual().start(tail);
    try {
      boolean done = p.waitFor(30, TimeUnit.MINUTES);
      reader.join(2000);
      if (!done || p.exitValue() != 0) {
        throw new ImageException(
            "debootstrap "
                + suite
                + " failed"
                + (done ? " with exit code " + p.exitValue() : " (timeout)")
                + " (is "
                + MIRROR
                + " reachable, and "
                + suite
                + " a Debian suite?):\n"
                + SandboxRun.lastLines(tail.text(), 20));
      }
      prune(debs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("interrupted during debootstrap " + suite);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  /**
   * Points the root's apt at every source of {@link DebianSuites} and upgrades it there. The
   * sources list stays in the image, so {@code apt-get install} in a run step sees the same suites.
   */
  static void upgrade(String suite, Path root) throws IOException {
    Files.writeString(root.resolve("etc/apt/sources.list"), DebianSuites.sourcesList(suite));
    SandboxRun sandbox =
        SandboxRun.of(
            Profile.runStep(true),
            root,
            Map.of("DEBIAN_FRONTEND", "noninteractive"),
            "/",
            "kiln-bake");
    SandboxRun.Finished done = sandbox.run(List.of("/bin/sh", "-c", UPGRADE));
    if (done.exitCode() != 0) {
      throw new ImageException(
          "debian:"
              + suite
              + ": apt-get dist-upgrade from "
              + String.join(", ", DebianSuites.names(suite))
              + " failed with exit code "
              + done.exitCode()
              + " (are "
              + DebianSuites.MIRROR
              + " and "
              + DebianSuites.SECURITY_MIRROR
              + " reachable?):\n"
              + done.tail(20));
    }
  }

  /**
   * The base's history line: what made the root, read from the root itself, so a root
   * debootstrapped before the upgrade step existed does not claim it.
   */
  private static String history(Path root, String suite) {
    String made = "debootstrap --variant=minbase " + suite;
    try {
      String list = Files.readString(root.resolve("etc/apt/sources.list"));
      List<String> extra =
          DebianSuites.sources(suite).stream()
              .skip(1)
              .filter(s -> list.contains(s.line()))
              .map(DebianSuites.Source::suite)
              .toList();
      return extra.isEmpty()
          ? made
          : made + " && apt-get dist-upgrade (" + String.join(", ", extra) + ")";
    } catch (IOException e) {
      return made;
    }
  }

  /** Removes what depends on the host or the day rather than on the packages. */
  static void normalize(Path root) throws IOException {
    for (String f : EMPTIED) {
      Path p = root.resolve(f);
      if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) Files.write(p, new byte[0]);
    }
    for (String d : CLEARED) {
      Path dir = root.resolve(d);
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) continue;
      // Keep the folders (apt expects var/log/apt, var/cache/apt/archives/partial), drop the rest.
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }
          });
    }
    for (String d : List.of("var/lib/dpkg", "var/cache/debconf")) {
      try (var old = Files.newDirectoryStream(root.resolve(d), "*-old")) {
        for (Path p : old) Files.deleteIfExists(p);
      } catch (NoSuchFileException ignored) {
        // not a dpkg root
      }
    }
  }

  private static Optional<Descriptor> readRecord(Path record) {
    try {
      byte[] b = Files.readAllBytes(record);
      return Optional.of(Descriptor.fromJson(Json.parse(b, record.toString()), record.toString()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static void writeRecord(Path record, Descriptor manifest) {
    try {
      Files.createDirectories(record.getParent());
      Path temp = Files.createTempFile(record.getParent(), "debian", ".tmp");
      Files.write(temp, Json.bytes(manifest.toJson()));
      Files.move(temp, record, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // Only a speed-up.
    }
  }
}
