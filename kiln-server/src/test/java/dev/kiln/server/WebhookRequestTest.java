package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.WebhookPayload;
import dev.kiln.journal.Entry;
import dev.kiln.model.Digest;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A webhook delivery's body is the kiln-api record {@link WebhookPayload}, written by the API's
 * codec: the same bytes the hand-built JSON sent before (receivers verify signatures over them),
 * read back strictly as the record, and signed over timestamp and body.
 */
class WebhookRequestTest {
  /** Unknown properties fail: every field of the body is one of the record's. */
  private static final ObjectMapper STRICT = new ObjectMapper();

  private static final Digest HASH = Digest.parse("sha256:" + "ab".repeat(32));
  private static final Digest PREV = Digest.parse("sha256:" + "00".repeat(32));

  private static Entry entry(String body) {
    return new Entry(
        1042,
        Instant.parse("2026-11-30T04:20:00.123Z"),
        "kiln-controller",
        "rollout-succeeded",
        "web",
        "rollout 2 -> 3",
        body,
        PREV,
        HASH);
  }

  @Test
  void theBodyKeepsTheWireShape_fieldsInTheirOrder_withoutTheStorageVersion() {
    String body = WebhookRequest.body(entry("{\"message\":\"done\",\"service\":\"web\",\"v\":1}"));

    assertThat(body)
        .isEqualTo(
            "{\"seq\":1042,\"time\":\"2026-11-30T04:20:00.123Z\",\"kind\":\"rollout-succeeded\","
                + "\"subject\":\"web\",\"actor\":\"kiln-controller\",\"cause\":\"rollout 2 -> 3\","
                + "\"hash\":\""
                + HASH
                + "\",\"fields\":{\"message\":\"done\",\"service\":\"web\"}}");
  }

  @Test
  void theBodyParsesAsTheRecord() throws Exception {
    String body = WebhookRequest.body(entry("{\"service\":\"web\",\"v\":1}"));

    WebhookPayload p = STRICT.readValue(body, WebhookPayload.class);

    assertThat(p.seq()).isEqualTo(1042);
    assertThat(Instant.parse(p.time())).isEqualTo(Instant.parse("2026-11-30T04:20:00.123Z"));
    assertThat(p.kind()).isEqualTo("rollout-succeeded");
    assertThat(p.subject()).isEqualTo("web");
    assertThat(p.actor()).isEqualTo("kiln-controller");
    assertThat(p.cause()).isEqualTo("rollout 2 -> 3");
    assertThat(p.hash()).isEqualTo(HASH.toString());
    assertThat(p.fields()).isEqualTo(Map.of("service", "web"));
  }

  /** An old body that is not JSON is sent as its text, as /v1/journal shows it, not dropped. */
  @Test
  void aBodyThatIsNotJson_isSentAsItsText() throws Exception {
    WebhookPayload p =
        STRICT.readValue(WebhookRequest.body(entry("service web removed")), WebhookPayload.class);

    assertThat(p.fields()).isEqualTo("service web removed");
  }

  @Test
  void theHeadersSignTimestampAndBody() {
    Instant now = Instant.parse("2026-11-30T04:20:01Z");
    WebhookRequest r = WebhookRequest.of(entry("{\"v\":1}"), "k3y", now);

    assertThat(r.headers())
        .containsEntry("Content-Type", "application/json")
        .containsEntry(WebhookRequest.EVENT, "rollout-succeeded")
        .containsEntry(WebhookRequest.DELIVERY, "1042")
        .containsEntry(WebhookRequest.TIMESTAMP, Long.toString(now.getEpochSecond()))
        .containsEntry(
            WebhookRequest.SIGNATURE,
            "sha256=" + WebhookRequest.sign("k3y", now.getEpochSecond() + "." + r.body()));
    assertThat(r.body()).endsWith("\"fields\":{}}");
  }
}
