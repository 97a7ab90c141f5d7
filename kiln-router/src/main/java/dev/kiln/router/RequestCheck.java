package dev.kiln.router;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.Optional;

/**
 * What a request head alone decides, before any routing: whether to refuse it (and with which
 * status) and how it may be handled. Pure, so the edge cases are a table test.
 */
final class RequestCheck {
  private RequestCheck() {}

  record Rejection(int status, String reason) {}

  static Optional<Rejection> check(HttpRequest req, RouterConfig config) {
    DecoderResult result = req.decoderResult();
    if (result.isFailure()) {
      Throwable c = result.cause();
      if (c instanceof TooLongHttpHeaderException) {
        return reject(
            431, "request header section is larger than " + config.maxHeaderSize() + " bytes");
      }
      if (c instanceof TooLongHttpLineException) {
        return reject(
            414, "request line is longer than " + config.maxInitialLineLength() + " bytes");
      }
      return reject(400, "malformed request: " + c.getMessage());
    }
    // RFC 9112 §3.2: exactly one Host in HTTP/1.1, or the request is refused
    if (req.protocolVersion().equals(HttpVersion.HTTP_1_1) && hostCount(req) != 1) {
      return reject(400, "malformed request: HTTP/1.1 needs exactly one Host header");
    }
    // RFC 9112 §6.3: a request body must end with chunked, or its length cannot be known
    String te = req.headers().get(HttpHeaderNames.TRANSFER_ENCODING);
    if (te != null && !te.strip().toLowerCase(java.util.Locale.ROOT).endsWith("chunked")) {
      return reject(400, "malformed request: Transfer-Encoding must end with chunked, got " + te);
    }
    long length;
    try {
      length = HttpUtil.getContentLength(req, -1L);
    } catch (NumberFormatException e) {
      return reject(400, "malformed request: bad Content-Length");
    }
    if (length > config.maxBodySize()) {
      return reject(
          413, "request body of " + length + " bytes exceeds the limit of " + config.maxBodySize());
    }
    String expect = req.headers().get(HttpHeaderNames.EXPECT);
    if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
      return reject(417, "unsupported Expect: " + expect);
    }
    return Optional.empty();
  }

  /** Whether a body follows the head (call only after {@link #check} passed). */
  static boolean hasBody(HttpRequest req) {
    return HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
  }

  /** Methods that may be sent twice (RFC 9110 §9.2.2), so a failed attempt may be retried. */
  static boolean idempotent(HttpMethod m) {
    return m == HttpMethod.GET
        || m == HttpMethod.HEAD
        || m == HttpMethod.PUT
        || m == HttpMethod.DELETE
        || m == HttpMethod.OPTIONS
        || m == HttpMethod.TRACE;
  }

  /** A protocol switch (WebSocket): the connection becomes a byte tunnel after a 101. */
  static boolean upgrade(HttpRequest req) {
    return req.headers().contains(HttpHeaderNames.UPGRADE)
        && req.headers().containsValue(HttpHeaderNames.CONNECTION, "upgrade", true);
  }

  private static int hostCount(HttpRequest req) {
    var values = req.headers().valueCharSequenceIterator(HttpHeaderNames.HOST);
    int n = 0;
    while (values.hasNext() && n < 2) {
      values.next();
      n++;
    }
    return n;
  }

  private static Optional<Rejection> reject(int status, String reason) {
    return Optional.of(new Rejection(status, reason));
  }
}
