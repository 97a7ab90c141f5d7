package dev.kiln.image;

import dev.kiln.model.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers copy sources' content digests by (path, size, mtime, ctime, inode), so that a rebake of
 * an unchanged 1 GiB tree stats it instead of hashing it. Any write, rename or chmod moves ctime,
 * which user space cannot set back, so a matching stat means the same content. The memo is a plain
 * text file rewritten atomically; a lost or damaged memo only costs hashing time.
 */
final class LayerCacheHashes implements CopyStep.FileHasher {
  private record Stat(long size, long mtime, long ctime, long inode) {}

  private record Known(Stat stat, Digest digest) {}

  private final Path file;
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<String, Known> used = new ConcurrentHashMap<>();

  private LayerCacheHashes(Path file) {
    this.file = file;
  }

  static LayerCacheHashes load(Path file) {
    LayerCacheHashes h = new LayerCacheHashes(file);
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f = line.split("\t");
        if (f.length != 6 || !Digest.isDigest(f[5])) continue;
        h.known.put(
            f[0],
            new Known(
                new Stat(
                    Long.parseLong(f[1]),
                    Long.parseLong(f[2]),
                    Long.parseLong(f[3]),
                    Long.parseLong(f[4])),
                Digest.parse(f[5])));
      }
    } catch (NoSuchFileException e) {
      // First bake: nothing known yet.
    } catch (IOException | RuntimeException e) {
      h.known.clear(); // damaged: start over
    }
    return h;
  }

  @Override
  public boolean knows(Path path) {
    Known k = known.get(path.toAbsolutePath().toString());
    return k != null && k.stat.equals(stat(path));
  }

  @Override
  public Digest hash(Path path) {
    String key = path.toAbsolutePath().toString();
    if (key.contains("\t") || key.contains("\n")) return CopyStep.FileHasher.sha256(path);
    Stat stat = stat(path);
    Known k = known.get(key);
    Digest d = k != null && k.stat.equals(stat) ? k.digest : CopyStep.FileHasher.sha256(path);
    // Stat again: a file written while it was hashed must not be remembered with the new stat.
    if (stat.equals(stat(path))) used.put(key, new Known(stat, d));
    return d;
  }

  private static Stat stat(Path path) {
    try {
      Map<String, Object> a =
          Files.readAttributes(
              path, "unix:size,lastModifiedTime,ctime,ino", LinkOption.NOFOLLOW_LINKS);
      return new Stat(
          UnixAttributes.number(a, "size"),
          UnixAttributes.nanos(a, "lastModifiedTime"),
          UnixAttributes.nanos(a, "ctime"),
          UnixAttributes.number(a, "ino"));
    } catch (IOException e) {
      throw new ImageException("cannot stat " + path + ": " + e.getMessage(), e);
    }
  }

  /** Writes what this bake hashed, plus what earlier bakes knew of files that still exist. */
  void save() {
    if (used.isEmpty()) return;
    Map<String, Known> all = new java.util.TreeMap<>();
    known.forEach(
        (k, v) -> {
          if (Files.exists(Path.of(k), LinkOption.NOFOLLOW_LINKS)) all.put(k, v);
        });
    all.putAll(used);
    List<String> lines = new ArrayList<>();
    all.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              Stat s = e.getValue().stat;
              lines.add(
                  String.join(
                      "\t",
                      e.getKey(),
                      "" + s.size,
                      "" + s.mtime,
                      "" + s.ctime,
                      "" + s.inode,
                      e.getValue().digest.toString()));
            });
    try {
      Files.createDirectories(file.getParent());
      Path temp = Files.createTempFile(file.getParent(), "hashes", ".tmp");
      try {
        Files.write(temp, lines, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      // Only a speed-up: a bake does not fail because its memo could not be written.
    }
  }
}
