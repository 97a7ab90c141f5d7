package dev.kiln.router;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SniHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Kiln's HTTP reverse proxy. The control plane's whole interface: {@link #start}, {@link #swap} a
 * new {@link RouteTable} in, read {@link #metrics()}, {@link #close()}. See the package
 * documentation for the drain protocol.
 */
public final class Router implements AutoCloseable {
  private final RouterCore core;
  private final EventLoopGroup loops;
  private final List<Integer> pinnedCores;
  private final List<Channel> listeners = new ArrayList<>();
  private final List<Channel> tlsListeners = new ArrayList<>();
  private final Certificates certificates;
  private final @Nullable ScheduledExecutorService certificateWatch;
  private final @Nullable OcspStapling stapling;
  private final Map<BackendKey, BackendState> backends = new HashMap<>();
  private final Map<String, TrafficStats> serviceStats = new HashMap<>();
  private final Set<BackendState> draining = ConcurrentHashMap.newKeySet();
  private final Set<Runnable> unfinishedDrains = ConcurrentHashMap.newKeySet();

  /** Same service, id, revision and address = the same backend; a new weight alone is no change. */
  private record BackendKey(
      String service, String id, String revision, InetSocketAddress address) {}

  private Router(RouterConfig config, RouteTable initial, Ticker ticker, Clock clock) {
    this.certificates = new Certificates(clock, Protocols.ALPN);
    certificates.install(certificates.prepare(initial)); // a bad certificate: no router at all
    CompiledTable first = compile(initial);
    this.core = new RouterCore(config, ticker, clock, first);
    core.liveAddresses =
        backends.keySet().stream()
            .map(BackendKey::address)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    int threads =
        config.ioThreads() == 0 ? Runtime.getRuntime().availableProcessors() : config.ioThreads();
    this.loops = Transport.group(threads, new DefaultThreadFactory("kiln-router", true));
    this.pinnedCores = config.pinLoops() ? LoopAffinity.pin(loops) : List.of();
    this.stapling =
        config.tlsListeners().isEmpty() || !OcspStapling.supported()
            ? null
            : new OcspStapling(certificates::all, clock);
    if (config.tlsListeners().isEmpty()) {
      this.certificateWatch = null;
    } else {
      // off the event loops: a changed file means parsing and a key check, a few milliseconds
      this.certificateWatch =
          Executors.newSingleThreadScheduledExecutor(
              new DefaultThreadFactory("kiln-router-certificates", true));
      long every = config.certificateCheckInterval().toNanos();
      certificateWatch.scheduleWithFixedDelay(
          certificates::reloadChangedFiles, every, every, TimeUnit.NANOSECONDS);
    }
  }

  /** Starts listening with the system clock. */
  public static Router start(RouterConfig config, RouteTable initial) {
    return start(config, initial, Ticker.system());
  }

  public static Router start(RouterConfig config, RouteTable initial, Ticker ticker) {
    return start(config, initial, ticker, Clock.systemUTC());
  }

  /**
   * @param clock wall time, for certificate validity (the ticker measures durations)
   * @throws RouterException if a listener cannot bind or a certificate of {@code initial} is bad
   */
  public static Router start(RouterConfig config, RouteTable initial, Ticker ticker, Clock clock) {
    Router r = new Router(config, initial, ticker, clock);
    try {
      r.bind();
    } catch (RuntimeException e) {
      r.close();
      throw e;
    }
    return r;
  }

  private void bind() {
    bindAll(core.config.listeners(), false, listeners);
    bindAll(core.config.tlsListeners(), true, tlsListeners);
    if (!tlsListeners.isEmpty()) core.httpsPort = tlsAddresses().get(0).getPort();
  }

  private void bindAll(List<InetSocketAddress> addresses, boolean secure, List<Channel> into) {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(loops)
            .channel(Transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (secure) {
                      // SNI picks the certificate, then ALPN picks h2 or HTTP/1.1
                      ch.pipeline()
                          .addLast(new StaplingSniHandler())
                          .addLast(new Protocols.Alpn(core));
                    } else {
                      ch.pipeline().addLast(new Protocols.PriorKnowledge(core));
                    }
                  }
                });
    for (InetSocketAddress address : addresses) {
      try {
        into.add(b.bind(address).sync().channel());
      } catch (Exception e) {
        throw new RouterException(
            "router: cannot listen on "
                + address
                + " ("
                + e.getMessage()
                + "); is the port in use?",
            e);
      }
    }
  }

  /** SNI picks the certificate; the engine made for it gets its stapled OCSP answer, if any. */
  private final class StaplingSniHandler extends SniHandler {
    StaplingSniHandler() {
      super(certificates);
    }

    @Override
    protected io.netty.handler.ssl.SslHandler newSslHandler(
        io.netty.handler.ssl.SslContext context, io.netty.buffer.ByteBufAllocator allocator) {
      io.netty.handler.ssl.SslHandler handler = super.newSslHandler(context, allocator);
      if (stapling != null) stapling.staple(context, handler.engine());
      return handler;
    }
  }

  /** The OCSP answer stapled for the certificate {@code serverName} gets, if any (tests). */
  java.util.Optional<byte[]> stapled(String serverName) {
    if (stapling == null) return java.util.Optional.empty();
    OcspStapling staples = stapling;
    return certificates.served(serverName).flatMap(s -> staples.answer(s.context()));
  }

  /** The core each event loop is kept on, in loop order; empty when they are not pinned. */
  public List<Integer> pinnedCores() {
    return pinnedCores;
  }

  /** The event loops (tests look at their threads). */
  Iterable<EventExecutor> eventLoops() {
    return loops;
  }

  /** Where the router listens (ports resolved when the config asked for port 0). */
  public List<InetSocketAddress> addresses() {
    return listeners.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
  }

  /** Where the router listens for HTTPS. */
  public List<InetSocketAddress> tlsAddresses() {
    return tlsListeners.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
  }

  /** The certificates being served, with their expiry and the last refused reload, if any. */
  public List<CertificateStatus> certificates() {
    return certificates.status();
  }

  /** Re-reads the certificate files now (they are also re-read every check interval). */
  public void reloadCertificates() {
    certificates.reloadChangedFiles();
  }

  /** The table being served. */
  public RouteTable table() {
    return core.table.table;
  }

  /**
   * Serves {@code next} from now on, atomically: a request sees the old table or the new one, never
   * a mix. The returned future completes when every backend that left has finished its in-flight
   * requests, or at the drain timeout (those still busy are cut off and listed in the report).
   *
   * @throws RouterException if {@code next} is not newer than the table being served
   */
  public synchronized CompletableFuture<DrainReport> swap(RouteTable next) {
    CompiledTable current = core.table;
    if (next.version() <= current.table.version()) {
      throw new RouterException(
          "route table v"
              + next.version()
              + " is not newer than v"
              + current.table.version()
              + " being served; send tables with increasing versions");
    }
    // certificates first: a bad one refuses the whole swap before anything changed
    Certificates.Index certs = certificates.prepare(next);
    Map<BackendState, Boolean> before = new IdentityHashMap<>();
    backends.values().forEach(b -> before.put(b, true));
    CompiledTable compiled = compile(next);
    core.table = compiled;
    certificates.install(certs);
    core.waiting.resume(compiled);
    List<BackendState> leaving = new ArrayList<>();
    for (BackendState b : before.keySet()) {
      if (backends.get(
              new BackendKey(b.service, b.backend.id(), b.backend.revision(), b.backend.address()))
          != b) leaving.add(b);
    }
    return drain(next.version(), leaving);
  }

  private CompiledTable compile(RouteTable table) {
    Map<BackendKey, BackendState> kept = new HashMap<>();
    List<CompiledService> services = new ArrayList<>();
    Map<String, TrafficStats> stats = new HashMap<>();
    for (ServiceRoute s : table.services()) {
      Map<Backend, BackendState> states = new HashMap<>();
      for (Backend b : s.backends()) {
        var key = new BackendKey(s.service(), b.id(), b.revision(), b.address());
        BackendState state = backends.get(key);
        if (state == null) state = new BackendState(s.service(), b);
        kept.put(key, state);
        states.put(b, state);
      }
      TrafficStats st = serviceStats.getOrDefault(s.service(), new TrafficStats());
      stats.put(s.service(), st);
      services.add(new CompiledService(s, st, states));
    }
    backends.clear();
    backends.putAll(kept);
    if (core != null) {
      core.liveAddresses =
          kept.keySet().stream()
              .map(BackendKey::address)
              .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }
    serviceStats.clear();
    serviceStats.putAll(stats);
    return new CompiledTable(table, services);
  }

  private CompletableFuture<DrainReport> drain(long version, List<BackendState> leaving) {
    var report = new CompletableFuture<DrainReport>();
    if (leaving.isEmpty()) {
      report.complete(new DrainReport(version, List.of(), List.of()));
      return report;
    }
    var done = new AtomicBoolean();
    List<CompletableFuture<Boolean>> futures = new ArrayList<>();
    for (BackendState b : leaving) {
      draining.add(b);
      futures.add(b.retire());
    }
    Runnable finish =
        () -> {
          if (!done.compareAndSet(false, true)) return;
          List<String> drained = new ArrayList<>();
          List<String> cutOff = new ArrayList<>();
          for (BackendState b : leaving) {
            if (b.stats.inFlight.get() <= 0) drained.add(b.label());
            else {
              cutOff.add(b.label());
              b.connections.close();
            }
            var address = b.backend.address();
            if (!core.liveAddresses.contains(address)) {
              for (EventExecutor loop : loops) {
                if (!loop.isShuttingDown()) loop.execute(() -> core.pool().closeAll(address));
              }
            }
            draining.remove(b);
          }
          report.complete(new DrainReport(version, drained, cutOff));
        };
    Runnable finishOnce =
        new Runnable() {
          @Override
          public void run() {
            unfinishedDrains.remove(this);
            finish.run();
          }
        };
    unfinishedDrains.add(finishOnce);
    var timer =
        loops
            .next()
            .schedule(finishOnce, core.config.drainTimeout().toNanos(), TimeUnit.NANOSECONDS);
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .thenRun(
            () -> {
              timer.cancel(false);
              finishOnce.run();
            });
    return report;
  }

  /** A copy of every counter, for the controller. */
  /**
   * Called (on an event loop: return quickly) each time a request is held for a service without a
   * backend: the control plane's cue to wake it. Push, not poll.
   */
  public void onWake(java.util.function.Consumer<String> listener) {
    core.waiting.onWake(listener);
  }

  /** Requests held right now, per service (services with none are left out). */
  public Map<String, Integer> heldRequests() {
    return core.waiting.held();
  }

  public RouterMetrics metrics() {
    CompiledTable t = core.table;
    long now = core.ticker.nanos();
    List<ServiceMetrics> services = new ArrayList<>();
    for (CompiledService s : t.services) {
      List<BackendMetrics> bs = new ArrayList<>();
      for (BackendState b : s.all.states) bs.add(b.snapshot(now));
      for (BackendState b : draining) if (b.service.equals(s.name)) bs.add(b.snapshot(now));
      services.add(new ServiceMetrics(s.name, s.stats.snapshot(), bs));
    }
    return new RouterMetrics(t.table.version(), core.unrouted.sum(), services);
  }

  /** The metrics in Prometheus text exposition format (for the server's {@code /metrics}). */
  public String prometheus() {
    return PrometheusText.render(metrics())
        + PrometheusText.renderTls(
            certificates(),
            certificates.reloads.sum(),
            certificates.reloadFailures.sum(),
            core.clock.instant());
  }

  /**
   * Stops listening and closes every connection at once (no drain: swap to an empty table first and
   * wait for its future). Drains still in progress complete, listing their busy backends as cut
   * off.
   */
  @Override
  public void close() {
    if (certificateWatch != null) certificateWatch.shutdownNow();
    if (stapling != null) stapling.close();
    for (Channel c : listeners) c.close().awaitUninterruptibly();
    for (Channel c : tlsListeners) c.close().awaitUninterruptibly();
    // drains in progress end now: report what was still in flight as cut off
    for (Runnable r : List.copyOf(unfinishedDrains)) r.run();
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
