package dev.kiln.router;

import dev.kiln.model.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A short self warm-up of a router process before its real listeners open: a private router on an
 * ephemeral loopback port, with a one-route table to a loopback dummy backend in this process,
 * serves a few thousand keep-alive requests so the JIT compiles the request path (decode, route,
 * pool, relay, encode) before the first real client arrives. {@code bench/router.sh} measured a
 * fresh router spending ~37% more CPU per request in its first 20 s than warm; this moves most of
 * that to before the port opens.
 *
 * <p>Meanwhile the private router's table is swapped {@link #tableSwaps} times, each table first
 * passed through the caller's {@code admit} (the router process's admin endpoint parses it from
 * JSON there): a table swap is rare in a router's life, so without this a rollback's swap ran in
 * the interpreter (bench/rollback.sh: the swap path took about twice as long before it was
 * compiled).
 *
 * <p>The private router, its event loops, the dummy backend and every connection are closed before
 * {@link #run} returns, and the real {@link Router} is a different instance started afterwards, so
 * no real request can reach the dummy. A failure of the warm-up only costs the warm-up: it is
 * reported and the router starts cold.
 *
 * @param requests requests to push through (0 = no warm-up)
 * @param budget the longest the warm-up may send requests for, from when its private router serves;
 *     it stops early when spent
 * @param connections client connections the requests are spread over
 */
public record RouterWarmup(int requests, Duration budget, int connections) {
  /** What a router process started by Kiln does: enough for C2 on the hot path, at most 2 s. */
  public static final RouterWarmup DEFAULT = new RouterWarmup(20_000, Duration.ofSeconds(2), 64);

  public static final RouterWarmup OFF = new RouterWarmup(0, Duration.ZERO, 1);

  /** Table swaps during a full warm-up: past the JIT's thresholds for the swap path. */
  static final int TABLE_SWAPS = 500;

  /** One swap per 40 requests, at most {@value #TABLE_SWAPS}: a short warm-up stays short. */
  public int tableSwaps() {
    return Math.min(TABLE_SWAPS, requests / 40);
  }

  private static final byte[] RESPONSE =
      "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nhello"
          .getBytes(StandardCharsets.US_ASCII);

  public RouterWarmup {
    if (requests < 0) throw new RouterException("warm-up requests must be >= 0, got " + requests);
    if (connections < 1)
      throw new RouterException("warm-up connections must be >= 1, got " + connections);
  }

  /** {@link #DEFAULT} with another request count ({@code 0} turns the warm-up off). */
  public static RouterWarmup ofRequests(int requests) {
    return requests == 0 ? OFF : new RouterWarmup(requests, DEFAULT.budget, DEFAULT.connections);
  }

  /** How a warm-up went: requests answered 200, how long it took, the error if it stopped early. */
  public record Report(
      int served,
      Duration took,
      @org.jspecify.annotations.Nullable String error,
      int routerPort,
      int backendPort,
      int swaps) {}

  /**
   * Warms the router code up with the event loop count of {@code config}, then closes everything.
   */
  public Report run(RouterConfig config) {
    return run(config, UnaryOperator.identity());
  }

  /**
   * As {@link #run(RouterConfig)}, with each table swapped in passed through {@code admit} first
   * (what the caller does to a table before it swaps it in for real).
   */
  public Report run(RouterConfig config, UnaryOperator<RouteTable> admit) {
    long start = System.nanoTime();
    if (requests == 0) return new Report(0, Duration.ZERO, null, 0, 0, 0);
    AtomicInteger served = new AtomicInteger();
    String error = null;
    InetAddress loopback = InetAddress.getLoopbackAddress();
    List<Thread> threads = new ArrayList<>();
    int routerPort = 0;
    int backendPort = 0;
    AtomicInteger swaps = new AtomicInteger();
    try (ServerSocket backend = new ServerSocket(0, 64, loopback)) {
      Thread acceptor =
          Thread.ofPlatform().daemon().name("kiln-warmup-backend").start(() -> serve(backend));
      threads.add(acceptor);
      backendPort = backend.getLocalPort();
      var backendAddress = new InetSocketAddress(loopback, backendPort);
      var table = table(1, backendAddress);
      var privateConfig =
          RouterConfig.builder()
              .listeners(List.of(new InetSocketAddress(loopback, 0)))
              .ioThreads(config.ioThreads())
              .build();
      try (Router router = Router.start(privateConfig, table)) {
        InetSocketAddress at = router.addresses().get(0);
        routerPort = at.getPort();
        // the budget is for requests: it starts once the private router serves. Counted from
        // before its start, an AOT training at nice 10 beside a build spent all of its 10 s
        // starting, answered no request, and so made no cache.
        long deadline = System.nanoTime() + budget.toNanos();
        AtomicInteger left = new AtomicInteger(requests);
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
          clients.add(
              Thread.ofVirtual()
                  .name("kiln-warmup-client-" + i)
                  .start(
                      () -> {
                        try {
                          client(at, left, served, deadline);
                        } catch (IOException | RuntimeException e) {
                          errors.add(String.valueOf(e));
                        }
                      }));
        }
        Thread swapper =
            Thread.ofPlatform()
                .daemon()
                .name("kiln-warmup-swaps")
                .start(
                    () -> {
                      try {
                        // alternating backend sets, as a rollback swaps one fleet for another;
                        // paced by the requests (one swap per 40 answered), not flat out: each
                        // swap drains the connections to the backends it drops
                        for (int k = 0; k < tableSwaps() && System.nanoTime() < deadline; k++) {
                          while (served.get() < 40L * k
                              && left.get() > 0
                              && System.nanoTime() < deadline)
                            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                          router.swap(admit.apply(table(k + 2, backendAddress)));
                          swaps.incrementAndGet();
                        }
                      } catch (RuntimeException e) {
                        errors.add(String.valueOf(e));
                      }
                    });
        for (Thread t : clients) t.join();
        swapper.join();
        if (!errors.isEmpty()) error = errors.get(0);
      }
    } catch (IOException | RuntimeException e) {
      error = String.valueOf(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = "interrupted";
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return new Report(
        served.get(),
        Duration.ofNanos(System.nanoTime() - start),
        error,
        routerPort,
        backendPort,
        swaps.get());
  }

  /** Version {@code v} of the private table: one of two backend ids at the dummy backend. */
  private static RouteTable table(long v, InetSocketAddress backend) {
    return new RouteTable(
        v,
        List.of(
            ServiceRoute.of(
                "warmup",
                new Route("*", "/"),
                List.of(new Backend("warmup-" + (v % 2), String.valueOf(v % 2), backend, 1)))));
  }

  /** One keep-alive connection through the private router until the requests or time run out. */
  private void client(InetSocketAddress at, AtomicInteger left, AtomicInteger served, long deadline)
      throws IOException {
    byte[] request =
        "GET /warmup HTTP/1.1\r\nhost: warmup.kiln\r\nuser-agent: kiln-warmup\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    try (Socket s = new Socket(at.getAddress(), at.getPort())) {
      s.setTcpNoDelay(true);
      // a warm-up at nice 10 beside a busy host (an AOT training) may wait seconds for a core:
      // a budget's worth, not 2 s, before a request counts as lost (all 64 clients of one such
      // training timed out at 2 s, so it answered nothing and made no cache)
      s.setSoTimeout((int) Math.max(2000, Math.min(Integer.MAX_VALUE, budget.toMillis())));
      InputStream in = new java.io.BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (left.getAndDecrement() > 0 && System.nanoTime() < deadline) {
        out.write(request);
        out.flush();
        int status = readResponse(in);
        if (status != 200) throw new IOException("warm-up request answered " + status);
        served.incrementAndGet();
      }
    }
  }

  /** Accepts until the socket closes; answers every request on a connection with "hello". */
  private static void serve(ServerSocket backend) {
    List<Socket> open = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> handlers = new ArrayList<>();
    try {
      while (true) {
        Socket s = backend.accept();
        open.add(s);
        Thread handler =
            Thread.ofVirtual()
                .name("kiln-warmup-backend-conn")
                .start(
                    () -> {
                      try (s) {
                        s.setTcpNoDelay(true);
                        InputStream in = new java.io.BufferedInputStream(s.getInputStream());
                        OutputStream out = s.getOutputStream();
                        while (skipRequestHead(in)) {
                          out.write(RESPONSE);
                          out.flush();
                        }
                      } catch (IOException e) {
                        // the router closed the pooled connection: the warm-up is over
                      }
                    });
        handlers.add(handler);
      }
    } catch (IOException e) {
      // the server socket closed: close what the router still holds open
      synchronized (open) {
        for (Socket s : open) {
          try {
            s.close();
          } catch (IOException ignored) {
            // closing anyway
          }
        }
      }
      // nothing of the warm-up outlives run(): it joins this thread, this joins the handlers
      for (Thread t : handlers) {
        try {
          t.join();
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Reads one request head (GETs only, no body); false at end of stream. */
  private static boolean skipRequestHead(InputStream in) throws IOException {
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) return false;
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return true;
  }

  /** Reads one response with a content-length body; returns its status. */
  private static int readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) throw new IOException("the router closed the warm-up connection");
      head.append((char) b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String h = head.toString();
    int status = Integer.parseInt(h.substring(9, 12));
    long length = 0;
    for (String line : h.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length"))
        length = Long.parseLong(line.substring(colon + 1).trim());
    }
    in.skipNBytes(length);
    return status;
  }
}
