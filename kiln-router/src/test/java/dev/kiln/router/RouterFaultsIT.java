package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouterFaultsIT {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Router router;

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables.reversed()) c.close();
  }

  private Router router(List<Backend> backends, UnaryOperator<RouterConfig.Builder> tweak) {
    router = RouterFixture.start(RouterFixture.table(1, "web", backends), tweak);
    closeables.add(router);
    return router;
  }

  private TestBackend backend(String name) throws IOException {
    var b = TestBackend.start(name);
    closeables.add(b);
    return b;
  }

  /** An address where nothing listens: connecting is refused at once. */
  private static Backend dead(String id) throws IOException {
    int port;
    try (var s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return new Backend(id, "1", new InetSocketAddress("127.0.0.1", port), 1);
  }

  private RawHttp client() throws IOException {
    var c = RawHttp.connect(RouterFixture.address(router));
    closeables.add(c);
    return c;
  }

  @Test
  void idempotentRequest_isRetriedOnAnotherBackend_whenTheConnectFails() throws Exception {
    router(List.of(dead("dead"), backend("live").backend("1", 1)), c -> c.ejectionThreshold(1000));
    var c = client();
    for (int i = 0; i < 20; i++) {
      var r = c.exchange(RawHttp.get("/", "x"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("x-backend")).isEqualTo("live");
    }
    var dead = router.metrics().service("web").orElseThrow().backends().get(0);
    assertThat(dead.connectFailures()).isPositive();
    assertThat(dead.traffic().requests()).isZero();
  }

  @Test
  void nonIdempotentRequest_isNotRetried_andGets502NamingTheBackend() throws Exception {
    router(List.of(dead("dead")), c -> c);
    var r = client().exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.text()).contains("service web").contains("could not reach backend dead");
  }

  @Test
  void consecutiveConnectFailures_ejectTheBackend() throws Exception {
    router(
        List.of(dead("dead"), backend("live").backend("1", 1)),
        c -> c.ejectionThreshold(2).ejectionDuration(Duration.ofMinutes(5)));
    var c = client();
    for (int i = 0; i < 30; i++)
      assertThat(c.exchange(RawHttp.get("/", "x")).status()).isEqualTo(200);
    var dead = router.metrics().service("web").orElseThrow().backends().get(0);
    assertThat(dead.ejected()).isTrue();
    long failures = dead.connectFailures();
    for (int i = 0; i < 30; i++) c.exchange(RawHttp.get("/", "x"));
    assertThat(router.metrics().service("web").orElseThrow().backends().get(0).connectFailures())
        .isEqualTo(failures);
    assertThat(router.prometheus())
        .contains("kiln_router_backend_ejected{service=\"web\",backend=\"dead\",revision=\"1\"} 1");
  }

  @Test
  void ejection_endsWhenTheInjectedClockSaysSo() throws Exception {
    var now = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
    var table =
        RouterFixture.table(1, "web", List.of(dead("dead"), backend("live").backend("1", 1)));
    var config =
        RouterConfig.builder()
            .listeners(List.of(new InetSocketAddress("127.0.0.1", 0)))
            .ejectionThreshold(1)
            .ejectionDuration(Duration.ofSeconds(30))
            .build();
    router = Router.start(config, table, now::get);
    closeables.add(router);
    var c = client();
    for (int i = 0; i < 20; i++) c.exchange(RawHttp.get("/", "x"));
    var dead = router.metrics().service("web").orElseThrow().backends().get(0);
    assertThat(dead.ejected()).isTrue();
    assertThat(dead.connectFailures()).isEqualTo(1);

    now.addAndGet(Duration.ofSeconds(31).toNanos()); // the ejection is over: it gets tried again
    for (int i = 0; i < 20; i++)
      assertThat(c.exchange(RawHttp.get("/", "x")).status()).isEqualTo(200);
    dead = router.metrics().service("web").orElseThrow().backends().get(0);
    assertThat(dead.connectFailures()).isEqualTo(2);
    assertThat(dead.ejected()).isTrue();
  }

  @Test
  void serviceWithoutBackends_is503() throws Exception {
    router(List.of(), c -> c);
    var r = client().exchange(RawHttp.get("/", "x"));
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.text()).contains("service web: no healthy backend");
  }

  @Test
  void silentBackend_is504() throws Exception {
    var sleepy =
        TestBackend.start(
            "sleepy",
            ex -> {
              try {
                Thread.sleep(3000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    closeables.add(sleepy);
    router(List.of(sleepy.backend("1", 1)), c -> c.responseTimeout(Duration.ofMillis(300)));
    var r = client().exchange(RawHttp.get("/", "x"));
    assertThat(r.status()).isEqualTo(504);
    assertThat(r.text()).contains("backend sleepy").contains("did not answer");
  }

  @Test
  void backendResetMidResponse_endsThatResponse_andLeavesOtherConnectionsAlone() throws Exception {
    var resetter =
        new RawBackend(
            (socket, head) -> {
              socket
                  .getOutputStream()
                  .write(
                      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial"
                          .getBytes(StandardCharsets.US_ASCII));
              socket.getOutputStream().flush();
              Thread.sleep(100);
              socket.setSoLinger(true, 0); // RST, not FIN
              socket.close();
            });
    closeables.add(resetter);
    var healthy = backend("healthy");
    router =
        RouterFixture.start(
            new RouteTable(
                1,
                List.of(
                    ServiceRoute.of(
                        "reset",
                        new dev.kiln.model.Route("*", "/reset"),
                        List.of(resetter.backend("r1"))),
                    ServiceRoute.of(
                        "web",
                        new dev.kiln.model.Route("*", "/"),
                        List.of(healthy.backend("1", 1))))));
    closeables.add(router);
    var bystander = client();
    assertThat(bystander.exchange(RawHttp.get("/", "x")).status()).isEqualTo(200);

    var victim = client();
    assertThatThrownBy(() -> victim.exchange(RawHttp.get("/reset", "x")))
        .isInstanceOf(IOException.class);

    assertThat(bystander.exchange(RawHttp.get("/", "x")).status()).isEqualTo(200);
    assertThat(client().exchange(RawHttp.get("/", "x")).status()).isEqualTo(200);
    assertThat(router.metrics().service("reset").orElseThrow().total().inFlight()).isZero();
    // counted as the failure it was, though the client had seen a 200 head
    assertThat(router.metrics().service("reset").orElseThrow().total().statuses().s5xx())
        .isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
        "GET / HTTP/1.1\r\nHo st: x\r\n\r\n",
        "\u0001\u0002\u0003 nonsense\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n: empty-name\r\n\r\n",
      })
  void malformedRequest_is400_andCloses(String request) throws Exception {
    router(List.of(backend("b").backend("1", 1)), c -> c);
    var c = client();
    var r = c.exchange(request);
    assertThat(r.status()).isEqualTo(400);
    assertThat(c.closedByPeer()).isTrue();
  }

  @Test
  void oversizedHeaderSection_is431() throws Exception {
    router(List.of(backend("b").backend("1", 1)), c -> c.maxHeaderSize(4096));
    var r = client().exchange(RawHttp.get("/", "x", "X-Big: " + "a".repeat(8000)));
    assertThat(r.status()).isEqualTo(431);
  }

  @Test
  void oversizedRequestLine_is414() throws Exception {
    router(List.of(backend("b").backend("1", 1)), c -> c.maxInitialLineLength(1024));
    var r = client().exchange(RawHttp.get("/" + "a".repeat(4000), "x"));
    assertThat(r.status()).isEqualTo(414);
  }

  @Test
  void declaredBodyPastTheLimit_is413_beforeAnyByteIsRead() throws Exception {
    var b = backend("b");
    router(List.of(b.backend("1", 1)), c -> c.maxBodySize(1000));
    var r = client().exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    assertThat(r.status()).isEqualTo(413);
    assertThat(b.hits.get()).isZero();
  }

  @Test
  void chunkedBodyGrowingPastTheLimit_is413() throws Exception {
    var b = backend("b");
    router(List.of(b.backend("1", 1)), c -> c.maxBodySize(1000));
    var c = client();
    c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; i++) c.send("200\r\n" + "x".repeat(512) + "\r\n");
    var r = c.read();
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.text()).contains("exceeds the limit of 1000");
  }

  @Test
  void slowloris_getsA408AndIsClosed_whileOthersAreServed() throws Exception {
    router(
        List.of(backend("b").backend("1", 1)), c -> c.requestHeaderTimeout(Duration.ofMillis(400)));
    var slow = client();
    slow.send("GET / HTTP/1.1\r\n");
    RawHttp.Response r = null;
    for (int i = 0; i < 50 && r == null; i++) {
      try {
        slow.send("X-Drip-" + i + ": 1\r\n");
        Thread.sleep(100);
        if (slow.in.available() > 0) r = slow.read();
      } catch (IOException e) {
        break; // closed while dripping: read below
      }
      assertThat(client().exchange(RawHttp.get("/", "x")).status()).isEqualTo(200);
    }
    if (r == null) r = slow.read();
    assertThat(r.status()).isEqualTo(408);
    assertThat(slow.closedByPeer()).isTrue();
  }

  @Test
  void idleKeepAliveConnection_isClosedAfterTheIdleTimeout() throws Exception {
    router(List.of(backend("b").backend("1", 1)), c -> c.idleTimeout(Duration.ofMillis(300)));
    var c = client();
    assertThat(c.exchange(RawHttp.get("/", "x")).status()).isEqualTo(200);
    assertThat(c.closedByPeer()).isTrue();
  }
}
