package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** The router admin's kept-alive socket, against real loopback servers. */
class AdminConnectionTest {

  /** The same server kind as the router's admin endpoint (RouterProcess). */
  private static HttpServer echo(List<String> seen) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
    s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    s.createContext(
        "/",
        ex -> {
          try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.add(
                ex.getRemoteAddress().getPort()
                    + " "
                    + ex.getRequestHeaders().getFirst("Authorization")
                    + " "
                    + body);
            byte[] b = ("{\"got\":" + body + "}").getBytes(StandardCharsets.UTF_8);
            int status = body.contains("bad") ? 409 : 200;
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream o = ex.getResponseBody()) {
              o.write(b);
            }
          }
        });
    s.start();
    return s;
  }

  @Test
  void postsOnOneKeptAliveConnection() throws IOException {
    List<String> seen = new CopyOnWriteArrayList<>();
    HttpServer s = echo(seen);
    try (AdminConnection c =
        new AdminConnection(s.getAddress().getPort(), "Bearer t", Duration.ofSeconds(5))) {
      assertThat(c.post("/table", "{\"v\":1}"))
          .isEqualTo(new AdminConnection.Reply(200, "{\"got\":{\"v\":1}}"));
      assertThat(c.post("/table", "\"bad\"").status()).isEqualTo(409);
      assertThat(c.post("/table", "{\"v\":3}").body()).isEqualTo("{\"got\":{\"v\":3}}");
    } finally {
      s.stop(0);
    }
    assertThat(seen).hasSize(3);
    // one client port for all three: the connection was kept
    assertThat(seen.stream().map(l -> l.split(" ")[0]).distinct()).hasSize(1);
    assertThat(seen.get(0)).contains("Bearer t");
  }

  @Test
  void aConnectionClosedWhileIdleIsOpenedAgainAndTheRequestSentOnce() throws Exception {
    // answers one request per connection, then closes it without saying so (as an idle timeout
    // does)
    List<String> requests = new CopyOnWriteArrayList<>();
    try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
      Thread t =
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (int i = 0; i < 2; i++) {
                      try (Socket s = server.accept()) {
                        var in = s.getInputStream();
                        StringBuilder head = new StringBuilder();
                        while (!head.toString().endsWith("\r\n\r\n")) head.append((char) in.read());
                        int len =
                            Integer.parseInt(
                                head.toString().replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                        requests.add(new String(in.readNBytes(len), StandardCharsets.UTF_8));
                        s.getOutputStream()
                            .write(
                                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                    .getBytes(StandardCharsets.ISO_8859_1));
                      } catch (IOException e) {
                        return;
                      }
                    }
                  });
      try (AdminConnection c =
          new AdminConnection(server.getLocalPort(), "Bearer t", Duration.ofSeconds(5))) {
        assertThat(c.post("/table", "1").body()).isEqualTo("ok");
        assertThat(c.post("/table", "2").body()).isEqualTo("ok");
      }
      t.join();
    }
    assertThat(requests).containsExactly("1", "2");
  }

  @Test
  void aRouterThatDoesNotListenIsAnIoError() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    try (AdminConnection c = new AdminConnection(port, "Bearer t", Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> c.post("/table", "{}")).isInstanceOf(IOException.class);
    }
  }
}
