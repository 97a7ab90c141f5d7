package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary judged on the p99 of its own requests during each step — measured by a router running as
 * a process of its own, so the latency histogram crosses its JSON admin endpoint: a slow canary is
 * aborted by the analysis with no one asking, a fast one passes the same thresholds.
 *
 * <p>Tagged "alone": it judges latency, and with other ITs' instances forking beside it on two
 * cores (kiln-cli's three JVMs and kiln-server-it's two) even the fast revision's p99 went past 400
 * ms (409 and 507 ms in two runs). Alone, it runs after every other module's ITs.
 */
@Tag("alone")
class CanaryLatencyIT {
  private static final String CANARY =
      "canary: { steps: [ { weight: 50, pause: 5s } ],"
          + " analysis: { max-p99: 400ms, min-requests: 10 } }";

  @TempDir Path tmp;

  @Test
  void slowCanary_isAbortedOnP99_thenAFastOne_passesTheSameAnalysis() throws Exception {
    KilnFixture k = new KilnFixture(tmp);
    slowSite(k.folder);
    k.cp =
        ControlPlane.start(
            new ServerConfig(
                k.home,
                ServerConfig.address("127.0.0.1:0"),
                ServerConfig.address("127.0.0.1:0"),
                Clock.systemUTC(),
                Map.of(),
                true));
    try {
      k.apply(blueprint(k, "a"));
      try (Load load = new Load(k.router() + "/", 4)) {
        k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(1));

        JsonNode applied = k.apply(blueprint(k, "slow"));
        assertThat(applied.get("plan").get("changes").get(0).get("toRevision").asInt())
            .isEqualTo(2);
        JsonNode web =
            k.awaitService(
                "web",
                Duration.ofSeconds(60),
                s ->
                    s.get("rollout").get("phase").asText().equals("ABORTED")
                        && s.get("traffic").size() == 1
                        && s.get("traffic").path("1").asInt() == 100);
        assertThat(web.get("rollout").get("to").asInt()).isEqualTo(2);
        assertThat(web.get("rollout").get("conditions").toString())
            .contains("AnalysisFailed")
            .contains("p99 latency")
            .contains("> max 400ms");
        assertThat(load.bodies).as("the slow canary did answer").containsKey("S");
        assertThat(load.count(500)).as("slow, not failing").isZero();

        // The same analysis lets a fast revision through, step by step, to all of the traffic.
        assertThat(
                k.apply(blueprint(k, "b"))
                    .get("plan")
                    .get("changes")
                    .get(0)
                    .get("toRevision")
                    .asInt())
            .isEqualTo(3);
        k.awaitService("web", Duration.ofSeconds(90), KilnFixture.settledOn(3));
      }
      JsonNode aborted =
          k.json(k.get("/v1/journal?service=web&kind=rollout-aborted")).get("entries");
      assertThat(aborted).hasSize(1);
      assertThat(aborted.get(0).get("actor").asText()).isEqualTo("kiln-controller");
      assertThat(aborted.get(0).toString()).contains("p99");
      HttpResponse<String> r =
          k.http.send(
              HttpRequest.newBuilder(URI.create(k.router() + "/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.body()).isEqualTo("B\n");
    } finally {
      try {
        k.cp.stopFleet("test cleanup");
        k.cp.stopRouter();
      } finally {
        k.cp.close();
        k.cp = null;
      }
    }
  }

  /**
   * "slow": healthy by its health page, but / is a CGI that sleeps 0.9 s before answering (far past
   * the 400 ms limit, which a fast revision stays far under even on a loaded machine).
   */
  private static void slowSite(Path folder) throws IOException {
    Path site = folder.resolve("site-slow");
    Path cgi = site.resolve("cgi-bin/index.cgi");
    Files.createDirectories(cgi.getParent());
    Files.writeString(site.resolve("health.html"), "ok\n");
    Files.writeString(
        cgi,
        "#!/bin/sh\n/bin/busybox sleep 0.9\nprintf 'Content-Type: text/plain\\r\\n\\r\\nS\\n'\n");
    Files.setPosixFilePermissions(cgi, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** Service web on {@code image}, among images a and b (fast, from KilnFixture) and slow. */
  private static Path blueprint(KilnFixture k, String image) throws IOException {
    return k.blueprint(image, CANARY, List.of("a", "b", "slow"), "kiln-latency-" + image + ".yaml");
  }
}
