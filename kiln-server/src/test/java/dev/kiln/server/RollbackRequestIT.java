package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/services/{name}/rollback} on a real control plane (process runtime, bubblewrap)
 * reads its body as {@code RollbackRequest}: a {@code to} that is not a whole number is a 400 that
 * names it and changes nothing (it was read with {@code asInt()}: {@code "2"} became 2, {@code
 * "two"} 0); a good one rolls back.
 */
class RollbackRequestIT {
  static final Duration SETTLE = Duration.ofSeconds(90);
  static final String STRATEGY = "rolling: { max-surge: 1, max-unavailable: 0 }";
  @TempDir Path tmp;

  @BeforeAll
  static void needsBubblewrap() {
    KilnFixture.assumeBubblewrap();
  }

  @Test
  void aToThatIsNotAWholeNumberIsA400NamingIt_andChangesNothing() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      int first = k.applyAndSettle(k.blueprint("a", STRATEGY), SETTLE);
      int second = k.applyAndSettle(k.blueprint("b", STRATEGY), SETTLE);
      long head = head(k);

      for (String to : new String[] {"\"" + first + "\"", "\"first\"", first + ".5", "true"}) {
        HttpResponse<String> r = k.post("/v1/services/web/rollback", "{\"to\": " + to + "}");
        assertThat(r.statusCode()).as("to: %s -> %s", to, r.body()).isEqualTo(400);
        assertThat(Json.parse(r.body()).get("error").asText())
            .startsWith("to: the revision to roll back to must be a whole number")
            .contains("kiln history web");
      }
      assertThat(head(k)).as("nothing journaled").isEqualTo(head);
      assertThat(k.service("web").get("liveRevision").asInt()).isEqualTo(second);

      JsonNode done = k.json(k.post("/v1/services/web/rollback", "{\"to\": " + first + "}"));
      assertThat(done.get("revision").get("number").asInt()).isEqualTo(second + 1);
      assertThat(done.get("revision").get("image").asText()).isEqualTo(revisionImage(k, first));
    }
  }

  private static long head(KilnFixture k) throws Exception {
    JsonNode entries = k.json(k.get("/v1/journal?limit=1")).get("entries");
    return entries.isEmpty() ? 0 : entries.get(0).get("seq").asLong();
  }

  private static String revisionImage(KilnFixture k, int number) throws Exception {
    for (JsonNode r : k.json(k.get("/v1/services/web/revisions")).get("revisions"))
      if (r.get("number").asInt() == number) return r.get("image").asText();
    throw new AssertionError("no revision " + number);
  }
}
