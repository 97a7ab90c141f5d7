package dev.kiln.runtime.process;

import dev.kiln.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.stream.Stream;

/**
 * A digest over an unpacked tree: every path, its type and permission bits, and each file's content
 * or link's target, in sorted order. Recorded when a rootfs is built and recomputed before it is
 * trusted again, so a rootfs changed on disk is detected and re-created rather than run.
 */
final class TreeFingerprint {
  private TreeFingerprint() {}

  static Digest of(Path root) throws IOException {
    MessageDigest sha = Digest.newSha256();
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.sorted().toList();
    }
    byte[] buffer = new byte[64 * 1024];
    for (Path path : paths) {
      String rel = root.relativize(path).toString();
      String line = rel + '\0' + entry(path, buffer) + '\n';
      sha.update(line.getBytes(StandardCharsets.UTF_8));
    }
    return Digest.ofHash(sha);
  }

  /**
   * One path's entry as the fingerprint hashes it: {@code l TARGET}, {@code d MODE} or {@code f
   * MODE SHA256}; the drift watcher compares these per path.
   */
  static String entry(Path path, byte[] buffer) throws IOException {
    if (Files.isSymbolicLink(path)) return "l " + Files.readSymbolicLink(path);
    int mode = Modes.toMode(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    boolean dir = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
    StringBuilder line = new StringBuilder(dir ? "d " : "f ").append(Integer.toOctalString(mode));
    if (!dir) {
      MessageDigest content = Digest.newSha256();
      try (InputStream in = Files.newInputStream(path)) {
        for (int n; (n = in.read(buffer)) > 0; ) content.update(buffer, 0, n);
      }
      line.append(' ').append(Digest.ofHash(content).hex());
    }
    return line.toString();
  }
}
