package dev.kiln.server;

import static dev.kiln.server.EventFields.field;
import static dev.kiln.server.EventFields.optLong;
import static dev.kiln.server.EventFields.strings;
import static dev.kiln.server.EventFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of the webhook kinds — configured, delivered, failed — for {@link EventCodec} (same
 * rules: fixed field order). A webhook's secret is journaled by name only.
 */
final class NotifyCodec {
  private NotifyCodec() {}

  static void encode(JournalEvent.NotifyConfigured e, ObjectNode n) {
    ArrayNode hooks = n.putArray("webhooks");
    for (JournalEvent.Webhook w : e.webhooks()) {
      ObjectNode h = hooks.addObject();
      h.put("id", w.id());
      h.put("url", w.url().toString());
      ArrayNode ev = h.putArray("events");
      w.events().forEach(ev::add);
      h.put("secret", w.secret());
      h.put("afterSeq", w.afterSeq());
    }
  }

  static JournalEvent.NotifyConfigured notifyConfigured(JsonNode n) {
    List<JournalEvent.Webhook> hooks = new ArrayList<>();
    for (JsonNode h : field(n, "webhooks"))
      hooks.add(
          new JournalEvent.Webhook(
              text(h, "id"),
              URI.create(text(h, "url")),
              strings(field(h, "events")),
              text(h, "secret"),
              field(h, "afterSeq").asLong()));
    return new JournalEvent.NotifyConfigured(hooks);
  }

  static void encode(JournalEvent.NotifyDelivered e, ObjectNode n) {
    n.put("webhook", e.webhook());
    n.put("delivery", e.delivery());
    n.put("event", e.event());
    n.put("status", e.status());
    n.put("attempts", e.attempts());
  }

  static JournalEvent.NotifyDelivered notifyDelivered(JsonNode n, String subject) {
    return new JournalEvent.NotifyDelivered(
        text(n, "webhook"),
        subject,
        field(n, "delivery").asLong(),
        text(n, "event"),
        field(n, "status").asInt(),
        field(n, "attempts").asInt());
  }

  static void encode(JournalEvent.NotifyFailed e, ObjectNode n) {
    n.put("webhook", e.webhook());
    n.put("delivery", e.delivery());
    n.put("event", e.event());
    e.status().ifPresent(v -> n.put("status", v));
    n.put("attempts", e.attempts());
    n.put("error", e.error());
  }

  static JournalEvent.NotifyFailed notifyFailed(JsonNode n, String subject) {
    return new JournalEvent.NotifyFailed(
        text(n, "webhook"),
        subject,
        field(n, "delivery").asLong(),
        text(n, "event"),
        optLong(n, "status").map(Long::intValue),
        field(n, "attempts").asInt(),
        text(n, "error"));
  }
}
