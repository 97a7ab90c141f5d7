package dev.kiln.runtime.process;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Watches the unpacked roots for host-side changes. A root is indexed (every path's {@link
 * TreeFingerprint#entry}) when it is first watched — right after {@link RootfsCache} verified it
 * against its recorded fingerprint — and every directory in it is registered with inotify (Java's
 * {@link WatchService} on Linux; it is not recursive, so each directory is registered, and
 * directories created later are registered as they appear). Each event re-reads the path and
 * compares it with the index; a difference is a {@link Change}. {@link #verifyAll} is the safety
 * net for what inotify cannot see (an event queue overflow, a change while the driver was down): a
 * full re-read of every watched root, run on a slow period.
 *
 * <p>A root is identified by its path and its directory's inode: when the cache rebuilds a drifted
 * root at the same path, watching it again indexes the new tree and forgets the old changes.
 */
final class RootWatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RootWatcher.class.getName());
  static final String ABSENT = "absent";

  /** A path under a root whose entry differs from the index. */
  record Change(Path root, String path, String expected, String found) {}

  private record Watched(
      @Nullable Object inode,
      Map<String, String> index,
      List<Change> changes,
      @Nullable ImageFile image) {}

  /**
   * A root that is a read-only image's mount: its tree cannot change, so it is not indexed; the
   * image file behind the loop device is watched instead (inotify on its directory: a write, a
   * chmod, a move or removal of the file) against the sha256 recorded when it was built.
   *
   * @param stamp the file's identity, size and ctime when watched: the full re-read hashes the file
   *     again only when it changed
   */
  private record ImageFile(Path file, String expected, String stamp) {}

  private final WatchService service;
  private final Map<Path, Watched> roots = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong recorded =
      new java.util.concurrent.atomic.AtomicLong();
  private final Map<WatchKey, Path[]> keys = new ConcurrentHashMap<>(); // key -> {root, dir}
  private final Thread thread;

  RootWatcher() {
    try {
      this.service = FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot create a file watch service: " + e, e);
    }
    this.thread = Thread.ofPlatform().daemon().name("kiln-root-watcher").start(this::run);
  }

  /** Starts watching {@code root} unless already watching this very tree (or image file). */
  void watch(Path root) {
    RootKind kind = RootKind.ofRoot(root.toString());
    if (kind != RootKind.TREE) {
      watchImage(root, kind);
      return;
    }
    Object inode = inode(root);
    Watched current = roots.get(root);
    if (current != null && Objects.equals(current.inode(), inode)) return;
    synchronized (this) {
      current = roots.get(root);
      if (current != null && Objects.equals(current.inode(), inode)) return;
      cancelKeys(root);
      try {
        Map<String, String> index = new HashMap<>();
        byte[] buffer = new byte[64 * 1024];
        // register before indexing: a change during indexing is then either indexed or evented
        try (Stream<Path> walk = Files.walk(root)) {
          for (Path p : (Iterable<Path>) walk::iterator) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) register(root, p);
          }
        }
        try (Stream<Path> walk = Files.walk(root)) {
          for (Path p : (Iterable<Path>) walk::iterator) {
            index.put(root.relativize(p).toString(), TreeFingerprint.entry(p, buffer));
          }
        }
        roots.put(root, new Watched(inode, Map.copyOf(index), new ArrayList<>(), null));
      } catch (IOException e) {
        LOG.warning("cannot watch root " + root + " for drift: " + e);
      }
    }
  }

  /**
   * Watches the image file behind the mount {@code root} ({@code <hex>/<mount dir>}, the file
   * {@code <hex>/<image file>}): no tree index, no re-read of the mount. Identified by the file's
   * inode: a rebuilt image is watched afresh.
   */
  private void watchImage(Path root, RootKind kind) {
    Path dir = root.toAbsolutePath().normalize().getParent();
    if (dir == null) return;
    Path file = dir.resolve(kind.imageFile);
    Object inode = inode(file);
    Watched current = roots.get(root);
    if (current != null && Objects.equals(current.inode(), inode)) return;
    synchronized (this) {
      current = roots.get(root);
      if (current != null && Objects.equals(current.inode(), inode)) return;
      cancelKeys(root);
      try {
        register(root, dir); // before reading the record: a write meanwhile is then evented
        String expected = recordedHash(file);
        roots.put(
            root,
            new Watched(
                inode, Map.of(), new ArrayList<>(), new ImageFile(file, expected, stamp(file))));
      } catch (IOException e) {
        LOG.warning("cannot watch the image " + file + " for drift: " + e);
      }
    }
  }

  /** The sha256 recorded beside the image when it was built (and verified before mounting). */
  private static String recordedHash(Path file) throws IOException {
    Path record = file.resolveSibling(file.getFileName() + ".sha256");
    return Files.isRegularFile(record) ? Files.readString(record).trim() : ImageMount.sha256(file);
  }

  /** The image file's identity, size and ctime (which no one can set back): changed or not. */
  private static String stamp(Path file) {
    try {
      Map<String, Object> a = Files.readAttributes(file, "unix:ino,dev,size,ctime");
      return a.get("dev") + ":" + a.get("ino") + ":" + a.get("size") + ":" + a.get("ctime");
    } catch (IOException | UnsupportedOperationException e) {
      return ABSENT;
    }
  }

  /**
   * The image file was written, chmod'ed, moved or removed (or may have been): hashed again and, if
   * it differs from its record, a change (once: the root is drifted from then on).
   */
  private void observeImage(Path root, Watched w, ImageFile image) {
    synchronized (w.changes()) {
      if (!w.changes().isEmpty()) return;
    }
    String found;
    try {
      found = ImageMount.sha256(image.file());
    } catch (NoSuchFileException e) {
      found = ABSENT;
    } catch (IOException e) {
      found = "unreadable: " + e.getMessage();
    }
    if (!found.equals(image.expected())) {
      record(root, w, image.file().toString(), image.expected(), found);
    }
  }

  private void cancelKeys(Path root) {
    keys.entrySet()
        .removeIf(
            e -> {
              if (!e.getValue()[0].equals(root)) return false;
              e.getKey().cancel();
              return true;
            });
  }

  /** The changes seen under {@code root} so far, oldest first (a copy). */
  List<Change> changes(Path root) {
    Watched w = roots.get(root);
    if (w == null) return List.of();
    synchronized (w.changes()) {
      return List.copyOf(w.changes());
    }
  }

  /** Re-reads every watched root completely and records what differs from its index. */
  void verifyAll() {
    for (Map.Entry<Path, Watched> e : roots.entrySet()) {
      Path root = e.getKey();
      Watched w = e.getValue();
      ImageFile image = w.image();
      if (image != null) {
        // a read-only mount: nothing in it to re-read; the file behind it, only if it changed
        if (!stamp(image.file()).equals(image.stamp())) observeImage(root, w, image);
        continue;
      }
      Map<String, String> seen = new HashMap<>();
      byte[] buffer = new byte[64 * 1024];
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          String rel = root.relativize(p).toString();
          seen.put(rel, TreeFingerprint.entry(p, buffer));
        }
      } catch (IOException | java.io.UncheckedIOException ex) {
        record(root, w, "", "d", "unreadable: " + ex.getMessage());
        continue;
      }
      seen.forEach(
          (rel, found) -> {
            String expected = w.index().getOrDefault(rel, ABSENT);
            if (!expected.equals(found)) record(root, w, rel, expected, found);
          });
      w.index()
          .forEach(
              (rel, expected) -> {
                if (!seen.containsKey(rel)) record(root, w, rel, expected, ABSENT);
              });
    }
  }

  private void register(Path root, Path dir) throws IOException {
    WatchKey key =
        dir.register(
            service,
            StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_DELETE,
            StandardWatchEventKinds.ENTRY_MODIFY); // on Linux: IN_MODIFY | IN_ATTRIB (chmod too)
    keys.put(key, new Path[] {root, dir});
  }

  private void run() {
    byte[] buffer = new byte[64 * 1024];
    while (true) {
      WatchKey key;
      try {
        key = service.take();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      Path[] where = keys.get(key);
      if (where != null) {
        Watched w = roots.get(where[0]);
        for (WatchEvent<?> event : key.pollEvents()) {
          if (w == null) continue;
          if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            verifyAll();
            continue;
          }
          Path path = where[1].resolve((Path) event.context());
          ImageFile image = w.image();
          if (image != null) {
            // the image's directory: only its file counts (not the record, a .tmp of a rebuild)
            if (path.equals(image.file())) observeImage(where[0], w, image);
            continue;
          }
          observe(where[0], w, path, buffer);
        }
      }
      if (!key.reset()) keys.remove(key);
    }
  }

  private void observe(Path root, Watched w, Path path, byte[] buffer) {
    String rel = root.relativize(path).toString();
    String found;
    try {
      found = TreeFingerprint.entry(path, buffer);
      if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) && !w.index().containsKey(rel)) {
        register(root, path); // a new directory: what is written into it is drift too
      }
    } catch (NoSuchFileException e) {
      found = ABSENT;
    } catch (IOException e) {
      found = "unreadable: " + e.getMessage();
    }
    String expected = w.index().getOrDefault(rel, ABSENT);
    if (!expected.equals(found)) record(root, w, rel, expected, found);
  }

  private void record(Path root, Watched w, String rel, String expected, String found) {
    synchronized (w.changes()) {
      for (Change c : w.changes()) if (c.path().equals(rel) && c.found().equals(found)) return;
      if (w.changes().size() < 100) w.changes().add(new Change(root, rel, expected, found));
    }
    recorded.incrementAndGet();
  }

  /**
   * How many changes were recorded so far, under any root: while it stays the same, every root's
   * {@link #changes} are the same (the drift detector's idle ticks read nothing else).
   */
  long recorded() {
    return recorded.get();
  }

  private static @Nullable Object inode(Path root) {
    try {
      return Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    try {
      service.close();
    } catch (IOException e) {
      // closing: nothing left to watch
    }
    thread.interrupt();
  }
}
