package dev.kiln.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Applies image layers, bottom first, onto a directory: what the baker does before a {@code run}
 * step and before image tests, and what the process driver does before it starts an image. One
 * implementation for both, so what is tested at bake is what runs.
 *
 * <p>Layers are untrusted input:
 *
 * <ul>
 *   <li>Names with {@code ..} or a leading {@code /} are refused ({@link EntryNames}).
 *   <li>Parents are walked with {@code lstat}. A symlink on the way is followed the way the image
 *       itself will see it (an absolute target starts again at the root), as containerd does, and
 *       only when it resolves inside the root; one that leads out (relative {@code ..} past the
 *       root) is refused and named. A symlink in the last component is replaced, never written
 *       through. Hard links must name a regular file inside the root.
 *   <li>Whiteouts and opaque whiteouts follow the OCI image spec: they hide what lower layers put
 *       there; entries the same layer created are kept, whatever the order of the tar.
 *   <li>Sizes are bounded while streaming ({@link UnpackLimits}): per layer, per image, entries,
 *       and the gzip expansion ratio, so a tar bomb is refused long before it fills the disk.
 *   <li>Modes are kept exactly as the layer says, set-uid and set-gid included: the baker strips
 *       those bits when it writes or imports a layer, so the signed image is what runs. Device
 *       nodes and fifos are refused for the same reason: no baked layer has them.
 * </ul>
 *
 * A refused layer leaves the target half-written: unpack into a fresh temp directory and discard it
 * on error.
 */
public final class LayerUnpacker {
  private static final int BUFFER = 1 << 20;
  private static final int MAX_LINKS = 40;
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final boolean ROOT = runningAsRoot();

  private final UnpackLimits limits;

  public LayerUnpacker(UnpackLimits limits) {
    this.limits = limits;
  }

  /** Starts applying layers onto {@code target} (created if missing). */
  public Unpack into(Path target) {
    try {
      Files.createDirectories(target);
      return new Unpack(target.toRealPath());
    } catch (IOException e) {
      throw new OciException("cannot create unpack target " + target + ": " + e.getMessage(), e);
    }
  }

  /** The layers applied onto one target, in order; {@link #finish} sets the folders' modes. */
  public final class Unpack {
    private final Path base;
    private final List<DirMode> directoryModes = new ArrayList<>();

    /** Read-only folders opened for writing (not root), to close again in {@link #finish}. */
    private final Map<Path, Integer> reopened = new LinkedHashMap<>();

    private final byte[] buffer = new byte[BUFFER];
    private long imageBytes;
    private long imageEntries;

    /** The paths the current layer created (for the same-layer whiteout rule). */
    private final Set<Path> createdHere = new HashSet<>();

    private final Set<Path> aboveCreated = new HashSet<>();

    private Unpack(Path base) {
      this.base = base;
    }

    public Path root() {
      return base;
    }

    /**
     * Applies one layer blob, gzip or plain tar (told apart by its magic bytes: docker archives
     * mislabel both ways). The stream is read to its end, so a verifying stream checks the digest.
     *
     * @param layer names the layer in errors (its digest)
     */
    public void layer(String layer, InputStream blob) {
      createdHere.clear();
      aboveCreated.clear();
      LayerStream stream = null;
      String entryName = "(none)";
      try {
        stream = LayerStream.open(blob, limits, limits.maxImageBytes() - imageBytes, layer);
        TarArchiveInputStream tar = new TarArchiveInputStream(stream.tar());
        for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
          entryName = e.getName();
          if (++imageEntries > limits.maxEntries()) {
            throw new EntryRefused(
                "the image has more than "
                    + limits.maxEntries()
                    + " entries (an inode bomb?); the limit is "
                    + UnpackLimits.ENTRIES_ENV);
          }
          apply(tar, e);
        }
        entryName = "(after the last entry)";
        stream.finish();
        imageBytes += stream.uncompressedBytes();
      } catch (EntryRefused refused) {
        throw new OciException(
            "layer " + layer + ": entry '" + entryName + "' refused: " + refused.getMessage());
      } catch (OciException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        // A corrupt blob usually breaks the gzip or tar parser first; the verifying stream names
        // the real cause (a digest mismatch) once the raw bytes are read to their end.
        String cause =
            (stream == null ? Optional.<String>empty() : stream.drainForCause())
                .orElse(e.getMessage());
        throw new OciException(
            "layer " + layer + ": cannot unpack entry '" + entryName + "': " + cause, e);
      }
    }

    /**
     * Sets the folders' modes, deepest first, so a read-only folder does not block its children.
     */
    public void finish() {
      // Applied first (they are last in the list), so a mode an entry set wins.
      reopened.forEach((path, mode) -> directoryModes.add(new DirMode(path, mode)));
      reopened.clear();
      for (int i = directoryModes.size() - 1; i >= 0; i--) {
        DirMode d = directoryModes.get(i);
        try {
          if (Trees.lstat(d.path()).map(BasicFileAttributes::isDirectory).orElse(false)) {
            Files.setAttribute(d.path(), "unix:mode", d.mode(), LinkOption.NOFOLLOW_LINKS);
          }
        } catch (IOException e) {
          throw new OciException("cannot set the mode of " + d.path() + ": " + e.getMessage(), e);
        }
      }
      directoryModes.clear();
    }

    private void apply(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
      List<String> parts = EntryNames.split(e.getName());
      if (parts.isEmpty()) return; // "./" itself: the target root keeps its own mode
      String last = parts.getLast();
      List<String> parentParts = parts.subList(0, parts.size() - 1);
      if (last.startsWith(WHITEOUT)) {
        whiteout(parentParts, last);
        return;
      }
      if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
        throw new EntryRefused(
            "it is a device node or fifo, which no baked layer carries (the baker drops them, and"
                + " instances get a private /dev); rebake the image");
      }
      Path parent = resolve(parentParts, true).orElseThrow();
      Path path = parent.resolve(last);
      if (e.isDirectory()) {
        BasicFileAttributes a = Trees.lstat(path).orElse(null);
        if (a == null || !a.isDirectory()) {
          if (a != null) Trees.delete(path);
          Files.createDirectory(path);
        }
        owner(path, e);
        directoryModes.add(new DirMode(path, e.getMode() & 07777));
      } else if (e.isSymbolicLink()) {
        Trees.delete(path);
        Files.createSymbolicLink(path, Path.of(e.getLinkName()));
        owner(path, e);
      } else if (e.isLink()) {
        List<String> linkParts = EntryNames.split(e.getLinkName());
        if (linkParts.isEmpty()) throw new EntryRefused("hard link to the root");
        Path source =
            resolve(linkParts.subList(0, linkParts.size() - 1), false)
                .map(p -> p.resolve(linkParts.getLast()))
                .orElse(null);
        BasicFileAttributes a = source == null ? null : Trees.lstat(source).orElse(null);
        if (source == null || a == null || !a.isRegularFile()) {
          throw new EntryRefused(
              "hard link target '" + e.getLinkName() + "' is not a regular file in the image");
        }
        if (source.equals(path)) return;
        Trees.delete(path);
        Files.createLink(path, source);
      } else if (e.isFile()) {
        long size = e.getRealSize();
        if (size > limits.maxLayerBytes() || size > limits.maxImageBytes() - imageBytes) {
          throw new EntryRefused(
              "its "
                  + size
                  + " bytes are over the unpack limit ("
                  + UnpackLimits.human(limits.maxLayerBytes())
                  + " per layer, "
                  + UnpackLimits.human(limits.maxImageBytes())
                  + " per image): a tar bomb, or raise "
                  + UnpackLimits.LAYER_ENV
                  + " / "
                  + UnpackLimits.IMAGE_ENV);
        }
        Trees.delete(path);
        try (OutputStream out =
            Files.newOutputStream(
                path,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
          for (int r = tar.read(buffer); r >= 0; r = tar.read(buffer)) out.write(buffer, 0, r);
        }
        owner(path, e);
        Files.setAttribute(path, "unix:mode", e.getMode() & 07777, LinkOption.NOFOLLOW_LINKS);
      } else {
        return; // GNU volume headers, contiguous files: nothing a root filesystem needs
      }
      created(path);
    }

    private void whiteout(List<String> parentParts, String last) throws IOException {
      String hidden = last.substring(WHITEOUT.length());
      if (!last.equals(OPAQUE) && (hidden.isEmpty() || hidden.equals(".") || hidden.equals(".."))) {
        throw new EntryRefused("bad whiteout name");
      }
      Optional<Path> parent = resolve(parentParts, false);
      if (parent.isEmpty()) return; // below a folder that does not exist: nothing to hide
      if (last.equals(OPAQUE)) {
        hideLower(parent.get());
        return;
      }
      Path target = parent.get().resolve(hidden);
      if (createdHere.contains(target) || aboveCreated.contains(target)) {
        hideLower(target); // the same layer made it: only what lower layers left there goes
      } else {
        Trees.delete(target);
      }
    }

    /** Deletes what lower layers put below {@code dir}, keeping what this layer created. */
    private void hideLower(Path dir) throws IOException {
      if (!Trees.lstat(dir).map(BasicFileAttributes::isDirectory).orElse(false)) return;
      List<Path> children;
      try (Stream<Path> list = Files.list(dir)) {
        children = list.toList();
      }
      for (Path c : children) {
        if (createdHere.contains(c) || aboveCreated.contains(c)) hideLower(c);
        else Trees.delete(c);
      }
    }

    private void created(Path path) {
      createdHere.add(path);
      for (Path p = path.getParent(); p != null && !p.equals(base); p = p.getParent()) {
        if (!aboveCreated.add(p)) break;
      }
    }

    /**
     * The host folder for the image folder {@code parts}, each step checked with lstat. Symlinks
     * are followed as the image will see them, refused when they lead out of the root. Missing
     * folders are created when {@code create}, else empty is returned.
     */
    private Optional<Path> resolve(List<String> parts, boolean create) throws IOException {
      List<String> todo = new ArrayList<>(parts);
      List<String> done = new ArrayList<>();
      int links = 0;
      while (!todo.isEmpty()) {
        String part = todo.removeFirst();
        if (part.equals(".")) continue;
        if (part.equals("..")) {
          if (done.isEmpty()) throw new EntryRefused("a symlink on its path leads out of the root");
          done.removeLast();
          continue;
        }
        Path p = join(done).resolve(part);
        Optional<BasicFileAttributes> a = Trees.lstat(p);
        if (a.isPresent() && a.get().isSymbolicLink()) {
          String target = Files.readSymbolicLink(p).toString();
          if (++links > MAX_LINKS) throw new EntryRefused("too many levels of symlinks");
          if (escapes(done, target)) {
            throw new EntryRefused(
                "'"
                    + base.relativize(p)
                    + "' is a symlink to '"
                    + target
                    + "', which leads out of the image root; entries may not be written through it");
          }
          if (target.startsWith("/")) done.clear();
          List<String> linkParts = new ArrayList<>(List.of(target.split("/")));
          linkParts.removeIf(String::isEmpty);
          todo.addAll(0, linkParts);
          continue;
        }
        if (a.isPresent() && a.get().isDirectory()) {
          reopen(p);
          done.add(part);
          continue;
        }
        if (!create) return Optional.empty();
        if (a.isPresent()) Files.delete(p); // a file replaced by a folder in a later layer
        try {
          Files.createDirectory(p);
        } catch (FileAlreadyExistsException raced) {
          throw new EntryRefused("'" + base.relativize(p) + "' changed while unpacking");
        }
        done.add(part);
      }
      return Optional.of(join(done));
    }

    /** Whether following {@code target} from the folder {@code at} climbs above the root. */
    private static boolean escapes(List<String> at, String target) {
      int depth = target.startsWith("/") ? 0 : at.size();
      for (String s : target.split("/")) {
        if (s.isEmpty() || s.equals(".")) continue;
        if (s.equals("..")) {
          if (--depth < 0) return true;
        } else {
          depth++;
        }
      }
      return false;
    }

    private Path join(List<String> parts) {
      Path p = base;
      for (String part : parts) p = p.resolve(part);
      return p;
    }

    /** Without root a 0555 folder (/proc of a Debian base) would block its own layer's children. */
    private void reopen(Path p) throws IOException {
      if (ROOT || reopened.containsKey(p) || Files.isWritable(p)) return;
      int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
      reopened.put(p, mode);
      Files.setAttribute(p, "unix:mode", mode | 0700, LinkOption.NOFOLLOW_LINKS);
    }

    private void owner(Path path, TarArchiveEntry e) throws IOException {
      if (!ROOT) return;
      Files.setAttribute(path, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(path, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
    }
  }

  private record DirMode(Path path, int mode) {}

  static boolean runningAsRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | RuntimeException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
