package dev.kiln.runtime.process;

import java.util.List;
import java.util.Optional;

/**
 * How an image's root is given to its instances (option {@code root-image}): a read-only filesystem
 * image on a loop device (erofs, else squashfs), which not even root on the host can edit in place,
 * or the unpacked directory tree, watched for drift. Each image kind is built from the tree at
 * {@code <rootfs>/<hex>/root} into {@code <hex>/<imageFile>} and mounted at {@code
 * <hex>/<mountDir>} — one mount per image, shared by all its instances.
 */
enum RootKind {
  EROFS("erofs", "root.erofs", "mnt", "root: erofs image on a loop device (read-only)"),
  SQUASHFS(
      "squashfs",
      "root.squashfs",
      "mnt-squashfs",
      "root: squashfs image on a loop device (read-only)"),
  TREE("tree", "", "", "root: directory tree (watched for drift)");

  /** The image kinds, in the order {@code root-image=auto} prefers them. */
  static final List<RootKind> IMAGES = List.of(EROFS, SQUASHFS);

  final String option;
  final String imageFile;
  final String mountDir;
  final String status;

  RootKind(String option, String imageFile, String mountDir, String status) {
    this.option = option;
    this.imageFile = imageFile;
    this.mountDir = mountDir;
    this.status = status;
  }

  /** Which kind an instance's recorded root ({@code <hex>/root}, {@code <hex>/mnt}, ...) is. */
  static RootKind ofRoot(String root) {
    for (RootKind kind : IMAGES) if (root.endsWith("/" + kind.mountDir)) return kind;
    return TREE;
  }

  /** The kind the option names, empty for {@code auto}; anything else is a located error. */
  static Optional<RootKind> ofOption(String option) {
    if (option.equals("auto")) return Optional.empty();
    for (RootKind kind : values()) if (kind.option.equals(option)) return Optional.of(kind);
    throw new dev.kiln.runtime.RuntimeDriverException(
        "process runtime: option root-image="
            + option
            + " is not one of auto, erofs, squashfs, tree");
  }
}
