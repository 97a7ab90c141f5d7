package dev.kiln.runtime.process;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Applies OCI tar layers, bottom first, to a directory, with {@code .wh.} whiteouts. Hostile layers
 * are refused rather than cleaned up: an entry named with {@code ..} or an absolute path, or a hard
 * link pointing outside, is an error. Parent directories are resolved inside the root ({@link
 * RootPath}), so a symlink planted by one entry cannot redirect a later write to the host.
 *
 * <p>Set-uid/set-gid bits, owners and device nodes are not carried over: instances run without new
 * privileges and with a private {@code /dev}.
 */
final class LayerUnpacker {
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  private final Path root;

  LayerUnpacker(Path root) {
    this.root = root;
  }

  /** Applies one uncompressed tar stream; {@code layer} names it in errors. */
  void apply(InputStream tarStream, String layer) throws IOException {
    Set<Path> createdHere = new HashSet<>();
    TarArchiveInputStream tar = new TarArchiveInputStream(tarStream);
    TarArchiveEntry entry;
    while ((entry = tar.getNextEntry()) != null) {
      String name = normalize(entry.getName(), layer);
      if (name.isEmpty()) continue;
      int slash = name.lastIndexOf('/');
      String parent = slash < 0 ? "" : name.substring(0, slash);
      String base = name.substring(slash + 1);
      Path dir = RootPath.resolve(root, parent, true);
      if (base.equals(OPAQUE)) {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) clearExcept(dir, createdHere);
        continue;
      }
      if (base.startsWith(WHITEOUT)) {
        String hidden = base.substring(WHITEOUT.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
          throw new IOException("layer " + layer + ": bad whiteout '" + name + "'; refusing");
        }
        Trees.delete(dir.resolve(hidden));
        continue;
      }
      Files.createDirectories(dir);
      Path target = dir.resolve(base);
      createdHere.add(target);
      if (entry.isDirectory()) {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          Trees.delete(target);
          Files.createDirectory(target);
        }
        Files.setPosixFilePermissions(target, Modes.of(entry.getMode() | 0700));
      } else if (entry.isSymbolicLink()) {
        Trees.delete(target);
        Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
      } else if (entry.isLink()) {
        String linkName = normalize(entry.getLinkName(), layer);
        Path source = RootPath.resolve(root, linkName, false);
        if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
          throw new IOException(
              "layer "
                  + layer
                  + ": hard link "
                  + name
                  + " points to "
                  + linkName
                  + ", which is not a file in the image");
        }
        Trees.delete(target);
        Files.createLink(target, source);
      } else if (entry.isFile()) {
        Trees.delete(target);
        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(target, Modes.of(entry.getMode() | 0600));
      }
      // character/block devices and fifos are skipped: /dev is private and synthesized by the
      // sandbox
    }
  }

  /** Strips {@code ./} and trailing slashes; refuses names that would escape the root. */
  static String normalize(String raw, String layer) throws IOException {
    if (raw.startsWith("/")) {
      throw new IOException(
          "layer " + layer + ": entry '" + raw + "' is an absolute path; refusing");
    }
    StringBuilder out = new StringBuilder();
    for (String part : raw.split("/")) {
      if (part.isEmpty() || part.equals(".")) continue;
      if (part.equals("..") || part.indexOf('\0') >= 0) {
        throw new IOException(
            "layer " + layer + ": entry '" + raw + "' escapes the root; refusing");
      }
      if (!out.isEmpty()) out.append('/');
      out.append(part);
    }
    return out.toString();
  }

  private static void clearExcept(Path dir, Set<Path> keep) throws IOException {
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path child : children) if (!keep.contains(child)) Trees.delete(child);
    }
  }
}
