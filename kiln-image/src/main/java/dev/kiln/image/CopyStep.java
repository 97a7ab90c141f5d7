package dev.kiln.image;

import dev.kiln.blueprint.BlueprintFolder;
import dev.kiln.model.Digest;
import dev.kiln.model.Step;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Plans a {@code copy} step: walks its source in the blueprint folder, refuses anything that would
 * bring in content from outside that folder, and yields the layer entries plus the digest of
 * everything that determines them (the layer cache key's part for this step).
 *
 * <p>Semantics (rsync's): {@code src: site/} copies the folder's contents into {@code dest}; {@code
 * src: site} copies the folder itself, as {@code dest/site}; a file source lands at {@code dest}
 * (or {@code dest/<name>} when dest ends with /). Owners are root, folders 0755, files the step's
 * {@code mode} or 0755 when executable, 0644 otherwise. Symlinks are kept when relative and
 * pointing inside the copied tree; a hard-linked file is copied as a regular file, but only if all
 * of its links are inside the copied tree.
 */
final class CopyStep {
  /**
   * The planned layer entries; {@link #inputs} hashes every source file (or asks the memo), so it
   * is computed only when the layer cache needs it.
   */
  record Plan(List<LayerEntry> entries, FileHasher hasher) {
    Digest inputs() {
      return digest(entries, hasher);
    }

    /** Whether {@link #inputs} is cheap: every file's digest is already known. */
    boolean inputsKnown() {
      return entries.stream()
          .allMatch(e -> !(e instanceof LayerEntry.File f) || hasher.knows(f.source()));
    }
  }

  private CopyStep() {}

  /**
   * @param folder the blueprint folder; nothing outside it is ever read
   * @param where for messages: "kiln.yaml:7:9: image hello"
   */
  static Plan plan(Path folder, Step.Copy step, String where, FileHasher hasher) {
    // The rules validate applies too: one place decides what a copy may read.
    String src = step.src();
    Path real =
        switch (BlueprintFolder.source(folder, src)) {
          case BlueprintFolder.Source.Found found -> found.real();
          case BlueprintFolder.Source.Refused refused ->
              throw new BakerException(where + ": " + refused.message());
        };
    String dest = normalizeDest(step.dest(), where);
    boolean contents = src.endsWith("/") || src.equals(".");
    List<LayerEntry> entries = new ArrayList<>();
    if (Files.isDirectory(real)) {
      String base = contents ? dest : join(dest, real.getFileName().toString());
      walk(real, base, step, where, entries, hasher);
    } else if (Files.isRegularFile(real)) {
      if (contents) {
        throw new BakerException(where + ": copy source " + src + " is a file, not a folder");
      }
      String target = step.dest().endsWith("/") ? join(dest, real.getFileName().toString()) : dest;
      entries.add(new LayerEntry.File(target, real, fileMode(real, step), 0, 0));
    } else {
      throw new BakerException(where + ": copy source " + src + " is not a file or a folder");
    }
    return new Plan(entries, hasher);
  }

  private static void walk(
      Path top,
      String base,
      Step.Copy step,
      String where,
      List<LayerEntry> out,
      FileHasher hasher) {
    try {
      Files.walkFileTree(
          top,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              String p = dir.equals(top) ? base : join(base, top.relativize(dir).toString());
              if (!p.equals("/")) out.add(new LayerEntry.Directory(p, 0755, 0, 0));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              String rel = top.relativize(file).toString();
              String p = join(base, rel);
              if (attrs.isSymbolicLink()) {
                // Where it points was checked by BlueprintFolder.source.
                String target = Files.readSymbolicLink(file).toString();
                out.add(new LayerEntry.Symlink(p, target, 0, 0));
              } else if (attrs.isRegularFile()) {
                out.add(new LayerEntry.File(p, file, fileMode(file, step), 0, 0));
              } else {
                throw new BakerException(
                    where
                        + ": copy source "
                        + step.src()
                        + ": "
                        + rel
                        + " is not a file, folder or symlink (a socket, fifo or device?)");
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new BakerException(where + ": cannot read copy source " + step.src() + ": " + e);
    }
  }

  private static int fileMode(Path file, Step.Copy step) throws BakerException {
    if (step.mode().isPresent()) return step.mode().get() & 07777;
    return Files.isExecutable(file) ? 0755 : 0644;
  }

  static String normalizeDest(String dest, String where) {
    BlueprintFolder.destProblem(dest)
        .ifPresent(
            problem -> {
              throw new BakerException(where + ": " + problem);
            });
    return Path.of(dest).normalize().toString();
  }

  private static String join(String base, String rel) {
    if (rel.isEmpty()) return base;
    return base.equals("/") ? "/" + rel : base + "/" + rel;
  }

  /**
   * sha256 over (kind, path, mode, content digest or link target) of every entry, sorted by path.
   */
  private static Digest digest(List<LayerEntry> entries, FileHasher hasher) {
    // Hash the files on all cores first: on a cold bake this is half of the copy step's time.
    Map<Path, Digest> hashes =
        entries.parallelStream()
            .filter(e -> e instanceof LayerEntry.File)
            .map(e -> ((LayerEntry.File) e).source())
            .distinct()
            .collect(java.util.stream.Collectors.toConcurrentMap(p -> p, hasher::hash));
    MessageDigest sha = Digest.newSha256();
    List<LayerEntry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(LayerEntry::path));
    for (LayerEntry e : sorted) {
      String line =
          switch (e) {
            case LayerEntry.Directory d -> "d " + d.path() + " " + Integer.toOctalString(d.mode());
            case LayerEntry.File f ->
                "f "
                    + f.path()
                    + " "
                    + Integer.toOctalString(f.mode())
                    + " "
                    + hashes.get(f.source());
            case LayerEntry.Symlink s -> "l " + s.path() + " " + s.target();
            default -> throw new IllegalStateException("copy makes no " + e);
          };
      sha.update(line.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
    }
    return Digest.ofHash(sha);
  }

  /** Hashes a file's content; {@link LayerCache} remembers results by stat. */
  interface FileHasher {
    Digest hash(Path file);

    /** Whether {@link #hash} would answer without reading the file. */
    default boolean knows(Path file) {
      return false;
    }

    static Digest sha256(Path file) {
      MessageDigest sha = Digest.newSha256();
      byte[] buf = new byte[1 << 17];
      try (InputStream in = Files.newInputStream(file)) {
        for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
      } catch (IOException e) {
        throw new ImageException("cannot read " + file + ": " + e.getMessage(), e);
      }
      return Digest.ofHash(sha);
    }
  }
}
