package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RouterSwapIT {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    for (AutoCloseable c : closeables.reversed()) c.close();
  }

  private TestBackend backend(String name) throws Exception {
    var b = TestBackend.start(name);
    closeables.add(b);
    return b;
  }

  /** A backend that holds every request until the test releases it. */
  private TestBackend slow(String name, CountDownLatch arrived) throws Exception {
    var b =
        TestBackend.start(
            name,
            ex -> {
              arrived.countDown();
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              TestBackend.echo(name, ex);
            });
    closeables.add(b);
    return b;
  }

  private Router router(RouteTable t, Duration drain) {
    var r = RouterFixture.start(t, c -> c.drainTimeout(drain));
    closeables.add(r);
    return r;
  }

  @Test
  void swapsUnderConcurrentLoad_loseNoRequest() throws Exception {
    var a = List.of(backend("a1").backend("1", 1), backend("a2").backend("1", 1));
    var b = List.of(backend("b1").backend("2", 1), backend("b2").backend("2", 1));
    Router router = router(RouterFixture.table(1, "web", a), Duration.ofSeconds(5));
    var stop = new AtomicBoolean();
    var statuses = new ConcurrentHashMap<Integer, AtomicInteger>();
    var errors = new ConcurrentHashMap<String, AtomicInteger>();
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      boolean keepAlive = t % 2 == 0;
      clients.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    RawHttp c = null;
                    while (!stop.get()) {
                      try {
                        if (c == null) c = RawHttp.connect(RouterFixture.address(router));
                        var r =
                            c.exchange(
                                RawHttp.get("/", "x", keepAlive ? "X-K: 1" : "Connection: close"));
                        statuses
                            .computeIfAbsent(r.status(), k -> new AtomicInteger())
                            .incrementAndGet();
                        if (!keepAlive) {
                          c.close();
                          c = null;
                        }
                      } catch (Exception e) {
                        errors
                            .computeIfAbsent(String.valueOf(e), k -> new AtomicInteger())
                            .incrementAndGet();
                        c = null;
                      }
                    }
                  }));
    }
    List<CompletableFuture<DrainReport>> drains = new ArrayList<>();
    for (int v = 2; v <= 60; v++) {
      Thread.sleep(20);
      drains.add(router.swap(RouterFixture.table(v, "web", v % 2 == 0 ? b : a)));
    }
    stop.set(true);
    for (Thread t : clients) t.join();

    assertThat(errors).isEmpty();
    assertThat(statuses.keySet()).containsExactly(200);
    assertThat(statuses.get(200).get()).isGreaterThan(100);
    for (var d : drains) assertThat(d.get(10, TimeUnit.SECONDS).clean()).isTrue();
  }

  @Test
  void removedBackend_getsNoNewRequests_andItsInFlightRequestCompletes() throws Exception {
    var arrived = new CountDownLatch(1);
    var old = slow("old", arrived);
    var fresh = backend("new");
    Router router =
        router(RouterFixture.table(1, "web", List.of(old.backend("1", 1))), Duration.ofSeconds(20));
    var inFlight =
        CompletableFuture.supplyAsync(
            () -> {
              try (var c = RawHttp.connect(RouterFixture.address(router))) {
                return c.exchange(RawHttp.get("/slow", "x"));
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();

    var drained = router.swap(RouterFixture.table(2, "web", List.of(fresh.backend("2", 1))));
    try (var c = RawHttp.connect(RouterFixture.address(router))) {
      assertThat(c.exchange(RawHttp.get("/", "x")).header("x-backend")).isEqualTo("new");
    }
    assertThat(drained).isNotDone();
    assertThat(router.metrics().service("web").orElseThrow().backends())
        .anySatisfy(m -> assertThat(m.draining() && m.traffic().inFlight() == 1).isTrue());

    release.countDown();
    var r = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-backend")).isEqualTo("old");
    assertThat(drained.get(10, TimeUnit.SECONDS))
        .isEqualTo(new DrainReport(2, List.of("web/old"), List.of()));
    assertThat(old.hits.get()).isEqualTo(1);
  }

  @Test
  void drainTimeout_cutsOffWhatIsStillInFlight_andSaysSo() throws Exception {
    var arrived = new CountDownLatch(1);
    var stuck = slow("stuck", arrived);
    var fresh = backend("new");
    Router router =
        router(
            RouterFixture.table(1, "web", List.of(stuck.backend("1", 1))), Duration.ofMillis(300));
    var inFlight =
        CompletableFuture.supplyAsync(
            () -> {
              try (var c = RawHttp.connect(RouterFixture.address(router))) {
                return c.exchange(RawHttp.get("/", "x")).status();
              } catch (Exception e) {
                return -1; // connection closed
              }
            });
    assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
    var report =
        router
            .swap(RouterFixture.table(2, "web", List.of(fresh.backend("2", 1))))
            .get(10, TimeUnit.SECONDS);
    assertThat(report.cutOff()).containsExactly("web/stuck");
    assertThat(report.clean()).isFalse();
    assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo(502);
  }

  @Test
  void weightChange_isNotADrain_andKeepsMetrics() throws Exception {
    var one = backend("one");
    Router router =
        router(RouterFixture.table(1, "web", List.of(one.backend("1", 1))), Duration.ofSeconds(5));
    try (var c = RawHttp.connect(RouterFixture.address(router))) {
      c.exchange(RawHttp.get("/", "x"));
    }
    var report =
        router
            .swap(RouterFixture.table(2, "web", List.of(one.backend("1", 5))))
            .get(5, TimeUnit.SECONDS);
    assertThat(report).isEqualTo(new DrainReport(2, List.of(), List.of()));
    assertThat(router.metrics().service("web").orElseThrow().backends().get(0).traffic().requests())
        .isEqualTo(1);
    assertThat(router.table().version()).isEqualTo(2);
  }

  @Test
  void closingTheRouter_endsADrainInProgress() throws Exception {
    var arrived = new CountDownLatch(1);
    var stuck = slow("stuck", arrived);
    Router router =
        router(
            RouterFixture.table(1, "web", List.of(stuck.backend("1", 1))), Duration.ofMinutes(5));
    CompletableFuture.runAsync(
        () -> {
          try (var c = RawHttp.connect(RouterFixture.address(router))) {
            c.exchange(RawHttp.get("/", "x"));
          } catch (Exception expected) {
            // cut off by the close
          }
        });
    assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
    var drain = router.swap(RouterFixture.table(2, "web", List.of()));
    router.close();
    assertThat(drain.get(10, TimeUnit.SECONDS).cutOff()).containsExactly("web/stuck");
  }

  @Test
  void staleTable_isRejected() throws Exception {
    Router router =
        router(
            RouterFixture.table(5, "web", List.of(backend("x").backend("1", 1))),
            Duration.ofSeconds(5));
    assertThatThrownBy(() -> router.swap(RouterFixture.table(5, "web", List.of())))
        .isInstanceOf(RouterException.class)
        .hasMessageContaining("not newer than v5");
  }
}
