package dev.kiln.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/** Small pieces shared by the code that reads layers: names, lstat, compression. */
final class LayerPaths {
  private LayerPaths() {}

  /**
   * The components of a tar entry name relative to the layer root ({@code ./a/b/} → [a, b]).
   * Absolute names and {@code ..} are refused rather than cleaned: a layer that contains them was
   * made by something Kiln should not trust.
   */
  static List<String> split(String name) throws LayerUnpacker.RefusedEntry {
    if (name.startsWith("/")) {
      throw new LayerUnpacker.RefusedEntry("absolute name '" + name + "' escapes the image root");
    }
    if (name.indexOf('\0') >= 0) throw new LayerUnpacker.RefusedEntry("name contains a NUL byte");
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) continue;
      if (p.equals("..")) {
        throw new LayerUnpacker.RefusedEntry(
            "name '" + name + "' contains '..' and would escape the image root");
      }
      parts.add(p);
    }
    return parts;
  }

  /** The image path of a tar entry name: {@code ./usr/bin/} → {@code /usr/bin}. */
  static String imagePath(String name) throws LayerUnpacker.RefusedEntry {
    return "/" + String.join("/", split(name));
  }

  static Optional<BasicFileAttributes> lstat(Path p) throws IOException {
    try {
      return Optional.of(
          Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * Gzip is recognised by its magic bytes, not the media type: docker archives mislabel both ways.
   */
  static InputStream decompressed(BufferedInputStream in) throws IOException {
    in.mark(4);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      // The JDK's inflater loop is markedly faster than commons-compress's on big layers.
      return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    if (b1 == 0x28 && b2 == 0xb5) {
      throw new ImageException(
          "zstd-compressed layers are not supported; convert the image with skopeo copy --dest-compress-format gzip");
    }
    return in;
  }

  static boolean runningAsRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | RuntimeException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
