package dev.kiln.cli;

import dev.kiln.server.ServerConfig;
import dev.kiln.server.ServerMain;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln server}: the control plane in the foreground until SIGTERM or Ctrl-C. Instances keep
 * running when it stops; the next start adopts them.
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Run the control plane: REST API, router, reconcile loop.",
      "State lives in $KILN_HOME/state.db; instances run in the process runtime and survive a restart."
    })
public final class ServerCommand implements Callable<Integer> {
  @Mixin HomeOption home;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--api",
      paramLabel = "ADDR:PORT",
      description =
          "TCP address of the API (default: 127.0.0.1:7878); it wants the token in $KILN_HOME/api-token, loopback included. The CLI uses $KILN_HOME/api.sock.")
  Optional<String> api = Optional.empty();

  @Option(
      names = "--router",
      paramLabel = "ADDR:PORT",
      description = "Router listen address (default: 127.0.0.1:8080).")
  Optional<String> router = Optional.empty();

  @Option(
      names = "--router-tls",
      paramLabel = "ADDR:PORT",
      split = ",",
      description =
          "Also listen for HTTPS there (e.g. 127.0.0.1:8443; h2 or HTTP/1.1 by ALPN). Certificates come from services' route.tls, picked by SNI.")
  java.util.List<String> routerTls = new java.util.ArrayList<>();

  @Option(
      names = "--in-process-router",
      description =
          "Run the router inside the server (it then stops with it) instead of as a process of its own that keeps serving across server restarts.")
  boolean inProcessRouter;

  @Option(
      names = "--environment-from-stdin",
      hidden = true,
      description =
          "Read the environment (env -0) from stdin instead of inheriting it, so secrets are not in /proc/PID/environ; the kiln launcher does this.")
  boolean environmentFromStdin;

  @Option(
      names = "--advisories",
      paramLabel = "PATH",
      description =
          "An offline advisory feed (OSV/tracker JSON: a directory, .zip or .json) that blueprints with policy: { deny-severity: ... } are judged against at apply.")
  Optional<java.nio.file.Path> advisories = Optional.empty();

  @Option(
      names = "--snapshot-every",
      paramLabel = "DURATION",
      converter = ApplyCommand.DurationConverter.class,
      description =
          "Write a snapshot this often (e.g. 1h); each is proven by a restore drill into a scratch home before it counts, the verdict journaled (snapshot-drill).")
  Optional<java.time.Duration> snapshotEvery = Optional.empty();

  @Option(
      names = "--snapshot-keep",
      paramLabel = "K",
      defaultValue = "24",
      description = "Keep the newest K proven snapshots (default: ${DEFAULT-VALUE}).")
  int snapshotKeep;

  @Option(
      names = "--snapshot-dir",
      paramLabel = "DIR",
      description = "Where scheduled snapshots go (default: $KILN_HOME/snapshots).")
  Optional<java.nio.file.Path> snapshotDir = Optional.empty();

  @Option(
      names = "--stop-all",
      description =
          "Stop what kiln server leaves running when it stops: every instance of this KILN_HOME"
              + " (drained) and its router processes, the environments' too; then exit. Refused"
              + " while a server of this home runs (stop it first).")
  boolean stopAll;

  @picocli.CommandLine.ArgGroup(exclusive = false, heading = "Follow a git branch (GitOps):%n")
  GitFlags git;

  @Override
  public Integer call() throws Exception {
    ServerConfig c = config(home, api, router).withSeparateRouter(!inProcessRouter);
    if (!routerTls.isEmpty())
      c = c.withRouterTls(routerTls.stream().map(ServerConfig::address).toList());
    if (environmentFromStdin) c = c.withEnvironment(ServerMain.environmentFrom(System.in));
    if (advisories.isPresent()) c = c.withAdvisories(advisories.get().toAbsolutePath());
    if (snapshotKeep < 1)
      throw new dev.kiln.model.KilnException(
          "--snapshot-keep must be 1 or more, not " + snapshotKeep);
    if (snapshotEvery.isPresent() && !snapshotEvery.get().isPositive())
      throw new dev.kiln.model.KilnException("--snapshot-every must be positive");
    if (stopAll) return stopAll(c);
    java.nio.file.Path dir = snapshotDir.orElse(home.home().resolve("snapshots"));
    java.util.Optional<dev.kiln.server.GitOptions> following =
        git == null ? java.util.Optional.empty() : java.util.Optional.of(gitOptions(git));
    following.ifPresent(dev.kiln.server.GitFollower::preflight);
    ServerMain.runUntilStopped(
        c,
        cp -> {
          AutoCloseable snapshots =
              snapshotEvery.isPresent()
                  ? dev.kiln.server.SnapshotSchedule.start(
                      cp, snapshotEvery.get(), dir, snapshotKeep)
                  : () -> {};
          AutoCloseable follower =
              following.isPresent()
                  ? dev.kiln.server.GitFollower.start(cp, following.get())
                  : () -> {};
          return () -> {
            follower.close();
            snapshots.close();
          };
        });
    return 0;
  }

  /**
   * Adopts what a previous server left (instances, router processes), stops it all, and exits:
   * docs/tls.md and the router's own messages sent users to {@code kiln server --stop-all}, which
   * only the server's bare main class understood.
   */
  private int stopAll(ServerConfig c) {
    try (dev.kiln.server.ControlPlane cp = dev.kiln.server.ControlPlane.start(c)) {
      cp.stopFleet("kiln server --stop-all");
      cp.stopRouter();
    }
    java.io.PrintWriter out = spec.commandLine().getOut();
    out.println(
        "kiln server --stop-all: every instance of "
            + home.home()
            + " stopped; its router processes drain and exit (SIGTERM)");
    out.flush();
    return 0;
  }

  static dev.kiln.server.GitOptions gitOptions(GitFlags g) {
    return new dev.kiln.server.GitOptions(
        g.sourceAsGiven(),
        g.branch,
        g.path,
        g.interval,
        g.allowedSigners.map(p -> p.toAbsolutePath().normalize()),
        dev.kiln.server.GitOptions.Drift.parse(g.drift),
        g.allowedGpgKeys.map(p -> p.toAbsolutePath().normalize()));
  }

  /**
   * The control plane a user starts: a router in this JVM ({@code kiln up}, {@code
   * --in-process-router}) keeps its event loops on cores of their own like a router process does,
   * unless {@code -Dkiln.router.pin=false}.
   */
  static ServerConfig config(HomeOption home, Optional<String> api, Optional<String> router) {
    ServerConfig c =
        ServerConfig.defaults(home.home())
            .withPinnedRouterLoops(
                !"false".equals(System.getProperty(dev.kiln.server.RouterProcess.PIN_PROPERTY)));
    if (api.isPresent()) c = c.withApi(ServerConfig.address(api.get()));
    if (router.isPresent()) c = c.withRouter(ServerConfig.address(router.get()));
    return c;
  }
}
