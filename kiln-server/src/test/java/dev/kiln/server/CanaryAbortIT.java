package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A canary whose new revision answers 500s is aborted by the analysis, with no one asking. */
class CanaryAbortIT {
  @TempDir Path tmp;

  @Test
  void canaryAnswering500_isAbortedByAnalysis_andTrafficReturnsToTheOldRevision() throws Exception {
    String canary =
        "canary: { steps: [ { weight: 50, pause: 10s }, { weight: 100 } ],"
            + " analysis: { max-error-rate: 5%, min-requests: 5 } }";
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      Path good = k.blueprint("a", canary);
      Path bad = k.blueprint("bad", canary);
      k.apply(good);
      try (Load load = new Load(k.router() + "/", 2)) {
        k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
        JsonNode applied = k.apply(bad);
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
            .contains("Aborted")
            .contains("AnalysisFailed");
        assertThat(load.count(500)).as("the canary did answer 500s").isPositive();
      }
      JsonNode entries =
          k.json(k.get("/v1/journal?service=web&kind=rollout-aborted")).get("entries");
      assertThat(entries).hasSize(1);
      assertThat(entries.get(0).get("actor").asText()).isEqualTo("kiln-controller");
      // Once aborted, the bad revision's instances are gone; the old fleet serves on.
      k.awaitService(
          "web",
          Duration.ofSeconds(60),
          s -> {
            for (JsonNode i : s.get("instances")) if (i.get("revision").asInt() == 2) return false;
            return true;
          });
      var r =
          k.http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(k.router() + "/")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("A\n");
    }
  }
}
