package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auto-scaling end to end with real sandboxed instances (busybox httpd) and a load generator in the
 * test: load up adds instances, load gone returns to min after the delay without a failed request,
 * an idle service goes to zero and the next request wakes it. The scaler's windows are shortened
 * through the server's environment; nothing here asserts a duration.
 */
class AutoscaleIT {
  static final Duration SETTLE = Duration.ofSeconds(90);
  static final Map<String, String> SHORT_WINDOWS =
      Map.of(
          "KILN_SCALER_STABLE_WINDOW", "2s",
          "KILN_SCALER_PANIC_WINDOW", "1s",
          "KILN_SCALER_BUDGET_WINDOW", "2s");

  @TempDir Path tmp;

  @Test
  void loadUp_addsInstances_loadGone_backToMinWithoutAFailedRequest() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start(SHORT_WINDOWS)) {
      Path bp =
          autoscaled(k, "a", "{ min: 1, max: 3, target: { rps: 20 }, scale-down-delay: 3s }", 1);
      k.apply(bp);
      k.awaitService("web", SETTLE, s -> current(s) == 1 && s.get("healthy").asInt() == 1);

      try (Load load = new Load(k.router() + "/", 4)) {
        JsonNode up = k.awaitService("web", SETTLE, s -> s.get("healthy").asInt() == 3);
        assertThat(up.get("autoscale").get("desired").asInt()).isEqualTo(3);
        assertThat(load.errors.sum()).isZero();
      }
      // a trickle well under one instance's target while the extra instances are drained away
      try (Trickle trickle = new Trickle(k.router() + "/", Duration.ofMillis(100))) {
        JsonNode down =
            k.awaitService(
                "web",
                SETTLE,
                s -> s.get("autoscale").get("desired").asInt() == 1 && current(s) == 1);
        assertThat(down.get("autoscale").get("min").asInt()).isEqualTo(1);
        Thread.sleep(500); // the last drains complete under the trickle
        assertThat(trickle.ok.sum()).isPositive();
        assertThat(trickle.failures).isEmpty();
      }
      // kiln plan: what the scaler would do now, never counted as a change
      JsonNode plan = k.json(k.post("/v1/plan", k.submission(bp)));
      assertThat(plan.get("hasChanges").asBoolean()).isFalse();
      assertThat(plan.get("scaler").get(0).get("service").asText()).isEqualTo("web");
      assertThat(plan.get("scaler").get(0).get("desired").asInt()).isEqualTo(1);
      List<JsonNode> scaled = scaledEntries(k);
      assertThat(scaled).extracting(e -> e.get("body").get("to").asInt()).contains(3, 1);
      assertThat(scaled)
          .anySatisfy(e -> assertThat(e.get("body").get("rule").asText()).startsWith("scale-up"))
          .anySatisfy(e -> assertThat(e.get("body").get("rule").asText()).startsWith("scale-down"));
    }
  }

  @Test
  void idleService_goesToZero_andTheNextRequestWakesIt() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start(SHORT_WINDOWS)) {
      Path bp =
          autoscaled(
              k,
              "a",
              "{ min: 0, max: 2, target: { concurrency: 10 }, scale-down-delay: 1s, idle-to-zero: 1s }",
              1);
      k.apply(bp);
      k.awaitService("web", SETTLE, s -> s.get("healthy").asInt() == 1);
      for (int wake = 0; wake < 3; wake++) {
        k.awaitService(
            "web", SETTLE, s -> s.get("autoscale").get("desired").asInt() == 0 && current(s) == 0);
        HttpResponse<String> r =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create(k.router() + "/"))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("A");
      }
      assertThat(scaledEntries(k))
          .filteredOn(e -> e.get("body").get("rule").asText().startsWith("wake"))
          .hasSize(3);
      assertThat(scaledEntries(k))
          .filteredOn(e -> e.get("body").get("rule").asText().startsWith("idle-to-zero"))
          .hasSizeGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void rolloutUnderAutoscaling_splitsTheScaledCountByWeight_andConverges() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start(SHORT_WINDOWS)) {
      String policy = "{ min: 1, max: 4, target: { rps: 20 }, scale-down-delay: 30s }";
      String canary =
          "canary: { steps: [ { weight: 50, pause: 3s } ], analysis: { max-error-rate: 1%, min-requests: 1 } }";
      Path a = autoscaled(k, "a", policy, 1, canary);
      Path b = autoscaled(k, "b", policy, 1, canary);
      k.apply(a);
      k.awaitService("web", SETTLE, s -> s.get("healthy").asInt() == 1);
      try (Load load = new Load(k.router() + "/", 4)) {
        k.awaitService("web", SETTLE, s -> s.get("healthy").asInt() == 4);
        int to = k.apply(b).get("plan").get("changes").get(0).get("toRevision").asInt();
        // at the 50% step: the scaled count (4), half of it on the new revision
        JsonNode mid =
            k.awaitService(
                "web",
                SETTLE,
                s ->
                    s.get("traffic").path(Integer.toString(to)).asInt() == 50
                        && healthyOf(s, to) >= 2);
        assertThat(mid.get("replicas").asInt()).isEqualTo(4);
        JsonNode done = k.awaitService("web", SETTLE, KilnFixture.settledOn(to));
        assertThat(healthyOf(done, to)).isEqualTo(4);
        assertThat(load.errors.sum()).isZero();
        assertThat(load.statuses.keySet()).containsOnly(200);
      }
      // nothing was scaled down while the rollout ran
      assertThat(scaledEntries(k))
          .noneSatisfy(
              e -> assertThat(e.get("body").get("rule").asText()).startsWith("scale-down"));
    }
  }

  static int healthyOf(JsonNode service, int revision) {
    int n = 0;
    for (JsonNode i : service.get("instances")) {
      if (i.path("revision").asInt() == revision && i.path("health").asText().equals("HEALTHY"))
        n++;
    }
    return n;
  }

  static Path autoscaled(KilnFixture k, String image, String autoscale, int replicas)
      throws Exception {
    return autoscaled(
        k, image, autoscale, replicas, "rolling: { max-surge: 1, max-unavailable: 0 }");
  }

  /** The fixture's blueprint for {@code image}, with {@code autoscale} instead of replicas: 2. */
  static Path autoscaled(
      KilnFixture k, String image, String autoscale, int replicas, String strategy)
      throws Exception {
    Path file = k.blueprint(image, strategy);
    String text = Files.readString(file);
    Files.writeString(
        file,
        text.replace(
            "    replicas: 2\n",
            "    replicas: " + replicas + "\n    autoscale: " + autoscale + "\n"));
    return file;
  }

  static int current(JsonNode service) {
    return service.get("autoscale").get("current").asInt();
  }

  static List<JsonNode> scaledEntries(KilnFixture k) throws Exception {
    JsonNode j = k.json(k.get("/v1/journal?kind=service-scaled&limit=1000"));
    List<JsonNode> out = new ArrayList<>();
    j.get("entries").forEach(out::add);
    return out;
  }

  /** One request at a time with a pause between: a load one instance carries. */
  static final class Trickle implements AutoCloseable {
    final LongAdder ok = new LongAdder();
    final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Trickle(String url, Duration pause) {
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build();
      thread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (running.get()) {
                      try {
                        HttpResponse<String> r =
                            client.send(request, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) ok.increment();
                        else failures.add(r.statusCode() + " " + r.body());
                        Thread.sleep(pause);
                      } catch (InterruptedException e) {
                        return;
                      } catch (Exception e) {
                        failures.add(e.toString());
                      }
                    }
                  });
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }
}
