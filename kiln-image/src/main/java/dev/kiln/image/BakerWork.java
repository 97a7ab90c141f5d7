package dev.kiln.image;

import dev.kiln.oci.LayerUnpacker;
import dev.kiln.oci.Trees;
import dev.kiln.oci.UnpackLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One image's scratch space under {@code <cacheDir>/work}: the build root that {@code run} steps
 * change, kept across the steps of the image so each layer is unpacked once per bake, and then the
 * root the image tests run on (it has every layer of the image by then). Deleted when the image is
 * done; a killed bake's leftovers are deleted by a later bake once they are old.
 */
final class BakerWork implements AutoCloseable {
  private static final long STALE_MILLIS = 12L * 3600 * 1000;

  private final Path dir;
  private final Path root;
  private final UnpackLimits limits;
  private LayerUnpacker.@Nullable Unpack unpack; // started by the first root()
  private int applied;

  private BakerWork(Path dir, UnpackLimits limits) {
    this.dir = dir;
    this.root = dir.resolve("root");
    this.limits = limits;
  }

  static BakerWork create(Path workDir, String image, UnpackLimits limits) {
    try {
      Files.createDirectories(workDir);
      return new BakerWork(Files.createTempDirectory(workDir, image + "-"), limits);
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
    if (unpack == null) unpack = Unpacking.start(root, limits);
    if (applied < layers.size()) {
      Unpacking.apply(unpack, store, layers.subList(applied, layers.size()));
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
    Trees.deleteQuietly(dir);
  }

  static void clearStale(Path workDir) {
    Trees.deleteChildrenOlderThan(workDir, System.currentTimeMillis() - STALE_MILLIS);
  }
}
