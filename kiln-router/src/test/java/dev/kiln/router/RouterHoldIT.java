package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Route;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Scale to zero, as the router sees it: a service without backends holds its requests, pushes a
 * wake, and forwards the held requests the moment a table brings a backend; past the bounds the
 * client is told to retry.
 */
class RouterHoldIT {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables.reversed()) c.close();
  }

  private static RouteTable table(long version, Hold hold, List<Backend> backends) {
    return new RouteTable(
        version, List.of(ServiceRoute.of("web", new Route("*", "/"), backends).withHold(hold)));
  }

  private Router router(RouteTable initial) {
    Router r = RouterFixture.start(initial);
    closeables.add(r);
    return r;
  }

  private CompletableFuture<HttpResponse<String>> get(Router r) {
    var a = RouterFixture.address(r);
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/hello"))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aHeldRequest_wakesTheService_andIsServedByTheFirstBackend() throws Exception {
    Router r = router(table(1, new Hold(10, Duration.ofSeconds(10)), List.of()));
    List<String> wakes = new CopyOnWriteArrayList<>();
    CountDownLatch woken = new CountDownLatch(3);
    r.onWake(
        s -> {
          wakes.add(s);
          woken.countDown();
        });

    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) held.add(get(r));
    assertThat(woken.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(wakes).containsOnly("web");
    assertThat(r.heldRequests()).containsEntry("web", 3);
    assertThat(held).noneMatch(CompletableFuture::isDone);

    TestBackend backend = TestBackend.start("first");
    closeables.add(backend);
    r.swap(
        table(
            2,
            new Hold(10, Duration.ofSeconds(10)),
            List.of(Backend.local("b1", "1", backend.server.getAddress().getPort()))));

    for (var f : held) {
      HttpResponse<String> resp = f.get(10, TimeUnit.SECONDS);
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(resp.body()).contains("first");
    }
    assertThat(r.heldRequests()).isEmpty();
  }

  @Test
  void noBackendInTime_isA503WithRetryAfter() throws Exception {
    Router r = router(table(1, new Hold(10, Duration.ofMillis(300)), List.of()));
    HttpResponse<String> resp = get(r).get(10, TimeUnit.SECONDS);
    assertThat(resp.statusCode()).isEqualTo(503);
    assertThat(resp.headers().firstValue("Retry-After")).contains("1");
    assertThat(resp.body()).contains("waking");
    assertThat(r.heldRequests()).isEmpty();
  }

  @Test
  void aFullQueue_answersAtOnceWithRetryAfter() throws Exception {
    Router r = router(table(1, new Hold(1, Duration.ofSeconds(10)), List.of()));
    CompletableFuture<HttpResponse<String>> first = get(r);
    while (r.heldRequests().isEmpty()) Thread.sleep(5);
    HttpResponse<String> second = get(r).get(5, TimeUnit.SECONDS);
    assertThat(second.statusCode()).isEqualTo(503);
    assertThat(second.headers().firstValue("Retry-After")).isPresent();
    assertThat(first).isNotDone();
  }

  @Test
  void withoutHold_aServiceWithoutBackendsAnswers503AtOnce() throws Exception {
    Router r = router(table(1, Hold.NONE, List.of()));
    List<String> wakes = new CopyOnWriteArrayList<>();
    r.onWake(wakes::add);
    HttpResponse<String> resp = get(r).get(5, TimeUnit.SECONDS);
    assertThat(resp.statusCode()).isEqualTo(503);
    assertThat(wakes).isEmpty();
  }
}
