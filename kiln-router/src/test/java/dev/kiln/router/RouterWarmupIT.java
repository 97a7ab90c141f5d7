package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Route;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The self warm-up: real sockets, a real private router; nothing of it may remain afterwards. */
class RouterWarmupIT {
  private static final RouterConfig CONFIG =
      RouterConfig.builder().listen("127.0.0.1", 0).ioThreads(2).build();

  @Test
  void warmsUpThenLeavesNoListenerConnectionOrThreadAndTheRouterServesNormally() throws Exception {
    try (var probe = new java.net.ServerSocket(0)) { // the count sees a listener
      assertThat(socketsOn(Set.of(probe.getLocalPort()))).isEqualTo(1);
    }

    var admitted = new java.util.concurrent.atomic.AtomicInteger();
    var report =
        new RouterWarmup(2000, Duration.ofSeconds(30), 3)
            .run(
                CONFIG,
                t -> {
                  admitted.incrementAndGet();
                  return t;
                });

    assertThat(report.error()).isNull();
    assertThat(report.served()).isEqualTo(2000);
    // the table swap path warmed too, each table through the caller's admit, with no request lost
    assertThat(report.swaps()).isEqualTo(50);
    assertThat(admitted).hasValue(50);
    // only the warm-up's own ports: other tests' pooled client connections close on their own time
    assertThat(socketsOn(Set.of(report.routerPort(), report.backendPort()))).isZero();
    assertThat(warmupThreads()).isEmpty();
    for (int port : List.of(report.routerPort(), report.backendPort())) {
      assertThat(port).isPositive();
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
          .isInstanceOf(ConnectException.class);
    }

    try (var backend = TestBackend.start("real");
        var router =
            Router.start(
                CONFIG,
                new RouteTable(
                    1,
                    List.of(
                        ServiceRoute.of(
                            "web",
                            new Route("*", "/"),
                            List.of(
                                new Backend(
                                    "b1",
                                    "1",
                                    (InetSocketAddress) backend.server.getAddress(),
                                    1))))))) {
      var client = HttpClient.newHttpClient();
      var response =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + router.addresses().get(0).getPort() + "/x"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("real");
      assertThat(backend.hits.get()).isEqualTo(1);
    }
  }

  @Test
  void offDoesNothing() {
    var report = RouterWarmup.ofRequests(0).run(CONFIG);
    assertThat(report.served()).isZero();
    assertThat(report.routerPort()).isZero();
  }

  @Test
  void theTimeBudgetBoundsIt() {
    var report = new RouterWarmup(Integer.MAX_VALUE, Duration.ofMillis(300), 2).run(CONFIG);
    assertThat(report.error()).isNull();
    assertThat(report.served()).isPositive().isLessThan(Integer.MAX_VALUE);
    assertThat(warmupThreads()).isEmpty();
  }

  @Test
  void badSettingsAreRefused() {
    assertThatThrownBy(() -> new RouterWarmup(-1, Duration.ZERO, 1))
        .isInstanceOf(RouterException.class)
        .hasMessageContaining("requests must be >= 0");
    assertThatThrownBy(() -> new RouterWarmup(1, Duration.ZERO, 0))
        .isInstanceOf(RouterException.class)
        .hasMessageContaining("connections must be >= 1");
  }

  /**
   * TCP sockets this process holds open (listeners and connections) with a local or remote port in
   * {@code ports}: its socket descriptors whose inode is in the kernel's TCP tables on such a port.
   */
  private static long socketsOn(Set<Integer> ports) throws IOException {
    Set<String> tcp = new HashSet<>();
    for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      List<String> lines = Files.readAllLines(Path.of(table));
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9
            && !f[9].equals("0")
            && (ports.contains(port(f[1])) || ports.contains(port(f[2])))) {
          tcp.add(f[9]);
        }
      }
    }
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(
              fd -> {
                try {
                  String link = Files.readSymbolicLink(fd).toString();
                  return link.startsWith("socket:[")
                      && tcp.contains(link.substring(8, link.length() - 1));
                } catch (IOException e) {
                  return false; // the directory's own descriptor, closed while listing
                }
              })
          .count();
    }
  }

  /** The port of a kernel table address, {@code 0100007F:1F90}. */
  private static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1), 16);
  }

  private static List<String> warmupThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("kiln-warmup") || n.startsWith("kiln-router"))
        .toList();
  }
}
