package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.WebhookPayload;
import dev.kiln.journal.Entry;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What one webhook delivery sends: the journal entry as a {@link WebhookPayload} (seq, time, kind,
 * subject, actor, cause, hash and the event's fields — the journal's guard has already kept secret
 * values out of it), written by the API's codec, and the headers that sign it.
 *
 * <p>The signature is {@code HMAC-SHA256(secret, TIMESTAMP + "." + BODY)} in lower-case hex, sent
 * as {@code X-Kiln-Signature: sha256=HEX} with {@code X-Kiln-Timestamp: TIMESTAMP} (Unix seconds of
 * the attempt). Binding the timestamp into the signed bytes lets a receiver refuse a replayed
 * request by its age; {@code X-Kiln-Delivery} (the entry's seq) lets it refuse a duplicate, since
 * delivery is at least once.
 */
record WebhookRequest(String body, Map<String, String> headers) {
  static final String SIGNATURE = "X-Kiln-Signature";
  static final String TIMESTAMP = "X-Kiln-Timestamp";
  static final String EVENT = "X-Kiln-Event";
  static final String DELIVERY = "X-Kiln-Delivery";

  WebhookRequest {
    headers = new TreeMap<>(headers);
  }

  static WebhookRequest of(Entry e, String secret, Instant now) {
    String body = body(e);
    long ts = now.getEpochSecond();
    return new WebhookRequest(
        body,
        Map.of(
            "Content-Type",
            "application/json",
            EVENT,
            e.kind(),
            DELIVERY,
            Long.toString(e.seq()),
            TIMESTAMP,
            Long.toString(ts),
            SIGNATURE,
            "sha256=" + sign(secret, ts + "." + body)));
  }

  static String body(Entry e) {
    return Json.write(Json.tree(payload(e)));
  }

  /** The entry as its webhook payload; the journal's storage version is not part of the event. */
  static WebhookPayload payload(Entry e) {
    Object fields;
    try {
      fields = Json.parse(e.body());
    } catch (ServerException notJson) {
      fields = e.body(); // as /v1/journal shows such a body: its text
    }
    if (fields instanceof ObjectNode o) o.remove("v");
    return new WebhookPayload(
        e.seq(),
        e.time().toString(),
        e.kind(),
        e.subject(),
        e.actor(),
        e.cause(),
        e.hash().toString(),
        fields);
  }

  /** HMAC-SHA256 of {@code message} under {@code secret}, lower-case hex. */
  static String sign(String secret, String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
