package dev.kiln.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * A tiny stand-in for the Kiln server: canned answers per "METHOD /path?query", recorded requests,
 * and a {@link #kiln} runner with the CLI pointed at it through the {@code kiln.api} property.
 * Several answers for one route are given in turn, the last one repeating (rollout progress).
 */
final class FakeKilnServer implements AutoCloseable {
  record Request(String method, String uri, Map<String, String> headers, String body) {}

  record Answer(int status, String contentType, String body) {}

  record Run(int exit, String out, String err) {}

  private final HttpServer server;
  private final Map<String, Deque<Answer>> answers = new HashMap<>();
  private final List<Request> requests = new ArrayList<>();

  FakeKilnServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  FakeKilnServer on(String route, String json) {
    return on(route, 200, json);
  }

  synchronized FakeKilnServer on(String route, int status, String body) {
    return answer(route, new Answer(status, "application/json", body));
  }

  synchronized FakeKilnServer answer(String route, Answer answer) {
    answers.computeIfAbsent(route, r -> new ArrayDeque<>()).add(answer);
    return this;
  }

  /** Forgets the answers given for {@code route} so far (a test's own instead of a default). */
  synchronized FakeKilnServer clear(String route) {
    answers.remove(route);
    return this;
  }

  synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  synchronized List<String> routes() {
    return requests.stream().map(r -> r.method() + " " + r.uri()).toList();
  }

  /** Runs {@code kiln ARGS} against this server with the given token (none if null). */
  Run kilnWithToken(String token, String... args) {
    String oldApi = System.getProperty("kiln.api");
    String oldToken = System.getProperty("kiln.token");
    System.setProperty("kiln.api", url());
    if (token != null) System.setProperty("kiln.token", token);
    else System.clearProperty("kiln.token");
    try {
      return run(args);
    } finally {
      restore("kiln.api", oldApi);
      restore("kiln.token", oldToken);
    }
  }

  Run kiln(String... args) {
    return kilnWithToken("test-token", args);
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = KilnCommand.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static void restore(String key, String value) {
    if (value == null) System.clearProperty(key);
    else System.setProperty(key, value);
  }

  private void handle(HttpExchange ex) throws IOException {
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> headers = new HashMap<>();
    ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
    String route = ex.getRequestMethod() + " " + ex.getRequestURI();
    Answer a;
    synchronized (this) {
      requests.add(
          new Request(ex.getRequestMethod(), ex.getRequestURI().toString(), headers, body));
      Deque<Answer> queue = answers.get(route);
      if (queue == null)
        a =
            new Answer(
                404, "application/json", "{\"error\":\"fake: no answer for " + route + "\"}");
      else a = queue.size() > 1 ? queue.poll() : queue.peek();
    }
    byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", a.contentType());
    ex.sendResponseHeaders(a.status(), bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
