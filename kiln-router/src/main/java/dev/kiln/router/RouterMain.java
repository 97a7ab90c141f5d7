package dev.kiln.router;

import dev.kiln.model.Route;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A standalone router with static routes, for benchmarks and trying things out:
 *
 * <pre>
 * java -cp ... dev.kiln.router.RouterMain [--threads N] [--swap-every-ms M] [--warmup REQUESTS]
 *     [--tls LISTEN --cert CHAIN.pem --key KEY.pem] LISTEN ROUTE...
 *   LISTEN  host:port, e.g. 127.0.0.1:8080
 * RouterMain --jvm-options DIR   prints the JVM options Kiln starts a router process with (this
 *   JVM and class path), training the AOT cache in DIR first when it is missing (RouterAot)
 *   --tls   also listen for HTTPS (h2 or HTTP/1.1 by ALPN) with that certificate for every route
 *   --warmup  requests of the self warm-up before listening (RouterWarmup; default 20000, 0 = off)
 *   --no-pin  leave the event loops where the scheduler puts them (default: each on a core of its
 *             own, as a router process started by kiln server; LoopAffinity)
 *   ROUTE   host/path=backend[,backend...], e.g. "*&#47;=127.0.0.1:9000"
 * </pre>
 *
 * {@code --swap-every-ms} swaps in an equivalent table every M ms whose backends have new ids, so
 * every swap really retires and drains the previous backends (the route-table churn benchmark).
 */
public final class RouterMain {
  private RouterMain() {}

  /** The certificate every route gets with --tls, or null. */
  private static @Nullable TlsSite site;

  public static void main(String[] args) throws Exception {
    if (System.getProperty("io.netty.leakDetection.level") == null) {
      // sampling leak detection wraps buffers on the hot path; the tests run with it on, this need
      // not
      io.netty.util.ResourceLeakDetector.setLevel(
          io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
    if (args.length == 2 && args[0].equals("--jvm-options")) {
      // what a router process started by Kiln runs with, for benchmarks to start the same
      RouterJvm.forThisMachine(java.nio.file.Path.of(args[1]), true).forEach(System.out::println);
      return;
    }
    int threads = 0;
    boolean pin = true;
    long swapEvery = 0;
    RouterWarmup warmup = RouterWarmup.DEFAULT;
    List<InetSocketAddress> tls = new ArrayList<>();
    java.nio.file.Path cert = null;
    java.nio.file.Path key = null;
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--no-pin" -> pin = false;
        case "--swap-every-ms" -> swapEvery = Long.parseLong(args[++i]);
        case "--warmup" -> warmup = RouterWarmup.ofRequests(Integer.parseInt(args[++i]));
        case "--tls" -> tls.add(address(args[++i]));
        case "--cert" -> cert = java.nio.file.Path.of(args[++i]);
        case "--key" -> key = java.nio.file.Path.of(args[++i]);
        default -> rest.add(args[i]);
      }
    }
    if (rest.size() < 2) {
      System.err.println(
          "usage: RouterMain [--threads N] [--swap-every-ms M] LISTEN host/path=backend[,backend]...");
      System.exit(2);
    }
    InetSocketAddress listen = address(rest.get(0));
    List<String> routes = rest.subList(1, rest.size());
    if (!tls.isEmpty()) {
      if (cert == null || key == null) {
        System.err.println("--tls needs --cert CHAIN.pem and --key KEY.pem");
        System.exit(2);
        return;
      }
      site = TlsSite.of(cert, KeyPem.of(java.nio.file.Files.readAllBytes(key)));
    }
    var config =
        RouterConfig.builder()
            .listeners(List.of(listen))
            .tlsListeners(tls)
            .ioThreads(threads)
            .pinLoops(pin)
            .build();
    if (warmup.requests() > 0) {
      RouterWarmup.Report w = warmup.run(config);
      System.out.println(
          "warm-up: "
              + w.served()
              + " requests in "
              + w.took().toMillis()
              + " ms"
              + (w.error() == null ? "" : " (stopped: " + w.error() + ")"));
    }
    Router router = Router.start(config, table(routes, 1, "a"));
    System.out.println(
        "kiln router listening on "
            + router.addresses()
            + (tls.isEmpty()
                ? ""
                : " https " + router.tlsAddresses() + " (" + TlsContexts.provider() + ")")
            + " ("
            + Transport.chosen().label()
            + "; event loops on cores "
            + (router.pinnedCores().isEmpty() ? "unpinned" : router.pinnedCores())
            + ")");
    if (swapEvery > 0) {
      var timer = Executors.newSingleThreadScheduledExecutor();
      long[] version = {1};
      timer.scheduleAtFixedRate(
          () -> {
            long v = ++version[0];
            router
                .swap(table(routes, v, v % 2 == 0 ? "b" : "a"))
                .thenAccept(
                    r -> {
                      if (!r.clean()) System.err.println("swap v" + v + ": cut off " + r.cutOff());
                    });
          },
          swapEvery,
          swapEvery,
          TimeUnit.MILLISECONDS);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(router::close));
    Thread.currentThread().join();
  }

  static RouteTable table(List<String> routes, long version, String generation) {
    List<ServiceRoute> services = new ArrayList<>();
    int n = 0;
    for (String spec : routes) {
      int eq = spec.indexOf('=');
      int slash = spec.indexOf('/');
      if (eq < 0 || slash < 0 || slash > eq)
        throw new RouterException("route " + spec + ": expected host/path=backend[,backend]");
      String host = spec.substring(0, slash);
      String path = spec.substring(slash, eq);
      List<Backend> backends = new ArrayList<>();
      int i = 0;
      for (String b : spec.substring(eq + 1).split(",")) {
        backends.add(new Backend(generation + (i++), "1", address(b), 1));
      }
      var route = ServiceRoute.of("s" + (n++), new Route(host, path), backends);
      services.add(site == null ? route : route.withTls(site));
    }
    return new RouteTable(version, services);
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) throw new RouterException(hostPort + ": expected host:port");
    return new InetSocketAddress(
        hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }
}
