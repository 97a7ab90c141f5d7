package dev.kiln.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client that sends GETs to one URI one after another, on its own thread, for as long as a test
 * runs a rollout or loses a host: every answer that is not a 200 with one of the expected bodies,
 * and every error (a timeout included), counts as failed, with the last failure kept to say why.
 */
public final class SteadyClient implements AutoCloseable {
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicReference<String> lastFailure = new AtomicReference<>("none");
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI uri;
  private final Set<String> bodies;
  private final Duration timeout;
  private final Thread thread;

  private SteadyClient(URI uri, Set<String> bodies, Duration timeout) {
    this.uri = uri;
    this.bodies = Set.copyOf(bodies);
    this.timeout = timeout;
    this.thread = Thread.ofPlatform().daemon().name("steady-client").start(this::loop);
  }

  /** Starts sending at once; each request waits {@code timeout} at most. */
  public static SteadyClient start(URI uri, Set<String> bodies, Duration timeout) {
    return new SteadyClient(uri, bodies, timeout);
  }

  public long ok() {
    return ok.get();
  }

  public long failed() {
    return failed.get();
  }

  public long total() {
    return ok.get() + failed.get();
  }

  public @org.jspecify.annotations.Nullable String lastFailure() {
    return lastFailure.get();
  }

  /** Waits (bounded) until {@code count} requests were answered as expected. */
  public void awaitAnswers(int count) {
    Await.until(
        "the client's first " + count + " answers",
        () -> Optional.of(ok.get()).filter(n -> n >= count));
  }

  /** One GET outside the loop: the body the URI answers now. */
  public String get() throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(uri).timeout(timeout).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private void loop() {
    while (running.get()) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(uri).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && bodies.contains(r.body())) ok.incrementAndGet();
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
    thread.join(timeout.plusSeconds(5).toMillis());
  }
}
