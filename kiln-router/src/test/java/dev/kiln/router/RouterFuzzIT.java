package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Mutated requests (flipped, dropped, duplicated and inserted bytes, CR/LF/NUL noise) on fresh
 * connections: the router must answer each with a sane status or close, and stay healthy.
 */
class RouterFuzzIT {
  private static final String SEED_REQUEST =
      "POST /api/items?x=1 HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 5\r\n"
          + "Cookie: kiln-sticky=abc; kiln-revision=1\r\nConnection: keep-alive\r\n\r\nhello"
          + "GET / HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  private static final Set<Integer> SANE =
      Set.of(200, 400, 404, 408, 413, 414, 417, 431, 501, 502, 503);

  @Test
  void mutatedRequests_getSaneAnswers_andTheRouterStaysHealthy() throws Exception {
    try (var backend = TestBackend.start("b");
        var router =
            RouterFixture.start(
                RouterFixture.table(1, "web", List.of(backend.backend("1", 1))),
                c -> c.requestHeaderTimeout(Duration.ofMillis(500)).maxHeaderSize(1024))) {
      var random = new Random(42);
      byte[] seed = SEED_REQUEST.getBytes(StandardCharsets.ISO_8859_1);
      for (int i = 0; i < 300; i++) {
        byte[] input = mutate(seed, random);
        try (var s = new Socket("127.0.0.1", RouterFixture.address(router).getPort())) {
          s.setSoTimeout(3000);
          s.getOutputStream().write(input);
          s.shutdownOutput();
          String answer =
              new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
          for (String statusLine : answer.split("\r\n")) {
            if (statusLine.startsWith("HTTP/1.1 ")) {
              int code = Integer.parseInt(statusLine.substring(9, 12));
              assertThat(SANE).as("input %d: %s", i, answer).contains(code);
            }
          }
        } catch (IOException e) {
          // a reset is a fine answer to garbage
        }
      }
      try (var c = RawHttp.connect(RouterFixture.address(router))) {
        assertThat(c.exchange(RawHttp.get("/", "x")).status()).isEqualTo(200);
      }
      for (int i = 0;
          i < 40 && router.metrics().service("web").orElseThrow().total().inFlight() > 0;
          i++) {
        Thread.sleep(50);
      }
      assertThat(router.metrics().service("web").orElseThrow().total().inFlight()).isZero();
    }
  }

  private static byte[] mutate(byte[] seed, Random r) {
    var out = new java.io.ByteArrayOutputStream();
    byte[] noise = {'\r', '\n', 0, ' ', ':', '\t', (byte) 0xff, 'a', '0'};
    int edits = 1 + r.nextInt(4);
    int[] at = new int[edits];
    for (int e = 0; e < edits; e++) at[e] = r.nextInt(seed.length);
    for (int i = 0; i < seed.length; i++) {
      boolean edited = false;
      for (int e = 0; e < edits; e++) {
        if (at[e] != i) continue;
        edited = true;
        switch (r.nextInt(4)) {
          case 0 -> out.write(noise[r.nextInt(noise.length)]); // replace
          case 1 -> {} // drop
          case 2 -> {
            out.write(seed[i]);
            out.write(seed[i]);
          }
          default -> {
            out.write(noise[r.nextInt(noise.length)]);
            out.write(seed[i]);
          }
        }
      }
      if (!edited) out.write(seed[i]);
    }
    if (r.nextInt(5) == 0)
      return java.util.Arrays.copyOf(out.toByteArray(), r.nextInt(out.size() + 1));
    return out.toByteArray();
  }
}
