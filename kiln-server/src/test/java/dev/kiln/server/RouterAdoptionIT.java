package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 5 across a control-plane restart under {@code kiln server}: an environment's router
 * process keeps serving, and the restarted server that adopts it never takes a healthy, serving
 * instance out of its route — not by publishing before the first probe lands (the adopted table's
 * backends are trusted, as the main router's are), and not when the first probes after the restart
 * fail (an instance past its start deadline that served before is HEALTHY until {@code unhealthy}
 * failures in a row, never "failed to start"). Requests run against the router the whole time;
 * every one is answered 200.
 *
 * <p>The first probes are made to fail on purpose: the health check is a CGI that sleeps past the
 * probe timeout while a file exists in the service's volume, so the window that ci9 saw a 503 in
 * under load (two failsafe JVMs) is open for seconds here, on any machine.
 */
class RouterAdoptionIT {
  @TempDir Path tmp;

  @Test
  void aRestartedServer_adoptsTheEnvironmentsRouter_withoutA503_whileTheFirstProbesFail()
      throws Exception {
    KilnFixture.assumeBubblewrap();
    try (KilnFixture k = new KilnFixture(tmp)) {
      int stagingPort = freePort();
      Path bp = blueprint(k, stagingPort);
      ServerConfig config =
          new ServerConfig(
                  k.home,
                  ServerConfig.address("127.0.0.1:0"),
                  ServerConfig.address("127.0.0.1:" + freePort()),
                  java.time.Clock.systemUTC(),
                  Map.of())
              .withSeparateRouter(true);
      k.cp = ControlPlane.start(config);
      try {
        k.json(k.post("/v1/environments/staging/apply", k.submission(bp)));
        JsonNode settled =
            k.awaitService("staging--web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
        String instance = settled.get("instances").get(0).get("id").asText();
        // past its start deadline (4 s): a failed first probe must not read as "failed to start"
        java.time.Instant started =
            java.time.Instant.parse(settled.get("instances").get(0).get("startedAt").asText());
        Duration wait =
            Duration.between(java.time.Instant.now(), started.plus(Duration.ofMillis(4_500)));
        if (!wait.isNegative()) Thread.sleep(wait.toMillis());

        // from now on the health check hangs past its timeout (1 s): every probe fails
        Path volume = k.home.resolve("volumes/staging--web/data");
        Path slow = volume.resolve("slow");
        Files.writeString(slow, "1\n");
        Map<Integer, AtomicInteger> answers = new TreeMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread load = Thread.ofPlatform().start(() -> requests(stagingPort, running, answers));
        try {
          Thread.sleep(300); // answers from before the restart too
          k.cp.close(); // the control plane goes; staging's router process keeps serving
          k.cp = null;
          k.cp = ControlPlane.start(config); // adopts it and publishes
          Thread.sleep(3_000); // a few failed probes (each waits out the 1 s timeout), a few ticks
          Files.delete(slow);
          k.awaitService("staging--web", Duration.ofSeconds(30), RouterAdoptionIT::healthy);
          Thread.sleep(300);
        } finally {
          running.set(false);
          load.join();
        }
        assertThat(answers).as("status → count across the restart").containsOnlyKeys(200);
        assertThat(answers.get(200).get()).isGreaterThan(20);
        // not replaced either: the same instance served before, across and after the restart
        JsonNode after = k.service("staging--web").get("instances");
        assertThat(after).hasSize(1);
        assertThat(after.get(0).get("id").asText()).isEqualTo(instance);
      } finally {
        if (k.cp != null) {
          k.cp.stopFleet("test cleanup");
          k.cp.stopRouter();
        }
      }
    }
  }

  /** Its one instance healthy (probes pass again), nothing else running. */
  private static boolean healthy(JsonNode s) {
    return s.get("healthy").asInt() == 1 && s.get("instances").size() == 1;
  }

  /** GET / on the router until told to stop; each answer's status (or -1: no answer) counted. */
  private static void requests(int port, AtomicBoolean running, Map<Integer, AtomicInteger> out) {
    Map<Integer, AtomicInteger> counts = new ConcurrentHashMap<>();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest get =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(5))
            .build();
    while (running.get()) {
      int status;
      try {
        status = http.send(get, HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException e) {
        status = -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      counts.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    synchronized (out) {
      out.putAll(counts);
    }
  }

  /**
   * One service in staging whose health check is a CGI that hangs while {@code /data/slow} exists
   * (the service's volume, which the test writes on the host).
   */
  private static Path blueprint(KilnFixture k, int staging) throws IOException {
    Path site = k.folder.resolve("site-adopt");
    Path cgi = site.resolve("cgi-bin/health.cgi");
    Files.createDirectories(cgi.getParent());
    Files.writeString(site.resolve("index.html"), "A\n");
    Files.writeString(
        cgi,
        "#!/bin/sh\n"
            + "if [ -e /data/slow ]; then /bin/busybox sleep 3; fi\n"
            + "printf 'Content-Type: text/plain\\r\\n\\r\\nok\\n'\n");
    Files.setPosixFilePermissions(cgi, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(k.folder.resolve("data"));
    Files.writeString(k.folder.resolve("data/README"), "the volume's mount point\n");
    Path file = k.folder.resolve("kiln-adopt.yaml");
    Files.writeString(
        file,
        """
        images:
          adopt:
            from: scratch
            steps:
              - copy: { src: bin/, dest: /bin }
              - copy: { src: site-adopt/, dest: /www }
              - copy: { src: data/, dest: /data }
            entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
        services:
          web:
            image: adopt
            replicas: 1
            volumes: { data: /data }
            health:
              http: /cgi-bin/health.cgi
              interval: 100ms
              timeout: 1s
              healthy: 1
              unhealthy: 50
              start-deadline: 4s
            route: { host: "*", path: / }
        environments:
          staging:
            router: 127.0.0.1:%d
        """
            .formatted(staging));
    return file;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
