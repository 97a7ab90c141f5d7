package dev.kiln.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * The API's unix socket, {@code $KILN_HOME/api.sock}: the CLI's way in. Its mode (0600) is the
 * access rule, and the kernel names the caller (SO_PEERCRED), so no token is needed and none can be
 * stolen. The socket is bound inside a fresh 0700 directory, made 0600, then renamed into place, so
 * it never exists with a wider mode and a stale one is replaced atomically; a socket someone still
 * answers on is never taken over.
 */
final class ApiSocket {
  static final String NAME = "api.sock";
  // sun_path holds 108 bytes including the terminating NUL.
  private static final int MAX_PATH = 107;

  private final Path path;
  private final Channel channel;
  private final Object fileKey;

  private ApiSocket(Path path, Channel channel, Object fileKey) {
    this.path = path;
    this.channel = channel;
    this.fileKey = fileKey;
  }

  static ApiSocket bind(ServerBootstrap bootstrap, Path home) {
    Path target = home.resolve(NAME);
    refuseIfAnswering(target);
    Path dir = null;
    try {
      dir =
          Files.createTempDirectory(
              home,
              ".api",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path tmp = dir.resolve(NAME);
      checkLength(tmp);
      Channel channel =
          bootstrap.bind(new DomainSocketAddress(tmp.toString())).syncUninterruptibly().channel();
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      // rename(2): atomic, and replaces a stale socket left by a killed server in one step.
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Object key =
          Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
              .fileKey();
      return new ApiSocket(target, channel, key);
    } catch (IOException | RuntimeException e) {
      if (e instanceof ServerException se) throw se;
      throw new ServerException(
          "cannot listen on " + target + ": " + e.getMessage() + " (is KILN_HOME writable?)", e);
    } finally {
      if (dir != null) {
        try {
          Files.deleteIfExists(dir.resolve(NAME));
          Files.deleteIfExists(dir);
        } catch (IOException e) {
          // a leftover empty directory in KILN_HOME is harmless
        }
      }
    }
  }

  private static void checkLength(Path p) {
    if (p.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH) {
      throw new ServerException(
          "the API socket path "
              + p
              + " is longer than the "
              + MAX_PATH
              + " bytes a unix socket allows; choose a shorter KILN_HOME");
    }
  }

  /** Refuses to replace a socket that a live server answers on, or anything that is no socket. */
  private static void refuseIfAnswering(Path target) {
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) return;
    try {
      BasicFileAttributes a =
          Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!a.isOther()) {
        throw new ServerException(
            target + " exists and is not a socket; move it away, then start the server again");
      }
    } catch (IOException e) {
      throw new ServerException("cannot inspect " + target + ": " + e.getMessage(), e);
    }
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(target))) {
      throw new ServerException(
          "another kiln server answers on "
              + target
              + "; stop it first (or use another KILN_HOME)");
    } catch (IOException stale) {
      // Nobody listens: a socket left by a server that died. bind() replaces it.
    }
  }

  /** {@code uid:0(root)}: the caller as the kernel reports it. */
  static String principal(PeerCredentials c) {
    return "uid:" + c.uid() + userName(c.uid()).map(n -> "(" + n + ")").orElse("");
  }

  private static Optional<String> userName(int uid) {
    try {
      List<String> lines = Files.readAllLines(Path.of("/etc/passwd"));
      for (String line : lines) {
        String[] f = line.split(":", -1);
        if (f.length > 2 && f[2].equals(Integer.toString(uid))) return Optional.of(f[0]);
      }
    } catch (IOException | RuntimeException e) {
      // the number alone still identifies the caller
    }
    return Optional.empty();
  }

  Path path() {
    return path;
  }

  void close() {
    channel.close().syncUninterruptibly();
    try {
      // Only our own socket: a server started since may have put its own in place.
      if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)
          && fileKey != null
          && fileKey.equals(
              Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                  .fileKey())) {
        Files.delete(path);
      }
    } catch (IOException e) {
      // left behind, it is stale and the next start replaces it
    }
  }
}
