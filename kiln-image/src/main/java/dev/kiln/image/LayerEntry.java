package dev.kiln.image;

import java.nio.file.Path;

/**
 * One entry of a layer, by its absolute path in the image ({@code /www/index.html}). Ownership is
 * numeric only: names differ between hosts and would break reproducibility.
 */
public sealed interface LayerEntry extends Comparable<LayerEntry> {
  String path();

  @Override
  default int compareTo(LayerEntry o) {
    return path().compareTo(o.path());
  }

  record Directory(String path, int mode, int uid, int gid) implements LayerEntry {}

  /** A regular file whose content is read from {@code source} when the layer is written. */
  record File(String path, Path source, int mode, int uid, int gid) implements LayerEntry {}

  /** A regular file given in memory (small generated files). */
  record Bytes(String path, byte[] content, int mode, int uid, int gid) implements LayerEntry {}

  record Symlink(String path, String target, int uid, int gid) implements LayerEntry {}

  /** A hard link to an earlier entry of the same layer. */
  record Hardlink(String path, String target) implements LayerEntry {}

  /** Deletes {@code path} from the layers below (an OCI {@code .wh.} file). */
  record Whiteout(String path) implements LayerEntry {}

  /** Hides everything below the directory {@code path} in lower layers ({@code .wh..wh..opq}). */
  record OpaqueDirectory(String path) implements LayerEntry {}
}
