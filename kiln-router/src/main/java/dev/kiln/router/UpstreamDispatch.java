package dev.kiln.router;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Gets an admitted request to a backend: picks one (again, when the table changed under the
 * request), borrows a pooled connection or opens one, retries an idempotent request on another
 * backend when a connection fails before any byte was processed, and writes the request once
 * connected. Static methods over the connection's state, like {@link Tunnel}: the only allocation
 * is the connect listener, once per new backend connection.
 */
final class UpstreamDispatch {
  private UpstreamDispatch() {}

  static void attempt(ClientHandler c, @Nullable Throwable lastFailure) {
    RouterCore core = c.core;
    Exchange x = c.x;
    long now = core.ticker.nanos();
    BackendState b;
    while (true) {
      b =
          BackendPicker.pick(
              x.service(),
              x.forced,
              x.hasSticky,
              x.stickyHash,
              ThreadLocalRandom.current().nextLong(),
              now,
              x.tried,
              x.triedCount);
      if (b == null || b.tryAcquire()) break;
      // b left the table after this request read it: route again by the table that replaced it
      if (!rerouteAfterSwap(c)) return;
    }
    if (b == null) {
      Hold hold = x.service().route.hold();
      if (lastFailure == null
          && hold.enabled()
          && x.forced == null
          && x.service().all.states.length == 0) {
        if (core.waiting.park(c)) return;
        c.fail(
            503,
            "service "
                + x.service().name
                + ": waking, and "
                + hold.maxQueued()
                + " requests already wait",
            hold.retryAfterSeconds());
        return;
      }
      if (lastFailure == null) c.fail(503, Reasons.noHealthyBackend(x.service(), x.forced));
      else c.fail(502, Reasons.unreachable(x.service(), x.tried[x.triedCount - 1], lastFailure));
      return;
    }
    x.backend = b;
    x.tried[x.triedCount++] = b;
    HttpRequest outbound = java.util.Objects.requireNonNull(x.outbound, "admission sets outbound");
    if (GrpcUpstream.isGrpc(outbound)) {
      // trailers carry gRPC's status: HTTP/2 to the backend, a stream of a shared connection
      GrpcUpstream.prepare(outbound);
      x.upstreamReused = false;
      int expected = x.serial;
      BackendState target = b;
      core.grpc
          .open(b, c.ctx.channel().eventLoop())
          .addListener(
              (io.netty.util.concurrent.Future<Channel> f) ->
                  connected(c, f.isSuccess() ? f.getNow() : null, f.cause(), target, expected));
      return;
    }
    Channel ch = core.pool().poll(b.backend.address());
    if (ch != null) {
      x.upstreamReused = true;
      attach(c, ch);
      return;
    }
    x.upstreamReused = false;
    int expected = x.serial;
    BackendState target = b;
    core.connect(b, c.ctx.channel().eventLoop())
        .addListener(
            (ChannelFuture f) ->
                connected(c, f.isSuccess() ? f.channel() : null, f.cause(), target, expected));
  }

  /** A held request whose service got a backend (or left the table): route it again, now. */
  static void resumeAfterWait(ClientHandler c) {
    if (rerouteAfterSwap(c)) attempt(c, null);
  }

  /** Re-resolves the service in the current table; false when the request was answered instead. */
  private static boolean rerouteAfterSwap(ClientHandler c) {
    Exchange x = c.x;
    String rev = x.forced == null ? null : x.forced.revision;
    CompiledService next =
        c.core.table.match(x.request().headers().get(HttpHeaderNames.HOST), x.request().uri());
    if (next == null || !next.name.equals(x.service().name)) {
      c.fail(
          503,
          "service " + x.service().name + ": left the route table while this request was routed");
      return false;
    }
    if (next != x.service) {
      x.service().stats.inFlight.decrementAndGet();
      next.stats.inFlight.incrementAndGet();
      x.service = next;
    }
    x.forced = rev == null ? null : x.service().revision(rev);
    if (rev != null && x.forced == null) {
      c.fail(503, Reasons.noSuchRevision(x.service, rev));
      return false;
    }
    x.resetTried();
    return true;
  }

  /**
   * @param ch the new backend connection (or gRPC stream), null when it could not be opened
   */
  private static void connected(
      ClientHandler c,
      @Nullable Channel ch,
      @Nullable Throwable cause,
      BackendState b,
      int expected) {
    RouterCore core = c.core;
    Exchange x = c.x;
    if (expected != x.serial || c.state != ClientHandler.State.CONNECTING) {
      // the client went away or the request was already answered (which released b)
      if (ch != null && core.reusable(b) && !(ch instanceof Http2StreamChannel)) {
        core.pool().offer(b.backend.address(), ch, core.config.maxIdlePerBackend());
      } else if (ch != null) {
        ch.close();
      }
      return;
    }
    if (ch != null) {
      b.connected();
      attach(c, ch);
      return;
    }
    b.connectFailed(core.ticker.nanos(), core.config.ejectionThreshold(), core.ejectNanos);
    b.release();
    x.backend = null;
    if (x.idempotent && x.triedCount < core.config.maxAttempts()) attempt(c, cause);
    else
      c.fail(
          502,
          Reasons.unreachable(
              x.service(), b, cause != null ? cause : new java.io.IOException("no connection")));
  }

  private static void attach(ClientHandler c, Channel ch) {
    Exchange x = c.x;
    x.upstream = ch;
    ((UpstreamHandler) ch.pipeline().last()).bind(c, x.backend());
    c.state = ClientHandler.State.FORWARDING;
    x.informational = false;
    ch.write(x.outbound);
    HttpContent content;
    while ((content = x.pending.poll()) != null) ch.write(content);
    if (x.pendingBytes > Exchange.PENDING_LIMIT) c.ctx.channel().config().setAutoRead(true);
    x.pendingBytes = 0;
    c.upstreamNeedsFlush = true;
    if (!c.inRead) c.flushUpstream();
  }

  /**
   * After the backend closed the connection: retries when it was a pooled connection the backend
   * had already given up on (nothing was processed). False when the request may not be retried.
   */
  static boolean retryStaleConnection(ClientHandler c, @Nullable Throwable cause) {
    Exchange x = c.x;
    if (!x.responseStarted
        && x.upstreamReused
        && x.idempotent
        && !x.hasBody
        && x.requestDone
        && x.triedCount < c.core.config.maxAttempts()) {
      x.backend().release();
      x.backend = null;
      c.state = ClientHandler.State.CONNECTING;
      attempt(c, cause);
      return true;
    }
    return false;
  }
}
