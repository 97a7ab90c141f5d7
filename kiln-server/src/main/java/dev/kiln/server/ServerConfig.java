package dev.kiln.server;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * How a control plane starts.
 *
 * @param api where the REST API listens ({@code 127.0.0.1:7878}); beyond loopback it requires a
 *     token
 * @param router where the router listens ({@code 127.0.0.1:8080})
 * @param environment where secret values are looked up first (the server's environment)
 * @param separateRouter run the router as a process of its own that outlives the server ({@code
 *     kiln server}); otherwise it runs in this JVM ({@code kiln up}, tests)
 * @param advisories the offline advisory feed that blueprints' {@code policy: { deny-severity }} is
 *     judged against at apply ({@code kiln server --advisories PATH}); none: no admission check
 * @param routerTls where the router listens for HTTPS ({@code kiln server --router-tls
 *     127.0.0.1:8443}); the certificates come from services' {@code route.tls}. None: no HTTPS
 * @param pinRouterLoops keep each event loop of a router in this JVM on a core of its own, as the
 *     router process does ({@code LoopAffinity}): what {@code kiln up} asks for, unless {@code
 *     -Dkiln.router.pin=false}; tests' control planes leave their loops to the scheduler
 */
public record ServerConfig(
    Path home,
    InetSocketAddress api,
    InetSocketAddress router,
    Clock clock,
    Map<String, String> environment,
    boolean separateRouter,
    Optional<Path> advisories,
    java.util.List<InetSocketAddress> routerTls,
    boolean pinRouterLoops) {
  public static final String VERSION = "0.1.0-SNAPSHOT";

  public ServerConfig {
    home = home.toAbsolutePath();
    environment = Map.copyOf(environment);
    routerTls = java.util.List.copyOf(routerTls);
  }

  public ServerConfig(
      Path home,
      InetSocketAddress api,
      InetSocketAddress router,
      Clock clock,
      Map<String, String> environment,
      boolean separateRouter,
      Optional<Path> advisories,
      java.util.List<InetSocketAddress> routerTls) {
    this(home, api, router, clock, environment, separateRouter, advisories, routerTls, false);
  }

  public ServerConfig(
      Path home,
      InetSocketAddress api,
      InetSocketAddress router,
      Clock clock,
      Map<String, String> environment,
      boolean separateRouter,
      Optional<Path> advisories) {
    this(home, api, router, clock, environment, separateRouter, advisories, java.util.List.of());
  }

  /** The router also listens for HTTPS there (issue 18). */
  public ServerConfig withRouterTls(java.util.List<InetSocketAddress> addresses) {
    return new ServerConfig(
        home,
        api,
        router,
        clock,
        environment,
        separateRouter,
        advisories,
        addresses,
        pinRouterLoops);
  }

  public ServerConfig(
      Path home,
      InetSocketAddress api,
      InetSocketAddress router,
      Clock clock,
      Map<String, String> environment) {
    this(home, api, router, clock, environment, false);
  }

  public ServerConfig(
      Path home,
      InetSocketAddress api,
      InetSocketAddress router,
      Clock clock,
      Map<String, String> environment,
      boolean separateRouter) {
    this(home, api, router, clock, environment, separateRouter, Optional.empty());
  }

  public static ServerConfig defaults(Path home) {
    return new ServerConfig(
        home,
        address("127.0.0.1:7878"),
        address("127.0.0.1:8080"),
        Clock.systemUTC(),
        System.getenv());
  }

  public ServerConfig withApi(InetSocketAddress a) {
    return new ServerConfig(
        home, a, router, clock, environment, separateRouter, advisories, routerTls, pinRouterLoops);
  }

  public ServerConfig withRouter(InetSocketAddress r) {
    return new ServerConfig(
        home, api, r, clock, environment, separateRouter, advisories, routerTls, pinRouterLoops);
  }

  /** Where secret values are looked up first, instead of this process's environment. */
  public ServerConfig withEnvironment(Map<String, String> env) {
    return new ServerConfig(
        home, api, router, clock, env, separateRouter, advisories, routerTls, pinRouterLoops);
  }

  public ServerConfig withSeparateRouter(boolean separate) {
    return new ServerConfig(
        home, api, router, clock, environment, separate, advisories, routerTls, pinRouterLoops);
  }

  /**
   * Keep the event loops of the routers this JVM runs (not a router process, which pins its own)
   * each on a core of its own.
   */
  public ServerConfig withPinnedRouterLoops(boolean pin) {
    return new ServerConfig(
        home, api, router, clock, environment, separateRouter, advisories, routerTls, pin);
  }

  /** Judge blueprints with a {@code policy:} against this feed at apply. */
  public ServerConfig withAdvisories(Path feed) {
    return new ServerConfig(
        home,
        api,
        router,
        clock,
        environment,
        separateRouter,
        Optional.of(feed),
        routerTls,
        pinRouterLoops);
  }

  /** Parses {@code host:port} (or {@code :port}, meaning 127.0.0.1). */
  public static InetSocketAddress address(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 0)
      throw new ServerException("address '" + text + "' must be HOST:PORT, e.g. 127.0.0.1:7878");
    String host = colon == 0 ? "127.0.0.1" : text.substring(0, colon);
    try {
      return new InetSocketAddress(host, Integer.parseInt(text.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      throw new ServerException("address '" + text + "' must be HOST:PORT, e.g. 127.0.0.1:7878");
    }
  }
}
