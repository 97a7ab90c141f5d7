package dev.kiln.runtime.process;

import dev.kiln.model.Digest;
import dev.kiln.oci.LayerUnpacker;
import dev.kiln.oci.OciException;
import dev.kiln.oci.Sandbox;
import dev.kiln.oci.Trees;
import dev.kiln.oci.UnpackLimits;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.VerifiedBlobs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Unpacked, read-only root filesystems under {@code $KILN_HOME/rootfs/<manifest hex>/root}, one per
 * image, shared by every instance of it.
 *
 * <p>Built once: each layer blob is copied to a temp file while it is re-hashed and only unpacked
 * once its digest matched (untrusted bytes never reach the tar parser); the tree is built in a temp
 * directory by kiln-oci's {@link LayerUnpacker} (the same one the baker and image tests use, with
 * the same {@link UnpackLimits}), with every mode exactly as the signed layers say, fingerprinted
 * ({@link TreeFingerprint}) and moved into place atomically. Instances bind it read-only. Before a
 * driver uses an existing rootfs for the first time it recomputes the fingerprint: a mismatch means
 * someone changed it, and it is thrown away and rebuilt. Later uses by the same driver object trust
 * that check (re-hashing a large tree per start would dominate start latency).
 */
final class RootfsCache {
  private static final Logger LOG = Logger.getLogger(RootfsCache.class.getName());

  private final Path dir;
  private final UnpackLimits limits = UnpackLimits.fromEnvironment();
  private final Set<Digest> verified = ConcurrentHashMap.newKeySet();
  private final Map<Digest, Object> locks = new ConcurrentHashMap<>();

  RootfsCache(Path dir) {
    this.dir = dir;
  }

  /** The host path of the image's root, building or repairing it first if needed. */
  Path ensure(ImageContent image) {
    Digest digest = image.manifestDigest();
    synchronized (locks.computeIfAbsent(digest, d -> new Object())) {
      try {
        Files.createDirectories(dir);
        try (FileChannel lockFile =
                FileChannel.open(
                    dir.resolve("." + digest.hex() + ".lock"),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock ignored = lockFile.lock()) {
          return ensureLocked(image);
        }
      } catch (IOException | OciException e) {
        throw new RuntimeDriverException(
            "image " + digest + ": could not unpack its root filesystem: " + e.getMessage(), e);
      }
    }
  }

  private Path ensureLocked(ImageContent image) throws IOException {
    Digest digest = image.manifestDigest();
    Path target = dir.resolve(digest.hex());
    if (Files.isDirectory(target)) {
      if (verified.contains(digest)) return target.resolve("root");
      String recorded = readRecorded(target);
      if (recorded.equals(TreeFingerprint.of(target.resolve("root")).toString())) {
        verified.add(digest);
        return target.resolve("root");
      }
      // Not deleted: instances still running from it (being replaced for drift) would lose their
      // files mid-request. Kept aside as evidence; its instances are replaced from the new tree.
      Path aside = dir.resolve(".drifted-" + digest.hex() + "-" + System.nanoTime());
      LOG.warning(
          "rootfs of image "
              + digest
              + " at "
              + target
              + " no longer matches what was unpacked; moved to "
              + aside
              + " and re-created");
      // its image mounts go too (a new image is built from the new tree): a loop device left
      // behind in the aside directory would stay until the driver closes
      ImageMount.unmountAll(target);
      Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
    }
    Path temp = dir.resolve(".tmp-" + digest.hex() + "-" + System.nanoTime());
    try {
      build(image, temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      Trees.deleteQuietly(temp);
      throw e;
    }
    verified.add(digest);
    return target.resolve("root");
  }

  /**
   * Forgets that the root at {@code root} ({@code <dir>/<hex>/root}) was verified: it drifted, so
   * the next {@link #ensure} re-checks it and builds a fresh tree instead of reusing it.
   */
  void distrust(Path root) {
    Path hexDir = root.getParent();
    Path hex = hexDir == null ? null : hexDir.getFileName();
    if (hex == null) return; // not a root of this cache: nothing was verified under it
    String name = hex.toString();
    verified.removeIf(d -> d.hex().equals(name));
  }

  private static String readRecorded(Path target) {
    try {
      return Files.readString(target.resolve("tree.sha256")).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private void build(ImageContent image, Path temp) throws IOException {
    Path root = temp.resolve("root");
    Files.createDirectories(root);
    VerifiedBlobs.readAll(
        image.config()); // the config must match too, though runConfig came parsed
    LayerUnpacker.Unpack unpack = new LayerUnpacker(limits).into(root);
    Path blob = temp.resolve("blob");
    for (ImageContent.Blob layer : image.layers()) {
      try (InputStream in = VerifiedBlobs.openRaw(layer);
          OutputStream out = Files.newOutputStream(blob)) {
        in.transferTo(out); // throws at EOF if the bytes do not hash to the layer's digest
      }
      try (InputStream raw = Files.newInputStream(blob)) {
        unpack.layer(layer.digest().toString(), raw); // gzip or not: told by its magic bytes
      }
      Files.delete(blob);
    }
    unpack.finish();
    Sandbox.addMountPoints(root);
    Files.writeString(
        temp.resolve("tree.sha256"), TreeFingerprint.of(root) + "\n", StandardCharsets.UTF_8);
  }
}
