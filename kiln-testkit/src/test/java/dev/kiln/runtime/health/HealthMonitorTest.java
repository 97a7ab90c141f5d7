package dev.kiln.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.kiln.model.HealthCheck;
import dev.kiln.runtime.InstanceId;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.Instances;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthMonitorTest {
  private final List<HealthEvent> events = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private HealthMonitor monitor;

  @AfterEach
  void stop() {
    if (monitor != null) monitor.close();
    if (server != null) server.stop(0);
  }

  private static HealthCheck check(HealthCheck.Probe probe) {
    return new HealthCheck(
        probe, Duration.ofMillis(50), Duration.ofMillis(500), 2, 2, Duration.ofSeconds(60));
  }

  private int startServer(int status) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/healthz",
        exchange -> {
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    server.start();
    return server.getAddress().getPort();
  }

  private HealthEvent awaitPhase(InstanceId id, HealthPhase phase) {
    return Await.until(
        id + " " + phase,
        () ->
            events.stream().filter(e -> e.instance().equals(id) && e.phase() == phase).findFirst());
  }

  @Test
  void httpAndTcpProbes_makeAListeningInstanceHealthy_andAClosedPortStaysStarting()
      throws IOException {
    int port = startServer(200);
    monitor = new HealthMonitor(Clock.systemUTC(), new Probes(Clock.systemUTC(), null)::run);
    monitor.addListener(events::add);
    InstanceId web = InstanceId.of("web"), tcp = InstanceId.of("tcp"), down = InstanceId.of("down");

    monitor.watch(
        web, port, check(new HealthCheck.Probe.Http("/healthz", 200)), Clock.systemUTC().instant());
    monitor.watch(tcp, port, check(new HealthCheck.Probe.Tcp()), Clock.systemUTC().instant());
    monitor.watch(
        down,
        Instances.freePort(),
        check(new HealthCheck.Probe.Tcp()),
        Clock.systemUTC().instant());

    assertThat(awaitPhase(web, HealthPhase.HEALTHY).message()).contains("answered 200");
    awaitPhase(tcp, HealthPhase.HEALTHY);
    HealthEvent failing =
        Await.until(
            "a failed probe", () -> monitor.current(down).filter(e -> e.consecutiveFailures() > 0));
    assertThat(failing.phase()).isEqualTo(HealthPhase.STARTING);
    assertThat(failing.message()).contains("connect to 127.0.0.1");
  }

  @Test
  void anUnexpectedStatus_isAFailureWithAClearMessage() throws IOException {
    int port = startServer(503);
    monitor = new HealthMonitor(Clock.systemUTC(), new Probes(Clock.systemUTC(), null)::run);
    InstanceId id = InstanceId.of("web");
    monitor.watch(
        id, port, check(new HealthCheck.Probe.Http("/healthz", 200)), Clock.systemUTC().instant());

    // a first probe of a cold JVM on a loaded machine may time out: wait for one that got an answer
    HealthEvent event =
        Await.until(
            "a probe that got an answer",
            () -> monitor.current(id).filter(e -> !e.message().startsWith("probe timed out")));
    assertThat(event.message()).isEqualTo("GET /healthz answered 503, expected 200");
  }

  @Test
  void aHangingProbe_timesOut_andDoesNotBlockTheOthers() {
    CountDownLatch never = new CountDownLatch(1);
    InstanceId stuck = InstanceId.of("stuck"), fine = InstanceId.of("fine");
    monitor =
        new HealthMonitor(
            Clock.systemUTC(),
            (id, port, check) -> {
              if (id.equals(stuck)) {
                try {
                  never.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return ProbeResult.success("ok", Duration.ZERO, Clock.systemUTC().instant());
            });
    monitor.addListener(events::add);

    monitor.watch(stuck, 1, check(new HealthCheck.Probe.Tcp()), Clock.systemUTC().instant());
    monitor.watch(fine, 2, check(new HealthCheck.Probe.Tcp()), Clock.systemUTC().instant());

    awaitPhase(fine, HealthPhase.HEALTHY);
    HealthEvent timedOut = Await.until("a timeout", () -> monitor.current(stuck));
    assertThat(timedOut.message()).contains("timed out");
    assertThat(timedOut.phase()).isEqualTo(HealthPhase.STARTING);
  }

  @Test
  void anInstanceThatMissesItsStartDeadline_failsToStart_andIsNoLongerProbed() {
    InstanceId id = InstanceId.of("late");
    monitor =
        new HealthMonitor(
            Clock.systemUTC(),
            (i, p, c) ->
                ProbeResult.failure("refused", Duration.ZERO, Clock.systemUTC().instant()));
    monitor.addListener(events::add);
    HealthCheck check =
        new HealthCheck(
            new HealthCheck.Probe.Tcp(),
            Duration.ofMillis(20),
            Duration.ofMillis(100),
            1,
            1,
            Duration.ZERO);

    monitor.watch(id, 1, check, Clock.systemUTC().instant().minusSeconds(1));

    awaitPhase(id, HealthPhase.FAILED_TO_START);
    assertThat(monitor.current(id)).isEqualTo(Optional.empty());
  }
}
