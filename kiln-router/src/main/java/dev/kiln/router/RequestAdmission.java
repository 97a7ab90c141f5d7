package dev.kiln.router;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The request side of an exchange: checks a new request head against the limits, routes it, reads
 * the canary override and sticky cookie, and then streams its body to the backend (or holds it
 * while connecting). Static methods over the connection's state, like {@link Tunnel}: nothing is
 * allocated to call them.
 */
final class RequestAdmission {
  private RequestAdmission() {}

  static void onRequest(ClientHandler c, HttpRequest req) {
    RouterCore core = c.core;
    Exchange x = c.x;
    c.activity.headReceived();
    x.serial++;
    x.startNanos = core.ticker.nanos();
    x.request = req;
    x.requestId = null;
    x.clientKeepAlive = HttpUtil.isKeepAlive(req);
    x.client10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
    x.requestDone = false;
    x.waiting = false;
    x.bodyBytes = 0;
    var rejection = RequestCheck.check(req, core.config);
    if (rejection.isPresent()) {
      x.hasBody = true; // unknown or unwanted: the connection closes after the answer
      c.fail(rejection.get().status(), rejection.get().reason());
      return;
    }
    HttpHeaders h = req.headers();
    x.hasBody = RequestCheck.hasBody(req);
    x.head = req.method() == HttpMethod.HEAD;
    x.idempotent = RequestCheck.idempotent(req.method());
    x.upgrade = RequestCheck.upgrade(req);
    String incomingId = h.get(core.requestIdHeader);
    x.requestId = incomingId != null ? incomingId : core.nextRequestId();
    x.service = core.table.match(h.get(HttpHeaderNames.HOST), req.uri());
    if (x.service == null) {
      core.unrouted.increment();
      c.fail(404, "no route for host " + h.get(HttpHeaderNames.HOST) + " path " + req.uri());
      return;
    }
    if (x.service().redirectToHttps && !c.secure && core.httpsPort > 0) {
      x.service().stats.inFlight.incrementAndGet(); // counted as the route's request, with its 308
      c.redirect(httpsLocation(h.get(HttpHeaderNames.HOST), req.uri(), core.httpsPort));
      return;
    }
    x.service().stats.inFlight.incrementAndGet();
    if (!chooseSplit(c, h)) return;
    ProxyHeaders.prepareRequest(
        req, c.clientIp, core.requestIdHeader, x.requestId, x.upgrade, c.secure);
    // One message instead of a head plus an empty end: one buffer, one write, less encoder work.
    x.outbound =
        x.hasBody
            ? req
            : new DefaultFullHttpRequest(
                req.protocolVersion(),
                req.method(),
                req.uri(),
                Unpooled.EMPTY_BUFFER,
                req.headers(),
                EmptyHttpHeaders.INSTANCE);
    x.resetTried();
    c.state = ClientHandler.State.CONNECTING;
    UpstreamDispatch.attempt(c, null);
  }

  /** The same request over HTTPS: the Host's name, the HTTPS port unless 443, the path. */
  static String httpsLocation(String hostHeader, String uri, int httpsPort) {
    String host = hostHeader == null ? "" : CompiledTable.normalizeHost(hostHeader);
    int pathStart = uri.startsWith("/") ? 0 : uri.indexOf('/', uri.indexOf("://") + 3);
    String path = pathStart < 0 ? "/" : uri.substring(pathStart);
    return "https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort) + path;
  }

  /** Reads the override and sticky cookie; false when the request was answered already. */
  private static boolean chooseSplit(ClientHandler c, HttpHeaders h) {
    Exchange x = c.x;
    Split split = x.service().route.split();
    String cookies = h.get(HttpHeaderNames.COOKIE);
    String rev = split.overrideHeader().isEmpty() ? null : h.get(split.overrideHeader());
    if (rev == null && cookies != null && !split.overrideCookie().isEmpty()) {
      rev = Cookies.value(cookies, split.overrideCookie());
    }
    x.forced = null;
    if (rev != null && split.mayOverrideTo(rev)) {
      x.forced = x.service().revision(rev);
      if (x.forced == null) {
        c.fail(503, Reasons.noSuchRevision(x.service(), rev));
        return false;
      }
    }
    x.hasSticky = x.service().sticky;
    x.stickyToSet = null;
    if (x.hasSticky) {
      String v = cookies == null ? null : Cookies.value(cookies, split.stickyCookie());
      if (v == null) {
        v = c.core.newStickyValue();
        x.stickyToSet = split.stickyCookie() + "=" + v + "; Path=/; HttpOnly; SameSite=Lax";
      }
      x.stickyHash = StableHash.of(v);
    }
    return true;
  }

  static void onContent(ClientHandler c, HttpContent content) {
    Exchange x = c.x;
    if (c.state == ClientHandler.State.IDLE
        || c.state == ClientHandler.State.CLOSED
        || x.requestDone) {
      content.release();
      return;
    }
    if (content.decoderResult().isFailure()) {
      content.release();
      c.fail(400, "malformed request body: " + content.decoderResult().cause().getMessage());
      return;
    }
    x.bodyBytes += content.content().readableBytes();
    if (x.bodyBytes > c.core.maxBody) {
      content.release();
      c.fail(413, "request body exceeds the limit of " + c.core.maxBody + " bytes");
      return;
    }
    if (content instanceof LastHttpContent) x.requestDone = true;
    if (!x.hasBody) { // the empty end of a bodiless request: already in the full outbound message
      content.release();
      return;
    }
    if (c.state == ClientHandler.State.FORWARDING) {
      x.upstream().write(content);
      c.upstreamNeedsFlush = true;
      if (!c.inRead) c.flushUpstream();
      if (!x.upstream().isWritable()) c.ctx.channel().config().setAutoRead(false);
    } else {
      x.pending.add(content);
      x.pendingBytes += content.content().readableBytes();
      if (x.pendingBytes > Exchange.PENDING_LIMIT) c.ctx.channel().config().setAutoRead(false);
    }
  }
}
