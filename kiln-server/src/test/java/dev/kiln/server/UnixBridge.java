package dev.kiln.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Each connection to a unix socket, forwarded to a TCP port on this host's loopback: how a process
 * in a network namespace of its own (DashboardBrowserIT's chromium) reaches a server here. A
 * connection the port refuses (a server restarting) is closed at once, as a refused connect would
 * be.
 */
final class UnixBridge implements AutoCloseable {
  private final ServerSocketChannel server;
  private final Path socket;

  UnixBridge(Path socket, int port) throws IOException {
    this.socket = socket;
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread.ofVirtual()
        .name("unix-bridge")
        .start(
            () -> {
              while (server.isOpen()) {
                try {
                  SocketChannel in = server.accept();
                  Thread.ofVirtual().start(() -> forward(in, port));
                } catch (IOException closed) {
                  return;
                }
              }
            });
  }

  Path socket() {
    return socket;
  }

  private static void forward(SocketChannel in, int port) {
    try (in;
        SocketChannel out = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
      Thread back = Thread.ofVirtual().start(() -> pump(out, in));
      pump(in, out);
      back.join();
    } catch (IOException refused) {
      // closing `in` tells the client, as a refused connect would
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Copies until end of stream, then half-closes {@code to}: an HTTP exchange ends cleanly. */
  private static void pump(SocketChannel from, SocketChannel to) {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    try {
      while (from.read(buf) >= 0) {
        buf.flip();
        while (buf.hasRemaining()) to.write(buf);
        buf.clear();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // both ends are gone already
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(socket);
  }
}
