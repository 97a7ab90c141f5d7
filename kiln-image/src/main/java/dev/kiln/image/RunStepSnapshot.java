package dev.kiln.image;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The state of a root folder by stat: what a {@code run} step's layer is computed from. Taken
 * before and after the step; {@link #diff} turns the difference into layer entries.
 *
 * <p>Why stat and not hashes: every write, chmod, chown, rename or link count change moves a file's
 * ctime, which the sandboxed process cannot set back, so (inode, size, mtime, ctime) unchanged
 * means the file is unchanged; hashing every file of a Debian root before each step would cost
 * seconds.
 */
final class RunStepSnapshot {
  enum Kind {
    DIR,
    FILE,
    SYMLINK
  }

  record Node(
      Kind kind,
      int mode,
      int uid,
      int gid,
      long size,
      long mtime,
      long ctime,
      long inode,
      int nlink,
      String link) {}

  private final Path root;
  private final TreeMap<String, Node> nodes;
  private final List<String> special;

  private RunStepSnapshot(Path root, TreeMap<String, Node> nodes, List<String> special) {
    this.root = root;
    this.nodes = nodes;
    this.special = List.copyOf(special);
  }

  static RunStepSnapshot empty(Path root) {
    return new RunStepSnapshot(root, new TreeMap<>(), List.of());
  }

  /** Device nodes, fifos and sockets found: layers do not carry them ({@link SpecialFiles}). */
  List<String> special() {
    return special;
  }

  Map<String, Node> nodes() {
    return Collections.unmodifiableMap(nodes);
  }

  /**
   * Stats every entry below {@code root} (image paths like {@code /etc/passwd}), skipping the paths
   * {@code excluded} says and everything below them. Sockets, fifos and devices are skipped: layers
   * do not carry them.
   */
  static RunStepSnapshot take(Path root, Predicate<String> excluded) {
    TreeMap<String, Node> nodes = new TreeMap<>();
    List<String> special = new ArrayList<>();
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              if (dir.equals(root)) return FileVisitResult.CONTINUE;
              String p = imagePath(root, dir);
              if (excluded.test(p)) return FileVisitResult.SKIP_SUBTREE;
              nodes.put(p, stat(dir, Kind.DIR));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              String p = imagePath(root, file);
              if (excluded.test(p)) return FileVisitResult.CONTINUE;
              if (attrs.isSymbolicLink()) nodes.put(p, stat(file, Kind.SYMLINK));
              else if (attrs.isRegularFile()) nodes.put(p, stat(file, Kind.FILE));
              else if (attrs.isOther()) special.add(p);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new ImageException("cannot read the build root " + root + ": " + e.getMessage(), e);
    }
    return new RunStepSnapshot(root, nodes, special);
  }

  static String imagePath(Path root, Path file) {
    return "/" + root.relativize(file).toString();
  }

  private static Node stat(Path file, Kind kind) throws IOException {
    Map<String, Object> a =
        Files.readAttributes(
            file,
            "unix:mode,uid,gid,size,lastModifiedTime,ctime,ino,nlink",
            LinkOption.NOFOLLOW_LINKS);
    String link = kind == Kind.SYMLINK ? Files.readSymbolicLink(file).toString() : "";
    return new Node(
        kind,
        UnixAttributes.integer(a, "mode") & 07777,
        UnixAttributes.integer(a, "uid"),
        UnixAttributes.integer(a, "gid"),
        kind == Kind.FILE ? UnixAttributes.number(a, "size") : 0,
        UnixAttributes.nanos(a, "lastModifiedTime"),
        UnixAttributes.nanos(a, "ctime"),
        UnixAttributes.number(a, "ino"),
        UnixAttributes.integer(a, "nlink"),
        link);
  }

  /** Paths in {@code after} that are new or changed since this snapshot. */
  List<String> changedIn(RunStepSnapshot after) {
    List<String> out = new ArrayList<>();
    after.nodes.forEach(
        (p, a) -> {
          Node b = nodes.get(p);
          if (b == null || changed(b, a)) out.add(p);
        });
    return out;
  }

  private static boolean changed(Node b, Node a) {
    if (b.kind != a.kind || b.mode != a.mode || b.uid != a.uid || b.gid != a.gid) return true;
    return switch (a.kind) {
      case DIR -> false; // its entries are compared one by one
      case SYMLINK -> !b.link.equals(a.link);
      case FILE ->
          b.size != a.size || b.mtime != a.mtime || b.ctime != a.ctime || b.inode != a.inode;
    };
  }

  /**
   * The layer that turns this state into {@code after}: new and changed entries (with their real
   * parents, so a folder's mode and owner are never replaced by a default), and a whiteout for the
   * topmost of each deleted path. Files sharing an inode become hard links to the first of them.
   */
  List<LayerEntry> diff(RunStepSnapshot after) {
    List<LayerEntry> out = new ArrayList<>();
    java.util.TreeSet<String> emit = new java.util.TreeSet<>(changedIn(after));
    for (String p : List.copyOf(emit)) {
      for (String parent = parent(p); !parent.equals("/"); parent = parent(parent)) {
        if (!emit.add(parent)) break;
      }
    }
    Map<Long, String> firstByInode = new HashMap<>();
    for (String p : emit) {
      Node n = after.nodes.get(p);
      if (n == null) continue;
      Path file = after.root.resolve(p.substring(1));
      switch (n.kind) {
        case DIR -> out.add(new LayerEntry.Directory(p, n.mode, n.uid, n.gid));
        case SYMLINK -> out.add(new LayerEntry.Symlink(p, n.link, n.uid, n.gid));
        case FILE -> {
          String first = n.nlink > 1 ? firstByInode.putIfAbsent(n.inode, p) : null;
          if (first != null) out.add(new LayerEntry.Hardlink(p, first));
          else out.add(new LayerEntry.File(p, file, n.mode, n.uid, n.gid));
        }
      }
    }
    for (String p : nodes.keySet()) {
      if (after.nodes.containsKey(p)) continue;
      String parent = parent(p);
      if (parent.equals("/")) {
        out.add(new LayerEntry.Whiteout(p));
        continue;
      }
      Node parentAfter = after.nodes.get(parent);
      Node parentBefore = nodes.get(parent);
      // Below a deleted folder the folder's whiteout hides it; below a folder turned into something
      // else the new entry replaces the whole subtree.
      if (parentAfter != null
          && parentAfter.kind == Kind.DIR
          && parentBefore != null
          && parentBefore.kind == Kind.DIR) {
        out.add(new LayerEntry.Whiteout(p));
      }
    }
    return out;
  }

  static String parent(String p) {
    int slash = p.lastIndexOf('/');
    return slash <= 0 ? "/" : p.substring(0, slash);
  }
}
