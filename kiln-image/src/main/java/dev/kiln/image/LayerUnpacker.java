package dev.kiln.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Applies image layers, in order, onto a directory: what a container runtime does before it starts
 * an image, and what the baker does before a {@code run} step.
 *
 * <p>Layers are untrusted input. Every entry name is checked lexically ({@code ..} and absolute
 * names are refused), and every parent is walked with {@code lstat}, never following a symlink that
 * is already in the target, so no entry can land outside it — not even through a symlink an earlier
 * entry or layer planted. Hard links must point at a regular file inside the target. The total size
 * of file contents is capped, so a tar bomb fails early instead of filling the disk. A refused
 * layer leaves the target half-written: unpack into a fresh temp directory and discard it on error.
 */
public final class LayerUnpacker {
  private static final int BUFFER = 1 << 20;
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  private final long maxTotalBytes;
  private final boolean root = LayerPaths.runningAsRoot();

  public LayerUnpacker(long maxTotalBytes) {
    if (maxTotalBytes <= 0) throw new IllegalArgumentException("maxTotalBytes must be positive");
    this.maxTotalBytes = maxTotalBytes;
  }

  /** Applies {@code layers} onto {@code target} (created if missing). */
  public void unpack(ImageStore store, List<Descriptor> layers, Path target) {
    Path base;
    try {
      Files.createDirectories(target);
      base = target.toRealPath();
    } catch (IOException e) {
      throw new ImageException("cannot create unpack target " + target + ": " + e.getMessage(), e);
    }
    Run run = new Run(base, root);
    for (Descriptor layer : layers) {
      try (InputStream raw = store.open(layer.digest())) {
        unpackLayer(run, layer, raw);
      } catch (IOException e) {
        throw new ImageException("cannot read layer " + layer.digest() + ": " + e.getMessage(), e);
      }
    }
    run.applyDirectoryModes();
  }

  private void unpackLayer(Run run, Descriptor layer, InputStream raw) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER);
    String entryName = "(none)";
    try {
      InputStream content = LayerPaths.decompressed(buffered);
      TarArchiveInputStream tar = new TarArchiveInputStream(content);
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        entryName = e.getName();
        apply(run, tar, e);
      }
      // Read to the very end so the verifying stream checks the whole blob's digest.
      content.transferTo(OutputStream.nullOutputStream());
      buffered.transferTo(OutputStream.nullOutputStream());
    } catch (RefusedEntry refused) {
      throw new ImageException(
          "layer "
              + layer.digest()
              + ": entry '"
              + entryName
              + "' refused: "
              + refused.getMessage());
    } catch (IOException | RuntimeException e) {
      // A corrupt blob usually breaks the gzip or tar parser first; name the real cause if so.
      if (!(e instanceof ImageException)) drainQuietly(buffered);
      if (e instanceof ImageException ie) throw ie;
      throw new ImageException(
          "layer "
              + layer.digest()
              + ": cannot unpack entry '"
              + entryName
              + "': "
              + e.getMessage(),
          e);
    }
  }

  private static void drainQuietly(InputStream in) {
    try {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException ignored) {
      // The original error stands.
    }
  }

  private void apply(Run run, TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
    List<String> parts = LayerPaths.split(e.getName());
    if (parts.isEmpty()) return; // "./" itself: the target root keeps its own mode
    String last = parts.get(parts.size() - 1);
    List<String> parentParts = parts.subList(0, parts.size() - 1);
    if (last.startsWith(WHITEOUT)) {
      Path parent = run.parent(parentParts, false);
      if (parent == null) return; // whiting out below a folder that does not exist: nothing to do
      if (last.equals(OPAQUE)) {
        try (var children = Files.list(parent)) {
          for (Path c : children.toList()) deleteTree(c);
        }
      } else {
        String hidden = last.substring(WHITEOUT.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
          throw new RefusedEntry("bad whiteout name");
        }
        deleteTree(parent.resolve(hidden));
      }
      return;
    }
    if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO())
      return; // not in rootless sandboxes
    Path parent = run.parent(parentParts, true);
    Path path = parent.resolve(last);
    if (e.isDirectory()) {
      BasicFileAttributes a = LayerPaths.lstat(path).orElse(null);
      if (a == null || !a.isDirectory() || a.isSymbolicLink()) {
        if (a != null) deleteTree(path);
        Files.createDirectory(path);
      }
      owner(path, e);
      run.directoryModes.add(new DirMode(path, e.getMode() & 07777));
    } else if (e.isSymbolicLink()) {
      deleteTree(path);
      Files.createSymbolicLink(path, Path.of(e.getLinkName()));
      owner(path, e);
    } else if (e.isLink()) {
      List<String> linkParts = LayerPaths.split(e.getLinkName());
      if (linkParts.isEmpty()) throw new RefusedEntry("hard link to the root");
      Path linkParent = run.parent(linkParts.subList(0, linkParts.size() - 1), false);
      Path source =
          linkParent == null ? null : linkParent.resolve(linkParts.get(linkParts.size() - 1));
      BasicFileAttributes a = source == null ? null : LayerPaths.lstat(source).orElse(null);
      if (a == null || !a.isRegularFile()) {
        throw new RefusedEntry(
            "hard link target '" + e.getLinkName() + "' is not a regular file in the image");
      }
      if (source.equals(path)) return;
      deleteTree(path);
      Files.createLink(path, source);
    } else if (e.isFile()) {
      long size = e.getRealSize();
      if (size > maxTotalBytes - run.totalBytes) {
        throw new RefusedEntry(
            "its "
                + size
                + " bytes would take the image past the unpack limit of "
                + maxTotalBytes
                + " bytes (a tar bomb, or raise the limit)");
      }
      deleteTree(path);
      try (OutputStream out =
          Files.newOutputStream(
              path,
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE,
              LinkOption.NOFOLLOW_LINKS)) {
        run.totalBytes += copy(tar, out, run);
      }
      owner(path, e);
      Files.setAttribute(path, "unix:mode", e.getMode() & 07777);
    }
    // Other types (GNU volume headers, contiguous files) carry nothing a root filesystem needs.
  }

  private long copy(InputStream in, OutputStream out, Run run) throws IOException {
    byte[] buf = run.buffer;
    long n = 0;
    for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
      n += r;
      if (n > maxTotalBytes - run.totalBytes) {
        throw new RefusedEntry(
            "its content exceeds the unpack limit of " + maxTotalBytes + " bytes");
      }
      out.write(buf, 0, r);
    }
    return n;
  }

  private void owner(Path path, TarArchiveEntry e) throws IOException {
    if (!root) return;
    Files.setAttribute(path, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(path, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
  }

  /** Deletes a file, symlink (not its target) or folder tree; no-op if absent. */
  static void deleteTree(Path path) throws IOException {
    Optional<BasicFileAttributes> a = LayerPaths.lstat(path);
    if (a.isEmpty()) return;
    if (a.get().isDirectory() && !a.get().isSymbolicLink()) {
      if (!Files.isWritable(path) || !Files.isExecutable(path)) {
        Files.setAttribute(
            path, "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS); // it is going anyway
      }
      try (var children = Files.list(path)) {
        for (Path c : children.toList()) deleteTree(c);
      }
    }
    try {
      Files.delete(path);
    } catch (NoSuchFileException ignored) {
      // Gone already.
    } catch (DirectoryNotEmptyException e) {
      throw new IOException("cannot replace " + path + ": " + e.getMessage(), e);
    }
  }

  private record DirMode(Path path, int mode) {}

  /** The state of one {@link #unpack} call. */
  private static final class Run {
    final Path base;
    final boolean root;
    final List<DirMode> directoryModes = new ArrayList<>();

    /** Read-only folders from earlier unpacks opened for writing (not root), to close again. */
    final java.util.Map<Path, Integer> reopened = new java.util.LinkedHashMap<>();

    final byte[] buffer = new byte[BUFFER];
    long totalBytes;

    Run(Path base, boolean root) {
      this.base = base;
      this.root = root;
    }

    /**
     * The folder for {@code parts} under the base, each step checked with lstat: a symlink on the
     * way is refused, wherever it points. Missing folders are created when {@code create}, else
     * null is returned.
     */
    Path parent(List<String> parts, boolean create) throws IOException {
      Path p = base;
      for (String part : parts) {
        p = p.resolve(part);
        Optional<BasicFileAttributes> a = LayerPaths.lstat(p);
        if (a.isPresent() && a.get().isSymbolicLink()) {
          throw new RefusedEntry(
              "'" + base.relativize(p) + "' is a symlink; entries may not be written through it");
        }
        if (a.isPresent() && a.get().isDirectory()) {
          if (!root && !reopened.containsKey(p) && !Files.isWritable(p)) {
            // Without root a 0555 folder (/proc, /sys of a Debian base) blocks its own layer's
            // children.
            int mode =
                (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
            reopened.put(p, mode);
            Files.setAttribute(p, "unix:mode", mode | 0700, LinkOption.NOFOLLOW_LINKS);
          }
          continue;
        }
        if (!create) return null;
        if (a.isPresent()) Files.delete(p); // a file replaced by a folder in a later layer
        try {
          Files.createDirectory(p);
        } catch (FileAlreadyExistsException raced) {
          throw new RefusedEntry("'" + base.relativize(p) + "' changed while unpacking");
        }
      }
      return p;
    }

    /** Deepest first, so a read-only folder does not block setting its children. */
    void applyDirectoryModes() {
      // Applied first (they are last in the list), so a mode this unpack's own entries set wins.
      reopened.forEach((path, mode) -> directoryModes.add(new DirMode(path, mode)));
      for (int i = directoryModes.size() - 1; i >= 0; i--) {
        DirMode d = directoryModes.get(i);
        try {
          if (LayerPaths.lstat(d.path()).map(BasicFileAttributes::isDirectory).orElse(false)) {
            Files.setAttribute(d.path(), "unix:mode", d.mode(), LinkOption.NOFOLLOW_LINKS);
          }
        } catch (IOException e) {
          throw new ImageException("cannot set the mode of " + d.path() + ": " + e.getMessage(), e);
        }
      }
    }
  }

  /** An entry that would escape the target or break a limit. */
  static final class RefusedEntry extends IOException {
    RefusedEntry(String message) {
      super(message);
    }
  }
}
