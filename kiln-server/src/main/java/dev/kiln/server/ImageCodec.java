package dev.kiln.server;

import static dev.kiln.server.EventFields.digest;
import static dev.kiln.server.EventFields.field;
import static dev.kiln.server.EventFields.opt;
import static dev.kiln.server.EventFields.strings;
import static dev.kiln.server.EventFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The JSON of the image kinds — baked, signature verified or refused, patched, admitted against
 * advisories — for {@link EventCodec} (same rules: fixed field order).
 */
final class ImageCodec {
  private ImageCodec() {}

  static void encode(JournalEvent.ImageBaked e, ObjectNode n) {
    n.put("image", e.image());
    n.put("digest", e.digest().toString());
    n.put("blueprint", e.blueprint());
  }

  static JournalEvent.ImageBaked imageBaked(JsonNode n) {
    return new JournalEvent.ImageBaked(
        text(n, "image"), digest(n, "digest"), n.path("blueprint").asText(""));
  }

  static void encode(JournalEvent.ImageVerified e, ObjectNode n) {
    n.put("image", e.image());
    n.put("digest", e.digest().toString());
    n.put("valid", true);
    n.put("reason", e.reason());
    e.keyId().ifPresent(k -> n.put("keyId", k));
  }

  static JournalEvent.ImageVerified imageVerified(JsonNode n) {
    return new JournalEvent.ImageVerified(
        text(n, "image"), digest(n, "digest"), text(n, "reason"), opt(n, "keyId"));
  }

  static void encode(JournalEvent.ImageRefused e, ObjectNode n) {
    e.image().ifPresent(i -> n.put("image", i));
    n.put("digest", e.digest().toString());
    n.put("valid", false);
    n.put("reason", e.reason());
    e.keyId().ifPresent(k -> n.put("keyId", k));
  }

  static JournalEvent.ImageRefused imageRefused(JsonNode n) {
    return new JournalEvent.ImageRefused(
        opt(n, "image"), digest(n, "digest"), text(n, "reason"), opt(n, "keyId"));
  }

  static void encode(JournalEvent.PatchStarted e, ObjectNode n) {
    n.put("image", e.image());
    n.put("from", e.from().toString());
    n.put("to", e.to().toString());
    ArrayNode a = n.putArray("advisories");
    e.advisories().forEach(a::add);
    n.put("feed", e.feed().toString());
  }

  static JournalEvent.PatchStarted patchStarted(JsonNode n, String subject) {
    return new JournalEvent.PatchStarted(
        subject,
        text(n, "image"),
        digest(n, "from"),
        digest(n, "to"),
        strings(field(n, "advisories")),
        digest(n, "feed"));
  }

  static void encode(JournalEvent.AdmissionRefused e, ObjectNode n) {
    n.put("digest", e.digest().toString());
    n.put("denySeverity", e.denySeverity());
    ArrayNode a = n.putArray("advisories");
    e.advisories().forEach(a::add);
    n.put("feed", e.feed().toString());
  }

  static JournalEvent.AdmissionRefused admissionRefused(JsonNode n, String subject) {
    return new JournalEvent.AdmissionRefused(
        subject,
        digest(n, "digest"),
        text(n, "denySeverity"),
        strings(field(n, "advisories")),
        digest(n, "feed"));
  }

  static void encode(JournalEvent.AdmissionExcepted e, ObjectNode n) {
    n.put("digest", e.digest().toString());
    ArrayNode a = n.putArray("advisories");
    e.advisories().forEach(a::add);
  }

  static JournalEvent.AdmissionExcepted admissionExcepted(JsonNode n, String subject) {
    return new JournalEvent.AdmissionExcepted(
        subject, digest(n, "digest"), strings(field(n, "advisories")));
  }

  static void encode(JournalEvent.PolicyException e, ObjectNode n) {
    n.put("until", e.until().toString());
    n.put("reason", e.reason());
  }

  static JournalEvent.PolicyException policyException(JsonNode n, String subject) {
    return new JournalEvent.PolicyException(
        subject, Instant.parse(text(n, "until")), text(n, "reason"));
  }
}
