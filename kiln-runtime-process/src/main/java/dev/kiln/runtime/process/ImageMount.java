package dev.kiln.runtime.process;

import dev.kiln.runtime.RuntimeDriverException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * An image's root as a read-only filesystem image (erofs) on a loop device, so that not even root
 * on the host can edit its files in place: {@code <rootfs>/<hex>/root.erofs} is built once from the
 * verified directory tree with a fixed UUID and timestamps (the same tree gives the same bytes),
 * its sha256 recorded beside it, and mounted read-only at {@code <rootfs>/<hex>/mnt}. Before a
 * driver mounts it for the first time it re-hashes the file against that record ("verified by
 * digest once"); a mismatch rebuilds it. Where {@code mkfs.erofs}, loop devices or the right to
 * mount are missing, {@link #mount} is empty and the caller keeps the directory tree and its
 * watcher.
 */
final class ImageMount {
  private static final Logger LOG = Logger.getLogger(ImageMount.class.getName());
  static final String UUID = "6b696c6e-0000-4000-8000-000000000000"; // "kiln", fixed: reproducible

  private final Set<Path> verified = ConcurrentHashMap.newKeySet();

  /**
   * The mounted root of the image whose tree is {@code <target>/root}, mounting it if needed; empty
   * if this host cannot (the reason is logged once per image).
   */
  Optional<Path> mount(Path target) {
    Path image = target.resolve("root.erofs");
    Path mnt = target.resolve("mnt");
    try {
      if (isMounted(mnt) && verified.contains(target)) return Optional.of(mnt);
      if (!Files.isRegularFile(image) || !recorded(target).equals(sha256(image))) {
        if (isMounted(mnt)) run(List.of("umount", mnt.toString()));
        build(target.resolve("root"), image);
        Files.writeString(
            target.resolve("root.erofs.sha256"), sha256(image) + "\n", StandardCharsets.UTF_8);
      }
      verified.add(target);
      if (!isMounted(mnt)) {
        Files.createDirectories(mnt);
        run(
            List.of(
                "mount",
                "-t",
                "erofs",
                "-o",
                "loop,ro,nodev,nosuid",
                image.toString(),
                mnt.toString()));
      }
      return Optional.of(mnt);
    } catch (IOException | RuntimeDriverException e) {
      LOG.warning(
          "image root "
              + target.getFileName()
              + ": cannot mount it as erofs ("
              + e.getMessage()
              + "); running from the directory tree, watched for drift");
      return Optional.empty();
    }
  }

  /** Unmounts {@code <target>/mnt} if it is mounted (before the tree is moved aside or deleted). */
  static void unmount(Path target) {
    Path mnt = target.resolve("mnt");
    try {
      if (isMounted(mnt)) run(List.of("umount", mnt.toString()));
    } catch (IOException | RuntimeDriverException e) {
      LOG.warning("cannot unmount " + mnt + ": " + e.getMessage());
    }
  }

  /** The mount in use for the tree at {@code root} ({@code <target>/root}), if any. */
  static Optional<Path> mounted(Path root) {
    Path mnt = root.resolveSibling("mnt");
    try {
      return isMounted(mnt) ? Optional.of(mnt) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static void build(Path tree, Path image) throws IOException {
    Path temp = image.resolveSibling(image.getFileName() + ".tmp");
    Files.deleteIfExists(temp);
    // -T0: every timestamp 0 and the build time too; -U: a fixed UUID; -x-1: no xattrs (the
    // layers' are not carried into the tree either); uids, gids and modes are the tree's own
    run(
        List.of(
            "mkfs.erofs", "--quiet", "-T0", "-U" + UUID, "-x-1", temp.toString(), tree.toString()));
    Files.move(
        temp,
        image,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static String recorded(Path target) {
    try {
      return Files.readString(target.resolve("root.erofs.sha256")).trim();
    } catch (IOException e) {
      return "";
    }
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return "sha256:"
          + HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean isMounted(Path mnt) throws IOException {
    String target = mnt.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].replace("\\040", " ").equals(target)) return true;
    }
    return false;
  }

  private static void run(List<String> argv) throws IOException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      if (p.waitFor() != 0) {
        throw new RuntimeDriverException(String.join(" ", argv.subList(0, 1)) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeDriverException("interrupted while running " + argv.getFirst());
    }
  }
}
