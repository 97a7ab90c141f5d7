package dev.kiln.router;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The state of the one request a client connection has in flight, and its accounting. One instance
 * per connection, reused for every request on it (no allocation per request); only ever touched on
 * the connection's event loop, so nothing here is synchronised.
 *
 * <p>{@link RequestAdmission} fills in the request side, {@link UpstreamDispatch} the backend, and
 * {@link ResponseRelay} the response; {@link #end} records the outcome and lets the backend go.
 */
final class Exchange {
  /** Request body bytes buffered while connecting, beyond which the client is not read. */
  static final int PENDING_LIMIT = 64 * 1024;

  @Nullable HttpRequest request;
  @Nullable HttpRequest
      outbound; // what goes to the backend: a bodiless request as one full message
  @Nullable HttpResponse heldResponse; // a response head waiting to be merged with its body
  @Nullable String requestId;
  boolean clientKeepAlive;
  boolean client10;
  boolean head;
  boolean idempotent;
  boolean hasBody;
  boolean upgrade;
  boolean requestDone;
  long bodyBytes;
  long startNanos;
  @Nullable CompiledService service;
  boolean waiting; // parked in Waiting until a backend comes (scale-to-zero wake)
  @Nullable BackendPool forced;
  boolean hasSticky;
  long stickyHash;
  @Nullable String stickyToSet;
  BackendState[] tried = new BackendState[4];
  int triedCount;
  @Nullable BackendState backend;
  @Nullable Channel upstream;
  boolean upstreamReused;
  boolean upstreamKeepAlive;
  boolean informational;
  boolean responseStarted;
  int status;
  final ArrayDeque<HttpContent> pending = new ArrayDeque<>(2);
  long pendingBytes;
  int serial; // guards connect callbacks that outlive their request

  // The phases fill these in order: admission the request and service, dispatch the backend and its
  // connection. Code of a later phase reads them through these, which name the broken invariant
  // instead of failing somewhere further on.

  HttpRequest request() {
    return Objects.requireNonNull(request, "no request admitted on this connection");
  }

  CompiledService service() {
    return Objects.requireNonNull(service, "the request has no service yet");
  }

  BackendState backend() {
    return Objects.requireNonNull(backend, "the request has no backend yet");
  }

  Channel upstream() {
    return Objects.requireNonNull(upstream, "the request has no backend connection yet");
  }

  /** Grows the tried list so that every backend of the service (and one more) fits. */
  void resetTried() {
    triedCount = 0;
    int backends = service().all.states.length;
    if (tried.length < backends + 1) tried = new BackendState[backends + 1];
  }

  /** Records the exchange and lets go of the backend (to the pool if it may be reused). */
  void end(RouterCore core, int code, boolean reuseUpstream) {
    long micros = (core.ticker.nanos() - startNanos) / 1000;
    if (service != null) {
      if (code > 0) service.stats.record(code, micros);
      service.stats.inFlight.decrementAndGet();
    }
    BackendState b = backend;
    Channel up = upstream;
    if (b != null) {
      if (code > 0) b.stats.record(code, micros);
      b.release();
    }
    if (up != null) {
      ((UpstreamHandler) up.pipeline().last()).unbind();
      up.config().setAutoRead(true);
      // a gRPC stream ends with its exchange; its connection stays open for the next stream
      if (reuseUpstream
          && b != null
          && up.isActive()
          && core.reusable(b)
          && !(up instanceof io.netty.handler.codec.http2.Http2StreamChannel)) {
        core.pool().offer(b.backend.address(), up, core.config.maxIdlePerBackend());
      } else {
        up.close();
      }
    }
    HttpContent c;
    while ((c = pending.poll()) != null) c.release();
    pendingBytes = 0;
    service = null;
    backend = null;
    upstream = null;
    responseStarted = false;
    heldResponse = null;
    informational = false;
    stickyToSet = null;
  }
}
