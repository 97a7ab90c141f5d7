package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users' intents through the API: a blue-green fleet waits, is previewed, paused, then promoted.
 */
class IntentsIT {
  @TempDir Path tmp;

  @Test
  void blueGreen_waitsForPromotion_isPreviewableByHeader_andPromoteSwitchesAllTraffic()
      throws Exception {
    String strategy = "blue-green: { scale-down-delay: 1m }";
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      k.apply(k.blueprint("a", strategy));
      k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
      k.apply(k.blueprint("b", strategy));
      JsonNode waiting =
          k.awaitService(
              "web",
              Duration.ofSeconds(60),
              s ->
                  s.get("rollout").get("step").asInt() == 1
                      && s.get("rollout").get("phase").asText().equals("PROGRESSING"));
      assertThat(waiting.get("traffic").path("1").asInt()).isEqualTo(100);
      assertThat(get(k, "/", null)).isEqualTo("A\n");
      assertThat(get(k, "/", "2")).isEqualTo("B\n");

      JsonNode paused = k.json(k.post("/v1/services/web/pause", "{}"));
      assertThat(paused.get("intent").asText()).isEqualTo("pause");
      k.awaitService(
          "web",
          Duration.ofSeconds(30),
          s -> s.get("rollout").get("phase").asText().equals("PAUSED"));
      k.json(k.post("/v1/services/web/promote", "{}"));
      k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(2));
      assertThat(get(k, "/", null)).isEqualTo("B\n");
      JsonNode intents =
          k.json(k.get("/v1/journal?service=web&kind=rollout-intent")).get("entries");
      assertThat(intents).hasSize(2);
      assertThat(intents.get(1).get("actor").asText())
          .matches("token:[0-9a-f]{12} label=tester@it");
      assertThat(intents.get(1).get("body").get("request").asText()).isEqualTo("promote");
    }
  }

  private static String get(KilnFixture k, String path, String preview) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(k.router() + path));
    if (preview != null) b.header("X-Kiln-Preview", preview);
    HttpResponse<String> r = k.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
