package dev.kiln.oci;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Directory trees of unpacked images, handled without ever following a symlink: an image may hold
 * links to anywhere on the host, and deleting "through" one would delete host files.
 */
public final class Trees {
  private Trees() {}

  /** {@code lstat}: the attributes of {@code p} itself, empty when it does not exist. */
  public static Optional<BasicFileAttributes> lstat(Path p) throws IOException {
    try {
      return Optional.of(
          Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * Deletes a file, a symlink (not its target) or a folder tree; nothing if absent. Folders an
   * image made read-only (0555 /proc of a Debian root) are opened first: they are going anyway.
   */
  public static void delete(Path path) throws IOException {
    Optional<BasicFileAttributes> a = lstat(path);
    if (a.isEmpty()) return;
    if (a.get().isDirectory()) {
      if (!Files.isWritable(path) || !Files.isExecutable(path)) {
        Files.setAttribute(path, "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS);
      }
      List<Path> children;
      try (Stream<Path> list = Files.list(path)) {
        children = list.toList();
      }
      for (Path c : children) delete(c);
    }
    try {
      Files.delete(path);
    } catch (NoSuchFileException ignored) {
      // Gone meanwhile: what was wanted.
    } catch (DirectoryNotEmptyException e) {
      throw new IOException("cannot delete " + path + ": something wrote into it meanwhile", e);
    }
  }

  /** Deletes quietly, for cleanup paths that must not hide the original error. */
  public static void deleteQuietly(Path path) {
    try {
      delete(path);
    } catch (IOException | RuntimeException ignored) {
      // Best effort: the caller is already reporting a failure, or a later run clears it.
    }
  }

  /**
   * Deletes the children of {@code dir} whose last-modified time is before {@code cutoffMillis}.
   */
  public static void deleteChildrenOlderThan(Path dir, long cutoffMillis) {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> list = Files.list(dir)) {
      for (Path d : list.toList()) {
        if (Files.getLastModifiedTime(d, LinkOption.NOFOLLOW_LINKS).toMillis() < cutoffMillis) {
          deleteQuietly(d);
        }
      }
    } catch (IOException ignored) {
      // Best effort: stale scratch space is harmless.
    }
  }
}
