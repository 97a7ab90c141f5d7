package dev.kiln.router;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * Everything the router is told once, at start. Sealed after start: a different config means a new
 * router, a different route table means {@link Router#swap}.
 *
 * @param listeners where clients connect (port 0 = any free port; see {@link Router#addresses()})
 * @param tlsListeners where clients connect over TLS (HTTPS); the certificate comes from the routes
 *     ({@link ServiceRoute#withTls}), picked by SNI. See {@link Router#tlsAddresses()}
 * @param certificateCheckInterval how often certificate files are re-read for a hot reload
 * @param ioThreads event loops; 0 = one per core. Each client connection and its backend
 *     connections live on one loop, so nothing on the request path crosses threads.
 * @param connectTimeout a backend that does not accept in this time counts as a connect failure
 * @param responseTimeout a backend silent this long after the request was sent gets a 504
 * @param requestHeaderTimeout a client must finish a request's header section this soon after it
 *     started it (slowloris); 408 and close otherwise
 * @param idleTimeout a keep-alive connection idle, or a body upload stalled, this long is closed
 * @param tunnelIdleTimeout a tunnel (WebSocket, any upgrade) with no byte either way this long is
 *     closed; on a backend that is draining, a tunnel quiet for a second is closed, so idle tunnels
 *     do not hold a drain until its deadline
 * @param drainTimeout how long a backend that left the table may finish its in-flight requests
 * @param maxInitialLineLength longest request line (414 past it)
 * @param maxHeaderSize largest header section (431 past it)
 * @param maxBodySize largest request body in bytes (413 past it)
 * @param ejectionThreshold consecutive connect failures that eject a backend
 * @param ejectionDuration how long an ejected backend gets no new requests before it is tried again
 * @param maxAttempts backends tried for one idempotent request whose connection fails before any
 *     byte
 * @param maxIdlePerBackend idle keep-alive connections kept per backend and event loop
 * @param requestIdHeader header carrying the request id (kept if the client sent one)
 * @param pinLoops each event loop kept on a core of its own ({@link LoopAffinity}): what a router
 *     process does; off for a router embedded in another program, whose threads it would crowd
 */
public record RouterConfig(
    List<InetSocketAddress> listeners,
    List<InetSocketAddress> tlsListeners,
    Duration certificateCheckInterval,
    int ioThreads,
    Duration connectTimeout,
    Duration responseTimeout,
    Duration requestHeaderTimeout,
    Duration idleTimeout,
    Duration tunnelIdleTimeout,
    Duration drainTimeout,
    int maxInitialLineLength,
    int maxHeaderSize,
    long maxBodySize,
    int ejectionThreshold,
    Duration ejectionDuration,
    int maxAttempts,
    int maxIdlePerBackend,
    String requestIdHeader,
    boolean pinLoops) {

  public RouterConfig {
    listeners = List.copyOf(listeners);
    tlsListeners = List.copyOf(tlsListeners);
    if (listeners.isEmpty() && tlsListeners.isEmpty())
      throw new RouterException("router config: at least one listener is needed");
    if (ioThreads < 0) throw new RouterException("router config: ioThreads must be >= 0");
    for (Duration d :
        List.of(
            connectTimeout,
            responseTimeout,
            requestHeaderTimeout,
            idleTimeout,
            tunnelIdleTimeout,
            drainTimeout,
            ejectionDuration,
            certificateCheckInterval)) {
      if (d.isNegative() || d.isZero())
        throw new RouterException("router config: timeouts must be > 0");
    }
    if (maxInitialLineLength < 64 || maxHeaderSize < 256) {
      throw new RouterException("router config: maxInitialLineLength >= 64, maxHeaderSize >= 256");
    }
    if (maxBodySize < 0) throw new RouterException("router config: maxBodySize must be >= 0");
    if (ejectionThreshold < 1 || maxAttempts < 1 || maxIdlePerBackend < 0) {
      throw new RouterException("router config: ejectionThreshold, maxAttempts >= 1");
    }
    if (requestIdHeader == null || requestIdHeader.isBlank()) {
      throw new RouterException("router config: requestIdHeader must not be blank");
    }
  }

  /** The defaults: 127.0.0.1:8080, one loop per core, 10 MiB bodies, 30 s drain. */
  public static Builder builder() {
    return new Builder();
  }

  public static RouterConfig defaults() {
    return builder().build();
  }

  public static final class Builder {
    private List<InetSocketAddress> listeners = List.of(new InetSocketAddress("127.0.0.1", 8080));
    private List<InetSocketAddress> tlsListeners = List.of();
    private Duration certificateCheckInterval = Duration.ofSeconds(5);
    private int ioThreads = 0;
    private boolean pinLoops = false;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration responseTimeout = Duration.ofSeconds(60);
    private Duration requestHeaderTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofSeconds(60);
    private Duration tunnelIdleTimeout = Duration.ofMinutes(5);
    private Duration drainTimeout = Duration.ofSeconds(30);
    private int maxInitialLineLength = 8192;
    private int maxHeaderSize = 16384;
    private long maxBodySize = 10L * 1024 * 1024;
    private int ejectionThreshold = 5;
    private Duration ejectionDuration = Duration.ofSeconds(10);
    private int maxAttempts = 3;
    private int maxIdlePerBackend = 128;
    private String requestIdHeader = "X-Request-Id";

    private Builder() {}

    public Builder listeners(List<InetSocketAddress> value) {
      listeners = value;
      return this;
    }

    public Builder listen(String host, int port) {
      listeners = List.of(new InetSocketAddress(host, port));
      return this;
    }

    /** HTTPS listeners (none by default). */
    public Builder tlsListeners(List<InetSocketAddress> value) {
      tlsListeners = value;
      return this;
    }

    public Builder certificateCheckInterval(Duration value) {
      certificateCheckInterval = value;
      return this;
    }

    public Builder ioThreads(int value) {
      ioThreads = value;
      return this;
    }

    public Builder connectTimeout(Duration value) {
      connectTimeout = value;
      return this;
    }

    public Builder responseTimeout(Duration value) {
      responseTimeout = value;
      return this;
    }

    public Builder requestHeaderTimeout(Duration value) {
      requestHeaderTimeout = value;
      return this;
    }

    public Builder idleTimeout(Duration value) {
      idleTimeout = value;
      return this;
    }

    public Builder tunnelIdleTimeout(Duration value) {
      tunnelIdleTimeout = value;
      return this;
    }

    public Builder drainTimeout(Duration value) {
      drainTimeout = value;
      return this;
    }

    public Builder maxInitialLineLength(int value) {
      maxInitialLineLength = value;
      return this;
    }

    public Builder maxHeaderSize(int value) {
      maxHeaderSize = value;
      return this;
    }

    public Builder maxBodySize(long value) {
      maxBodySize = value;
      return this;
    }

    public Builder ejectionThreshold(int value) {
      ejectionThreshold = value;
      return this;
    }

    public Builder ejectionDuration(Duration value) {
      ejectionDuration = value;
      return this;
    }

    public Builder maxAttempts(int value) {
      maxAttempts = value;
      return this;
    }

    public Builder maxIdlePerBackend(int value) {
      maxIdlePerBackend = value;
      return this;
    }

    /** Keep each event loop on a core of its own (a router process; see {@link LoopAffinity}). */
    public Builder pinLoops(boolean value) {
      pinLoops = value;
      return this;
    }

    public Builder requestIdHeader(String value) {
      requestIdHeader = value;
      return this;
    }

    public RouterConfig build() {
      return new RouterConfig(
          listeners,
          tlsListeners,
          certificateCheckInterval,
          ioThreads,
          connectTimeout,
          responseTimeout,
          requestHeaderTimeout,
          idleTimeout,
          tunnelIdleTimeout,
          drainTimeout,
          maxInitialLineLength,
          maxHeaderSize,
          maxBodySize,
          ejectionThreshold,
          ejectionDuration,
          maxAttempts,
          maxIdlePerBackend,
          requestIdHeader,
          pinLoops);
    }
  }
}
