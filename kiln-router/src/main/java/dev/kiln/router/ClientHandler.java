package dev.kiln.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One client connection and the one request it has in flight (HTTP/1.1 answers in order, so there
 * is never more than one). Everything here runs on the connection's event loop, including the
 * backend connection's events, so the state below needs no synchronisation.
 *
 * <p>Life of a request: head arrives → route and pick a backend → borrow a pooled connection or
 * open one (body chunks wait in {@code pending} meanwhile) → stream the request → stream the
 * response → return the backend connection to the pool. Failures before the first response byte
 * become a short 5xx (or a retry on another backend); failures after it close the client
 * connection, which is the only honest way to tell an HTTP/1.1 client that a response is
 * incomplete.
 *
 * <p>This class owns the connection: its state, pipelining, flushing, deadlines and how an exchange
 * ends (a response, the router's own error, or a close). The exchange itself is {@link Exchange};
 * {@link RequestAdmission}, {@link UpstreamDispatch} and {@link ResponseRelay} are its three
 * stages, written as static methods over this handler so that splitting them out costs no
 * allocation and no virtual call on the data path.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
  enum State {
    IDLE,
    CONNECTING,
    FORWARDING,
    TUNNEL,
    CLOSED
  }

  final RouterCore core;
  final ReadActivity activity;

  /** A TLS connection: X-Forwarded-Proto https, HSTS, no redirect. */
  final boolean secure;

  final Exchange x = new Exchange();

  // set when the connection is activated (handlerAdded or channelActive), before any read
  @SuppressWarnings("NullAway.Init")
  ChannelHandlerContext ctx;

  String clientIp = "unknown";
  State state = State.IDLE;
  boolean inRead;
  boolean upstreamNeedsFlush;
  boolean clientNeedsFlush;

  /** When the backend last sent a byte through the tunnel (the client's side is in activity). */
  long tunnelLastRead;

  private @Nullable ScheduledFuture<?> deadlineCheck;
  private @Nullable ArrayDeque<Object> pipelined;
  private boolean replaying;

  ClientHandler(RouterCore core, ReadActivity activity, boolean secure) {
    this.core = core;
    this.activity = activity;
    this.secure = secure;
  }

  /** Added after the connection opened (after TLS and ALPN, or the h2c check): start now. */
  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) activate(ctx);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    activate(ctx);
    ctx.fireChannelActive();
  }

  private void activate(ChannelHandlerContext ctx) {
    if (this.ctx != null) return;
    this.ctx = ctx;
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
      clientIp = a.getAddress().getHostAddress();
    }
    activity.awaitHead(core.ticker.nanos());
    long period =
        Math.max(
            Math.min(
                    Math.min(core.headerTimeoutNanos, core.idleTimeoutNanos),
                    core.tunnelIdleTimeoutNanos)
                / 4,
            10_000_000L);
    deadlineCheck =
        ctx.executor()
            .scheduleAtFixedRate(this::checkDeadline, period, period, TimeUnit.NANOSECONDS);
  }

  // ---- client side ---------------------------------------------------------------------------

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inRead = true;
    if (state == State.TUNNEL) {
      if (msg instanceof ByteBuf && x.upstream != null) {
        x.upstream().write(msg);
        upstreamNeedsFlush = true;
        if (!x.upstream().isWritable()) ctx.channel().config().setAutoRead(false);
      } else {
        ReferenceCountUtil.release(msg);
      }
    } else if (state == State.CLOSED) {
      ReferenceCountUtil.release(msg);
    } else if (!replaying
        && ((pipelined != null && !pipelined.isEmpty())
            || (state != State.IDLE && msg instanceof HttpRequest))) {
      // a pipelined request: hold it (and stop reading) until the current response is done
      if (pipelined == null) pipelined = new ArrayDeque<>();
      pipelined.add(msg);
      ctx.channel().config().setAutoRead(false);
    } else if (msg instanceof HttpRequest req) {
      RequestAdmission.onRequest(this, req);
      if (msg instanceof HttpContent c) RequestAdmission.onContent(this, c);
    } else if (msg instanceof HttpContent c) {
      RequestAdmission.onContent(this, c);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inRead = false;
    if (upstreamNeedsFlush && x.upstream != null) {
      upstreamNeedsFlush = false;
      x.upstream().flush();
    }
    if (clientNeedsFlush) {
      clientNeedsFlush = false;
      ctx.flush();
    }
  }

  void flushUpstream() {
    upstreamNeedsFlush = false;
    x.upstream().flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (x.upstream != null && (state == State.FORWARDING || state == State.TUNNEL)) {
      x.upstream().config().setAutoRead(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  // ---- finishing -----------------------------------------------------------------------------

  /** The response went out whole: keep the connection for the next request, or close it. */
  void finish() {
    x.end(core, x.status, x.upstreamKeepAlive && x.requestDone);
    if (!x.clientKeepAlive || !x.requestDone) {
      closeClient();
      return;
    }
    state = State.IDLE;
    ctx.flush();
    clientNeedsFlush = false;
    activity.awaitHead(core.ticker.nanos());
    replayPipelined();
  }

  /** Answers the current request with the router's own error. */
  void fail(int code, String reason) {
    fail(code, reason, 0);
  }

  /** As {@link #fail(int, String)}, with a {@code Retry-After} of that many seconds when > 0. */
  void fail(int code, String reason, long retryAfterSeconds) {
    respond(code, reason, retryAfterSeconds, null);
  }

  /** Answers the current request with a redirect (the route wants HTTPS). */
  void redirect(String location) {
    respond(308, "this route is served over HTTPS: " + location, 0, location);
  }

  private void respond(int code, String reason, long retryAfterSeconds, @Nullable String location) {
    if (state == State.CLOSED) return;
    if (x.responseStarted) {
      // a late failure (body too large, bad chunk) while the response streams
      x.end(core, x.status, false);
      closeClient();
      return;
    }
    boolean close =
        !x.clientKeepAlive
            || (x.hasBody && !x.requestDone)
            || code == 400
            || code >= 413 && code < 500 && code != 404;
    var r =
        ErrorResponses.of(ctx.alloc(), code, reason, core.config.requestIdHeader(), x.requestId);
    if (close) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (retryAfterSeconds > 0) r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
    if (location != null) {
      r.headers().set(HttpHeaderNames.LOCATION, location);
      r.headers().remove("X-Kiln-Router-Error");
    }
    x.end(core, code, false);
    if (close) {
      state = State.CLOSED;
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else {
      state = State.IDLE;
      ctx.writeAndFlush(r);
      activity.awaitHead(core.ticker.nanos());
      replayPipelined();
    }
  }

  void closeClient() {
    if (state == State.TUNNEL) x.end(core, 0, false); // the tunnel's backend is in flight until now
    state = State.CLOSED;
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  private void replayPipelined() {
    if (pipelined == null || pipelined.isEmpty()) return;
    replaying = true;
    try {
      Object next;
      while ((next = pipelined.peek()) != null) {
        if (state == State.CLOSED) {
          ReferenceCountUtil.release(pipelined.poll());
        } else if (state == State.IDLE || !(next instanceof HttpRequest)) {
          channelRead(ctx, pipelined.poll());
        } else {
          break;
        }
      }
    } finally {
      replaying = false;
      // replayed outside a socket read: no channelReadComplete will come to flush what it wrote
      inRead = false;
      if (upstreamNeedsFlush && x.upstream != null) flushUpstream();
    }
    if (pipelined.isEmpty() && state != State.CLOSED) ctx.channel().config().setAutoRead(true);
  }

  // ---- timeouts and teardown -------------------------------------------------------------------

  private void checkDeadline() {
    if (state == State.TUNNEL) {
      long now = core.ticker.nanos();
      if (ClientDeadline.tunnelIdle(
          Math.max(activity.lastRead, tunnelLastRead),
          now,
          x.backend != null && x.backend().retired(),
          core.tunnelIdleTimeoutNanos)) {
        closeClient(); // ends the exchange and closes the backend's side too
      }
      return;
    }
    boolean uploading = (state == State.CONNECTING || state == State.FORWARDING) && !x.requestDone;
    var action =
        ClientDeadline.decide(
            state == State.IDLE && activity.awaitingHead,
            activity.headStarted,
            activity.idleSince,
            uploading,
            x.responseStarted,
            activity.lastRead,
            core.ticker.nanos(),
            core.headerTimeoutNanos,
            core.idleTimeoutNanos);
    switch (action) {
      case NONE -> {}
      case CLOSE -> {
        if (state == State.IDLE) {
          state = State.CLOSED;
          ctx.close();
        } else {
          x.end(core, x.status, false);
          closeClient();
        }
      }
      case REQUEST_TIMEOUT -> {
        x.clientKeepAlive = false;
        if (state == State.IDLE) x.requestId = null;
        fail(
            408,
            "the client did not send its request within "
                + (state == State.IDLE
                    ? core.config.requestHeaderTimeout()
                    : core.config.idleTimeout()));
      }
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (deadlineCheck != null) deadlineCheck.cancel(false);
    if (state == State.TUNNEL) {
      x.end(core, 0, false);
    } else if (state == State.CONNECTING || state == State.FORWARDING) {
      // the client gave up: the backend connection is mid-exchange and cannot be reused
      x.end(core, 0, false);
    }
    state = State.CLOSED;
    x.serial++;
    if (pipelined != null) pipelined.forEach(ReferenceCountUtil::release);
    ctx.fireChannelInactive();
  }

  /**
   * The client half-closed (sent FIN) — some clients do after writing their request. Answer what
   * was asked, then close; an idle or tunnelled connection closes at once.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      x.clientKeepAlive = false;
      if (state == State.IDLE || state == State.TUNNEL) {
        closeClient();
      } else if (!x.requestDone) {
        fail(400, "the client closed its side before the request was complete");
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
