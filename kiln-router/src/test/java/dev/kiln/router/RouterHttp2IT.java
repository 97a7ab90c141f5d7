package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Route;
import dev.kiln.testkit.TestCa;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/2 clients (curl, the JDK's) through the router to HTTP/1.1 backends. */
@Timeout(180)
class RouterHttp2IT {
  @TempDir static Path dir;
  static TestCa ca;
  static TestCa.Leaf localhost;

  private TestBackend one, two, big;
  private Router router;

  @BeforeAll
  static void certificates() throws Exception {
    ca = new TestCa(dir);
    localhost = ca.issue("localhost", 30, "localhost");
  }

  @BeforeEach
  void start() throws Exception {
    one = TestBackend.start("one");
    two = TestBackend.start("two");
    // 8 MiB streamed in 64 KiB chunks, for flow control and resets
    big =
        TestBackend.start(
            "big",
            ex -> {
              ex.getRequestBody().readAllBytes();
              ex.sendResponseHeaders(200, 0);
              byte[] chunk = new byte[65536];
              for (int i = 0; i < chunk.length; i++) chunk[i] = (byte) i;
              try (var out = ex.getResponseBody()) {
                for (int i = 0; i < 128; i++) out.write(chunk);
              }
            });
    var table =
        new RouteTable(
            1,
            List.of(
                ServiceRoute.of(
                        "web",
                        new Route("*", "/"),
                        List.of(one.backend("1", 3), two.backend("1", 1)))
                    .withTls(TestSites.site(localhost)),
                ServiceRoute.of("big", new Route("*", "/big"), List.of(big.backend("1", 1)))));
    router =
        RouterFixture.start(
            table, b -> b.tlsListeners(List.of(new InetSocketAddress("127.0.0.1", 0))));
  }

  @AfterEach
  void stop() {
    if (router != null) router.close();
    for (var b : List.of(one, two, big)) b.close();
  }

  private String https(String path) {
    return "https://localhost:" + router.tlsAddresses().get(0).getPort() + path;
  }

  private String http(String path) {
    return "http://127.0.0.1:" + RouterFixture.address(router).getPort() + path;
  }

  @Test
  void curlSpeaksH2OverTlsByAlpnAndH2cByPriorKnowledge() throws Exception {
    String tls =
        TestCa.run(
            "curl",
            "-sS",
            "--http2",
            "--cacert",
            ca.caCert.toString(),
            "-w",
            "\n%{http_version} %{http_code}",
            https("/x?y=1"));
    // weights 3:1: either backend may answer
    assertThat(tls).matches("(?s)(one|two) /x\\?y=1 0.*").endsWith("\n2 200");
    String h2c =
        TestCa.run(
            "curl",
            "-sS",
            "--http2-prior-knowledge",
            "-d",
            "hello",
            "-w",
            "\n%{http_version} %{http_code}",
            http("/y"));
    assertThat(h2c).matches("(?s)(one|two) /y 5\n\n2 200");
    // HTTP/1.1 still works on both listeners
    String h1 =
        TestCa.run(
            "curl",
            "-sS",
            "--http1.1",
            "--cacert",
            ca.caCert.toString(),
            "-w",
            "\n%{http_version}",
            https("/z"));
    assertThat(h1).endsWith("\n1.1");
    assertThat(TestCa.run("curl", "-sS", "-w", "\n%{http_version}", http("/z"))).endsWith("\n1.1");
  }

  @Test
  void manyStreamsOnOneConnectionFollowTheWeightsAndAreCounted() throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .sslContext(ca.clientContext())
            .build();
    // in waves of 100 concurrent streams: the JDK client fails, not queues, past the server's 128
    List<HttpResponse<String>> all = new ArrayList<>();
    for (int wave = 0; wave < 4; wave++) {
      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        inFlight.add(
            client.sendAsync(
                HttpRequest.newBuilder(URI.create(https("/n/" + wave + "/" + i))).build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      inFlight.forEach(f -> all.add(f.join()));
    }
    Map<String, Long> byBackend =
        all.stream()
            .peek(r -> assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2))
            .peek(r -> assertThat(r.statusCode()).isEqualTo(200))
            .collect(
                Collectors.groupingBy(
                    r -> r.headers().firstValue("x-backend").orElseThrow(), Collectors.counting()));
    assertThat(byBackend.get("one") + byBackend.get("two")).isEqualTo(400);
    assertThat(byBackend.get("one")).isGreaterThan(byBackend.get("two")); // weights 3:1
    var web =
        router.metrics().services().stream()
            .filter(s -> s.service().equals("web"))
            .findFirst()
            .orElseThrow();
    assertThat(web.total().statuses().s2xx()).isEqualTo(400);
    assertThat(web.total().inFlight()).isZero();
  }

  @Test
  void flowControlCarriesLargeBodiesBothWaysAndResetStreamsFreeTheirBackend() throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .sslContext(ca.clientContext())
            .build();
    // 8 MiB down on 4 streams at once, far past the 64 KiB initial window
    List<CompletableFuture<HttpResponse<byte[]>>> downs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      downs.add(
          client.sendAsync(
              HttpRequest.newBuilder(URI.create(https("/big"))).build(),
              HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (var d : downs) {
      byte[] body = d.join().body();
      assertThat(body).hasSize(128 * 65536);
      for (int i = 0; i < body.length; i += 4099) assertThat(body[i]).isEqualTo((byte) (i % 65536));
    }
    // 4 MiB up
    var up =
        client.send(
            HttpRequest.newBuilder(URI.create(https("/up")))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[4 << 20]))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(up.body()).endsWith(" /up " + (4 << 20) + "\n");

    // streams reset by the client mid-response: each ends, the connection and router carry on
    for (int i = 0; i < 20; i++) {
      HttpResponse<InputStream> r =
          client.send(
              HttpRequest.newBuilder(URI.create(https("/big"))).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        in.readNBytes(100_000);
      } // closing early resets the stream
    }
    var bigService =
        (java.util.function.Supplier<ServiceMetrics>)
            () ->
                router.metrics().services().stream()
                    .filter(s -> s.service().equals("big"))
                    .findFirst()
                    .orElseThrow();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (bigService.get().total().inFlight() > 0 && System.nanoTime() < deadline)
      Thread.sleep(20);
    assertThat(bigService.get().total().inFlight()).isZero();
    var after =
        client.send(
            HttpRequest.newBuilder(URI.create(https("/after"))).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.version()).isEqualTo(HttpClient.Version.HTTP_2);
  }
}
