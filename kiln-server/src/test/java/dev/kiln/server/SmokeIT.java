package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeIT {
  @TempDir Path tmp;

  @Test
  void applyCreatesTheServiceAndTheRouterAnswers() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      Path a = k.blueprint("a", "rolling: { max-surge: 1, max-unavailable: 0 }");
      var applied = k.apply(a);
      assertThat(applied.get("plan").get("changes").get(0).get("action").asText())
          .isEqualTo("create");
      var web = k.awaitService("web", Duration.ofSeconds(60), KilnFixture.settledOn(1));
      // `kiln status web` shows each instance's host pid (the process signals go to)
      assertThat(web.get("instances")).isNotEmpty();
      web.get("instances").forEach(i -> assertThat(i.get("pid").asLong()).isPositive());
      var r =
          k.http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(k.router() + "/")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("A\n");
    }
  }
}
