package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the server in the middle of a rollout, then a new server on the same home: it adopts
 * the running instances (same ids, no duplicates), resumes the rollout from its last journaled
 * state to the end, the journal verifies — and the router, a process of its own, serves throughout.
 */
class CrashIT {
  @TempDir Path tmp;

  @Test
  void killMinus9MidRollout_restartAdoptsAndConverges_routerServesThroughout() throws Exception {
    KilnFixture k = new KilnFixture(tmp);
    String strategy = "canary: { steps: [ { weight: 50, pause: 3s } ] }";
    Path a = k.blueprint("a", strategy);
    Path b = k.blueprint("b", strategy);
    int apiPort = freePort();
    int routerPort = freePort();
    String api = "http://127.0.0.1:" + apiPort;
    Process server = startServer(k.home, apiPort, routerPort);
    Load load = null;
    try {
      Remote r = new Remote(k, api);
      r.await(Duration.ofSeconds(60), s -> true);
      k.json(r.post("/v1/apply", k.submission(a)));
      r.await(Duration.ofSeconds(90), KilnFixture.settledOn(1));
      load = new Load("http://127.0.0.1:" + routerPort + "/", 3);
      k.json(r.post("/v1/apply", k.submission(b)));
      JsonNode mid = r.await(Duration.ofSeconds(60), s -> s.get("traffic").path("2").asInt() == 50);
      Set<String> before = ids(mid);
      server.destroyForcibly().waitFor(); // SIGKILL, mid-rollout (the canary pause is 3 s)

      Thread.sleep(500); // the router serves on its own meanwhile
      server = startServer(k.home, apiPort, routerPort);
      JsonNode done = r.await(Duration.ofSeconds(90), KilnFixture.settledOn(2));
      load.close();

      assertThat(load.errors.sum()).as(load.toString()).isZero();
      assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      System.out.printf(
          "crash test: %d requests, longest gap without a 200: %d ms%n",
          load.total(), load.maxGapNanos.get() / 1_000_000);
      // The canary instance started before the crash was adopted, not started again.
      List<String> after = new ArrayList<>();
      done.get("instances").forEach(i -> after.add(i.get("id").asText()));
      assertThat(new HashSet<>(after)).hasSameSizeAs(after);
      Set<String> canaryBefore = new HashSet<>();
      mid.get("instances")
          .forEach(
              i -> {
                if (i.get("revision").asInt() == 2) canaryBefore.add(i.get("id").asText());
              });
      assertThat(after).containsAll(canaryBefore);
      assertThat(before).isNotEmpty();
      JsonNode adopted = k.json(r.get("/v1/journal?kind=server-started")).get("entries");
      assertThat(adopted.get(adopted.size() - 1).get("body").get("adopted").size()).isPositive();
      assertThat(k.json(r.get("/v1/audit/verify")).get("ok").asBoolean()).isTrue();
    } finally {
      if (load != null) load.close();
      server.destroy();
      server.waitFor();
      // Clean up through an in-process control plane on the same home: stop the fleet and the
      // router.
      ControlPlane cp =
          ControlPlane.start(
              new ServerConfig(
                  k.home,
                  ServerConfig.address("127.0.0.1:0"),
                  ServerConfig.address("127.0.0.1:" + routerPort),
                  Clock.systemUTC(),
                  Map.of(),
                  true));
      try {
        cp.stopFleet("test cleanup");
        cp.stopRouter();
      } finally {
        cp.close();
      }
    }
  }

  /**
   * Killed right after the apply returned, while the rolling update starts its first instances: the
   * restarted server finishes it with exactly {@code replicas} new instances, all ids unique.
   */
  @Test
  void killMinus9RightAfterApply_rollingUpdateFinishesWithoutDuplicates() throws Exception {
    KilnFixture k = new KilnFixture(tmp);
    String strategy = "rolling: { max-surge: 1, max-unavailable: 0 }";
    Path a = k.blueprint("a", strategy);
    Path b = k.blueprint("b", strategy);
    int apiPort = freePort();
    int routerPort = freePort();
    Process server = startServer(k.home, apiPort, routerPort);
    Load load = null;
    try {
      Remote r = new Remote(k, "http://127.0.0.1:" + apiPort);
      r.await(Duration.ofSeconds(60), s -> true);
      k.json(r.post("/v1/apply", k.submission(a)));
      r.await(Duration.ofSeconds(90), KilnFixture.settledOn(1));
      load = new Load("http://127.0.0.1:" + routerPort + "/", 3);
      k.json(r.post("/v1/apply", k.submission(b)));
      server.destroyForcibly().waitFor();
      server = startServer(k.home, apiPort, routerPort);
      JsonNode done = r.await(Duration.ofSeconds(90), KilnFixture.settledOn(2));
      load.close();
      assertThat(load.errors.sum()).as(load.toString()).isZero();
      assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      List<String> after = new ArrayList<>();
      done.get("instances").forEach(i -> after.add(i.get("id").asText()));
      assertThat(new HashSet<>(after)).hasSameSizeAs(after);
      JsonNode instances = k.json(r.get("/v1/instances")).get("instances");
      long rev2 = 0;
      for (JsonNode i : instances) if (i.get("revision").asInt() == 2) rev2++;
      assertThat(rev2).isEqualTo(2);
      assertThat(k.json(r.get("/v1/audit/verify")).get("ok").asBoolean()).isTrue();
    } finally {
      if (load != null) load.close();
      server.destroy();
      server.waitFor();
      cleanUp(k, routerPort);
    }
  }

  private static void cleanUp(KilnFixture k, int routerPort) {
    ControlPlane cp =
        ControlPlane.start(
            new ServerConfig(
                k.home,
                ServerConfig.address("127.0.0.1:0"),
                ServerConfig.address("127.0.0.1:" + routerPort),
                Clock.systemUTC(),
                Map.of(),
                true));
    try {
      cp.stopFleet("test cleanup");
      cp.stopRouter();
    } finally {
      cp.close();
    }
  }

  private static Set<String> ids(JsonNode service) {
    Set<String> out = new HashSet<>();
    service.get("instances").forEach(i -> out.add(i.get("id").asText()));
    return out;
  }

  private static Process startServer(Path home, int apiPort, int routerPort) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(dev.kiln.testkit.ItJvm.flags()); // the build's router and rehearsal settings
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            ServerMain.class.getName(),
            "--home",
            home.toString(),
            "--api",
            "127.0.0.1:" + apiPort,
            "--router",
            "127.0.0.1:" + routerPort));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(
            ProcessBuilder.Redirect.appendTo(home.resolveSibling("server.log").toFile()))
        .start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The fixture's client against a server in another JVM. */
  private record Remote(KilnFixture k, String api) {
    java.net.http.HttpResponse<String> get(String path) throws Exception {
      return k.http.send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(api + path))
              .header("Authorization", k.authorization())
              .build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    java.net.http.HttpResponse<String> post(String path, String body) throws Exception {
      return k.http.send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(api + path))
              .header("Authorization", k.authorization())
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
              .build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    JsonNode await(Duration max, java.util.function.Predicate<JsonNode> done) throws Exception {
      long end = System.nanoTime() + max.toNanos();
      JsonNode last = null;
      while (System.nanoTime() < end) {
        try {
          var resp = get("/v1/services/web");
          if (resp.statusCode() == 200) {
            last = Json.parse(resp.body());
            if (done.test(last)) return last;
          } else if (resp.statusCode() == 404 && done.test(Json.object())) {
            return Json.object();
          }
        } catch (IOException | RuntimeException e) {
          // not up yet
        }
        Thread.sleep(100);
      }
      throw new AssertionError("no convergence in " + max + ": " + last);
    }
  }
}
