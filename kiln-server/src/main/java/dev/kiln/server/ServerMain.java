package dev.kiln.server;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -cp … dev.kiln.server.ServerMain [--home DIR] [--api ADDR:PORT] [--router
 * ADDR:PORT]}: the control plane in the foreground until SIGTERM or Ctrl-C. Instances keep running
 * when it stops; the next start adopts them. ({@code kiln server} is the same through the CLI.)
 */
public final class ServerMain {
  private ServerMain() {}

  public static void main(String[] args) throws InterruptedException {
    String home =
        System.getenv().getOrDefault("KILN_HOME", System.getProperty("user.home") + "/.kiln");
    ServerConfig config = ServerConfig.defaults(Path.of(home)).withSeparateRouter(true);
    boolean stopAll = false;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--home" ->
            config =
                new ServerConfig(
                    Path.of(args[i + 1]),
                    config.api(),
                    config.router(),
                    config.clock(),
                    config.environment(),
                    config.separateRouter());
        case "--separate-router" ->
            config = config.withSeparateRouter(Boolean.parseBoolean(args[i + 1]));
        case "--api" -> config = config.withApi(ServerConfig.address(args[i + 1]));
        case "--router" -> config = config.withRouter(ServerConfig.address(args[i + 1]));
        case "--router-tls" ->
            config =
                config.withRouterTls(
                    java.util.Arrays.stream(args[i + 1].split(","))
                        .map(ServerConfig::address)
                        .toList());
        case "--stop-all" -> stopAll = Boolean.parseBoolean(args[i + 1]);
        case "--environment-from-stdin" -> {
          if (Boolean.parseBoolean(args[i + 1]))
            config = config.withEnvironment(environmentFrom(System.in));
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (stopAll) {
      // Adopt what a previous server left running (fleet and router), stop it all, and exit.
      try (ControlPlane cp = ControlPlane.start(config)) {
        cp.stopFleet("kiln server --stop-all");
        cp.stopRouter();
      }
      return;
    }
    runUntilStopped(config);
  }

  /**
   * The environment as {@code env -0} prints it ({@code NAME=value}, NUL-terminated), read from a
   * pipe instead of inherited: started with an empty environment and this, the server holds the
   * secrets it hands to instances without their being in its {@code /proc/PID/environ}, which every
   * process of the same user can read. (The {@code kiln} launcher starts {@code kiln server} so.)
   */
  public static java.util.Map<String, String> environmentFrom(java.io.InputStream in) {
    byte[] bytes;
    try {
      bytes = in.readNBytes(4 * 1024 * 1024);
    } catch (java.io.IOException e) {
      throw new ServerException("cannot read the environment from stdin: " + e.getMessage(), e);
    }
    java.util.Map<String, String> env = new java.util.TreeMap<>();
    for (String kv : new String(bytes, java.nio.charset.StandardCharsets.UTF_8).split("\0")) {
      int eq = kv.indexOf('=');
      if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return env;
  }

  /**
   * A warm rollback rehearsed on scratch data, beside the server's start ({@link
   * RollbackRehearsal}): the first real rollback then finds its path compiled.
   */
  public static void rehearseRollbacks(ControlPlane cp, java.time.Clock clock) {
    int times = Integer.getInteger(RollbackRehearsal.PROPERTY, RollbackRehearsal.DEFAULT_TIMES);
    if (times <= 0) return;
    Thread.ofPlatform()
        .daemon()
        .name("kiln-rehearsal")
        .start(
            () -> {
              var r = RollbackRehearsal.run(cp.key, clock, times);
              java.util.logging.Logger.getLogger(ServerMain.class.getName())
                  .info(
                      "rollback rehearsal: "
                          + r.rollbacks()
                          + " warm rollbacks on scratch data in "
                          + r.took().toMillis()
                          + " ms"
                          + r.error().map(e -> " (stopped: " + e + ")").orElse(""));
            });
  }

  /** Starts the control plane, prints where it listens, and closes it on SIGTERM/SIGINT. */
  public static void runUntilStopped(ServerConfig config) throws InterruptedException {
    runUntilStopped(config, cp -> () -> {});
  }

  /** As above, with {@code alongside} (e.g. the snapshot schedule) started and closed with it. */
  public static void runUntilStopped(
      ServerConfig config, java.util.function.Function<ControlPlane, AutoCloseable> alongside)
      throws InterruptedException {
    ControlPlane cp = ControlPlane.start(config);
    AutoCloseable extra = alongside.apply(cp);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    extra.close();
                  } catch (Exception e) {
                    System.err.println("kiln server: " + e.getMessage());
                  }
                  cp.close();
                  done.countDown();
                }));
    System.out.println(
        "kiln server: API "
            + cp.apiSocket()
            + " (TCP http://"
            + cp.apiAddress()
            + " with the token in "
            + cp.home().resolve("api-token")
            + ")  router http://"
            + cp.routerAddress()
            + cp.routerTlsAddresses().stream().map(a -> " https://" + a).reduce("", String::concat)
            + "  home "
            + cp.home());
    System.out.flush();
    rehearseRollbacks(cp, config.clock());
    done.await();
  }
}
