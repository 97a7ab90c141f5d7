package dev.kiln.router;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A backend that speaks raw bytes, for behaviour no well-mannered HTTP server shows. */
final class RawBackend implements AutoCloseable {
  interface Conversation {
    void run(Socket socket, String requestHead) throws Exception;
  }

  private final ServerSocket server;
  private final Thread acceptor;

  RawBackend(Conversation conversation) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (!server.isClosed()) {
                    try {
                      Socket s = server.accept();
                      Thread.ofVirtual()
                          .start(
                              () -> {
                                try (s) {
                                  conversation.run(s, readHead(s.getInputStream()));
                                } catch (Exception ignored) {
                                  // the test observes the other side
                                }
                              });
                    } catch (IOException e) {
                      return;
                    }
                  }
                });
  }

  static String readHead(InputStream in) throws IOException {
    var head = new ByteArrayOutputStream();
    int matched = 0;
    int c;
    while (matched < 4 && (c = in.read()) != -1) {
      head.write(c);
      matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  Backend backend(String id) {
    return new Backend(id, "1", new InetSocketAddress("127.0.0.1", server.getLocalPort()), 1);
  }

  @Override
  public void close() throws IOException {
    server.close();
    acceptor.interrupt();
  }
}
