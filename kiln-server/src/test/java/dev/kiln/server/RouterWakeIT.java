package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.kiln.model.Route;
import dev.kiln.router.Backend;
import dev.kiln.router.ServiceRoute;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router as a process of its own pushes a wake to the server (a long-polled {@code GET /wakes})
 * the moment it holds a request for a service at zero, and forwards the held request once a table
 * brings a backend — the hold travels in the table the server posts.
 */
class RouterWakeIT {
  @TempDir Path home;

  @Test
  void heldRequest_pushesAWake_andIsForwardedWhenABackendArrives() throws Exception {
    RemoteDataPlane data = RemoteDataPlane.adoptOrStart(home, ServerConfig.address("127.0.0.1:0"));
    HttpServer backend =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    try {
      LinkedBlockingQueue<String> wakes = new LinkedBlockingQueue<>();
      data.onWake(wakes::add);
      ServiceRoute atZero =
          new ServiceRoute(
                  "web", new Route("*", "/"), List.of(), dev.kiln.router.Split.perRequest())
              .withHold(Executor.WAKE_HOLD);
      data.publish(List.of(atZero)).get(10, TimeUnit.SECONDS);
      assertThat(data.table().services().get(0).hold()).isEqualTo(Executor.WAKE_HOLD);

      HttpClient client = HttpClient.newHttpClient();
      CompletableFuture<HttpResponse<String>> held =
          client.sendAsync(
              HttpRequest.newBuilder(URI.create("http://" + data.address() + "/"))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(wakes.poll(30, TimeUnit.SECONDS)).isEqualTo("web");
      assertThat(held).isNotDone();

      backend.createContext(
          "/",
          ex -> {
            byte[] b = "woken\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (var out = ex.getResponseBody()) {
              out.write(b);
            }
          });
      backend.start();
      data.publish(
          List.of(
              atZero.withBackends(
                  List.of(Backend.local("web-1", "1", backend.getAddress().getPort())))));
      HttpResponse<String> r = held.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("woken\n");
    } finally {
      backend.stop(0);
      data.close();
      data.terminateAndWait(); // its files are written by then: the folder goes next
    }
  }
}
