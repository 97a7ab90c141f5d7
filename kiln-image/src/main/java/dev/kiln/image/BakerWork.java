package dev.kiln.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One image's scratch space under {@code <cacheDir>/work}: the build root that {@code run} steps
 * change, kept across the steps of the image so each run step only applies the layers it has not
 * seen, and the image tests' root. Deleted when the image is done; a killed bake's leftovers are
 * deleted by a later bake once they are old.
 */
final class BakerWork implements AutoCloseable {
  private static final long STALE_MILLIS = 12L * 3600 * 1000;

  private final Path dir;
  private final Path root;
  private int applied;

  private BakerWork(Path dir) {
    this.dir = dir;
    this.root = dir.resolve("root");
  }

  static BakerWork create(Path workDir, String image) {
    try {
      Files.createDirectories(workDir);
      return new BakerWork(Files.createTempDirectory(workDir, image + "-"));
    } catch (IOException e) {
      throw new ImageException(
          "cannot create a work folder in " + workDir + ": " + e.getMessage(), e);
    }
  }

  Path dir() {
    return dir;
  }

  /** The build root with {@code layers} applied (only those not applied before are unpacked). */
  Path root(ImageStore store, List<Descriptor> layers) {
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new ImageException("cannot create " + root + ": " + e.getMessage(), e);
    }
    if (applied < layers.size()) {
      new LayerUnpacker(Baker.MAX_IMAGE_BYTES)
          .unpack(store, layers.subList(applied, layers.size()), root);
      applied = layers.size();
    }
    return root;
  }

  /** A run step changed the root in place: it now has {@code layers} layers applied. */
  void advanced(int layers) {
    applied = layers;
  }

  @Override
  public void close() {
    DebianBase.deleteTree(dir);
  }

  static void clearStale(Path workDir) {
    if (!Files.isDirectory(workDir)) return;
    long cutoff = System.currentTimeMillis() - STALE_MILLIS;
    try (var dirs = Files.list(workDir)) {
      for (Path d : dirs.toList()) {
        if (Files.getLastModifiedTime(d).toMillis() < cutoff) DebianBase.deleteTree(d);
      }
    } catch (IOException ignored) {
      // Best effort.
    }
  }
}
