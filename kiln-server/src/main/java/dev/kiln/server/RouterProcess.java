package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.router.DrainReport;
import dev.kiln.router.RouteTable;
import dev.kiln.router.Router;
import dev.kiln.router.RouterConfig;
import dev.kiln.router.RouterException;
import dev.kiln.router.RouterWarmup;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * The router as a process of its own, so that the data plane does not depend on the control plane
 * (invariant 5): the server starts it detached ({@code setsid}) and adopts it on restart through
 * {@code $KILN_HOME/router/router.json} (pid, admin port, listen address). It serves the table in
 * {@code router/table.json} from its first moment, and takes new tables over a loopback admin
 * endpoint: {@code POST /table} (answers once the table is served), {@code GET /drain?version=N}
 * (answers when the backends that left with table N have drained), {@code GET /metrics.json},
 * {@code GET /metrics} (Prometheus), {@code GET /table}. Each accepted table is saved atomically
 * before it is acknowledged. Killing the server, even with -9, leaves it serving.
 *
 * <p>The admin endpoint wants {@code Authorization: Bearer <router/admin-token>} on every request
 * (loopback is reachable by every local process, instances included); the server creates that 0600
 * file before it starts the router, so the token is in neither the router's argv nor its
 * environment, which the server scrubs.
 *
 * <p>TLS sites arrive in {@code POST /table} with their keys (the server read them from their
 * secrets); the router holds keys in memory only: {@code table.json} and {@code GET /table} leave
 * them out, so a router restarted without the server serves no HTTPS until the server publishes.
 *
 * <p>{@code java -cp … dev.kiln.server.RouterProcess HOME HOST:PORT [TLS_HOST:PORT,...]}
 */
public final class RouterProcess {
  static final String STATE_FILE = "router.json";
  static final String TOKEN_FILE = "admin-token";

  /** Requests of the router's self warm-up; the server passes its own value on. */
  static final String WARMUP_PROPERTY = "kiln.router.warmup";

  /**
   * {@code -Dkiln.router.pin=false}: the router's event loops are not kept on cores of their own.
   */
  public static final String PIN_PROPERTY = "kiln.router.pin";

  /** How long the admin endpoint waits for a whole request (headers and body). */
  static final int MAX_REQUEST_SECONDS = 5;

  /** A route table of thousands of backends is well under this. */
  static final int MAX_TABLE_BYTES = 16 * 1024 * 1024;

  private RouterProcess() {}

  public static void main(String[] args) throws Exception {
    Path home = Path.of(args[0]);
    InetSocketAddress listen = ServerConfig.address(args[1]);
    java.util.List<InetSocketAddress> tls = new java.util.ArrayList<>();
    if (args.length > 2)
      for (String a : args[2].split(",")) if (!a.isBlank()) tls.add(ServerConfig.address(a));
    Path dir = home.resolve("router");
    Files.createDirectories(dir);
    Path tableFile = dir.resolve("table.json");
    ApiToken token = ApiToken.load(dir.resolve(TOKEN_FILE));
    RouteTable initial = TableFile.read(tableFile).orElse(RouteTable.empty());
    RouterConfig config =
        RouterConfig.builder()
            .listen(listen.getHostString(), listen.getPort())
            .tlsListeners(tls)
            // each event loop on a core of its own: the router's p99 on a shared machine
            // (LoopAffinity); -Dkiln.router.pin=false leaves them to the scheduler
            .pinLoops(!"false".equals(System.getProperty(PIN_PROPERTY)))
            .build();
    // a short self warm-up before the port opens: the first real requests then find the request
    // path compiled (RouterWarmup; -Dkiln.router.warmup=0 turns it off)
    RouterWarmup.Report warmed =
        RouterWarmup.ofRequests(
                Integer.getInteger(WARMUP_PROPERTY, RouterWarmup.DEFAULT.requests()))
            // each warm-up table takes the admin endpoint's way in: to JSON and parsed back
            .run(
                config,
                t ->
                    TableFile.fromJson(
                        Json.parse(Json.write(TableFile.toJson(t, TableFile.WITH_KEYS)))));
    if (warmed.served() > 0 || warmed.error() != null)
      System.out.println(
          "warm-up: "
              + warmed.served()
              + " requests and "
              + warmed.swaps()
              + " table swaps in "
              + warmed.took().toMillis()
              + " ms"
              + (warmed.error() == null ? "" : " (stopped: " + warmed.error() + ")"));
    Router router = Router.start(config, initial);
    // Each answer is a header write then a body write: without TCP_NODELAY the body waits for the
    // client's (delayed) ACK of the headers. Read once, when the first HttpServer is made.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    // A request's headers are read on the dispatcher (below): one that stalls half-sent is closed
    // after this many seconds, and the dispatcher serves the next. Long polls are not affected
    // (the time runs until the request, not the answer, is read).
    System.setProperty("sun.net.httpserver.maxReqTime", String.valueOf(MAX_REQUEST_SECONDS));
    HttpServer admin =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    // A table swap is served on the admin dispatcher thread itself, the moment its request is
    // readable: one thread wake-up less between the server's write and the swap (each one waits for
    // a core on a busy machine). Its only client is the server, which writes a request in one
    // write. The other endpoints may block (drain, the wakes long poll, a metrics snapshot), so
    // each gets a virtual thread and the dispatcher goes back to selecting.
    admin.setExecutor(Runnable::run);
    java.util.concurrent.ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
    Object swapLock = new Object();
    // table.json (what a router that died restarts with) is written a moment after the swap, in
    // swap order, on a thread of its own: the write (a file and a rename; 2.3 ms median on a busy
    // disk) ran on the dispatcher as the first requests reached the new fleet. A router that dies
    // before it restarts with the table before; the server's next tick publishes the current one.
    java.util.concurrent.ScheduledExecutorService tableWriter =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("kiln-router-table-file").unstarted(r));
    Wakes wakes = new Wakes();
    router.onWake(wakes::add);
    java.util.TreeMap<Long, java.util.concurrent.CompletableFuture<DrainReport>> drains =
        new java.util.TreeMap<>();
    HttpHandler endpoints =
        ex -> {
          try (ex) {
            if (token.authenticate(ex.getRequestHeaders().getFirst("Authorization")).isEmpty()) {
              send(ex, 401, "{\"error\":\"missing or wrong bearer token (router/admin-token)\"}");
              return;
            }
            String path = ex.getRequestURI().getPath();
            switch (ex.getRequestMethod() + " " + path) {
              case "POST /table" -> {
                byte[] body = ex.getRequestBody().readNBytes(MAX_TABLE_BYTES + 1);
                if (body.length > MAX_TABLE_BYTES) {
                  send(ex, 413, "{\"error\":\"a route table is at most 16 MiB\"}");
                  return;
                }
                RouteTable next =
                    TableFile.fromJson(Json.parse(new String(body, StandardCharsets.UTF_8)));
                try {
                  synchronized (swapLock) {
                    drains.put(next.version(), router.swap(next));
                    tableWriter.schedule(
                        () -> writeTable(tableFile, next),
                        TABLE_FILE_DELAY.toMillis(),
                        java.util.concurrent.TimeUnit.MILLISECONDS);
                    drains.headMap(next.version() - 16).clear();
                  }
                } catch (RouterException e) {
                  send(
                      ex,
                      409,
                      "{\"error\":" + Json.MAPPER.writeValueAsString(e.getMessage()) + "}");
                  return;
                }
                send(ex, 200, "{\"version\":" + next.version() + "}");
              }
              case "GET /drain" -> {
                long version =
                    Long.parseLong(ex.getRequestURI().getQuery().replace("version=", ""));
                java.util.concurrent.CompletableFuture<DrainReport> f;
                synchronized (swapLock) {
                  f = drains.get(version);
                }
                DrainReport report =
                    f == null
                        ? new DrainReport(version, java.util.List.of(), java.util.List.of())
                        : f.join();
                send(ex, 200, Json.write(MetricsCodec.drain(report)));
              }
              case "GET /table" -> send(ex, 200, Json.write(TableFile.toJson(router.table())));
              case "GET /metrics.json" ->
                  send(ex, 200, Json.write(MetricsCodec.metrics(router.metrics())));
              case "GET /metrics" -> send(ex, 200, router.prometheus());
              case "GET /wakes" -> {
                var woken = wakes.await(WAKES_POLL);
                ObjectNode w = Json.object();
                var a = w.putArray("services");
                woken.forEach(a::add);
                ObjectNode held = w.putObject("held");
                router.heldRequests().forEach(held::put);
                send(ex, 200, Json.write(w));
              }
              default -> send(ex, 404, "{\"error\":\"no such endpoint\"}");
            }
          } catch (RuntimeException e) {
            send(ex, 500, "{\"error\":" + Json.MAPPER.writeValueAsString(String.valueOf(e)) + "}");
          }
        };
    admin.createContext(
        "/",
        ex -> {
          if (isTableSwap(ex)) endpoints.handle(ex);
          else blocking.execute(() -> serveApart(endpoints, ex));
        });
    admin.start();
    var bound = router.addresses().get(0);
    ObjectNode state = Json.object();
    state.put("pid", ProcessHandle.current().pid());
    state.put(
        "startedAt",
        ProcessHandle.current().info().startInstant().map(Instant::toString).orElse(""));
    state.put("admin", admin.getAddress().getPort());
    state.put("listen", bound.getHostString() + ":" + bound.getPort());
    var tlsBound = state.putArray("tls");
    router.tlsAddresses().forEach(a -> tlsBound.add(a.getHostString() + ":" + a.getPort()));
    Path tmp = dir.resolve(STATE_FILE + ".tmp");
    Files.writeString(tmp, Json.write(state));
    Files.move(
        tmp,
        dir.resolve(STATE_FILE),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    System.out.println(
        "kiln router: serving "
            + state.get("listen").asText()
            + " (admin 127.0.0.1:"
            + admin.getAddress().getPort()
            + ", table v"
            + initial.version()
            + ")");
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  admin.stop(0);
                  tableWriter.shutdown(); // the writes scheduled still run: the last table is kept
                  try {
                    tableWriter.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  router.close();
                  done.countDown();
                }));
    done.await();
  }

  /** How long after a swap its table is written to {@code router/table.json}. */
  static final java.time.Duration TABLE_FILE_DELAY = java.time.Duration.ofMillis(50);

  private static void writeTable(Path file, RouteTable table) {
    try {
      TableFile.write(file, table);
    } catch (RuntimeException e) {
      System.err.println("kiln router: " + e.getMessage());
    }
  }

  /** How long {@code GET /wakes} waits for a wake before answering with none. */
  static final java.time.Duration WAKES_POLL = java.time.Duration.ofSeconds(20);

  /**
   * Services the router asked to wake, for the server's long poll ({@code GET /wakes}): the server
   * keeps one request open, answered the moment a request is held for a service at zero.
   */
  static final class Wakes {
    private final java.util.Set<String> pending = new java.util.TreeSet<>();

    synchronized void add(String service) {
      pending.add(service);
      notifyAll();
    }

    synchronized java.util.List<String> await(java.time.Duration max) {
      long end = System.nanoTime() + max.toNanos();
      try {
        while (pending.isEmpty()) {
          long left = end - System.nanoTime();
          if (left <= 0) break;
          java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      var out = java.util.List.copyOf(pending);
      pending.clear();
      return out;
    }
  }

  /** {@code POST /table}: never blocks on anything but its own request body and one file write. */
  static boolean isTableSwap(HttpExchange ex) {
    return ex.getRequestMethod().equals("POST") && ex.getRequestURI().getPath().equals("/table");
  }

  private static void serveApart(HttpHandler endpoints, HttpExchange ex) {
    try {
      endpoints.handle(ex);
    } catch (IOException e) {
      ex.close(); // the client went away mid-answer: nothing else to tell it
    }
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }
}
