package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestCheckTest {
  private static final RouterConfig CONFIG = RouterConfig.builder().maxBodySize(1000).build();

  private static DefaultHttpRequest request(String method, String... headers) {
    var r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), "/");
    r.headers().add("Host", "x");
    for (int i = 0; i < headers.length; i += 2) r.headers().add(headers[i], headers[i + 1]);
    return r;
  }

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource({
    "Content-Length, 1000, 0",
    "Content-Length, 1001, 413",
    "Content-Length, abc, 400",
    "Expect, 100-continue, 0",
    "Expect, 100-CONTINUE, 0",
    "Expect, something-else, 417",
    "X-Anything, 1, 0",
    "Transfer-Encoding, chunked, 0",
    "Transfer-Encoding, gzip, 400",
    "Transfer-Encoding, 'chunked, gzip', 400",
  })
  void headerRules(String name, String value, int expected) {
    var rejection = RequestCheck.check(request("POST", name, value), CONFIG);
    assertThat(rejection.map(RequestCheck.Rejection::status).orElse(0)).isEqualTo(expected);
  }

  @Test
  void http11_needsExactlyOneHost() {
    var none = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    assertThat(RequestCheck.check(none, CONFIG).orElseThrow().status()).isEqualTo(400);
    var two = request("GET", "Host", "y");
    assertThat(RequestCheck.check(two, CONFIG).orElseThrow().reason()).contains("exactly one Host");
    var old = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/");
    assertThat(RequestCheck.check(old, CONFIG)).isEmpty();
  }

  @Test
  void decoderFailures_mapToTheirStatus() {
    var big = request("GET");
    big.setDecoderResult(DecoderResult.failure(new TooLongHttpHeaderException("x")));
    assertThat(RequestCheck.check(big, CONFIG).orElseThrow().status()).isEqualTo(431);
    var longLine = request("GET");
    longLine.setDecoderResult(DecoderResult.failure(new TooLongHttpLineException("x")));
    assertThat(RequestCheck.check(longLine, CONFIG).orElseThrow().status()).isEqualTo(414);
    var bad = request("GET");
    bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("invalid version")));
    assertThat(RequestCheck.check(bad, CONFIG).orElseThrow().reason()).contains("invalid version");
  }

  @Test
  void idempotency_followsRfc9110() {
    for (String m : new String[] {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"}) {
      assertThat(RequestCheck.idempotent(HttpMethod.valueOf(m))).as(m).isTrue();
    }
    for (String m : new String[] {"POST", "PATCH", "CONNECT"}) {
      assertThat(RequestCheck.idempotent(HttpMethod.valueOf(m))).as(m).isFalse();
    }
  }

  @Test
  void bodyAndUpgrade_detection() {
    assertThat(RequestCheck.hasBody(request("POST", "Transfer-Encoding", "chunked"))).isTrue();
    assertThat(RequestCheck.hasBody(request("POST", "Content-Length", "0"))).isFalse();
    assertThat(RequestCheck.hasBody(request("GET"))).isFalse();
    assertThat(
            RequestCheck.upgrade(
                request("GET", "Upgrade", "websocket", "Connection", "keep-alive, Upgrade")))
        .isTrue();
    assertThat(RequestCheck.upgrade(request("GET", "Upgrade", "websocket"))).isFalse();
  }
}
