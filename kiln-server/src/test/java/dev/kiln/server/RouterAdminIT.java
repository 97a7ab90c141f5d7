package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Route;
import dev.kiln.router.ServiceRoute;
import dev.kiln.router.Split;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router process serves a table swap on its admin dispatcher thread and every other endpoint
 * apart: swaps go through while long polls ({@code GET /wakes}, up to 20 s each) are open, and a
 * swap without the token is still refused.
 */
class RouterAdminIT {
  @TempDir Path home;

  @Test
  void tableSwaps_areServedWhileLongPollsWait_andStillWantTheToken() throws Exception {
    RemoteDataPlane data = RemoteDataPlane.adoptOrStart(home, ServerConfig.address("127.0.0.1:0"));
    try {
      int port =
          Json.parse(Files.readString(home.resolve("router/router.json"))).get("admin").asInt();
      String bearer =
          "Bearer " + Files.readString(home.resolve("router/" + RouterProcess.TOKEN_FILE)).strip();
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      List<CompletableFuture<HttpResponse<String>>> polls = new ArrayList<>();
      for (int i = 0; i < 3; i++)
        polls.add(
            client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/wakes"))
                    .header("Authorization", bearer)
                    .timeout(Duration.ofSeconds(60))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));

      long before = data.table().version();
      for (int i = 1; i <= 3; i++) {
        List<ServiceRoute> services = new ArrayList<>();
        for (int s = 1; s <= i; s++)
          services.add(
              new ServiceRoute("web" + s, new Route("*", "/" + s), List.of(), Split.perRequest()));
        data.publish(services).get(10, TimeUnit.SECONDS);
      }

      HttpResponse<String> served =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/table"))
                  .header("Authorization", bearer)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(Json.parse(served.body()).get("version").asLong()).isEqualTo(before + 3);
      assertThat(polls).noneMatch(CompletableFuture::isDone); // still waiting, not in the way

      HttpResponse<String> refused =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/table"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"version\":99,\"services\":[]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(data.table().version()).isEqualTo(before + 3);
    } finally {
      data.close();
      data.terminateAndWait(); // its files are written by then: the folder goes next
    }
  }

  @Test
  void aRequestThatStallsHalfSent_isDropped_andSwapsGoOn() throws Exception {
    RemoteDataPlane data = RemoteDataPlane.adoptOrStart(home, ServerConfig.address("127.0.0.1:0"));
    try (java.net.Socket stalled = new java.net.Socket()) {
      int port =
          Json.parse(Files.readString(home.resolve("router/router.json"))).get("admin").asInt();
      stalled.connect(new java.net.InetSocketAddress("127.0.0.1", port));
      // readable, so the dispatcher starts reading it, and never finished
      stalled.getOutputStream().write("POST /table HTTP/1.1\r\nHost: x\r\n".getBytes());
      stalled.getOutputStream().flush();
      Thread.sleep(200);

      data.publish(
              List.of(new ServiceRoute("web", new Route("*", "/"), List.of(), Split.perRequest())))
          .get(RouterProcess.MAX_REQUEST_SECONDS + 20, TimeUnit.SECONDS);
      assertThat(data.table().services()).extracting(ServiceRoute::service).containsExactly("web");
      stalled.setSoTimeout(20_000);
      assertThat(stalled.getInputStream().read()).isEqualTo(-1); // closed by the router
    } finally {
      data.close();
      data.terminateAndWait(); // its files are written by then: the folder goes next
    }
  }
}
