package dev.kiln.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What every connection handler shares: config, clock, the current table, backend connections. */
final class RouterCore {
  final RouterConfig config;
  final Ticker ticker;
  final java.time.Clock clock;

  /** The first HTTPS listener's port, for redirects; -1 without one. */
  volatile int httpsPort = -1;

  /** The table being served; replaced whole by {@link Router#swap}, never mutated. */
  volatile CompiledTable table;

  final LongAdder unrouted = new LongAdder();
  final Waiting waiting = new Waiting();
  final AsciiString requestIdHeader;
  final long headerTimeoutNanos;
  final long idleTimeoutNanos;
  final long tunnelIdleTimeoutNanos;
  final long ejectNanos;
  final long maxBody;
  private final Bootstrap upstream;
  private final FastThreadLocal<ConnectionPool> pools =
      new FastThreadLocal<>() {
        @Override
        protected ConnectionPool initialValue() {
          return new ConnectionPool();
        }
      };

  /** h2c streams to backends, for gRPC requests. */
  final GrpcUpstream grpc;

  private final String idPrefix;
  private final AtomicLong ids = new AtomicLong();

  RouterCore(RouterConfig config, Ticker ticker, java.time.Clock clock, CompiledTable initial) {
    this.config = config;
    this.ticker = ticker;
    this.clock = clock;
    this.table = initial;
    this.requestIdHeader = AsciiString.cached(config.requestIdHeader().toLowerCase());
    this.headerTimeoutNanos = config.requestHeaderTimeout().toNanos();
    this.idleTimeoutNanos = config.idleTimeout().toNanos();
    this.tunnelIdleTimeoutNanos = config.tunnelIdleTimeout().toNanos();
    this.ejectNanos = config.ejectionDuration().toNanos();
    this.maxBody = config.maxBodySize();
    this.grpc = new GrpcUpstream(this);
    this.idPrefix = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16) + "-";
    this.upstream =
        new Bootstrap()
            .channel(Transport.clientChannel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis());
  }

  /**
   * Addresses some backend of the current table listens on: their connections are worth pooling.
   */
  volatile java.util.Set<java.net.InetSocketAddress> liveAddresses = java.util.Set.of();

  boolean reusable(BackendState b) {
    return !b.retired() || liveAddresses.contains(b.backend.address());
  }

  /** The pool of the calling event loop. */
  ConnectionPool pool() {
    return pools.get();
  }

  String nextRequestId() {
    return idPrefix + Long.toHexString(ids.incrementAndGet());
  }

  String newStickyValue() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  /** Opens a connection to {@code b} on {@code loop}, the loop of the client that needs it. */
  ChannelFuture connect(BackendState b, EventLoop loop) {
    ConnectionPool pool = pool();
    long responseTimeout = config.responseTimeout().toNanos();
    int maxHeader = Math.max(config.maxHeaderSize(), 65536);
    return upstream
        .clone(loop)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline()
                    .addLast(
                        "idle", new IdleStateHandler(responseTimeout, 0, 0, TimeUnit.NANOSECONDS))
                    .addLast("http", new HttpClientCodec(8192, maxHeader, 65536, false, false))
                    .addLast("upstream", new UpstreamHandler(b, pool));
                b.connections.add(ch);
              }
            })
        .connect(b.backend.address());
  }
}
