package dev.kiln.runtime.health;

import dev.kiln.model.HealthCheck;
import dev.kiln.runtime.ExecResult;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Runs one probe against an instance's port — on loopback, or on the host a driver reports for it —
 * (or inside it, for exec) within a timeout.
 */
public final class Probes implements HealthMonitor.ProbeRunner {
  private final Clock clock;
  private final RuntimeDriver driver;
  private final HttpClient http;

  public Probes(Clock clock, RuntimeDriver driver) {
    this.clock = clock;
    this.driver = driver;
    this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @Override
  public ProbeResult run(InstanceId id, int port, HealthCheck check) {
    return run(id, InstanceStatus.LOOPBACK, port, check);
  }

  @Override
  public ProbeResult run(InstanceId id, String host, int port, HealthCheck check) {
    Instant start = clock.instant();
    long t0 = System.nanoTime();
    try {
      String message =
          switch (check.probe()) {
            case HealthCheck.Probe.Http h -> http(host, port, h, check.timeout());
            case HealthCheck.Probe.Tcp t -> tcp(host, port, check.timeout());
            case HealthCheck.Probe.Exec e -> exec(id, e, check.timeout());
          };
      return ProbeResult.success(message, Duration.ofNanos(System.nanoTime() - t0), start);
    } catch (ProbeFailed e) {
      return ProbeResult.failure(e.getMessage(), Duration.ofNanos(System.nanoTime() - t0), start);
    } catch (RuntimeException e) {
      return ProbeResult.failure(
          check.probe().getClass().getSimpleName().toLowerCase()
              + " probe error: "
              + e.getMessage(),
          Duration.ofNanos(System.nanoTime() - t0),
          start);
    }
  }

  private String http(String host, int port, HealthCheck.Probe.Http probe, Duration timeout) {
    URI uri = URI.create("http://" + host + ":" + port + probe.path());
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    try {
      int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status != probe.expect()) {
        throw new ProbeFailed(
            "GET " + probe.path() + " answered " + status + ", expected " + probe.expect());
      }
      return "GET " + probe.path() + " answered " + status;
    } catch (IOException e) {
      throw new ProbeFailed("GET " + uri + " failed: " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProbeFailed("interrupted");
    }
  }

  private static String tcp(String host, int port, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      return "connected to port " + port;
    } catch (IOException e) {
      throw new ProbeFailed("connect to " + host + ":" + port + " failed: " + describe(e));
    }
  }

  private String exec(InstanceId id, HealthCheck.Probe.Exec probe, Duration timeout) {
    ExecResult result = driver.exec(id, probe.command(), timeout);
    if (!result.succeeded()) {
      throw new ProbeFailed(
          probe.command() + " exited " + result.exitCode() + ": " + abbreviate(result.output()));
    }
    return probe.command() + " exited 0";
  }

  private static String describe(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static String abbreviate(String text) {
    String t = text.strip();
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }

  private static final class ProbeFailed extends RuntimeException {
    private final String message;

    ProbeFailed(String message) {
      super(message, null, false, false);
      this.message = message;
    }

    @Override
    public String getMessage() {
      return message;
    }
  }
}
