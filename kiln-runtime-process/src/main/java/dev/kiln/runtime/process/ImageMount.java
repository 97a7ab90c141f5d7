package dev.kiln.runtime.process;

import dev.kiln.oci.Trees;
import dev.kiln.runtime.RuntimeDriverException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * An image's root as a read-only filesystem image (erofs or squashfs, {@link RootKind}) on a loop
 * device, so that not even root on the host can edit its files in place: {@code
 * <rootfs>/<hex>/root.<kind>} is built once from the verified directory tree with fixed UUIDs and
 * timestamps (the same tree gives the same bytes), its sha256 recorded beside it, and mounted
 * read-only at {@code <hex>/<mount dir>}. Before this driver mounts it it re-hashes the file
 * against that record ("verified by digest once"); a mismatch rebuilds it.
 *
 * <p>One mount per image, shared by every instance of it (each sandbox binds it): the first
 * instance mounts it, and it is unmounted — which frees its loop device — when the last instance
 * using it stops, and on {@link #close} for every image no running instance uses. An instance
 * adopted from an earlier driver counts too: "in use" is read from the instances' records.
 */
final class ImageMount implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ImageMount.class.getName());
  static final String UUID = "6b696c6e-0000-4000-8000-000000000000"; // "kiln", fixed: reproducible

  private final RootKind kind;
  private final boolean required;
  private final Path rootfsDir;
  private final Path instancesDir;
  private final Set<Path> verified = ConcurrentHashMap.newKeySet();
  private final Map<Path, Object> locks = new ConcurrentHashMap<>();

  /** Instance id → the image directory ({@code <rootfs>/<hex>}) whose mount it was given. */
  private final Map<String, Path> holders = new ConcurrentHashMap<>();

  /**
   * @param required an explicitly chosen kind: a failure is the start's error, not a fallback
   */
  ImageMount(RootKind kind, boolean required, Path rootfsDir, Path instancesDir) {
    this.kind = kind;
    this.required = required;
    this.rootfsDir = rootfsDir;
    this.instancesDir = instancesDir;
  }

  /**
   * The root instance {@code id} runs from, for the verified tree {@code tree} ({@code
   * <hex>/root}): the image's mount, mounting it if needed; the tree itself for {@link
   * RootKind#TREE}, or where this image cannot be mounted and the kind was not required.
   */
  Path acquire(Path tree, String id) {
    if (kind == RootKind.TREE) return tree;
    Path target = tree.toAbsolutePath().normalize().getParent();
    if (target == null) return tree;
    synchronized (lock(target)) {
      try {
        Path mnt = mount(target);
        holders.put(id, target);
        return mnt;
      } catch (IOException | RuntimeDriverException e) {
        String why = kind.option + " image of " + target.getFileName() + ": " + e.getMessage();
        if (required) throw new RuntimeDriverException("cannot mount the " + why, e);
        LOG.warning("cannot mount the " + why + "; running from the directory tree instead");
        return tree;
      }
    }
  }

  /**
   * Instance {@code id}, which ran from {@code root}, no longer needs it: unmounts the image if no
   * other instance (of this driver, or running from an earlier one) does.
   */
  void release(String id, @Nullable Path root) {
    Path target = holders.remove(id);
    if (target == null && root != null && RootKind.ofRoot(root.toString()) != RootKind.TREE) {
      target = root.toAbsolutePath().normalize().getParent();
    }
    if (target == null) return;
    synchronized (lock(target)) {
      if (holders.containsValue(target)) return;
      unmountUnused(target);
    }
  }

  /**
   * The image behind the mount {@code root} drifted (its file was written to): the next instance
   * re-hashes it before using the mount, which rebuilds it from the tree. No-op for a tree root.
   */
  void distrust(Path root) {
    if (RootKind.ofRoot(root.toString()) == RootKind.TREE) return;
    Path target = root.toAbsolutePath().normalize().getParent();
    if (target != null) verified.remove(target);
  }

  /** Unmounts every image under the rootfs directory that no running instance uses. */
  @Override
  public void close() {
    if (!Files.isDirectory(rootfsDir)) return;
    try (DirectoryStream<Path> targets = Files.newDirectoryStream(rootfsDir)) {
      for (Path listed : targets) {
        Path target = listed.toAbsolutePath().normalize();
        synchronized (lock(target)) {
          if (!holders.containsValue(target)) unmountUnused(target);
        }
      }
    } catch (IOException e) {
      LOG.warning("cannot list " + rootfsDir + " to unmount unused images: " + e);
    }
  }

  private void unmountUnused(Path target) {
    for (RootKind k : RootKind.IMAGES) {
      Path mnt = target.resolve(k.mountDir);
      try {
        if (!isMounted(mnt) || inUse(mnt)) continue;
        run(List.of("umount", mnt.toString())); // a loop device set up by mount is freed with it
        verified.remove(target); // mounted again later: the file is re-hashed first
      } catch (IOException | RuntimeDriverException e) {
        LOG.warning("cannot unmount " + mnt + ": " + e.getMessage());
      }
    }
  }

  /**
   * Unmounts every image mount under {@code target} on the host, used or not: instances running
   * from one keep it in their own mount namespace. For a tree about to be moved aside.
   */
  static void unmountAll(Path target) {
    for (RootKind k : RootKind.IMAGES) {
      Path mnt = target.resolve(k.mountDir);
      try {
        if (isMounted(mnt)) run(List.of("umount", mnt.toString()));
      } catch (IOException | RuntimeDriverException e) {
        LOG.warning("cannot unmount " + mnt + ": " + e.getMessage());
      }
    }
  }

  /** Whether a running instance's record names {@code mnt} as its root (unreadable: assume so). */
  private boolean inUse(Path mnt) {
    if (!Files.isDirectory(instancesDir)) return false;
    String wanted = mnt.toAbsolutePath().toString();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(instancesDir)) {
      for (Path dir : dirs) {
        Path file = dir.resolve("instance.json");
        if (!Files.isRegularFile(file)) continue;
        try {
          InstanceRecord r = InstanceRecord.read(file);
          if (Path.of(r.rootfs()).toAbsolutePath().toString().equals(wanted)
              && ProcStat.alive(r.pid(), r.pidStart())) return true;
        } catch (IOException | RuntimeException e) {
          return true; // being written: rather keep the mount than pull it from under a start
        }
      }
    } catch (IOException e) {
      return true;
    }
    return false;
  }

  private Object lock(Path target) {
    return locks.computeIfAbsent(target, t -> new Object()); // always absolute and normalized
  }

  private Path mount(Path target) throws IOException {
    Path image = target.resolve(kind.imageFile);
    Path record = target.resolve(kind.imageFile + ".sha256");
    Path mnt = target.resolve(kind.mountDir);
    if (verified.contains(target) && isMounted(mnt)) return mnt;
    if (!Files.isRegularFile(image) || !recorded(record).equals(sha256(image))) {
      if (isMounted(mnt)) run(List.of("umount", mnt.toString()));
      build(kind, target.resolve("root"), image);
      Files.writeString(record, sha256(image) + "\n", StandardCharsets.UTF_8);
    }
    verified.add(target);
    if (!isMounted(mnt)) mount(kind, image, mnt);
    return mnt;
  }

  /**
   * Why this host cannot give instances roots of {@code kind}, empty if it can: the tool is
   * installed, a loop device can be set up and the kernel mounts the filesystem — tried for real on
   * a one-file image in a scratch directory under {@code scratch}, which is removed again.
   */
  static Optional<String> whyNot(RootKind kind, Path scratch) {
    String tool = kind == RootKind.EROFS ? "mkfs.erofs" : "mksquashfs";
    if (HostTools.find(tool).isEmpty()) {
      return Optional.of(
          tool
              + " is not installed (apt-get install "
              + (kind == RootKind.EROFS ? "erofs-utils" : "squashfs-tools")
              + ")");
    }
    if (!Files.exists(Path.of("/dev/loop-control"))) {
      return Optional.of("no loop devices (/dev/loop-control is missing)");
    }
    Path dir = scratch.resolve(".probe-" + kind.option + "-" + System.nanoTime());
    Path mnt = dir.resolve("mnt");
    try {
      Files.createDirectories(dir.resolve("tree"));
      Files.writeString(dir.resolve("tree/probe"), "kiln\n");
      Path image = dir.resolve(kind.imageFile);
      build(kind, dir.resolve("tree"), image);
      mount(kind, image, mnt);
      try {
        if (!Files.readString(mnt.resolve("probe")).equals("kiln\n")) {
          return Optional.of("a probe image did not read back what was written to it");
        }
      } finally {
        run(List.of("umount", mnt.toString()));
      }
      return Optional.empty();
    } catch (IOException | RuntimeDriverException e) {
      String message = String.valueOf(e.getMessage()).strip();
      int eol = message.indexOf('\n');
      return Optional.of(eol < 0 ? message : message.substring(0, eol));
    } finally {
      Trees.deleteQuietly(dir);
    }
  }

  private static void mount(RootKind kind, Path image, Path mnt) throws IOException {
    Files.createDirectories(mnt);
    run(
        List.of(
            "mount",
            "-t",
            kind.option,
            "-o",
            "loop,ro,nodev,nosuid",
            image.toString(),
            mnt.toString()));
  }

  /** Builds {@code image} from {@code tree}: the same tree gives the same bytes. */
  static void build(RootKind kind, Path tree, Path image) throws IOException {
    Path temp = image.resolveSibling(image.getFileName() + ".tmp");
    Files.deleteIfExists(temp);
    // No xattrs (the layers' are not carried into the tree either); uids, gids and modes are the
    // tree's own, which are the layers'; every timestamp fixed at 0.
    run(
        switch (kind) {
          // -T0: every timestamp and the build time 0; -U: a fixed UUID
          case EROFS ->
              List.of(
                  "mkfs.erofs",
                  "--quiet",
                  "-T0",
                  "-U" + UUID,
                  "-x-1",
                  temp.toString(),
                  tree.toString());
          // -reproducible: the same order whatever the threads; -noappend: never added to
          case SQUASHFS ->
              List.of(
                  "mksquashfs",
                  tree.toString(),
                  temp.toString(),
                  "-reproducible",
                  "-mkfs-time",
                  "0",
                  "-all-time",
                  "0",
                  "-noappend",
                  "-no-xattrs",
                  "-quiet",
                  "-no-progress");
          case TREE -> throw new IllegalArgumentException("a tree is not built as an image");
        });
    Files.move(temp, image, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String recorded(Path record) {
    try {
      return Files.readString(record).trim();
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

  static boolean isMounted(Path mnt) throws IOException {
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
        throw new RuntimeDriverException(argv.getFirst() + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeDriverException("interrupted while running " + argv.getFirst());
    }
  }
}
