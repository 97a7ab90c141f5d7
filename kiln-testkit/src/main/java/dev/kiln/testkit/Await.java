package dev.kiln.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Polling helpers for tests of real processes. The deadline is a safety net against hanging, not an
 * assertion about speed: tests never assert on timing.
 */
public final class Await {
  public static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Await() {}

  /**
   * Polls until the supplier returns a present value; fails with {@code what} after the deadline.
   */
  public static <T> T until(String what, Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      Optional<T> value = probe.get();
      if (value.isPresent()) return value.get();
      if (System.nanoTime() > deadline) throw new AssertionError("gave up waiting for " + what);
      sleep(50);
    }
  }

  public static void untilTrue(String what, Supplier<Boolean> condition) {
    until(what, () -> condition.get() ? Optional.of(Boolean.TRUE) : Optional.empty());
  }

  /** GETs {@code http://127.0.0.1:port/path} until it answers; returns status and body. */
  public static HttpResponse<String> httpGet(int port, String path) {
    return httpGet("127.0.0.1", port, path);
  }

  /** As {@link #httpGet(int, String)}, for an instance reached at {@code host}. */
  public static HttpResponse<String> httpGet(String host, int port, String path) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build();
    return until(
        "an HTTP answer on port " + port,
        () -> {
          try {
            return Optional.of(HTTP.send(request, HttpResponse.BodyHandlers.ofString()));
          } catch (IOException e) {
            return Optional.empty();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
          }
        });
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
