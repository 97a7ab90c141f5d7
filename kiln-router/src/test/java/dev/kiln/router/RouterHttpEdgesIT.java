package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RouterHttpEdgesIT {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Router router;

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables.reversed()) c.close();
  }

  private RawHttp client(Backend b) throws Exception {
    router = RouterFixture.start(RouterFixture.table(1, "web", List.of(b)));
    closeables.add(router);
    var c = RawHttp.connect(RouterFixture.address(router));
    closeables.add(c);
    return c;
  }

  private Backend echo() throws Exception {
    var b = TestBackend.start("b");
    closeables.add(b);
    return b.backend("1", 1);
  }

  @Test
  void pipelinedRequests_areAnsweredInOrder() throws Exception {
    var c = client(echo());
    c.send(RawHttp.get("/one", "x") + RawHttp.get("/two", "x") + RawHttp.get("/three", "x"));
    assertThat(c.read().text()).isEqualTo("b /one 0\n");
    assertThat(c.read().text()).isEqualTo("b /two 0\n");
    assertThat(c.read().text()).isEqualTo("b /three 0\n");
  }

  @Test
  void headRequest_getsHeadersOnly_andTheConnectionStaysUsable() throws Exception {
    var c = client(echo());
    c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n");
    String head = RawBackend.readHead(c.in);
    assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("x-backend: b");
    assertThat(c.exchange(RawHttp.get("/after", "x")).text()).isEqualTo("b /after 0\n");
  }

  @Test
  void http10Client_getsItsAnswer_andTheConnectionIsClosed() throws Exception {
    var c = client(echo());
    var r = c.exchange("GET /old HTTP/1.0\r\nHost: x\r\n\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo("b /old 0\n");
    assertThat(c.closedByPeer()).isTrue();
  }

  @Test
  void closeDelimitedBackendResponse_isReframedAsChunkedForTheClient() throws Exception {
    var old =
        new RawBackend(
            (socket, head) -> {
              socket
                  .getOutputStream()
                  .write(
                      "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-close"
                          .getBytes(StandardCharsets.US_ASCII));
            });
    closeables.add(old);
    var c = client(old.backend("old"));
    var r = c.exchange(RawHttp.get("/", "x"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
    assertThat(r.text()).isEqualTo("until-close");
    // and the client connection is still good
    var again = c.exchange(RawHttp.get("/", "x"));
    assertThat(again.text()).isEqualTo("until-close");
  }

  @Test
  void halfClosingClient_stillGetsItsAnswer() throws Exception {
    var c = client(echo());
    c.send(RawHttp.get("/half", "x"));
    c.socket.shutdownOutput();
    assertThat(c.read().text()).isEqualTo("b /half 0\n");
    assertThat(c.closedByPeer()).isTrue();
  }

  @Test
  void clientClosingMidRequest_leavesNothingInFlight() throws Exception {
    var c = client(echo());
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part");
    Thread.sleep(200);
    c.close();
    for (int i = 0;
        i < 50 && router.metrics().service("web").orElseThrow().total().inFlight() > 0;
        i++) {
      Thread.sleep(50);
    }
    assertThat(router.metrics().service("web").orElseThrow().total().inFlight()).isZero();
    assertThat(router.metrics().service("web").orElseThrow().backends().get(0).traffic().inFlight())
        .isZero();
  }
}
