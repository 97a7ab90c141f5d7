package dev.kiln.router;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The router's own answers. Short plain text that names the service and the reason, so that whoever
 * reads a 502 in a browser or a log knows whether to look at the app, the table or the client.
 */
final class ErrorResponses {
  private ErrorResponses() {}

  static FullHttpResponse of(
      ByteBufAllocator alloc,
      int code,
      String reason,
      String requestIdHeader,
      @Nullable String requestId) {
    HttpResponseStatus status = HttpResponseStatus.valueOf(code);
    String text = code + " " + status.reasonPhrase() + "\n" + reason + "\n";
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    var body = alloc.buffer(bytes.length).writeBytes(bytes);
    var r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
        .set("X-Kiln-Router-Error", reasonToken(code));
    if (requestId != null) r.headers().set(requestIdHeader, requestId);
    return r;
  }

  private static String reasonToken(int code) {
    return switch (code) {
      case 400 -> "bad-request";
      case 404 -> "no-route";
      case 408 -> "request-timeout";
      case 413 -> "body-too-large";
      case 414 -> "uri-too-long";
      case 417 -> "expectation-failed";
      case 431 -> "headers-too-large";
      case 502 -> "bad-gateway";
      case 503 -> "no-backend";
      case 504 -> "backend-timeout";
      default -> "error";
    };
  }
}
