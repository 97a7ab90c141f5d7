package dev.kiln.router;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * The backend side of an exchange, called by {@link UpstreamHandler} on the client's event loop:
 * streams the response (or tunnel bytes) to the client with back-pressure, and turns a backend that
 * closes, breaks or stalls into a 502/504 — or, once response bytes have gone out, a closed client
 * connection. Static methods over the connection's state, like {@link Tunnel}: nothing is allocated
 * to call them.
 */
final class ResponseRelay {
  private ResponseRelay() {}

  static void read(ClientHandler c, Object msg) {
    Exchange x = c.x;
    if (c.state == ClientHandler.State.TUNNEL) {
      if (msg instanceof ByteBuf) {
        c.tunnelLastRead = c.core.ticker.nanos();
        c.ctx.write(msg);
        c.clientNeedsFlush = true;
        if (!c.ctx.channel().isWritable()) x.upstream().config().setAutoRead(false);
      } else {
        ReferenceCountUtil.release(msg);
      }
      return;
    }
    if (c.state != ClientHandler.State.FORWARDING) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse resp) {
      if (resp.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        broken(c, "sent a malformed response");
        return;
      }
      int code = resp.status().code();
      if (code == 101 && x.upgrade) {
        Tunnel.open(c, c.ctx, x.upstream(), resp);
        return;
      }
      if (code < 200) { // 100 Continue and friends pass through to the client
        x.informational = true;
        c.ctx.write(resp);
        return;
      }
      x.responseStarted = true;
      x.status = code;
      x.upstreamKeepAlive = HttpUtil.isKeepAlive(resp);
      x.clientKeepAlive = ProxyHeaders.prepareResponse(resp, x.clientKeepAlive, x.client10, x.head);
      if (x.stickyToSet != null) resp.headers().add(HttpHeaderNames.SET_COOKIE, x.stickyToSet);
      if (c.secure && x.service().hsts != null)
        resp.headers().set(ProxyHeaders.STRICT_TRANSPORT_SECURITY, x.service().hsts);
      x.heldResponse = resp; // written with its body if that is in the same read, else at read end
      c.clientNeedsFlush = true;
    }
    if (msg instanceof HttpContent content) {
      if (content.decoderResult().isFailure()) {
        content.release();
        broken(c, "reset the connection mid-response");
        return;
      }
      if (x.informational) {
        // the empty end of a 1xx: forwarded so the client-side encoder is ready for the real
        // response
        x.informational = !(content instanceof LastHttpContent);
        c.ctx.writeAndFlush(content);
        return;
      }
      if (!x.responseStarted) {
        content.release();
        return;
      }
      HttpResponse held = x.heldResponse;
      if (held != null) {
        x.heldResponse = null;
        if (content instanceof LastHttpContent last) {
          c.ctx.write(
              new DefaultFullHttpResponse(
                  held.protocolVersion(),
                  held.status(),
                  last.content(),
                  held.headers(),
                  last.trailingHeaders()));
          c.finish();
          return;
        }
        c.ctx.write(held);
      }
      c.ctx.write(content);
      c.clientNeedsFlush = true;
      if (content instanceof LastHttpContent) c.finish();
      else if (!c.ctx.channel().isWritable()) x.upstream().config().setAutoRead(false);
    }
  }

  static void readComplete(ClientHandler c) {
    Exchange x = c.x;
    if (x.heldResponse != null) {
      c.ctx.write(x.heldResponse);
      x.heldResponse = null;
    }
    if (c.clientNeedsFlush) {
      c.clientNeedsFlush = false;
      c.ctx.flush();
    }
  }

  static void writabilityChanged(ClientHandler c, boolean writable) {
    if (c.state == ClientHandler.State.FORWARDING || c.state == ClientHandler.State.TUNNEL)
      c.ctx.channel().config().setAutoRead(writable);
  }

  static void closed(ClientHandler c, @Nullable Throwable cause) {
    if (c.state == ClientHandler.State.TUNNEL) {
      c.closeClient();
      return;
    }
    if (c.state != ClientHandler.State.FORWARDING) return;
    c.x.upstream = null;
    String why = cause == null ? "closed the connection" : "failed: " + cause.getMessage();
    if (UpstreamDispatch.retryStaleConnection(c, cause)) return;
    broken(c, why);
  }

  static void idle(ClientHandler c) {
    Exchange x = c.x;
    if (c.state != ClientHandler.State.FORWARDING) return;
    if (x.requestDone && !x.responseStarted) {
      c.fail(504, Reasons.silent(x.service(), x.backend(), c.core.config.responseTimeout()));
    } else if (x.responseStarted) {
      broken(c, "stalled mid-response");
    }
  }

  private static void broken(ClientHandler c, String why) {
    Exchange x = c.x;
    if (!x.responseStarted) {
      c.fail(502, Reasons.broken(x.service(), x.backend(), why));
    } else {
      // headers are gone already: closing is the only way to say the response is incomplete;
      // the metrics count it as the 502 it would have been
      x.end(c.core, 502, false);
      c.closeClient();
    }
  }

  /** The backend agreed to switch protocols; {@link Tunnel} swaps the codecs after this. */
  static void tunnelOpened(ClientHandler c) {
    Exchange x = c.x;
    c.state = ClientHandler.State.TUNNEL;
    c.tunnelLastRead = c.core.ticker.nanos(); // quiet from here on counts as tunnel idle
    x.responseStarted = true;
    long micros = (c.core.ticker.nanos() - x.startNanos) / 1000;
    // counted now, but the backend stays in flight (and undrained) until the tunnel closes
    x.service().stats.record(101, micros);
    x.backend().stats.record(101, micros);
  }
}
