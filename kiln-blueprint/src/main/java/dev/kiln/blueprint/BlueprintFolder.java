package dev.kiln.blueprint;

import dev.kiln.model.Base;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a blueprint may take from its folder, as one set of rules for {@code kiln validate} and for
 * the baker: {@link BlueprintParser#parse(Path)} reports a breach as a located problem, and the
 * baker applies the same rules again right before it reads (the folder may have changed since), so
 * the two cannot disagree on what is refused.
 *
 * <p>The rules: a copy source is a relative path that, through every symlink, stays inside the
 * blueprint folder and exists; a folder source holds only files, folders and relative symlinks
 * pointing inside it, and no file hard-linked from outside it; a copy dest is absolute and has no
 * {@code ..} (which would leave the image root); an {@code oci:} base is a folder and a {@code
 * docker-archive:} base a file.
 */
public final class BlueprintFolder {
  /** A copy source as the baker will read it, or why it may not. */
  public sealed interface Source permits Source.Found, Source.Refused {
    /**
     * @param real the source with every symlink resolved
     * @param folder the blueprint folder with every symlink resolved
     */
    record Found(Path real, Path folder) implements Source {}

    /** {@code message} starts with "copy source &lt;src&gt;" and says what to do. */
    record Refused(String message) implements Source {}
  }

  private BlueprintFolder() {}

  /**
   * Why {@code dest} (already known to be absolute) may not be a copy destination, if it may not.
   */
  public static Optional<String> destProblem(String dest) {
    if (!dest.startsWith("/")) {
      return Optional.of("copy dest " + dest + " must be an absolute path in the image");
    }
    if (("/" + dest + "/").contains("/../")) {
      return Optional.of(
          "copy dest " + dest + " may not contain .. (it would leave the image root)");
    }
    return Optional.empty();
  }

  /** Resolves and checks a copy source; folder sources are walked, nothing is read. */
  public static Source source(Path folder, String src) {
    Path realFolder;
    try {
      realFolder = folder.toRealPath();
    } catch (IOException e) {
      return new Source.Refused(
          "copy source " + src + ": blueprint folder " + folder + " is not readable: " + e);
    }
    Path lexical = realFolder.resolve(src).normalize();
    if (Path.of(src).isAbsolute() || !lexical.startsWith(realFolder)) {
      return new Source.Refused(
          "copy source "
              + src
              + " is outside the blueprint folder "
              + realFolder
              + "; sources must be relative paths inside it");
    }
    Path real;
    try {
      real = lexical.toRealPath();
    } catch (NoSuchFileException e) {
      return new Source.Refused("copy source " + src + " not found under " + realFolder);
    } catch (IOException e) {
      return new Source.Refused("cannot read copy source " + src + ": " + e.getMessage());
    }
    if (!real.startsWith(realFolder)) {
      return new Source.Refused(
          "copy source "
              + src
              + " resolves to "
              + real
              + ", outside the blueprint folder "
              + realFolder
              + " (through a symlink)");
    }
    Optional<String> problem;
    try {
      problem = contentProblem(real, src);
    } catch (IOException e) {
      problem = Optional.of("cannot read copy source " + src + ": " + e);
    }
    return problem.<Source>map(Source.Refused::new).orElse(new Source.Found(real, realFolder));
  }

  private static Optional<String> contentProblem(Path real, String src) throws IOException {
    boolean contents = src.endsWith("/") || src.equals(".");
    if (Files.isDirectory(real)) return treeProblem(real, src);
    if (!Files.isRegularFile(real)) {
      return Optional.of("copy source " + src + " is not a file or a folder");
    }
    if (contents) return Optional.of("copy source " + src + " is a file, not a folder");
    return linkProblem(Map.of(inode(real), new int[] {1, nlink(real)}), real, src);
  }

  /** Why the base cannot be imported from the path it names, if it cannot. */
  public static Optional<String> baseProblem(Base base) {
    return switch (base) {
      case Base.OciLayout o ->
          Files.isDirectory(o.dir())
              ? Optional.empty()
              : Optional.of("base oci:" + o.dir() + " is not a folder");
      case Base.DockerArchive a ->
          Files.isRegularFile(a.tar())
              ? Optional.empty()
              : Optional.of("base docker-archive:" + a.tar() + " is not a file");
      default -> Optional.empty();
    };
  }

  /** Symlinks leaving the copied folder, special files, files hard-linked from outside it. */
  private static Optional<String> treeProblem(Path top, String src) throws IOException {
    Map<Long, int[]> links = new HashMap<>();
    String[] found = {null};
    Files.walkFileTree(
        top,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            String rel = top.relativize(file).toString();
            if (attrs.isSymbolicLink()) {
              String target = Files.readSymbolicLink(file).toString();
              // resolveSibling: a link is read relative to its own directory (and needs no null
              // parent).
              Path resolved = file.resolveSibling(target).normalize();
              if (Path.of(target).isAbsolute() || !resolved.startsWith(top)) {
                found[0] =
                    "copy source "
                        + src
                        + ": symlink "
                        + rel
                        + " -> "
                        + target
                        + " points outside the copied folder; only relative links inside it are"
                        + " copied (replace it with the file, or copy its target separately)";
                return FileVisitResult.TERMINATE;
              }
            } else if (attrs.isRegularFile()) {
              int n = nlink(file);
              if (n > 1) links.computeIfAbsent(inode(file), k -> new int[] {0, n})[0]++;
            } else if (!attrs.isDirectory()) {
              found[0] =
                  "copy source "
                      + src
                      + ": "
                      + rel
                      + " is not a file, folder or symlink (a socket, fifo or device?)";
              return FileVisitResult.TERMINATE;
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return found[0] != null ? Optional.of(found[0]) : linkProblem(links, top, src);
  }

  /** A hard link whose other names are not all in the copied tree may be a way out of it. */
  private static Optional<String> linkProblem(Map<Long, int[]> links, Path top, String src) {
    for (int[] seenAndTotal : links.values()) {
      if (seenAndTotal[0] < seenAndTotal[1]) {
        return Optional.of(
            "copy source "
                + src
                + " contains a hard link to a file outside it ("
                + seenAndTotal[1]
                + " links, "
                + seenAndTotal[0]
                + " under "
                + top
                + "); copy the file instead of linking it");
      }
    }
    return Optional.empty();
  }

  private static long inode(Path file) throws IOException {
    return (Long) Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
  }

  private static int nlink(Path file) throws IOException {
    return (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
  }
}
