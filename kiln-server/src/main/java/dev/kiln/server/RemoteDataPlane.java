package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.router.DrainReport;
import dev.kiln.router.RouteTable;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceRoute;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * Drives a {@link RouterProcess}: adopts the one recorded in {@code router/router.json} if it is
 * alive and answers, else starts one detached with {@code setsid} (so it outlives this server).
 */
final class RemoteDataPlane implements DataPlane {
  private static final Logger LOG = Logger.getLogger(RemoteDataPlane.class.getName());

  /** {@code -Dkiln.router.aot=false}: no AOT cache is trained for the router process. */
  static final String AOT_PROPERTY = "kiln.router.aot";

  private final HttpClient http =
      HttpClient.newBuilder()
          // the admin endpoint speaks HTTP/1.1: no h2c upgrade offer on each table swap
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  // the router this drives; replaced together when a router that died is started again (revive)
  private volatile String admin;
  private volatile String authorization;
  private volatile String listen;
  private volatile long pid;
  private volatile Path home = Path.of("");
  private volatile RouteTable table;
  // an environment's router (not the main one): started again with its own, smaller JVM options
  private volatile boolean environment;

  private volatile List<String> tlsListen;

  // the table swap's own kept-alive socket (guarded by publish's lock); see AdminConnection
  private @org.jspecify.annotations.Nullable AdminConnection tableConnection;

  private RemoteDataPlane(
      int adminPort, ApiToken token, String listen, List<String> tlsListen, long pid) {
    this.admin = "http://127.0.0.1:" + adminPort;
    this.authorization = "Bearer " + token.value();
    this.listen = listen;
    this.tlsListen = List.copyOf(tlsListen);
    this.pid = pid;
    this.table = fetchTable();
  }

  static RemoteDataPlane adoptOrStart(Path home, InetSocketAddress listen) {
    return adoptOrStart(home, listen, List.of(), false);
  }

  /** An environment's router: as the main one's, but the JVM of {@link EnvironmentRouterJvm}. */
  static RemoteDataPlane adoptOrStartEnvironment(Path home, InetSocketAddress listen) {
    return adoptOrStart(home, listen, List.of(), true);
  }

  static RemoteDataPlane adoptOrStart(
      Path home, InetSocketAddress listen, List<InetSocketAddress> tls) {
    return adoptOrStart(home, listen, tls, false);
  }

  /**
   * @param tls HTTPS listeners for a router this starts; a router adopted keeps the listeners it
   *     was started with (stop it with {@code kiln server --stop-all} to change them)
   */
  private static RemoteDataPlane adoptOrStart(
      Path home, InetSocketAddress listen, List<InetSocketAddress> tls, boolean environment) {
    RemoteDataPlane data = adoptOrStartProcess(home, listen, tls, environment);
    data.environment = environment;
    return data;
  }

  private static RemoteDataPlane adoptOrStartProcess(
      Path home, InetSocketAddress listen, List<InetSocketAddress> tls, boolean environment) {
    Path stateFile = home.resolve("router").resolve(RouterProcess.STATE_FILE);
    ApiToken token = ApiToken.load(home.resolve("router").resolve(RouterProcess.TOKEN_FILE));
    Optional<RemoteDataPlane> adopted = adopt(stateFile, token);
    adopted.ifPresent(a -> a.home = home);
    if (adopted.isPresent()) {
      LOG.info(
          "router process "
              + adopted.get().pid
              + " adopted (still serving "
              + adopted.get().listen
              + ")");
      return adopted.get();
    }
    try {
      Files.createDirectories(stateFile.getParent());
      Files.deleteIfExists(stateFile);
      String java =
          ProcessHandle.current()
              .info()
              .command()
              .orElse(System.getProperty("java.home") + "/bin/java");
      ProcessBuilder pb =
          new ProcessBuilder(
              "setsid",
              java,
              "-cp",
              System.getProperty("java.class.path"),
              RouterProcess.class.getName(),
              home.toString(),
              listen.getHostString() + ":" + listen.getPort());
      if (!tls.isEmpty())
        pb.command()
            .add(
                String.join(
                    ",", tls.stream().map(a -> a.getHostString() + ":" + a.getPort()).toList()));
      scrub(pb.environment());
      // the options the router was measured with (heap, collector, class data): after "setsid",
      // java. The AOT cache is trained with the warm-up workload, so not when the warm-up is off.
      String warmup = System.getProperty(RouterProcess.WARMUP_PROPERTY);
      // a missing cache is trained in the background (once per Kiln build and JDK, log in
      // router-aot-training.log): this start is not delayed, the next one uses it.
      // -Dkiln.router.aot=false trains none (the ITs: each of their homes would train its own,
      // 3-7 CPU-seconds each, for a router that is gone before it could use it).
      boolean train = !"0".equals(warmup) && !"false".equals(System.getProperty(AOT_PROPERTY));
      List<String> jvm =
          dev.kiln.router.RouterJvm.forThisMachine(
              home.resolve("router"),
              train
                  ? dev.kiln.router.RouterJvm.Training.BACKGROUND
                  : dev.kiln.router.RouterJvm.Training.NONE);
      pb.command().addAll(2, environment ? EnvironmentRouterJvm.options(jvm) : jvm);
      if (warmup != null) pb.command().add(2, "-D" + RouterProcess.WARMUP_PROPERTY + "=" + warmup);
      // -Dkiln.router.transport=epoll|nio|io_uring on the server reaches its router (an A/B)
      String transport = System.getProperty("kiln.router.transport");
      if (transport != null) pb.command().add(2, "-Dkiln.router.transport=" + transport);
      String pin = System.getProperty(RouterProcess.PIN_PROPERTY);
      if (pin != null) pb.command().add(2, "-D" + RouterProcess.PIN_PROPERTY + "=" + pin);
      pb.redirectErrorStream(true);
      pb.redirectOutput(
          ProcessBuilder.Redirect.appendTo(stateFile.resolveSibling("router.log").toFile()));
      pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      pb.start();
      long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < end) {
        adopted = adopt(stateFile, token);
        if (adopted.isPresent()) {
          adopted.get().home = home;
          LOG.info("router process " + adopted.get().pid + " started on " + adopted.get().listen);
          return adopted.get();
        }
        Thread.sleep(50);
      }
    } catch (IOException e) {
      throw new ServerException("cannot start the router process: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new ServerException(
        "the router process did not start within 30 s; see "
            + stateFile.resolveSibling("router.log"));
  }

  /**
   * The router needs nothing from the server's environment, which may hold secrets for instances:
   * it gets a PATH and a locale, nothing else.
   */
  static void scrub(java.util.Map<String, String> env) {
    env.clear();
    env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("LANG", "C.UTF-8");
  }

  private static Optional<RemoteDataPlane> adopt(Path stateFile, ApiToken token) {
    try {
      if (!Files.exists(stateFile)) return Optional.empty();
      JsonNode s = Json.parse(Files.readString(stateFile));
      long pid = s.get("pid").asLong();
      Optional<ProcessHandle> p = ProcessHandle.of(pid);
      if (p.isEmpty() || !p.get().isAlive()) return Optional.empty();
      List<String> tls = new java.util.ArrayList<>();
      s.path("tls").forEach(t -> tls.add(t.asText()));
      return Optional.of(
          new RemoteDataPlane(s.get("admin").asInt(), token, s.get("listen").asText(), tls, pid));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private RouteTable fetchTable() {
    return TableFile.fromJson(Json.parse(get("/table")));
  }

  private String get(String path) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(admin + path))
                  .header("Authorization", authorization)
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200)
        throw new ServerException.DataPlaneFailed("router process: " + r.body());
      return r.body();
    } catch (IOException e) {
      throw new ServerException.DataPlaneFailed(
          "router process does not answer: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerException.Unavailable("interrupted");
    }
  }

  /**
   * A router process that died while this server runs is started again on the same addresses, and
   * its table is the one it restarted with ({@code router/table.json}: no TLS keys, which are never
   * written to disk), so the next publish hands it the whole table, keys included: HTTPS comes back
   * within a reconcile round, with no private key ever at rest.
   */
  private void reviveIfGone() {
    if (closed || terminated) return;
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) return;
    LOG.warning("router process " + pid + " is gone; starting it again");
    RemoteDataPlane next =
        adoptOrStart(
            home,
            ServerConfig.address(listen),
            tlsListen.stream().map(ServerConfig::address).toList(),
            environment);
    admin = next.admin;
    authorization = next.authorization;
    listen = next.listen;
    tlsListen = next.tlsListen;
    pid = next.pid;
    table = next.table;
  }

  @Override
  public synchronized CompletableFuture<DrainReport> publish(List<ServiceRoute> services) {
    reviveIfGone();
    RouteTable current = table;
    List<ServiceRoute> sorted = LocalDataPlane.sort(services);
    if (LocalDataPlane.sort(current.services()).equals(sorted)) {
      return CompletableFuture.completedFuture(
          new DrainReport(current.version(), List.of(), List.of()));
    }
    RouteTable next = new RouteTable(current.version() + 1, sorted);
    table = next;
    // The swap is synchronous (tables reach the router in order); the drain is awaited apart.
    try {
      AdminConnection.Reply r =
          tableConnection().post("/table", Json.write(TableFile.toJson(next, TableFile.WITH_KEYS)));
      if (r.status() != 200) {
        table = fetchTable();
        throw new ServerException.DataPlaneFailed(
            "router process refused table v" + next.version() + ": " + r.body());
      }
    } catch (IOException e) {
      table = current;
      throw new ServerException.DataPlaneFailed(
          "router process does not answer: " + e.getMessage());
    }
    // Asked a moment later: the router drains from the swap on, and answers at once if that is
    // done by then; asked at once, the request (a pooled HTTP exchange on both sides, a virtual
    // thread in the router) ran beside the first requests on the new table (bench/rollback.sh).
    HttpRequest drain =
        HttpRequest.newBuilder(URI.create(admin + "/drain?version=" + next.version()))
            .header("Authorization", authorization)
            .build();
    return CompletableFuture.supplyAsync(
            () -> drain,
            CompletableFuture.delayedExecutor(
                DRAIN_QUERY_DELAY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
        .thenCompose(q -> http.sendAsync(q, HttpResponse.BodyHandlers.ofString()))
        .thenApply(r -> MetricsCodec.drain(Json.parse(r.body())));
  }

  /** How long after a swap its drain is asked for. */
  static final Duration DRAIN_QUERY_DELAY = Duration.ofMillis(50);

  /** The connection to the router this drives now: a revived router has a new admin port. */
  private AdminConnection tableConnection() {
    int port = URI.create(admin).getPort();
    AdminConnection c = tableConnection;
    if (c == null || !c.reaches(port, authorization)) {
      if (c != null) c.close();
      c = new AdminConnection(port, authorization, Duration.ofSeconds(10));
      tableConnection = c;
    }
    return c;
  }

  @Override
  public RouteTable table() {
    return table;
  }

  @Override
  public RouterMetrics metrics() {
    return MetricsCodec.metrics(Json.parse(get("/metrics.json")));
  }

  private volatile boolean closed;

  /** Ended on purpose ({@link #terminate}): not to be started again. */
  private volatile boolean terminated;

  /**
   * The router process's wakes, pushed: one {@code GET /wakes} is kept open and answered the moment
   * a request is held for a service at zero (the executor counts a wake as one request held). A
   * router that does not answer is asked again a second later.
   */
  @Override
  public void onWake(java.util.function.Consumer<String> listener) {
    Thread.ofVirtual()
        .name("kiln-router-wakes")
        .start(
            () -> {
              while (!closed) {
                try {
                  HttpResponse<String> r =
                      http.send(
                          HttpRequest.newBuilder(URI.create(admin + "/wakes"))
                              .header("Authorization", authorization)
                              .timeout(RouterProcess.WAKES_POLL.plusSeconds(10))
                              .build(),
                          HttpResponse.BodyHandlers.ofString());
                  if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode());
                  JsonNode w = Json.parse(r.body());
                  w.path("services").forEach(s -> listener.accept(s.asText()));
                } catch (InterruptedException e) {
                  return;
                } catch (IOException | RuntimeException e) {
                  try {
                    Thread.sleep(1000);
                  } catch (InterruptedException ie) {
                    return;
                  }
                }
              }
            });
  }

  @Override
  public String prometheus() {
    return get("/metrics");
  }

  @Override
  public String address() {
    return listen;
  }

  @Override
  public List<String> tlsAddresses() {
    return tlsListen;
  }

  /**
   * Ends the router process (tests, and {@code kiln server --stop-router}); normally it outlives
   * us.
   */
  void terminate() {
    terminated = true;
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
  }

  /**
   * {@link #terminate}, then waits for the exit (its requests in flight end first; killed after
   * {@link #TERMINATE_GRACE}): {@code kiln server --stop-all} returns with the router's port free,
   * so a server started right after can listen on it. An apply that moves or removes an
   * environment's router only terminates the old one: the executor does not wait for it.
   */
  void terminateAndWait() {
    terminate();
    ProcessHandle.of(pid)
        .ifPresent(
            p -> {
              try {
                p.onExit()
                    .get(TERMINATE_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
              } catch (java.util.concurrent.TimeoutException e) {
                LOG.warning(
                    "router process "
                        + pid
                        + " still runs "
                        + TERMINATE_GRACE
                        + " after SIGTERM; killing it");
                p.destroyForcibly();
              } catch (java.util.concurrent.ExecutionException e) {
                // onExit does not fail
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  /** How long a router process may take to exit after SIGTERM before it is killed. */
  static final Duration TERMINATE_GRACE = Duration.ofSeconds(30);

  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      if (tableConnection != null) tableConnection.close();
      tableConnection = null;
    }
    // The router keeps serving: that is the point of running it apart.
  }
}
