package dev.kiln.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

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
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
  private enum State {
    IDLE,
    CONNECTING,
    FORWARDING,
    TUNNEL,
    CLOSED
  }

  private static final int PENDING_LIMIT = 64 * 1024;

  private final RouterCore core;
  private final ReadActivity activity;
  private ChannelHandlerContext ctx;
  private String clientIp = "unknown";
  private ScheduledFuture<?> deadlineCheck;
  private State state = State.IDLE;
  private boolean inRead;
  private boolean upstreamNeedsFlush;
  private boolean clientNeedsFlush;
  private ArrayDeque<Object> pipelined;
  private boolean replaying;

  // the current exchange
  private HttpRequest request;
  private HttpRequest outbound; // what goes to the backend: a bodiless request as one full message
  private HttpResponse heldResponse; // a response head waiting to be merged with its body
  private String requestId;
  private boolean clientKeepAlive;
  private boolean client10;
  private boolean head;
  private boolean idempotent;
  private boolean hasBody;
  private boolean upgrade;
  private boolean requestDone;
  private long bodyBytes;
  private long startNanos;
  private CompiledService service;
  private BackendPool forced;
  private boolean hasSticky;
  private long stickyHash;
  private String stickyToSet;
  private BackendState[] tried = new BackendState[4];
  private int triedCount;
  private BackendState backend;
  private Channel upstream;
  private boolean upstreamReused;
  private boolean upstreamKeepAlive;
  private boolean informational;
  private boolean responseStarted;
  private int status;
  private final ArrayDeque<HttpContent> pending = new ArrayDeque<>(2);
  private long pendingBytes;
  private int exchange; // guards connect callbacks that outlive their request

  ClientHandler(RouterCore core, ReadActivity activity) {
    this.core = core;
    this.activity = activity;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
      clientIp = a.getAddress().getHostAddress();
    }
    activity.awaitHead(core.ticker.nanos());
    long period =
        Math.max(Math.min(core.headerTimeoutNanos, core.idleTimeoutNanos) / 4, 10_000_000L);
    deadlineCheck =
        ctx.executor()
            .scheduleAtFixedRate(this::checkDeadline, period, period, TimeUnit.NANOSECONDS);
    ctx.fireChannelActive();
  }

  // ---- client side ---------------------------------------------------------------------------

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inRead = true;
    if (state == State.TUNNEL) {
      if (msg instanceof ByteBuf && upstream != null) {
        upstream.write(msg);
        upstreamNeedsFlush = true;
        if (!upstream.isWritable()) ctx.channel().config().setAutoRead(false);
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
      onRequest(req);
      if (msg instanceof HttpContent c) onContent(c);
    } else if (msg instanceof HttpContent c) {
      onContent(c);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inRead = false;
    if (upstreamNeedsFlush && upstream != null) {
      upstreamNeedsFlush = false;
      upstream.flush();
    }
    if (clientNeedsFlush) {
      clientNeedsFlush = false;
      ctx.flush();
    }
  }

  private void onRequest(HttpRequest req) {
    activity.headReceived();
    exchange++;
    startNanos = core.ticker.nanos();
    request = req;
    requestId = null;
    clientKeepAlive = HttpUtil.isKeepAlive(req);
    client10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
    requestDone = false;
    bodyBytes = 0;
    var rejection = RequestCheck.check(req, core.config);
    if (rejection.isPresent()) {
      hasBody = true; // unknown or unwanted: the connection closes after the answer
      fail(rejection.get().status(), rejection.get().reason());
      return;
    }
    HttpHeaders h = req.headers();
    hasBody = RequestCheck.hasBody(req);
    head = req.method() == HttpMethod.HEAD;
    idempotent = RequestCheck.idempotent(req.method());
    upgrade = RequestCheck.upgrade(req);
    String incomingId = h.get(core.requestIdHeader);
    requestId = incomingId != null ? incomingId : core.nextRequestId();
    service = core.table.get().match(h.get(HttpHeaderNames.HOST), req.uri());
    if (service == null) {
      core.unrouted.increment();
      fail(404, "no route for host " + h.get(HttpHeaderNames.HOST) + " path " + req.uri());
      return;
    }
    service.stats.inFlight.incrementAndGet();
    if (!chooseSplit(h)) return;
    ProxyHeaders.prepareRequest(req, clientIp, core.requestIdHeader, requestId, upgrade);
    // One message instead of a head plus an empty end: one buffer, one write, less encoder work.
    outbound =
        hasBody
            ? req
            : new DefaultFullHttpRequest(
                req.protocolVersion(),
                req.method(),
                req.uri(),
                Unpooled.EMPTY_BUFFER,
                req.headers(),
                EmptyHttpHeaders.INSTANCE);
    triedCount = 0;
    if (tried.length < service.all.states.length + 1)
      tried = new BackendState[service.all.states.length + 1];
    state = State.CONNECTING;
    attempt(null);
  }

  /** Reads the override and sticky cookie; false when the request was answered already. */
  private boolean chooseSplit(HttpHeaders h) {
    Split split = service.route.split();
    String cookies = h.get(HttpHeaderNames.COOKIE);
    String rev = split.overrideHeader().isEmpty() ? null : h.get(split.overrideHeader());
    if (rev == null && cookies != null && !split.overrideCookie().isEmpty()) {
      rev = Cookies.value(cookies, split.overrideCookie());
    }
    forced = null;
    if (rev != null && split.mayOverrideTo(rev)) {
      forced = service.revision(rev);
      if (forced == null) {
        fail(503, Reasons.noSuchRevision(service, rev));
        return false;
      }
    }
    hasSticky = service.sticky;
    stickyToSet = null;
    if (hasSticky) {
      String v = cookies == null ? null : Cookies.value(cookies, split.stickyCookie());
      if (v == null) {
        v = core.newStickyValue();
        stickyToSet = split.stickyCookie() + "=" + v + "; Path=/; HttpOnly; SameSite=Lax";
      }
      stickyHash = StableHash.of(v);
    }
    return true;
  }

  private void onContent(HttpContent c) {
    if (state == State.IDLE || state == State.CLOSED || requestDone) {
      c.release();
      return;
    }
    if (c.decoderResult().isFailure()) {
      c.release();
      fail(400, "malformed request body: " + c.decoderResult().cause().getMessage());
      return;
    }
    bodyBytes += c.content().readableBytes();
    if (bodyBytes > core.maxBody) {
      c.release();
      fail(413, "request body exceeds the limit of " + core.maxBody + " bytes");
      return;
    }
    if (c instanceof LastHttpContent) requestDone = true;
    if (!hasBody) { // the empty end of a bodiless request: already in the full outbound message
      c.release();
      return;
    }
    if (state == State.FORWARDING) {
      upstream.write(c);
      upstreamNeedsFlush = true;
      if (!inRead) flushUpstream();
      if (!upstream.isWritable()) ctx.channel().config().setAutoRead(false);
    } else {
      pending.add(c);
      pendingBytes += c.content().readableBytes();
      if (pendingBytes > PENDING_LIMIT) ctx.channel().config().setAutoRead(false);
    }
  }

  // ---- choosing and connecting to a backend --------------------------------------------------

  private void attempt(Throwable lastFailure) {
    long now = core.ticker.nanos();
    BackendState b;
    while (true) {
      b =
          BackendPicker.pick(
              service,
              forced,
              hasSticky,
              stickyHash,
              ThreadLocalRandom.current().nextLong(),
              now,
              tried,
              triedCount);
      if (b == null || b.tryAcquire()) break;
      // b left the table after this request read it: route again by the table that replaced it
      if (!rerouteAfterSwap()) return;
    }
    if (b == null) {
      if (lastFailure == null) fail(503, Reasons.noHealthyBackend(service, forced));
      else fail(502, Reasons.unreachable(service, tried[triedCount - 1], lastFailure));
      return;
    }
    backend = b;
    tried[triedCount++] = b;
    Channel ch = core.pool().poll(b.backend.address());
    if (ch != null) {
      upstreamReused = true;
      attach(ch);
      return;
    }
    upstreamReused = false;
    int expected = exchange;
    BackendState target = b;
    core.connect(b, ctx.channel().eventLoop())
        .addListener((ChannelFuture f) -> connected(f, target, expected));
  }

  /** Re-resolves the service in the current table; false when the request was answered instead. */
  private boolean rerouteAfterSwap() {
    String rev = forced == null ? null : forced.revision;
    CompiledService next =
        core.table.get().match(request.headers().get(HttpHeaderNames.HOST), request.uri());
    if (next == null || !next.name.equals(service.name)) {
      fail(503, "service " + service.name + ": left the route table while this request was routed");
      return false;
    }
    if (next != service) {
      service.stats.inFlight.decrementAndGet();
      next.stats.inFlight.incrementAndGet();
      service = next;
    }
    forced = rev == null ? null : service.revision(rev);
    if (rev != null && forced == null) {
      fail(503, Reasons.noSuchRevision(service, rev));
      return false;
    }
    triedCount = 0;
    if (tried.length < service.all.states.length + 1)
      tried = new BackendState[service.all.states.length + 1];
    return true;
  }

  private void connected(ChannelFuture f, BackendState b, int expected) {
    if (expected != exchange || state != State.CONNECTING) {
      // the client went away or the request was already answered (which released b)
      if (f.isSuccess() && core.reusable(b)) {
        core.pool().offer(b.backend.address(), f.channel(), core.config.maxIdlePerBackend());
      } else if (f.isSuccess()) {
        f.channel().close();
      }
      return;
    }
    if (f.isSuccess()) {
      b.connected();
      attach(f.channel());
      return;
    }
    b.connectFailed(core.ticker.nanos(), core.config.ejectionThreshold(), core.ejectNanos);
    b.release();
    backend = null;
    if (idempotent && triedCount < core.config.maxAttempts()) attempt(f.cause());
    else fail(502, Reasons.unreachable(service, b, f.cause()));
  }

  private void attach(Channel ch) {
    upstream = ch;
    ((UpstreamHandler) ch.pipeline().last()).bind(this, backend);
    state = State.FORWARDING;
    informational = false;
    ch.write(outbound);
    HttpContent c;
    while ((c = pending.poll()) != null) ch.write(c);
    if (pendingBytes > PENDING_LIMIT) ctx.channel().config().setAutoRead(true);
    pendingBytes = 0;
    upstreamNeedsFlush = true;
    if (!inRead) flushUpstream();
  }

  private void flushUpstream() {
    upstreamNeedsFlush = false;
    upstream.flush();
  }

  // ---- backend side (called by UpstreamHandler, on this loop) ---------------------------------

  void upstreamRead(Object msg) {
    if (state == State.TUNNEL) {
      if (msg instanceof ByteBuf) {
        ctx.write(msg);
        clientNeedsFlush = true;
        if (!ctx.channel().isWritable()) upstream.config().setAutoRead(false);
      } else {
        ReferenceCountUtil.release(msg);
      }
      return;
    }
    if (state != State.FORWARDING) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse resp) {
      if (resp.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        upstreamBroken("sent a malformed response");
        return;
      }
      int code = resp.status().code();
      if (code == 101 && upgrade) {
        Tunnel.open(this, ctx, upstream, resp);
        return;
      }
      if (code < 200) { // 100 Continue and friends pass through to the client
        informational = true;
        ctx.write(resp);
        return;
      }
      responseStarted = true;
      status = code;
      upstreamKeepAlive = HttpUtil.isKeepAlive(resp);
      clientKeepAlive = ProxyHeaders.prepareResponse(resp, clientKeepAlive, client10, head);
      if (stickyToSet != null) resp.headers().add(HttpHeaderNames.SET_COOKIE, stickyToSet);
      heldResponse = resp; // written with its body if that is in the same read, else at read end
      clientNeedsFlush = true;
    }
    if (msg instanceof HttpContent c) {
      if (c.decoderResult().isFailure()) {
        c.release();
        upstreamBroken("reset the connection mid-response");
        return;
      }
      if (informational) {
        // the empty end of a 1xx: forwarded so the client-side encoder is ready for the real
        // response
        informational = !(c instanceof LastHttpContent);
        ctx.writeAndFlush(c);
        return;
      }
      if (!responseStarted) {
        c.release();
        return;
      }
      HttpResponse held = heldResponse;
      if (held != null) {
        heldResponse = null;
        if (c instanceof LastHttpContent last) {
          ctx.write(
              new DefaultFullHttpResponse(
                  held.protocolVersion(),
                  held.status(),
                  last.content(),
                  held.headers(),
                  last.trailingHeaders()));
          finish();
          return;
        }
        ctx.write(held);
      }
      ctx.write(c);
      clientNeedsFlush = true;
      if (c instanceof LastHttpContent) finish();
      else if (!ctx.channel().isWritable()) upstream.config().setAutoRead(false);
    }
  }

  void upstreamReadComplete() {
    if (heldResponse != null) {
      ctx.write(heldResponse);
      heldResponse = null;
    }
    if (clientNeedsFlush) {
      clientNeedsFlush = false;
      ctx.flush();
    }
  }

  void upstreamWritabilityChanged(boolean writable) {
    if (state == State.FORWARDING || state == State.TUNNEL)
      ctx.channel().config().setAutoRead(writable);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (upstream != null && (state == State.FORWARDING || state == State.TUNNEL)) {
      upstream.config().setAutoRead(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  void upstreamClosed(Throwable cause) {
    if (state == State.TUNNEL) {
      closeClient();
      return;
    }
    if (state != State.FORWARDING) return;
    upstream = null;
    String why = cause == null ? "closed the connection" : "failed: " + cause.getMessage();
    if (!responseStarted
        && upstreamReused
        && idempotent
        && !hasBody
        && requestDone
        && triedCount < core.config.maxAttempts()) {
      // a pooled connection the backend had already given up on: nothing was processed, try again
      backend.release();
      backend = null;
      state = State.CONNECTING;
      attempt(cause);
      return;
    }
    upstreamBroken(why);
  }

  void upstreamIdle() {
    if (state != State.FORWARDING) return;
    if (requestDone && !responseStarted) {
      fail(504, Reasons.silent(service, backend, core.config.responseTimeout()));
    } else if (responseStarted) {
      upstreamBroken("stalled mid-response");
    }
  }

  private void upstreamBroken(String why) {
    if (!responseStarted) {
      fail(502, Reasons.broken(service, backend, why));
    } else {
      // headers are gone already: closing is the only way to say the response is incomplete;
      // the metrics count it as the 502 it would have been
      endExchange(502, false);
      closeClient();
    }
  }

  // ---- finishing
  // ---------------------------------------------------------------------------------

  private void finish() {
    endExchange(status, upstreamKeepAlive && requestDone);
    if (!clientKeepAlive || !requestDone) {
      closeClient();
      return;
    }
    state = State.IDLE;
    ctx.flush();
    clientNeedsFlush = false;
    activity.awaitHead(core.ticker.nanos());
    replayPipelined();
  }

  /** Records the exchange and lets go of the backend (to the pool if it may be reused). */
  private void endExchange(int code, boolean reuseUpstream) {
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
      if (reuseUpstream && b != null && up.isActive() && core.reusable(b)) {
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

  /** Answers the current request with the router's own error. */
  void fail(int code, String reason) {
    if (state == State.CLOSED) return;
    if (responseStarted) { // a late failure (body too large, bad chunk) while the response streams
      endExchange(status, false);
      closeClient();
      return;
    }
    boolean close =
        !clientKeepAlive
            || (hasBody && !requestDone)
            || code == 400
            || code >= 413 && code < 500 && code != 404;
    var r = ErrorResponses.of(ctx.alloc(), code, reason, core.config.requestIdHeader(), requestId);
    if (close) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    endExchange(code, false);
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

  private void closeClient() {
    if (state == State.TUNNEL) endExchange(0, false); // the tunnel's backend is in flight until now
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
      if (upstreamNeedsFlush && upstream != null) flushUpstream();
    }
    if (pipelined.isEmpty() && state != State.CLOSED) ctx.channel().config().setAutoRead(true);
  }

  // ---- the tunnel (WebSocket and other upgrades) ---------------------------------------------

  void tunnelOpened() {
    state = State.TUNNEL;
    responseStarted = true;
    long micros = (core.ticker.nanos() - startNanos) / 1000;
    // counted now, but the backend stays in flight (and undrained) until the tunnel closes
    service.stats.record(101, micros);
    backend.stats.record(101, micros);
  }

  // ---- timeouts and teardown -------------------------------------------------------------------

  private void checkDeadline() {
    boolean uploading = (state == State.CONNECTING || state == State.FORWARDING) && !requestDone;
    var action =
        ClientDeadline.decide(
            state == State.IDLE && activity.awaitingHead,
            activity.headStarted,
            activity.idleSince,
            uploading,
            responseStarted,
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
          endExchange(status, false);
          closeClient();
        }
      }
      case REQUEST_TIMEOUT -> {
        clientKeepAlive = false;
        if (state == State.IDLE) requestId = null;
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
      endExchange(0, false);
    } else if (state == State.CONNECTING || state == State.FORWARDING) {
      // the client gave up: the backend connection is mid-exchange and cannot be reused
      endExchange(0, false);
    }
    state = State.CLOSED;
    exchange++;
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
      clientKeepAlive = false;
      if (state == State.IDLE || state == State.TUNNEL) {
        closeClient();
      } else if (!requestDone) {
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
