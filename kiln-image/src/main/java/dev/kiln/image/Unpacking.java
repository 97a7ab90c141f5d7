package dev.kiln.image;

import dev.kiln.oci.LayerUnpacker;
import dev.kiln.oci.OciException;
import dev.kiln.oci.UnpackLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Store layers through kiln-oci's {@link LayerUnpacker}, the one the process driver uses too, so a
 * root the baker tests is the root an instance runs on.
 */
final class Unpacking {
  private Unpacking() {}

  /** Applies {@code layers} from the store onto a new root at {@code target}. */
  static void unpack(ImageStore store, List<Descriptor> layers, Path target, UnpackLimits limits) {
    LayerUnpacker.Unpack unpack = start(target, limits);
    apply(unpack, store, layers);
  }

  static LayerUnpacker.Unpack start(Path target, UnpackLimits limits) {
    try {
      return new LayerUnpacker(limits).into(target);
    } catch (OciException e) {
      throw new ImageException(e.getMessage(), e);
    }
  }

  /** Applies {@code layers} in order (each read through the store's digest check) and finishes. */
  static void apply(LayerUnpacker.Unpack unpack, ImageStore store, List<Descriptor> layers) {
    try {
      for (Descriptor layer : layers) {
        try (InputStream in = store.open(layer.digest())) {
          unpack.layer(layer.digest().toString(), in);
        } catch (IOException e) {
          throw new ImageException(
              "cannot read layer " + layer.digest() + ": " + e.getMessage(), e);
        }
      }
      unpack.finish();
    } catch (OciException e) {
      throw new ImageException(e.getMessage(), e);
    }
  }
}
