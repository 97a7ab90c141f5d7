package dev.kiln.runtime.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Route;
import dev.kiln.router.Backend;
import dev.kiln.router.RouteTable;
import dev.kiln.router.Router;
import dev.kiln.router.RouterConfig;
import dev.kiln.router.ServiceRoute;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.LoopbackRegistry;
import dev.kiln.testkit.SwarmHosts;
import dev.kiln.testkit.TestImages;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A fleet of six instances on a real swarm of three namespaced hosts, behind Kiln's router in this
 * JVM, with a client sending requests through the router the whole time. It is replaced one by one
 * (start the new one, wait until it serves, add it, take the old one out and drain it, stop it),
 * then a host is lost (its link set down, its engine and instances killed) and the healer — the
 * loop Kiln's executor runs, kept here in miniature — replaces what the driver reports exited. The
 * figures are logged as {@code SWARM-BENCH} lines.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmFleetIT {
  static final int FLEET = 6;
  static final ImageContent IMAGE = TestImages.busybox().build();

  static SwarmHosts swarm;
  static LoopbackRegistry registry;
  static Path dir;
  static RuntimeDriver driver;
  static Router router;
  static final AtomicLong version = new AtomicLong();

  /** The fleet as the router should see it: instance id to where it is reached. */
  static final Map<String, InetSocketAddress> serving = new TreeMap<>();

  static int sequence;
  static Client client;

  @BeforeAll
  static void startFleet() throws Exception {
    SwarmHosts.assumeSupported();
    swarm = SwarmHosts.start(3);
    dir = Files.createTempDirectory("kiln-swarm-fleet");
    registry = LoopbackRegistry.start(dir.resolve("registry"), swarm.gateway(), List.of());
    driver =
        RuntimeDrivers.create(
            "swarm",
            new DriverContext(
                dir.resolve("home"),
                Clock.systemUTC(),
                new InMemoryImageSource().add(IMAGE),
                Map.of(
                    "manager",
                    swarm.manager().engine(),
                    "registry",
                    registry.address() + "/kiln",
                    "registry-plain-http",
                    "true")));
    router =
        Router.start(
            RouterConfig.builder()
                .listeners(List.of(new InetSocketAddress("127.0.0.1", 0)))
                .ioThreads(2)
                // a lost host drops packets: give up on it fast and retry another backend
                .connectTimeout(Duration.ofMillis(300))
                .build(),
            RouteTable.empty());
    for (int i = 0; i < FLEET; i++) {
      InstanceStatus s = startServing(1);
      serving.put(s.id().value(), address(s));
    }
    publish();
    client = new Client(router.addresses().getFirst());
  }

  @AfterAll
  static void stopFleet() throws Exception {
    if (client != null) client.close();
    if (router != null) router.close();
    if (driver != null) {
      for (InstanceStatus s : driver.list()) driver.destroy(s.id());
      driver.close();
    }
    if (registry != null) registry.close();
    if (swarm != null) swarm.close();
    if (dir != null) {
      try (var all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      }
    }
  }

  @Test
  @Order(1)
  void sixInstances_spreadOverThreeHosts_withNoNewPrivileges() {
    Map<String, Long> perHost =
        driver.list().stream()
            .collect(Collectors.groupingBy(InstanceStatus::address, Collectors.counting()));
    System.out.println("SWARM-BENCH placement " + perHost);
    assertThat(perHost).hasSize(3);
    assertThat(perHost.values()).allMatch(n -> n == 2);
    InstanceSpec probe =
        Instances.spec("nnp", IMAGE.manifestDigest())
            .shell("grep NoNewPrivs /proc/self/status; exec sleep 600")
            .build();
    try {
      driver.start(probe);
      Await.until(
          "NoNewPrivs in the log",
          () ->
              Optional.of(driver.logs(probe.id(), 4096))
                  .filter(l -> l.matches("(?s).*NoNewPrivs:\\s+1.*")));
    } finally {
      driver.destroy(probe.id());
    }
  }

  @Test
  @Order(2)
  void aRollingReplacementAcrossThreeHosts_failsNoRequest() throws Exception {
    client.start();
    Await.until(
        "the client's first answers", () -> Optional.of(client.ok.get()).filter(n -> n > 5));
    long t0 = System.nanoTime();
    long starting = 0;
    long draining = 0;
    long stopping = 0;
    long removing = 0;
    for (String old : new ArrayList<>(serving.keySet())) {
      long a = System.nanoTime();
      InstanceStatus fresh = startServing(2);
      serving.put(fresh.id().value(), address(fresh));
      publish();
      long b = System.nanoTime();
      serving.remove(old);
      publish().get(30, TimeUnit.SECONDS); // drained
      long c = System.nanoTime();
      var stopped = driver.stop(InstanceId.of(old), Duration.ofSeconds(2));
      assertThat(stopped.graceful()).as(old + " stopped on the signal").isTrue();
      long d = System.nanoTime();
      driver.destroy(InstanceId.of(old));
      starting += b - a;
      draining += c - b;
      stopping += d - c;
      removing += System.nanoTime() - d;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long requests = client.ok.get() + client.failed.get();
    System.out.printf(
        "SWARM-BENCH rolling-replacement instances=%d hosts=3 seconds=%.1f (start+serve %.1f,"
            + " drain %.1f, stop %.1f, remove %.1f) requests=%d failed=%d%n",
        FLEET,
        seconds,
        starting / 1e9,
        draining / 1e9,
        stopping / 1e9,
        removing / 1e9,
        requests,
        client.failed.get());
    assertThat(client.failed.get()).as("failed requests; last: " + client.lastFailure).isZero();
    assertThat(driver.list()).hasSize(FLEET).allMatch(s -> s.spec().revision() == 2);
  }

  @Test
  @Order(3)
  void aHostLost_itsInstancesReadExited_replacementsLandOnTheOthers_andTheRouterDropsThem()
      throws Exception {
    SwarmHosts.Host lost = swarm.hosts().getLast(); // not the manager
    List<String> onLost =
        driver.list().stream()
            .filter(s -> s.address().equals(lost.address()))
            .map(s -> s.id().value())
            .toList();
    assertThat(onLost).isNotEmpty();
    long failedBefore = client.failed.get();
    long requestsBefore = client.ok.get() + client.failed.get();

    long t0 = System.nanoTime();
    swarm.lose(lost);
    List<InstanceStatus> exited =
        Await.until(
            "the lost host's instances to read exited",
            () -> {
              List<InstanceStatus> down = driver.list().stream().filter(s -> !s.running()).toList();
              return down.size() == onLost.size() ? Optional.of(down) : Optional.empty();
            });
    double detected = (System.nanoTime() - t0) / 1e9;
    assertThat(exited).extracting(s -> s.id().value()).containsExactlyInAnyOrderElementsOf(onLost);

    // the healer: out of the router first, then replace each on a live node
    onLost.forEach(serving::remove);
    publish();
    for (String gone : onLost) {
      driver.destroy(InstanceId.of(gone));
      InstanceStatus fresh = startServing(2);
      assertThat(fresh.address()).isNotEqualTo(lost.address());
      serving.put(fresh.id().value(), address(fresh));
      publish();
    }
    double full = (System.nanoTime() - t0) / 1e9;
    long requests = client.ok.get() + client.failed.get() - requestsBefore;
    long failed = client.failed.get() - failedBefore;
    System.out.printf(
        "SWARM-BENCH host-loss lost=%s instances=%d detected-seconds=%.1f"
            + " full-capacity-seconds=%.1f requests=%d failed=%d%n",
        lost.address(), onLost.size(), detected, full, requests, failed);

    assertThat(driver.list()).hasSize(FLEET).allMatch(InstanceStatus::running);
    assertThat(router.table().services().getFirst().backends())
        .extracting(b -> b.address().getHostString())
        .doesNotContain(lost.address());
    assertThat(failed).as("failed requests; last: " + client.lastFailure).isZero();
  }

  // --- the fleet in miniature ---

  static InstanceStatus startServing(int revision) {
    InstanceSpec spec =
        Instances.spec("web-" + (++sequence), IMAGE.manifestDigest()).revision(revision).build();
    InstanceStatus s = driver.start(spec);
    assertThat(Await.httpGet(s.address(), spec.port(), "/index.html").statusCode()).isEqualTo(200);
    return s;
  }

  static InetSocketAddress address(InstanceStatus s) {
    return new InetSocketAddress(s.address(), s.spec().port());
  }

  static java.util.concurrent.CompletableFuture<dev.kiln.router.DrainReport> publish() {
    List<Backend> backends = new ArrayList<>();
    serving.forEach((id, addr) -> backends.add(new Backend(id, "1", addr, 1)));
    return router.swap(
        new RouteTable(
            version.incrementAndGet(),
            List.of(ServiceRoute.of("web", new Route("*", "/"), backends))));
  }

  /** Sends GETs through the router one after another, counting answers other than 200. */
  static final class Client implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicReference<String> lastFailure = new AtomicReference<>("none");
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri;
    private Thread thread;

    Client(InetSocketAddress router) {
      this.uri = URI.create("http://127.0.0.1:" + router.getPort() + "/index.html");
    }

    void start() {
      thread = Thread.ofPlatform().daemon().name("swarm-client").start(this::loop);
    }

    private void loop() {
      while (running.get()) {
        try {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200 && r.body().equals("hello from kiln\n")) ok.incrementAndGet();
          else fail(r.statusCode() + " " + r.body());
        } catch (IOException e) {
          fail(e.toString());
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private void fail(String why) {
      failed.incrementAndGet();
      lastFailure.set(why);
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      if (thread != null) thread.join(15_000);
    }
  }
}
