package dev.kiln.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * Header rewriting at the proxy boundary (RFC 9110 §7.6.1): hop-by-hop headers belong to one
 * connection and are dropped, including any named in {@code Connection}; forwarding headers are
 * added. Message framing is re-decided by Netty's encoder from {@code Transfer-Encoding}/{@code
 * Content-Length}, so {@code chunked} is kept when the body is chunked.
 */
final class ProxyHeaders {
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  static final AsciiString STRICT_TRANSPORT_SECURITY =
      AsciiString.cached("strict-transport-security");
  private static final AsciiString HTTP2_STREAM_ID =
      io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text();
  private static final AsciiString HTTP2_SCHEME =
      io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames.SCHEME.text();
  private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final AsciiString HTTPS = AsciiString.cached("https");

  private ProxyHeaders() {}

  /** Rewrites a client request in place before it goes to a backend. */
  static void prepareRequest(
      HttpRequest req,
      String clientIp,
      AsciiString requestIdHeader,
      String requestId,
      boolean upgrade,
      boolean secure) {
    HttpHeaders h = req.headers();
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    dropHopByHop(h, upgrade);
    h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
    // what the HTTP/2-to-HTTP/1 conversion adds about the client's stream is not the backend's
    h.remove(HTTP2_STREAM_ID);
    h.remove(HTTP2_SCHEME);
    if (chunked) h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    if (upgrade) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }
    String xff = h.get(X_FORWARDED_FOR);
    h.set(X_FORWARDED_FOR, xff == null ? clientIp : xff + ", " + clientIp);
    h.set(X_FORWARDED_PROTO, secure ? HTTPS : HTTP);
    String host = h.get(HttpHeaderNames.HOST);
    if (host != null) h.set(X_FORWARDED_HOST, host);
    if (!h.contains(requestIdHeader)) h.set(requestIdHeader, requestId);
    // Backends always speak 1.1 to us, so their connections can be pooled whatever the client
    // spoke.
    req.setProtocolVersion(HttpVersion.HTTP_1_1);
  }

  /**
   * Rewrites a backend response in place before it goes to the client.
   *
   * @return whether the client connection may stay open after this response
   */
  static boolean prepareResponse(
      HttpResponse resp, boolean clientKeepAlive, boolean client10, boolean headRequest) {
    HttpHeaders h = resp.headers();
    boolean chunked = HttpUtil.isTransferEncodingChunked(resp);
    dropHopByHop(h, false);
    h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
    int code = resp.status().code();
    boolean mayHaveBody = !headRequest && code != 204 && code != 304 && code >= 200;
    boolean delimited = chunked || h.contains(HttpHeaderNames.CONTENT_LENGTH) || !mayHaveBody;
    boolean keepAlive = clientKeepAlive;
    if (client10) {
      // an HTTP/1.0 client cannot read chunks: the body ends when we close
      if (chunked || !delimited) keepAlive = false;
    } else if (chunked || !delimited) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    if (!keepAlive) h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    else if (client10) h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    resp.setProtocolVersion(HttpVersion.HTTP_1_1); // we speak 1.1 whatever the backend spoke
    return keepAlive;
  }

  private static void dropHopByHop(HttpHeaders h, boolean keepUpgrade) {
    String connection = h.get(HttpHeaderNames.CONNECTION);
    if (connection != null) {
      int i = 0;
      while (i < connection.length()) {
        int comma = connection.indexOf(',', i);
        if (comma < 0) comma = connection.length();
        String token = connection.substring(i, comma).trim();
        if (!token.isEmpty() && !(keepUpgrade && token.equalsIgnoreCase("upgrade")))
          h.remove(token);
        i = comma + 1;
      }
      h.remove(HttpHeaderNames.CONNECTION);
    }
    h.remove(HttpHeaderNames.KEEP_ALIVE);
    h.remove(PROXY_CONNECTION);
    h.remove(HttpHeaderNames.TE);
    h.remove(HttpHeaderNames.TRAILER);
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    if (!keepUpgrade) h.remove(HttpHeaderNames.UPGRADE);
  }
}
