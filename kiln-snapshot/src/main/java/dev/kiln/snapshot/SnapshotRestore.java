package dev.kiln.snapshot;

import dev.kiln.image.HostKey;
import dev.kiln.oci.Trees;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Restores a snapshot's files into a home: the journal as {@code state.db}, the images, the route
 * table. Nothing is touched before the whole archive has verified. A marker file is written first
 * and removed last, so a restore killed at any point leaves the home either empty (marker present:
 * a rerun clears it and starts again) or complete. Starting the fleet from the restored journal is
 * the control plane's part.
 *
 * <p>The host's private key is never in a snapshot; continuing the same signed journal needs it, so
 * the caller passes the key (kept apart from snapshots, as an etcd or Vault operator keeps theirs).
 */
public final class SnapshotRestore {
  static final String MARKER = ".restore-in-progress";
  private static final List<String> PIECES =
      List.of("state.db", "journal-head", "images", "router", "volumes");

  private SnapshotRestore() {}

  public record Restored(Path home, long journalSeq, String keyId, int members) {}

  public static Restored restore(Path file, Path home, HostKey key, boolean force) {
    return restore(file, home, key, force, java.util.OptionalLong.empty());
  }

  /**
   * As {@link #restore(Path, Path, HostKey, boolean)}; with {@code toSeq}, a point in time: the
   * journal keeps its entries up to that seq only (see {@link JournalPrefix}), and the snapshot's
   * {@code journal-head}, which names a later checkpoint, is left out (the server anchors the cut
   * journal when it starts).
   */
  public static Restored restore(
      Path file, Path home, HostKey key, boolean force, java.util.OptionalLong toSeq) {
    if (toSeq.isPresent() && toSeq.getAsLong() < 1)
      throw new SnapshotException("--to-seq must be 1 or more, not " + toSeq.getAsLong());
    try {
      boolean existed = Files.exists(home);
      if (existed && !isEmptyOrInterrupted(home)) {
        if (!force) {
          throw new SnapshotException(
              home
                  + " is not empty: restore into an empty KILN_HOME, or pass --force to move what is there aside");
        }
        moveAside(home);
      }
      Files.createDirectories(home);
      clearInterrupted(home);
      Path marker = home.resolve(MARKER);
      Files.writeString(marker, file.toAbsolutePath() + "\n");
      force(marker);
      Path staging = home.resolve(".restore-tmp");
      SnapshotReader.Verdict v =
          SnapshotReader.read(file, Optional.of(key.publicKey()), Optional.of(staging));
      if (!v.ok()) {
        Trees.deleteQuietly(staging);
        Files.deleteIfExists(marker);
        if (!existed) deleteIfEmpty(home);
        throw new SnapshotException(
            "snapshot " + file + " was not restored: " + v.problem().orElseThrow());
      }
      if (toSeq.isPresent() && toSeq.getAsLong() > v.journalSeq()) {
        Trees.deleteQuietly(staging);
        Files.deleteIfExists(marker);
        if (!existed) deleteIfEmpty(home);
        throw new SnapshotException(
            "--to-seq "
                + toSeq.getAsLong()
                + " is after the snapshot's journal, which ends at seq "
                + v.journalSeq()
                + "; nothing was restored");
      }
      if (toSeq.isPresent()) {
        JournalPrefix.keepUpTo(staging.resolve("journal/state.db"), toSeq.getAsLong());
      } else if (Files.exists(staging.resolve("journal/journal-head"))) {
        move(staging.resolve("journal/journal-head"), home.resolve("journal-head"));
      }
      move(staging.resolve("journal/state.db"), home.resolve("state.db"));
      for (String dir : List.of("images", "router", "volumes")) {
        if (Files.exists(staging.resolve(dir))) move(staging.resolve(dir), home.resolve(dir));
      }
      Path keys = home.resolve("keys");
      if (!Files.exists(keys.resolve(HostKey.PUBLIC_FILE))) {
        Files.createDirectories(keys);
        Files.copy(
            key.privateKeyFile(),
            keys.resolve(HostKey.PRIVATE_FILE),
            StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(
            key.publicKeyFile(),
            keys.resolve(HostKey.PUBLIC_FILE),
            StandardCopyOption.COPY_ATTRIBUTES);
      }
      Trees.deleteQuietly(staging);
      force(home);
      Files.delete(marker); // last: from here on the home is complete
      force(home);
      return new Restored(
          home,
          toSeq.isPresent() ? toSeq.getAsLong() : v.journalSeq(),
          v.keyId().orElseThrow(),
          v.members().size());
    } catch (IOException e) {
      throw new SnapshotException("cannot restore into " + home + ": " + e.getMessage(), e);
    }
  }

  /** Empty, or holding only what an interrupted restore left (its marker is there). */
  static boolean isEmptyOrInterrupted(Path home) throws IOException {
    if (!Files.isDirectory(home)) return false;
    if (Files.exists(home.resolve(MARKER))) return true;
    try (Stream<Path> s = Files.list(home)) {
      return s.findAny().isEmpty();
    }
  }

  private static void clearInterrupted(Path home) throws IOException {
    if (!Files.exists(home.resolve(MARKER))) return;
    try (Stream<Path> s = Files.list(home)) {
      for (Path p : s.toList()) {
        String name = p.getFileName().toString();
        if (PIECES.contains(name)
            || name.equals(".restore-tmp")
            || name.equals("keys")
            || name.equals(MARKER)) {
          if (Files.isDirectory(p)) Trees.deleteQuietly(p);
          else Files.deleteIfExists(p);
        }
      }
    }
  }

  private static void moveAside(Path home) throws IOException {
    for (int i = 1; ; i++) {
      Path aside = home.resolveSibling(home.getFileName() + ".before-restore-" + i);
      if (!Files.exists(aside)) {
        Files.move(home, aside, StandardCopyOption.ATOMIC_MOVE);
        return;
      }
    }
  }

  private static void move(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void deleteIfEmpty(Path dir) {
    try {
      Files.deleteIfExists(dir);
    } catch (IOException notEmpty) {
      // someone else's files: leave them
    }
  }

  private static void force(Path p) {
    try (FileChannel ch =
        FileChannel.open(
            p, Files.isDirectory(p) ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
      ch.force(true);
    } catch (IOException ignored) {
      // directories cannot be fsynced on every filesystem; the rename order still holds
    }
  }
}
