package dev.kiln.router;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP backend (the JDK's server) that answers with its name and, in headers {@code
 * X-Seen-<name>}, the request headers it received, so tests can see what the router forwarded.
 */
final class TestBackend implements AutoCloseable {
  interface Handler {
    void handle(HttpExchange ex) throws IOException;
  }

  final String name;
  final HttpServer server;
  final AtomicInteger hits = new AtomicInteger();
  private final ExecutorService pool = Executors.newCachedThreadPool();

  private TestBackend(String name, Handler handler) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
    server.createContext(
        "/",
        ex -> {
          hits.incrementAndGet();
          try {
            handler.handle(ex);
          } finally {
            ex.close();
          }
        });
    server.setExecutor(pool);
    server.start();
  }

  static TestBackend start(String name) throws IOException {
    return start(name, null);
  }

  /** A backend with a custom handler; {@code null} = the echo handler. */
  static TestBackend start(String name, Handler handler) throws IOException {
    var holder = new TestBackend[1];
    Handler h = handler != null ? handler : ex -> echo(holder[0].name, ex);
    holder[0] = new TestBackend(name, h);
    return holder[0];
  }

  static void echo(String name, HttpExchange ex) throws IOException {
    byte[] requestBody = ex.getRequestBody().readAllBytes();
    Map<String, String> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    ex.getRequestHeaders().forEach((k, v) -> seen.put(k, String.join(",", v)));
    seen.forEach((k, v) -> ex.getResponseHeaders().add("X-Seen-" + k, v));
    ex.getResponseHeaders().add("X-Backend", name);
    byte[] body =
        (name + " " + ex.getRequestURI() + " " + requestBody.length + "\n")
            .getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
  }

  int port() {
    return server.getAddress().getPort();
  }

  Backend backend(String revision, int weight) {
    return new Backend(name, revision, new InetSocketAddress("127.0.0.1", port()), weight);
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
