package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * For each strategy, under a steady load through the router: 10 rollouts between two revisions that
 * answer differently, then 10 rollbacks. Every request is answered 200 by one of the two, and the
 * traffic ends on the expected revision.
 */
class ZeroDowntimeIT {
  static final Duration SETTLE = Duration.ofSeconds(90);
  @TempDir Path tmp;

  @Test
  void rolling_tenRolloutsAndTenRollbacksUnderLoad_noFailedRequest() throws Exception {
    rolloutsAndRollbacks("rolling: { max-surge: 1, max-unavailable: 0 }");
  }

  @Test
  void blueGreen_tenRolloutsAndTenRollbacksUnderLoad_noFailedRequest() throws Exception {
    rolloutsAndRollbacks("blue-green: { auto-promote: 300ms, scale-down-delay: 30s }");
  }

  @Test
  void canary_tenRolloutsAndTenRollbacksUnderLoad_noFailedRequest() throws Exception {
    rolloutsAndRollbacks(
        "canary: { steps: [ { weight: 50, pause: 300ms } ], analysis: { max-error-rate: 1%, min-requests: 1 } }");
  }

  private void rolloutsAndRollbacks(String strategy) throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      Path a = k.blueprint("a", strategy);
      Path b = k.blueprint("b", strategy);
      k.apply(a);
      k.apply(b); // bakes b too, and is superseded at once by the next apply
      k.apply(a);
      int revision = k.service("web").get("rollout").get("to").asInt();
      try (Load warmup = new Load(k.router() + "/", 1)) { // canary analysis needs requests
        k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
      }
      String expected = "A";
      try (Load load = new Load(k.router() + "/", 4)) {
        for (int i = 0; i < 10; i++) {
          expected = expected.equals("A") ? "B" : "A";
          JsonNode applied = k.apply(expected.equals("A") ? a : b);
          revision = applied.get("plan").get("changes").get(0).get("toRevision").asInt();
          k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        }
        for (int i = 0; i < 10; i++) {
          expected = expected.equals("A") ? "B" : "A";
          JsonNode rb = k.json(k.post("/v1/services/web/rollback", "{}"));
          revision = rb.get("revision").get("number").asInt();
          k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        }
        load.close();
        assertThat(load.total()).as(load.toString()).isPositive();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
        assertThat(load.bodies.keySet()).as(load.toString()).isSubsetOf("A", "B");
      }
      JsonNode web = k.service("web");
      assertThat(web.get("traffic").get(Integer.toString(revision)).asInt()).isEqualTo(100);
      var r =
          k.http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(k.router() + "/")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(r.body().strip()).isEqualTo(expected);
      assertThat(k.json(k.get("/v1/audit/verify")).get("ok").asBoolean()).isTrue();
    }
  }
}
