package dev.kiln.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/** A steady load from a real HTTP client: a few loops, each one request at a time. */
final class Load implements AutoCloseable {
  final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
  final Map<String, LongAdder> bodies = new ConcurrentHashMap<>();
  final LongAdder errors = new LongAdder();
  final List<String> errorSamples = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final java.util.concurrent.atomic.AtomicLong lastOk =
      new java.util.concurrent.atomic.AtomicLong(System.nanoTime());

  /** The longest time without any successful response, across all loops. */
  final java.util.concurrent.atomic.AtomicLong maxGapNanos =
      new java.util.concurrent.atomic.AtomicLong();

  private final List<Thread> threads = new ArrayList<>();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  Load(String url, int loops) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build();
    for (int i = 0; i < loops; i++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (running.get()) {
                      try {
                        HttpResponse<String> r =
                            client.send(request, HttpResponse.BodyHandlers.ofString());
                        statuses.computeIfAbsent(r.statusCode(), k -> new LongAdder()).increment();
                        if (r.statusCode() == 200) {
                          long now = System.nanoTime();
                          long prev = lastOk.getAndSet(now);
                          maxGapNanos.accumulateAndGet(now - prev, Math::max);
                        }
                        bodies.computeIfAbsent(r.body().strip(), k -> new LongAdder()).increment();
                        if (r.statusCode() != 200 && errorSamples.size() < 20)
                          errorSamples.add(r.statusCode() + " " + r.body());
                      } catch (Exception e) {
                        errors.increment();
                        if (errorSamples.size() < 20) errorSamples.add(e.toString());
                      }
                    }
                  }));
    }
  }

  long total() {
    return statuses.values().stream().mapToLong(LongAdder::sum).sum() + errors.sum();
  }

  long count(int status) {
    LongAdder a = statuses.get(status);
    return a == null ? 0 : a.sum();
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) t.join();
  }

  @Override
  public String toString() {
    return "statuses="
        + statuses
        + " bodies="
        + bodies.keySet()
        + " errors="
        + errors
        + " samples="
        + errorSamples;
  }
}
