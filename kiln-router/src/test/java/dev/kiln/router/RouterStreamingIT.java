package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RouterStreamingIT {
  private static final int MB = 1024 * 1024;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Router router;

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables.reversed()) c.close();
  }

  private void route(Backend b) {
    router =
        RouterFixture.start(
            RouterFixture.table(1, "web", List.of(b)), c -> c.maxBodySize(1L << 40));
    closeables.add(router);
  }

  private RawHttp client() throws Exception {
    var c = RawHttp.connect(RouterFixture.address(router));
    closeables.add(c);
    return c;
  }

  private static byte[] block(int i) {
    byte[] b = new byte[64 * 1024];
    new Random(i).nextBytes(b);
    return b;
  }

  @Test
  void chunkedUpload_streamsThroughBeforeItEnds_andArrivesIntact() throws Exception {
    var firstBytesArrived = new CountDownLatch(1);
    var backend =
        TestBackend.start(
            "sink",
            ex -> {
              var sha = sha();
              InputStream in = ex.getRequestBody();
              byte[] buf = new byte[8192];
              int n;
              long total = 0;
              while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                total += n;
                firstBytesArrived.countDown();
              }
              byte[] body =
                  (total + " " + HexFormat.of().formatHex(sha.digest()))
                      .getBytes(StandardCharsets.UTF_8);
              ex.sendResponseHeaders(200, body.length);
              ex.getResponseBody().write(body);
            });
    closeables.add(backend);
    route(backend.backend("1", 1));
    var c = client();
    var sha = sha();
    c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    int blocks = 512; // 32 MiB
    for (int i = 0; i < blocks; i++) {
      byte[] b = block(i);
      sha.update(b);
      c.send((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      c.send(b);
      c.send("\r\n");
      if (i == 0) {
        // a router that buffered the whole body would never let the backend see this
        assertThat(firstBytesArrived.await(10, TimeUnit.SECONDS)).isTrue();
      }
    }
    c.send("0\r\n\r\n");
    var r = c.read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text())
        .isEqualTo((long) blocks * 64 * 1024 + " " + HexFormat.of().formatHex(sha.digest()));
  }

  @Test
  void chunkedDownload_streamsToTheClientBeforeTheBackendFinishes() throws Exception {
    var clientGotFirstPart = new CountDownLatch(1);
    int blocks = 512;
    var backend =
        TestBackend.start(
            "source",
            ex -> {
              ex.sendResponseHeaders(200, 0); // chunked
              OutputStream out = ex.getResponseBody();
              for (int i = 0; i < blocks; i++) {
                out.write(block(i));
                if (i == 0) {
                  out.flush();
                  try {
                    if (!clientGotFirstPart.await(10, TimeUnit.SECONDS)) return;
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              }
            });
    closeables.add(backend);
    route(backend.backend("1", 1));
    var c = client();
    c.send(RawHttp.get("/download", "x"));
    // read the head and the first chunk ourselves, then let the backend go on
    String head = RawBackend.readHead(c.in);
    assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked");
    var expected = sha();
    var actual = sha();
    for (int i = 0; i < blocks; i++) expected.update(block(i));
    long total = 0;
    boolean released = false;
    while (true) {
      String size = line(c.in);
      int n = Integer.parseInt(size.trim(), 16);
      if (n == 0) break;
      byte[] data = c.in.readNBytes(n);
      actual.update(data);
      total += data.length;
      line(c.in);
      if (!released) {
        clientGotFirstPart.countDown();
        released = true;
      }
    }
    assertThat(total).isEqualTo((long) blocks * 64 * 1024);
    assertThat(actual.digest()).isEqualTo(expected.digest());
  }

  @Test
  void expect100Continue_isRelayed_thenTheBodyFlows() throws Exception {
    var backend = TestBackend.start("b");
    closeables.add(backend);
    route(backend.backend("1", 1));
    var c = client();
    c.send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    var interim = c.read();
    assertThat(interim.status()).isEqualTo(100);
    c.send("hello");
    var r = c.read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo("b /e 5\n");
    // the connection is still good for the next request
    assertThat(c.exchange(RawHttp.get("/next", "x")).text()).isEqualTo("b /next 0\n");
  }

  @Test
  void expect100Continue_withTooLargeABody_is413WithoutContinue() throws Exception {
    var backend = TestBackend.start("b");
    closeables.add(backend);
    router =
        RouterFixture.start(
            RouterFixture.table(1, "web", List.of(backend.backend("1", 1))),
            c -> c.maxBodySize(10));
    closeables.add(router);
    var r =
        client()
            .exchange(
                "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n");
    assertThat(r.status()).isEqualTo(413);
  }

  @Test
  void webSocketUpgrade_passesBytesBothWays() throws Exception {
    var seenHead = new String[1];
    var ws =
        new RawBackend(
            (socket, head) -> {
              seenHead[0] = head;
              OutputStream out = socket.getOutputStream();
              out.write(
                  ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nserver-hello")
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
              InputStream in = socket.getInputStream();
              byte[] buf = new byte[256];
              int n;
              while ((n = in.read(buf)) > 0) {
                out.write(
                    new String(buf, 0, n, StandardCharsets.US_ASCII)
                        .toUpperCase()
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
              }
            });
    closeables.add(ws);
    route(ws.backend("ws"));
    var c = client();
    c.send(
        "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    var r = c.read();
    assertThat(r.status()).isEqualTo(101);
    assertThat(r.header("upgrade")).isEqualToIgnoringCase("websocket");
    assertThat(new String(c.in.readNBytes(12), StandardCharsets.US_ASCII))
        .isEqualTo("server-hello");
    c.send("ping-1");
    assertThat(new String(c.in.readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("PING-1");
    c.send("again");
    assertThat(new String(c.in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("AGAIN");
    assertThat(seenHead[0])
        .containsIgnoringCase("upgrade: websocket")
        .containsIgnoringCase("connection: upgrade");
    assertThat(router.metrics().service("web").orElseThrow().total().inFlight()).isEqualTo(1);
    c.close();
  }

  @Test
  void tunnelClosedByTheBackend_closesTheClient_andEndsTheInFlightRequest() throws Exception {
    var ws =
        new RawBackend(
            (socket, head) -> {
              socket
                  .getOutputStream()
                  .write(
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nbye"
                          .getBytes(StandardCharsets.US_ASCII));
              socket.getOutputStream().flush();
            });
    closeables.add(ws);
    route(ws.backend("ws"));
    var c = client();
    c.send("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    assertThat(c.read().status()).isEqualTo(101);
    assertThat(new String(c.in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("bye");
    for (int i = 0;
        i < 40 && router.metrics().service("web").orElseThrow().total().inFlight() > 0;
        i++) {
      Thread.sleep(50);
    }
    var web = router.metrics().service("web").orElseThrow();
    assertThat(web.total().inFlight()).isZero();
    assertThat(web.backends().get(0).traffic().inFlight()).isZero();
    assertThat(web.total().statuses().s1xx()).isEqualTo(1);
  }

  private static MessageDigest sha() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String line(InputStream in) throws Exception {
    var sb = new StringBuilder();
    int ch;
    while ((ch = in.read()) != -1 && ch != '\n') if (ch != '\r') sb.append((char) ch);
    return sb.toString();
  }

  /** A backend that accepts the upgrade and then echoes in upper case until the client leaves. */
  private RawBackend echoingTunnel() throws Exception {
    var ws =
        new RawBackend(
            (socket, head) -> {
              OutputStream out = socket.getOutputStream();
              out.write(
                  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
              InputStream in = socket.getInputStream();
              byte[] buf = new byte[256];
              int n;
              while ((n = in.read(buf)) > 0) {
                out.write(
                    new String(buf, 0, n, StandardCharsets.US_ASCII)
                        .toUpperCase()
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
              }
            });
    closeables.add(ws);
    return ws;
  }

  private RawHttp openTunnel() throws Exception {
    var c = client();
    c.send("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    assertThat(c.read().status()).isEqualTo(101);
    c.send("hi");
    assertThat(new String(c.in.readNBytes(2), StandardCharsets.US_ASCII)).isEqualTo("HI");
    return c;
  }

  @Test
  void anIdleTunnelIsClosedAfterTheTunnelIdleTimeout() throws Exception {
    var ws = echoingTunnel();
    router =
        RouterFixture.start(
            RouterFixture.table(1, "web", List.of(ws.backend("ws"))),
            b -> b.tunnelIdleTimeout(java.time.Duration.ofMillis(200)));
    closeables.add(router);
    var c = openTunnel();
    assertThat(c.in.read()).isEqualTo(-1); // the router closed the quiet tunnel
    var web = router.metrics().service("web").orElseThrow();
    for (int i = 0; i < 100 && web.total().inFlight() > 0; i++) {
      Thread.sleep(20);
      web = router.metrics().service("web").orElseThrow();
    }
    assertThat(web.total().inFlight()).isZero();
    c.close();
  }

  @Test
  void aDrainDoesNotWaitForAnIdleTunnelUntilItsDeadline() throws Exception {
    var ws = echoingTunnel();
    var other = echoingTunnel();
    route(ws.backend("ws")); // default timeouts: 5 min tunnel idle, 30 s drain
    var c = openTunnel();
    var report = router.swap(RouterFixture.table(2, "web", List.of(other.backend("next")))).get();
    // closed because it was quiet on a draining backend, not cut off at the drain deadline
    assertThat(report.cutOff()).isEmpty();
    assertThat(report.drained()).hasSize(1);
    assertThat(c.in.read()).isEqualTo(-1);
    c.close();
  }
}
